"""The trusted harness: hidden tests that run in the grader's own process.

A hidden test is a function ``test(student)`` registered for one grade cell
of one assignment with :func:`hidden_test`.  ``student`` calls the
submission's functions in the clean room (``student.verify(...)``) and
hands back plain data; the test compares it with the instructor's
reference using the grader's NumPy and raises ``AssertionError`` with a
short message when it is wrong.  Nothing the submission does can change a
verdict except the values it returns.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from helpers import settings as course_settings
from instructor.grading import learner_errors
from instructor.grading.cleanroom import CleanRoom, StudentError
from instructor.grading.own_work import find_routes, outside_names

_TESTS = {}      # assignment -> {grade_id: function}
_SETTINGS = {}   # assignment -> {"prelude": ..., "module": ...}


def hidden_test(grade_id):
    """Register the decorated function as the hidden test of ``grade_id``."""
    def register(function):
        module = inspect.getmodule(function)
        assignment = getattr(module, "NOTEBOOK", None) or module.ASSIGNMENT
        _TESTS.setdefault(assignment, {})[grade_id] = function
        _SETTINGS[assignment] = {
            "prelude": getattr(module, "PRELUDE", "import numpy as np"),
            "module": module.__name__,
            "call_timeout": getattr(module, "CALL_TIMEOUT",
                                    course_settings.EXERCISE_CALL_TIMEOUT),
        }
        return function
    return register


def load_hidden_tests():
    """Import every exercise module (``instructor.exercises``); return the registry."""
    from instructor import exercises

    exercises.modules()
    return _TESTS


@dataclass
class Verdict:
    """The grader's decision for one grade cell.

    ``message`` and ``notes`` are shown to the learner; ``detail`` (the
    traceback of a hidden test that failed itself) only in the report.
    """

    passed: bool
    message: str = ""
    notes: list = field(default_factory=list)
    grader_error: bool = False
    detail: str = ""


class Student:
    """The submission's answers, reachable only through plain data.

    ``student.name(*args)`` calls the function ``name`` the answers define;
    ``student.value(name)`` returns a variable; ``student.run(code, **x)``
    runs grader code beside the answers and returns its ``result``.
    """

    def __init__(self, room):
        self._room = room

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)

        def call(*args, **kwargs):
            return self._room.call(name, *args, **kwargs)
        call.__name__ = name
        return call

    def value(self, name):
        """Return the value of variable ``name`` in the answers."""
        return self._room.value(name)

    def run(self, code, timeout=None, **inputs):
        """Run ``code`` in the clean room; return its ``result`` variable."""
        return self._room.run(code, timeout=timeout, **inputs)

    def raises(self, exception, name, *args, **kwargs):
        """Return True when ``name(*args)`` raises ``exception`` (a class name)."""
        try:
            self._room.call(name, *args, **kwargs)
        except StudentError as error:
            if not error.reported:  # a time limit, an ended process
                raise
            return error.is_a(exception)
        return False


def answer_cells(notebook):
    """Return ``[(grade_id, source)]`` of the notebook's answer cells in order."""
    cells = []
    for cell in notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and meta.get("solution"):
            cells.append((meta.get("grade_id", "?"), cell.source))
    return cells


def answer_for_test(notebook):
    """Return {test grade_id: grade_id of the answer cell just before it}."""
    owner, last = {}, None
    for cell in notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            last = meta.get("grade_id")
        elif meta.get("grade"):
            owner[meta.get("grade_id")] = last
    return owner


def _student_failure(error, sources=None):
    """Return a verdict message for an exception raised by student code.

    It names the exception's type and the learner's own line, never its
    message (see :mod:`instructor.grading.learner_errors`).
    """
    return learner_errors.describe(error, sources or {})


def run_hidden_tests(notebook, assignment, grade_ids=None, call_timeout=None,
                     budget=None):
    """Run the hidden tests of ``assignment`` on a notebook's answers.

    Returns ``({grade_id: Verdict}, report)`` where ``report`` holds the
    own-work findings and the answer cells that failed to run.  ``budget``
    (seconds) bounds them all together; when it runs out, the test that
    was running and those after it fail (``report["time_budget"]``).
    """
    started = time.monotonic()
    tests = load_hidden_tests().get(assignment, {})
    settings = _SETTINGS.get(assignment, {})
    wanted = [g for g in (grade_ids or tests)]
    cells = answer_cells(notebook)
    findings = {label: find_routes(source) for label, source in cells}
    findings = {label: found for label, found in findings.items() if found}
    owners = answer_for_test(notebook)
    verdicts = {}
    missing = [g for g in wanted if g not in tests]
    for grade_id in missing:
        verdicts[grade_id] = Verdict(
            False, "No hidden test is registered for this cell (an "
            "instructor error): it scores 0 until one is added.",
            grader_error=True)
    runnable = [g for g in wanted if g in tests]
    report = {"findings": findings, "cell_errors": {}, "restarts": 0,
              "outside_names": outside_names(
                  [source for _, source in cells],
                  settings.get("prelude", ""))}
    if not runnable:
        return verdicts, report
    call_timeout = call_timeout or settings.get(
        "call_timeout", course_settings.EXERCISE_CALL_TIMEOUT)
    room = CleanRoom(cells, prelude=settings.get("prelude", ""),
                     call_timeout=call_timeout, budget=budget or None)
    with room:
        report["clean_room"] = room.describe()
        report["cell_errors"] = {label: str(error) for label, error
                                 in room.cell_errors.items()}
        student = Student(room)
        for grade_id in runnable:
            if room.budget_spent():
                report.setdefault("time_budget", {
                    "seconds": budget, "ran_out_in": None, "not_run": []})
                report["time_budget"]["not_run"].append(grade_id)
                verdicts[grade_id] = Verdict(
                    False, f"Time budget: the hidden tests of your submission "
                    f"took longer than the {budget:g} s they may take "
                    "together, so this one did not run. Make your code "
                    "faster.")
                continue
            verdicts[grade_id] = _run_one(
                tests[grade_id], student, findings.get(owners.get(grade_id)),
                room.cell_errors.get(owners.get(grade_id)))
            if room.budget_spent() and "time_budget" not in report:
                report["time_budget"] = {"seconds": budget,
                                         "ran_out_in": grade_id,
                                         "not_run": []}
        report["restarts"] = room.restarts
    report["hidden_tests_seconds"] = round(time.monotonic() - started, 2)
    if room.zygote_failure:
        report["room_zygote_failure"] = room.zygote_failure
    return verdicts, report


