"""Time limits of the hidden tests: per call, per exercise, per submission.

The cheating class grades a slow but correct submission against the
budget (tests/cheats/bounds.py); these check the settings themselves with
the real preprocessor and clean room.
"""

import json
import sys
import time
import types

import nbformat
import pytest

from instructor.grading import grader_memory, harness, preprocessors
from instructor.grading.cleanroom import CleanRoom, StudentError

ASSIGNMENT = "zz_call_timeout"


def _notebook():
    answer = nbformat.v4.new_code_cell(
        "import time\n\ndef slow():\n    time.sleep(4)\n    return 1\n",
        metadata={"nbgrader": {"solution": True, "grade": False,
                               "grade_id": "slow", "locked": False}})
    test = nbformat.v4.new_code_cell(
        "slow()", metadata={"nbgrader": {
            "solution": False, "grade": True, "grade_id": "test_slow",
            "points": 1, "locked": True}})
    return nbformat.v4.new_notebook(cells=[answer, test])


@pytest.fixture
def exercise(monkeypatch):
    """Register a hidden test whose module sets CALL_TIMEOUT = 2 s."""
    module = types.ModuleType("tests_zz_call_timeout")
    module.ASSIGNMENT = ASSIGNMENT
    module.CALL_TIMEOUT = 2.0

    def test_slow(student):
        assert student.slow() == 1, "slow() must return 1"

    test_slow.__module__ = module.__name__
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(harness._TESTS, ASSIGNMENT, {})
    monkeypatch.setitem(harness._SETTINGS, ASSIGNMENT, {})
    harness.hidden_test("test_slow")(test_slow)


def _graded(tmp_path, **settings):
    folder = tmp_path / str(len(list(tmp_path.iterdir())))
    folder.mkdir()
    resources = {"nbgrader": {"assignment": ASSIGNMENT, "notebook": "zz",
                              "student": "someone"},
                 "metadata": {"path": str(folder)}}
    preprocessor = preprocessors.HiddenTests(cache_dir=str(tmp_path),
                                             **settings)
    preprocessor.preprocess(_notebook(), resources)
    report = json.loads((folder / preprocessors.REPORT_NAME).read_text())
    return report["zz"]["verdicts"]["test_slow"]


def test_an_exercises_call_timeout_applies_unless_the_instructor_sets_one(
        exercise, tmp_path, monkeypatch):
    monkeypatch.delenv("FACES_STYLES_CALL_TIMEOUT", raising=False)
    assert preprocessors.HiddenTests().call_timeout == 0
    verdict = _graded(tmp_path)
    assert not verdict["passed"] and "within 2 s" in verdict["message"], (
        verdict)
    assert _graded(tmp_path, call_timeout=8)["passed"]


def test_a_rooms_budget_cuts_the_running_call_and_refuses_the_next():
    cells = [("slow", "import time\ndef slow():\n    time.sleep(30)\n"),
             ("quick", "def quick():\n    return 7\n")]
    started = time.monotonic()
    with CleanRoom(cells, prelude="import numpy as np", call_timeout=60,
                   budget=8) as room:
        assert room.call("quick") == 7
        with pytest.raises(StudentError, match="budget of 8 s ran out"):
            room.call("slow")
        assert room.budget_spent()
        with pytest.raises(StudentError, match="had run out"):
            room.call("quick")
    assert time.monotonic() - started < 8 + 10


@pytest.mark.parametrize("name, function", [
    ("FACES_STYLES_HIDDEN_TESTS_BUDGET",
     lambda: preprocessors.HiddenTests().time_budget),
    ("FACES_STYLES_GRADER_MEMORY_GIB", grader_memory.cap_bytes),
])
def test_a_nonsense_setting_says_which_and_what_it_takes(
        name, function, monkeypatch):
    monkeypatch.setenv(name, "ten")
    with pytest.raises(ValueError, match=f"{name} must be a number"):
        function()
    monkeypatch.setenv(name, "-1")
    with pytest.raises(ValueError, match=name):
        function()
    monkeypatch.setenv(name, "0")
    assert function() == 0
