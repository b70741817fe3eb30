"""Demo cells: which cells grading may skip, and why that is safe.

Grading skips a submitted cell only when it is, unchanged, a cell tagged
``demo`` in the instructor's notebook; these tests check the tags of every
assignment and the matching.  ``test_grading_robustness`` grades honest
and tampering submissions with the demos skipped.
"""

from pathlib import Path

import nbformat
import pytest

from instructor.grading.demos import (
    bound_and_read,
    demo_problems,
    demo_sources,
    is_demo,
    matches_demo,
    skipped_by_grading,
)

REPO = Path(__file__).resolve().parent.parent
SOURCES = sorted((REPO / "solutions").glob("*/*.ipynb"))


def _code(source, tags=(), nbgrader=None):
    cell = nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    if nbgrader:
        cell.metadata["nbgrader"] = nbgrader
    return cell


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.parent.name)
def test_every_assignment_has_sound_demos(path):
    notebook = nbformat.read(path, 4)
    assert demo_problems(notebook) == []
    assert any(is_demo(cell) for cell in notebook.cells), (
        f"{path.name} tags no demo cell: grading would run every cell")


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.parent.name)
def test_released_notebooks_keep_the_demo_tags(path):
    released = REPO / "notebooks" / path.parent.name / path.name
    source_demos = demo_sources(path)
    release = nbformat.read(released, 4)
    assert {cell.source for cell in release.cells
            if is_demo(cell)} == {cell.source for cell in
                                  nbformat.read(path, 4).cells
                                  if is_demo(cell)}
    assert all(matches_demo(cell, source_demos)
               for cell in release.cells if is_demo(cell))


def test_a_demo_whose_names_are_read_later_is_refused():
    notebook = nbformat.v4.new_notebook(cells=[
        _code("import numpy as np"),
        _code("trained = np.ones(3)\nplot = 1", tags=["demo"]),
        _code("def answer(x):\n    return x + trained", nbgrader={
            "solution": True, "grade_id": "answer"}),
    ])
    problems = demo_problems(notebook)
    assert len(problems) == 1 and "binds trained" in problems[0]


def test_a_demo_may_be_followed_by_other_demos_that_read_it():
    notebook = nbformat.v4.new_notebook(cells=[
        _code("import numpy as np"),
        _code("history = [1, 2]", tags=["demo"]),
        _code("print(history)", tags=["demo"]),
        _code("value = np.zeros(2)"),
    ])
    assert demo_problems(notebook) == []


def test_an_nbgrader_cell_cannot_be_a_demo():
    notebook = nbformat.v4.new_notebook(cells=[
        _code("check(answer)", tags=["demo"], nbgrader={
            "grade": True, "grade_id": "check", "points": 1}),
    ])
    assert "is an nbgrader cell" in demo_problems(notebook)[0]


def test_bound_names_are_the_global_ones():
    bound, read = bound_and_read(
        "%matplotlib inline\n"
        "import numpy as np\nfrom os import path as p\n"
        "a, b = 1, 2\n"
        "def f(x):\n    local = x\n    global g\n    g = local\n"
        "for i in range(2):\n    pass\n"
        "squares = [k * k for k in range(3)]\n"
        "with open(p.devnull) as handle:\n    pass\n")
    assert bound == {"np", "p", "a", "b", "f", "g", "i", "squares",
                     "handle"}
    assert {"x", "local", "range", "open", "p"} <= read


def test_only_an_unchanged_demo_matches(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[
        _code("plt.plot(history)\nplt.show()", tags=["demo"]),
        _code("answer = 42"),
    ])
    path = tmp_path / "source.ipynb"
    nbformat.write(notebook, path)
    sources = demo_sources(path)
    assert matches_demo(_code("plt.plot(history)  \nplt.show()\n\n"),
                        sources)
    assert not matches_demo(_code("plt.plot(history)\nplt.show()\nx = 1"),
                            sources)
    assert not matches_demo(_code("answer = 42", tags=["demo"]), sources)
    assert not matches_demo(nbformat.v4.new_markdown_cell(
        "plt.plot(history)\nplt.show()"), sources)
    assert demo_sources(tmp_path / "missing.ipynb") == frozenset()


def test_grading_skips_demos_and_everything_after_the_last_graded_cell():
    notebook = nbformat.v4.new_notebook(cells=[
        _code("import numpy as np"),
        _code("plot()", tags=["demo"]),
        _code("def answer():\n    return 1", nbgrader={
            "solution": True, "grade": False, "grade_id": "answer"}),
        nbformat.v4.new_markdown_cell("Now the check."),
        _code("check(answer)", nbgrader={
            "solution": False, "grade": True, "grade_id": "check",
            "points": 1}),
        _code("train()"),
        _code("plot()", tags=["demo"]),
    ])
    sources = frozenset({"plot()"})
    assert skipped_by_grading(notebook, sources) == {
        1: "demo", 5: "after", 6: "after"}
    assert skipped_by_grading(notebook, sources,
                              run_after_last_grade=True) == {
        1: "demo", 6: "demo"}
    assert skipped_by_grading(notebook, frozenset()) == {5: "after",
                                                        6: "after"}
