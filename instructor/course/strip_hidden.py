"""Remove in-notebook hidden tests from source notebooks (one-off helper).

Hidden tests live in ``instructor/hidden_tests`` and run in the trusted
grader; a test cell of ``solutions/`` keeps only its public check.
"""

import re
import sys
from pathlib import Path

import nbformat

HIDDEN = re.compile(r"\n?### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?",
                    re.DOTALL)
NOTE = ("# When you submit, the grader runs more tests on your function, "
        "in a\n# separate process, with other inputs.")


def strip(path):
    """Drop the hidden-test block of every test cell; return how many."""
    notebook = nbformat.read(path, as_version=4)
    count = 0
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and "### BEGIN HIDDEN TESTS" in cell.source:
            cell.source = HIDDEN.sub("\n", cell.source).rstrip("\n")
            if NOTE not in cell.source and not meta.get("grade_id", "").startswith("test_quiz"):
                cell.source += "\n" + NOTE
            count += 1
    nbformat.write(notebook, path)
    return count


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(name, strip(Path(name)))
