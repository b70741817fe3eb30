"""Feedback preprocessing: what students see after grading."""

from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from nbgrader import utils


class HideHiddenTests(NbGraderPreprocessor):
    """Remove hidden test source and shorten tracebacks in graded test cells.

    nbgrader restores the hidden tests before autograding, so the autograded
    notebook (from which feedback is rendered) contains them.  This removes
    the hidden regions again and replaces each error in a test cell by its
    last line, so a failing hidden ``assert`` does not print its source.
    """

    def preprocess(self, nb, resources):
        clear = ClearHiddenTests(enforce_metadata=False)
        nb, resources = clear.preprocess(nb, resources)
        for cell in nb.cells:
            if cell.cell_type == "code" and utils.is_grade(cell):
                for output in cell.get("outputs", []):
                    if output.get("output_type") == "error":
                        output["traceback"] = [
                            f"{output.get('ename', 'Error')}: "
                            f"{output.get('evalue', '')}"
                        ]
        return nb, resources
