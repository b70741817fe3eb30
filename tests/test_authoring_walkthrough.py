"""docs/authoring.md's walk-through, followed in a temporary copy of the course.

The test reads the walk-through's marked blocks (``<!-- walkthrough: ...
-->`` before a fenced block): it adds the answer and test cells to the
solution notebook, appends the code to the files named, then runs the
commands — generate, release, the catalogue and data tests and the
sandboxed nbgrader round trip — with the copy's packages first on the
path.  It also counts the files the instructor edited by hand.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "authoring.md"
#: What the copy needs of the course (the walk-through's notebook only).
COPIED = ("helpers", "instructor", "data", "solutions/00_setup", "notebooks/00_setup",
          "tests/test_mistake_catalogue.py", "tests/test_exercise_data.py",
          "tests/test_nbgrader_roundtrip.py", "tests/conftest.py",
          "conftest.py", "pyproject.toml", "nbgrader_config.py")
BLOCK = re.compile(r"<!-- walkthrough: (?P<what>[^>]*?) -->\s*\n```\w*\n"
                   r"(?P<body>.*?)```", re.S)
NOTEBOOK = "solutions/00_setup/00_setup.ipynb"


def blocks():
    """Return [(instruction words, text)] of the guide's marked blocks."""
    found = [(match["what"].split(), match["body"])
             for match in BLOCK.finditer(GUIDE.read_text(encoding="utf-8"))]
    assert found, f"no walk-through blocks in {GUIDE}"
    return found


def copy_course(target):
    """Copy what the walk-through needs into ``target``."""
    for name in COPIED:
        source, destination = ROOT / name, target / name
        if source.is_dir():
            shutil.copytree(source, destination, ignore=shutil.ignore_patterns(
                "__pycache__", ".ipynb_checkpoints"))
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


def add_cell(course, kind, grade_id, points=None):
    """Add one nbgrader cell after the notebook's last graded cell."""
    path = course / NOTEBOOK
    notebook = nbformat.read(path, as_version=4)
    last = max(index for index, cell in enumerate(notebook.cells)
               if cell.metadata.get("nbgrader", {}).get("grade_id"))
    meta = {"grade_id": grade_id, "schema_version": 3, "locked": False,
            "grade": False, "solution": False}
    if kind == "answer-cell":
        meta["solution"] = True
    else:
        meta.update(grade=True, locked=True, points=int(points))
    return path, notebook, last, meta


def apply(course, words, body):
    """Carry out one block of the walk-through in ``course``."""
    if words[0] in ("answer-cell", "test-cell"):
        path, notebook, last, meta = add_cell(course, *words)
        cell = nbformat.v4.new_code_cell(body.rstrip("\n"))
        cell.metadata["nbgrader"] = meta
        notebook.cells.insert(last + 1, cell)
        nbformat.write(notebook, path)
        return []
    if words[0] == "append":
        path = course / words[1]
        text = path.read_text(encoding="utf-8")
        if "cases_check" in body and "    cases_check,\n" not in text:
            text = text.replace("    assert_own_function,\n",
                                "    assert_own_function,\n    cases_check,\n",
                                1)
        path.write_text(text.rstrip("\n") + "\n\n\n" + body, encoding="utf-8")
        return []
    assert words == ["run"], f"unknown walk-through block {words}"
    return [line for line in body.splitlines() if line.strip()]


def snapshot(course):
    """Return {relative name: bytes} of the course's files."""
    return {path.relative_to(course).as_posix(): path.read_bytes()
            for path in sorted(course.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts
            and not any(part.startswith(".") for part in
                        path.relative_to(course).parts)}


def changed_files(before, after):
    """Return the names of files added or changed between two snapshots."""
    return [name for name, data in after.items() if before.get(name) != data]


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    course = tmp_path_factory.mktemp("walkthrough") / "course"
    copy_course(course)
    before = snapshot(course)
    commands = []
    for words, body in blocks():
        commands += apply(course, words, body)
    environment = dict(os.environ, PYTHONPATH=str(course))
    runs = []
    for command in commands:
        assert command.startswith(".venv/bin/python "), command
        argv = [sys.executable, *command.split()[1:]]
        result = subprocess.run(argv, cwd=course, env=environment, text=True,
                                capture_output=True, timeout=900)
        runs.append((command, result))
    return course, runs, changed_files(before, snapshot(course))


def test_the_walkthrough_commands_succeed(walked):
    _, runs, _ = walked
    assert len(runs) >= 3
    for command, result in runs:
        assert result.returncode == 0, (
            f"'{command}' failed:\n{result.stdout[-3000:]}\n"
            f"{result.stderr[-3000:]}")


#: Grades the released notebook, filled in, with the hidden test in the
#: clean room (the copy's packages first on the path).
GRADE = """
import json, sys
import nbformat
from instructor.course.scratch import fill_in_answers
from instructor.grading import harness
release = nbformat.read("notebooks/00_setup/00_setup.ipynb", as_version=4)
source = nbformat.read("solutions/00_setup/00_setup.ipynb", as_version=4)
notebook = fill_in_answers(release, source)
wrong = "def flip_horizontal(image):\\n    return image[::-1]\\n"
results = {}
for label in ("honest", "upside down"):
    if label != "honest":
        for cell in notebook.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == (
                    "flip_horizontal"):
                cell.source = wrong
    verdicts, _ = harness.run_hidden_tests(
        notebook, "00_setup", ["test_flip_horizontal"])
    verdict = verdicts["test_flip_horizontal"]
    results[label] = [verdict.passed, verdict.message]
print(json.dumps(results))
"""


def test_the_new_exercise_is_checked_and_graded(walked):
    course, runs, _ = walked
    catalogue = next(result.stdout for command, result in runs
                     if "test_mistake_catalogue" in command)
    count = int(re.search(r"(\d+) passed", catalogue)[1])
    assert count >= 30, catalogue[-2000:]
    result = subprocess.run(
        [sys.executable, "-c", GRADE], cwd=course, text=True,
        capture_output=True, timeout=600,
        env=dict(os.environ, PYTHONPATH=str(course)))
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads(result.stdout.strip().splitlines()[-1])
    assert results["honest"] == [True, ""], results
    assert results["upside down"][0] is False, results
    assert "mirrored" in results["upside down"][1], results


def test_the_copy_holds_the_generated_exercise(walked):
    course, _, _ = walked
    data = (course / "helpers/checks/expected/nb00_setup.json").read_text()
    assert '"flip_horizontal"' in data and "upside down" in data
    released = nbformat.read(course / "notebooks/00_setup/00_setup.ipynb",
                             as_version=4)
    answer = next(cell for cell in released.cells
                  if cell.metadata.get("nbgrader", {}).get("grade_id")
                  == "flip_horizontal")
    assert "raise NotImplementedError" in answer.source
    assert "::-1" not in answer.source


def test_adding_an_exercise_takes_three_hand_edited_files(walked):
    _, _, changed = walked
    generated = {"helpers/checks/expected/nb00_setup.json",
                 "notebooks/00_setup/00_setup.ipynb"}
    edited = [name for name in changed
              if name not in generated and not name.startswith(
                  ("gradebook", "release", "source"))]
    assert edited == ["helpers/checks/nb00_setup.py",
                      "instructor/exercises/nb00_setup.py", NOTEBOOK], edited
