"""The nbgrader round trip of every assignment, in a temporary course.

For each assignment under ``solutions/`` the source is released with
``nbgrader generate_assignment`` into a temporary course directory; the
result must be identical to the committed ``notebooks/``.  Then three
submissions are autograded (in parallel, each in its own copy of the
course):

* ``solution``: the release notebook with the solution code filled in and
  recorded under another kernel name - full marks;
* ``untouched``: the release notebook as handed out - 0 on every test cell,
  no crash;
* ``adversary`` (00_setup only: the machinery is the same for every
  assignment): the solution with the first read-only test cell rewritten
  to fail and an infinite loop at the top of the last answer cell - the
  original test is used (full marks there), the loop is stopped by the
  per-cell timeout, the test cells after it score 0, all others full marks.

Beside the grading, the solution notebook runs once as a learner runs it
(quick configuration, demos and the cells after the last test included:
grading skips those, and they hold most figures); no figure of that run or
of the graded solution may be blank or saturated.
"""

import base64

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from instructor.course.caches import prepare
from instructor.course.course_dir import assignments
from instructor.course.scratch import fill_in_answers, write_course_config
from helpers.figure_checks import panel_problems
from helpers.notebook import REPRODUCIBLE_ENV

REPO = Path(__file__).resolve().parent.parent
CELL_TIMEOUT = 30
#: The assignment whose round trip also grades the adversary.
MACHINERY_ASSIGNMENT = "00_setup"
INFINITE_LOOP = "import time\nwhile True:  # never ends\n    time.sleep(0.1)\n"


def run_nbgrader(root, *args):
    env = dict(os.environ, FACES_STYLES_CELL_TIMEOUT=str(CELL_TIMEOUT))
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    return subprocess.Popen(
        [sys.executable, "-m", "nbgrader", *args], cwd=root, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def finish(process):
    output, _ = process.communicate(timeout=1500)
    assert process.returncode == 0, output
    return output


def run_as_learner(notebook_path, output_dir):
    """Start executing a notebook as a learner does (quick configuration)."""
    env = dict(os.environ, FACES_STYLES_QUICK="1", **REPRODUCIBLE_ENV)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    return subprocess.Popen(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
         "--execute", "--ExecutePreprocessor.timeout=600",
         "--output-dir", str(output_dir), str(notebook_path)],
        cwd=notebook_path.parent, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)


def figure_problems(notebook):
    """Return 'cell N (...): problem' for every blank or saturated figure."""
    found = []
    for index, cell in enumerate(notebook.cells):
        pictures = [output["data"]["image/png"]
                    for output in cell.get("outputs", [])
                    if "image/png" in output.get("data", {})]
        for number, picture in enumerate(pictures):
            for box, problem in panel_problems(base64.b64decode(picture)):
                found.append(
                    f"cell {index} ({cell.source.strip()[:50]!r}), figure "
                    f"{number}, pixels (top, left, bottom, right) {box}: "
                    f"{problem}")
    return found


def nbgrader_cells(notebook, kind):
    """Return cells that are answer cells ('solution') or test cells."""
    key = "solution" if kind == "solution" else "grade"
    return [
        cell for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get(key)
    ]


def submit(root, student, assignment, notebook_name, notebook):
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / notebook_name)


