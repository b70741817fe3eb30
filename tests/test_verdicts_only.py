"""Grading from the hidden tests alone (FACES_STYLES_VERDICTS_ONLY=1).

A class of the small 00_setup assignment (to_unit_range, 2 points;
center_crop, 1 point) is graded without executing any notebook.  Honest
work keeps full marks, the untouched release and cheats score what they
score in the default mode, and no kernel runs.  One difference is by
design: a notebook that crashes outside its answers still gets the points
its answers earn.
"""

import nbformat
import pytest
from nbgrader.api import Gradebook

from instructor.course import manage, scratch
from instructor.course.reports import grading_report
from instructor.grading.preprocessors import (
    VERDICTS_ONLY_ENV,
    VERDICTS_ONLY_NOTE,
)

ASSIGNMENT = "00_setup"
NOTEBOOK = "00_setup.ipynb"
WRONG = '''import numpy as np
import helpers.checks.nb00_setup as checks
checks.check_to_unit_range = lambda f: print("all public tests passed.")


def to_unit_range(image):
    return np.zeros((1, 1, 3), np.float32)
'''


def _cells(notebook, key):
    return [c for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get(key)]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("verdicts_only")
    scratch.temporary_course(root, [ASSIGNMENT])
    release = nbformat.read(root / "notebooks" / ASSIGNMENT / NOTEBOOK, 4)
    source = nbformat.read(root / "solutions" / ASSIGNMENT / NOTEBOOK, 4)

    def submit(student, notebook):
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / NOTEBOOK)

    submit("honest", scratch.fill_in_answers(release, source))
    submit("untouched", release)
    cheat = scratch.fill_in_answers(release, source)
    _cells(cheat, "solution")[0].source = WRONG
    submit("patched_check", cheat)
    killer = scratch.fill_in_answers(release, source)
    _cells(killer, "solution")[0].source = "import os\nos._exit(1)"
    submit("answer_kills", killer)
    crash = scratch.fill_in_answers(release, source)
    crash.cells.insert(0, nbformat.v4.new_code_cell("import os\nos._exit(1)"))
    submit("crash_outside_answers", crash)

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(VERDICTS_ONLY_ENV, "1")
        reports = manage.autograde([ASSIGNMENT], root=root, workers=2)
    return root, reports[ASSIGNMENT]


def _grades(root, student):
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student)
        return {grade.name: grade.score for notebook in submission.notebooks
                for grade in notebook.grades}


def test_scores_come_from_the_hidden_tests(graded):
    root, reports = graded
    assert all(report["graded"] for report in reports.values()), reports
    assert tuple(reports["honest"]["score"]) == (3, 3)
    assert reports["untouched"]["score"][0] == 0
    for student in ("patched_check", "answer_kills"):
        grades = _grades(root, student)
        assert grades["test_to_unit_range"] == 0, (student, grades)
        assert grades["test_center_crop"] == 1, (student, grades)


def test_a_crash_outside_the_answers_costs_nothing(graded):
    _, reports = graded
    score, max_score = reports["crash_outside_answers"]["score"]
    assert score == max_score == 3


def test_no_notebook_is_executed(graded):
    root, _ = graded
    for student in ("honest", "crash_outside_answers"):
        notebook = nbformat.read(root / "autograded" / student / ASSIGNMENT
                                 / NOTEBOOK, 4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert all(cell.execution_count is None for cell in code)
        assert code[0].outputs[0]["text"] == VERDICTS_ONLY_NOTE
        for cell in _cells(notebook, "grade"):
            text = "".join(output.get("text", "") for output in cell.outputs)
            assert "Hidden tests: passed." in text
        report = grading_report(ASSIGNMENT, student, root)
        assert report[NOTEBOOK[:-len(".ipynb")]]["execution"][
            "executed"] is False
