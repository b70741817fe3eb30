"""Grading a class: bad submissions are reported, nobody else suffers.

Uses the small 00_setup assignment.  Six students are graded in parallel
with ``instructor.course.manage.autograde``; feedback is then generated.
"""

from pathlib import Path

import nbformat
import pytest

from instructor.course import manage

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENT = "00_setup"
NOTEBOOK = "00_setup.ipynb"


def _cells(notebook, key):
    return [c for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get(key)]


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    manage.temporary_course(root, [ASSIGNMENT])
    release = nbformat.read(root / "notebooks" / ASSIGNMENT / NOTEBOOK, 4)
    source = nbformat.read(root / "solutions" / ASSIGNMENT / NOTEBOOK, 4)
    def solved():
        return manage.fill_in_answers(release, source)

    def submit(student, notebook, name=NOTEBOOK):
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        if notebook is not None:
            nbformat.write(notebook, folder / name)

    submit("good", solved())
    killer = solved()
    _cells(killer, "solution")[0].source = "import os\nos._exit(1)"
    submit("kernel_killer", killer)
    deleted = solved()
    deleted.cells.remove(_cells(deleted, "grade")[-1])
    submit("deleted_test", deleted)
    submit("renamed", solved(), name="my_work.ipynb")
    submit("missing", None)
    unicode = solved()
    _cells(unicode, "solution")[0].source += (
        "\nprint('Grüße, Zoë — 顔認識 ✓ 🙂')")
    submit("unicode", unicode)

    reports = manage.autograde([ASSIGNMENT], root=root, workers=2)[ASSIGNMENT]
    return root, reports


def test_good_and_unicode_submissions_get_full_marks(graded_class):
    _, reports = graded_class
    for student in ("good", "unicode"):
        assert reports[student]["graded"], reports[student]
        score, max_score = reports[student]["score"]
        assert score == max_score > 0


def test_deleted_test_cell_is_restored_and_graded(graded_class):
    root, reports = graded_class
    assert reports["deleted_test"]["graded"]
    score, max_score = reports["deleted_test"]["score"]
    assert score == max_score
    graded = nbformat.read(root / "autograded" / "deleted_test" / ASSIGNMENT
                           / NOTEBOOK, 4)
    source = nbformat.read(REPO / "solutions" / ASSIGNMENT / NOTEBOOK, 4)
    assert len(_cells(graded, "grade")) == len(_cells(source, "grade"))


def test_kernel_killer_is_graded_and_flagged(graded_class):
    _, reports = graded_class
    report = reports["kernel_killer"]
    assert report["graded"], report
    score, max_score = report["score"]
    assert score == 0 < max_score
    assert any("kernel died" in problem for problem in report["problems"])


def test_renamed_and_missing_notebooks_are_reported(graded_class):
    _, reports = graded_class
    assert any("my_work.ipynb is not part of the assignment" in p
               for p in reports["renamed"]["problems"])
    assert any(f"{NOTEBOOK} is missing" in p
               for p in reports["missing"]["problems"])
    assert not reports["missing"]["graded"]


def test_gradebook_keeps_every_graded_student(graded_class):
    root, _ = graded_class
    totals = manage.scores(ASSIGNMENT, root=root)
    assert {"good", "unicode", "deleted_test"} <= set(totals)


def test_feedback_hides_hidden_tests(graded_class):
    root, _ = graded_class
    manage.feedback([ASSIGNMENT], root=root)
    html = (root / "feedback" / "good" / ASSIGNMENT
            / NOTEBOOK.replace(".ipynb", ".html")).read_text()
    # Hidden tests live in the grader (instructor/hidden_tests), never in
    # a notebook: neither their code nor their inputs reach the feedback.
    hidden = (REPO / "instructor" / "hidden_tests" / "setup.py").read_text()
    assert "tall = np.arange(9 * 4).reshape(9, 4)" in hidden
    assert "np.arange(9 * 4)" not in html
    assert "Hidden tests: passed." in html
    unicode_html = (root / "feedback" / "unicode" / ASSIGNMENT
                    / NOTEBOOK.replace(".ipynb", ".html")).read_text(
                        encoding="utf-8")
    assert "顔認識" in unicode_html
