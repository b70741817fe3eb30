"""Grading a class: bad submissions are reported, nobody else suffers.

Uses the small 00_setup assignment.  Nine students are graded in parallel
with ``instructor.course.manage.autograde``; feedback is then generated.
Demo cells (tagged in the instructor's notebook) are skipped, as are the
cells after the last graded one, whatever a submission does to its tags.
"""

from pathlib import Path

import nbformat
import pytest

from instructor.course import manage, scratch
from instructor.course.reports import grading_report
from instructor.grading.demos import SKIPPED_NOTE, is_demo
from instructor.grading.preprocessors import NOT_RUN_NOTE

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENT = "00_setup"
NOTEBOOK = "00_setup.ipynb"


def _cells(notebook, key):
    return [c for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get(key)]


def _demo_cells(notebook, source):
    """Return the cells of ``notebook`` that are demos of ``source``."""
    demos = {cell.source for cell in source.cells if is_demo(cell)}
    return [cell for cell in notebook.cells if cell.source in demos]


def _graded(root, student):
    return nbformat.read(root / "autograded" / student / ASSIGNMENT
                         / NOTEBOOK, 4)


def _text(cell):
    return "".join(output.get("text", "") for output in cell.outputs)


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    scratch.temporary_course(root, [ASSIGNMENT])
    release = nbformat.read(root / "notebooks" / ASSIGNMENT / NOTEBOOK, 4)
    source = nbformat.read(root / "solutions" / ASSIGNMENT / NOTEBOOK, 4)
    def solved():
        return scratch.fill_in_answers(release, source)

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
    forged = solved()
    for cell in forged.cells:
        if cell.metadata.get("nbgrader", {}).get("solution") or (
                cell.metadata.get("nbgrader", {}).get("grade")):
            cell.metadata["tags"] = ["demo"]
    submit("forged_tags", forged)
    edited = solved()
    _demo_cells(edited, source)[0].source += '\nprint("my own demo run")'
    submit("edited_demo", edited)
    reader = solved()
    # Image is imported by a demo cell only: the grader must run the demos.
    _cells(reader, "solution")[-1].source += "\nprint(Image.__name__)"
    submit("demo_reader", reader)

    reports = manage.autograde([ASSIGNMENT], root=root, workers=2)[ASSIGNMENT]
    return root, reports


def test_good_and_unicode_submissions_get_full_marks(graded_class):
    _, reports = graded_class
    for student in ("good", "unicode", "forged_tags", "edited_demo"):
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
    # Hidden tests live in the grader (instructor/exercises), never in
    # a notebook: neither their code nor their inputs reach the feedback.
    hidden = (REPO / "instructor" / "exercises" / "nb00_setup.py").read_text()
    assert "tall = np.arange(19 * 11).reshape(19, 11)" in hidden
    assert "np.arange(19 * 11)" not in html
    assert "Hidden tests: passed." in html
    unicode_html = (root / "feedback" / "unicode" / ASSIGNMENT
                    / NOTEBOOK.replace(".ipynb", ".html")).read_text(
                        encoding="utf-8")
    assert "顔認識" in unicode_html


def test_demos_and_cells_after_the_last_grade_are_not_run(graded_class):
    root, _ = graded_class
    source = nbformat.read(root / "solutions" / ASSIGNMENT / NOTEBOOK, 4)
    graded = _graded(root, "good")
    code = [cell for cell in graded.cells if cell.cell_type == "code"]
    last = max(index for index, cell in enumerate(code)
               if cell.metadata.get("nbgrader", {}).get("grade"))
    demos = _demo_cells(graded, source)
    before = [cell for cell in demos if code.index(cell) < last]
    assert before, "00_setup has demo cells before its last graded cell"
    for cell in before:
        assert _text(cell) == SKIPPED_NOTE and cell.execution_count is None
    assert code[last + 1:], "00_setup has cells after its last graded cell"
    for cell in code[last + 1:]:
        assert _text(cell) == NOT_RUN_NOTE
    for cell in code[1:last + 1]:
        if cell not in demos:
            assert cell.execution_count is not None, cell.source[:60]
    report = grading_report(ASSIGNMENT, "good", root)
    execution = report[NOTEBOOK.replace(".ipynb", "")]["execution"]
    assert execution["demos_skipped"]
    assert execution["not_run_after"] is not None


def test_tags_in_a_submission_are_not_trusted(graded_class):
    root, _ = graded_class
    graded = _graded(root, "forged_tags")
    for cell in _cells(graded, "solution"):
        assert cell.execution_count is not None
        assert _text(cell) != SKIPPED_NOTE


def test_an_edited_demo_runs(graded_class):
    root, _ = graded_class
    source = nbformat.read(root / "solutions" / ASSIGNMENT / NOTEBOOK, 4)
    graded = _graded(root, "edited_demo")
    edited = [cell for cell in graded.cells
              if "my own demo run" in cell.source]
    assert len(edited) == 1
    assert "my own demo run" in _text(edited[0])
    assert len(_demo_cells(graded, source)) == len(
        _demo_cells(_graded(root, "good"), source)) - 1


def test_answers_that_read_a_demo_name_are_graded_with_the_demos(
        graded_class):
    root, reports = graded_class
    report = grading_report(ASSIGNMENT, "demo_reader", root)
    execution = report[NOTEBOOK.replace(".ipynb", "")]["execution"]
    assert execution["demos_run_because"] == ["Image"]
    assert execution["demos_skipped"] == []
    graded = _graded(root, "demo_reader")
    answer = _cells(graded, "solution")[-1]
    assert not [output for output in answer.outputs
                if output.output_type == "error"], answer.outputs
    assert "Image" in _text(answer)
    assert any("only demo cells define" in problem
               for problem in reports["demo_reader"]["problems"])