def grades(root, assignment, student):
    """Return {grade_id: (score, max_score)} for one autograded notebook."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(assignment, student)
        return {
            grade.name: (grade.score, grade.max_score)
            for notebook in submission.notebooks
            for grade in notebook.grades
        }


@pytest.fixture(scope="module", params=assignments(REPO))
def round_trip(request, tmp_path_factory):
    assignment = request.param
    base = tmp_path_factory.mktemp(assignment)
    course = base / "course"
    write_course_config(course)
    shutil.copytree(REPO / "solutions" / assignment,
                    course / "solutions" / assignment,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    finish(run_nbgrader(course, "generate_assignment", assignment, "--force"))
    # What `make autograde` does first: the sandboxed kernels read the data
    # cache read-only, so LFW, the face encoder and the fixtures must be ready.
    prepare(course, [assignment])

    released = {}
    submissions = {"solution": {}, "untouched": {}}
    if assignment == MACHINERY_ASSIGNMENT:
        submissions["adversary"] = {}
    for path in sorted((course / "notebooks" / assignment).glob("*.ipynb")):
        release = nbformat.read(path, as_version=4)
        source = nbformat.read(
            course / "solutions" / assignment / path.name, as_version=4)
        released[path.name] = path
        solution = fill_in_answers(release, source)
        solution.metadata["kernelspec"] = {
            "name": "some-other-kernel", "display_name": "Other",
            "language": "python"}
        submissions["solution"][path.name] = solution
        submissions["untouched"][path.name] = release
        if "adversary" in submissions:
            adversary = fill_in_answers(release, source)
            nbgrader_cells(adversary, "grade")[0].source = (
                "raise AssertionError('a rewritten test cell')")
            last_answer = nbgrader_cells(adversary, "solution")[-1]
            last_answer.source = INFINITE_LOOP + last_answer.source
            submissions["adversary"][path.name] = adversary

    processes = {}
    for student, notebooks in submissions.items():
        root = base / student
        shutil.copytree(course, root)
        write_course_config(root)  # point the copied config at this copy
        for name, notebook in notebooks.items():
            submit(root, student, assignment, name, notebook)
        processes[student] = run_nbgrader(
            root, "autograde", assignment, "--create")
    learner_runs = {
        name: run_as_learner(course / "solutions" / assignment / name,
                             base / "learner_run")
        for name in released}
    logs = {student: finish(p) for student, p in processes.items()}
    for name, process in learner_runs.items():
        logs[f"learner run of {name}"] = finish(process)
    return {
        "assignment": assignment,
        "base": base,
        "released": released,
        "logs": logs,
        "grades": {
            student: grades(base / student, assignment, student)
            for student in submissions
        },
    }


def test_release_matches_committed_notebooks(round_trip):
    for name, path in round_trip["released"].items():
        committed = REPO / "notebooks" / round_trip["assignment"] / name
        assert committed.exists(), (
            f"{committed} is missing: run `make release`.")
        assert path.read_text() == committed.read_text(), (
            f"{committed} differs from what nbgrader generates from "
            "solutions/: run `make release` and commit the result.")


def test_solution_gets_full_marks(round_trip):
    scores = round_trip["grades"]["solution"]
    assert scores, "no graded cells found"
    missing = {k: v for k, v in scores.items() if v[0] != v[1]}
    assert not missing, (
        f"solution lost points: {missing}\n{round_trip['logs']['solution']}")


def test_no_figure_is_blank_or_saturated(round_trip):
    base, assignment = round_trip["base"], round_trip["assignment"]
    problems = []
    for name in round_trip["released"]:
        graded = base / "solution" / "autograded" / "solution" / assignment
        for kind, path in [("learner run", base / "learner_run" / name),
                           ("graded solution", graded / name)]:
            notebook = nbformat.read(path, as_version=4)
            problems += [f"{kind} of {name}: {problem}"
                         for problem in figure_problems(notebook)]
    assert not problems, "\n".join(problems)


def test_untouched_release_scores_zero(round_trip):
    scores = round_trip["grades"]["untouched"]
    assert scores, "no graded cells found"
    earned = {k: v for k, v in scores.items() if v[0] != 0}
    assert not earned, f"untouched notebook earned points: {earned}"


@pytest.mark.parametrize("round_trip", [MACHINERY_ASSIGNMENT], indirect=True)
def test_tampered_test_and_infinite_loop(round_trip):
    assignment = round_trip["assignment"]
    base = round_trip["base"]
    scores = round_trip["grades"]["adversary"]
    for name in round_trip["released"]:
        graded = nbformat.read(
            base / "adversary" / "autograded" / "adversary" / assignment
            / name, as_version=4)
        source = nbformat.read(
            REPO / "solutions" / assignment / name, as_version=4)
        first_test = nbgrader_cells(graded, "grade")[0]
        assert first_test.source == nbgrader_cells(source, "grade")[0].source
        assert scores[first_test.metadata.nbgrader["grade_id"]][0] == (
            first_test.metadata.nbgrader["points"]), (
            "the rewritten test cell was not replaced by the original")

        cells = graded.cells
        loop_index = cells.index(nbgrader_cells(graded, "solution")[-1])
        errors = [o for o in cells[loop_index].outputs
                  if o.output_type == "error"]
        assert errors, "the infinite loop was not stopped with an error"
        for index, cell in enumerate(cells):
            meta = cell.metadata.get("nbgrader", {})
            if not meta.get("grade") or cell is first_test:
                continue
            score, max_score = scores[meta["grade_id"]]
            expected = 0 if index > loop_index else max_score
            assert score == expected, (
                f"{meta['grade_id']}: scored {score}, expected {expected}")