def _run_one(test, student, routes, cell_error):
    """Run one hidden test and return its verdict."""
    if routes:
        return Verdict(False, "Rejected: your answer reaches for course code "
                       "instead of computing the result itself (found: "
                       + "; ".join(routes) + ").")
    notes = []
    room = getattr(student, "_room", None)
    sources = dict(getattr(room, "cells", ()))
    if cell_error is not None:
        notes.append("When your answer cell was run on its own: "
                     + _student_failure(cell_error, sources))
    unanswered = cell_error is not None and learner_errors.is_stub(
        cell_error, sources)
    try:
        outcome = test(student)
    except AssertionError as error:
        return Verdict(False, str(error) or "a hidden test failed", notes)
    except StudentError as error:
        if unanswered:
            return Verdict(False, "Not answered yet (NotImplementedError).")
        return Verdict(False, _student_failure(error, sources), notes)
    except Exception:  # noqa: BLE001 - a bug in the hidden test itself
        # The traceback shows the hidden test's code: the report only.
        return Verdict(False, "The hidden test itself failed (an instructor "
                       "error); this cell scores 0 until it is fixed.",
                       notes, grader_error=True,
                       detail=traceback.format_exc(limit=3))
    if isinstance(outcome, str):
        notes.append(outcome)
    return Verdict(True, "", notes)


# -- trusted fixtures -------------------------------------------------------

_FIXTURE_DIR = None
_FIXTURES = []


def set_fixture_dir(path):
    """Cache fixtures computed by the grader under ``path``."""
    global _FIXTURE_DIR
    _FIXTURE_DIR = Path(path) if path else None


def default_fixture_dir(root):
    """Return where a course keeps its fixture cache."""
    return Path(course_settings.value("GRADING_CACHE")
                or Path(root) / ".grading_cache")


def prepare_fixtures(path, assignments=None):
    """Compute the hidden tests' fixtures into ``path`` (once per course).

    Grading workers then only read them, instead of each computing the same
    data at the start of a class.  ``assignments`` limits it to those.
    """
    load_hidden_tests()
    set_fixture_dir(path)
    for assignment, function in _FIXTURES:
        if assignments is None or assignment in assignments:
            function()


def fixture(function):
    """Cache the arrays a function returns, keyed by its module's source.

    Use it for expensive, deterministic test data (encodings of photos,
    results of a reference training step) that every student's grading
    needs: the first grading computes it, the others read it.
    """
    # The whole module: the fixture's inputs and snippets live beside it.
    source = inspect.getsource(inspect.getmodule(function))
    key = hashlib.sha256(source.encode()).hexdigest()[:16]
    memory = {}

    def cached():
        if "value" in memory:
            return memory["value"]
        path = None
        if _FIXTURE_DIR is not None:
            path = _FIXTURE_DIR / f"{function.__module__}.{function.__name__}"\
                f"-{key}.npz"
            if path.is_file():
                try:
                    with np.load(path, allow_pickle=False) as data:
                        value = {name: data[name] for name in data.files}
                    memory["value"] = value
                    return value
                except (OSError, ValueError):
                    pass
        value = {name: np.asarray(array) for name, array in function().items()}
        if path is not None:
            from helpers.assets import replaced_atomically

            path.parent.mkdir(parents=True, exist_ok=True)
            with replaced_atomically(path, suffix=".part.npz") as temporary:
                np.savez(temporary, **value)
        memory["value"] = value
        return value
    cached.__name__ = function.__name__
    module = inspect.getmodule(function)
    _FIXTURES.append((getattr(module, "NOTEBOOK", None)
                      or module.ASSIGNMENT, cached))
    return cached


def trusted_run(code, functions, **inputs):
    """Run a hidden test's clean-room snippet in the grader, on references.

    ``functions`` maps the names the snippet calls to the instructor's
    reference implementations; returns the snippet's ``result``.  Used to
    compute the expected value of a stateful test (e.g. one training step)
    with exactly the code the student's answer is run with.
    """
    import logging

    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    scope = {"np": np, "__name__": "__hidden_test__"}
    scope.update(functions)
    scope.update(inputs)
    exec(compile(code, "<hidden test, reference run>", "exec"), scope)
    return scope.get("result")


def verdicts_to_json(verdicts):
    """Return verdicts as plain data (for notebook metadata and reports)."""
    return json.loads(json.dumps({
        grade_id: {"passed": v.passed, "message": v.message,
                   "notes": v.notes, "grader_error": v.grader_error,
                   "detail": v.detail}
        for grade_id, v in verdicts.items()}))
