"""Feedback leaks no hidden test: no input, no expected value, no quiz key.

For every assignment the hidden tests run twice on the released notebook:
once with the solution's answers, recording every request to the clean
room and the right answer's reply (the hidden inputs and the expected
values), and then with wrong answers: each catalogued mistake
(``instructor/exercises``), answers that hand their inputs back (as a string or
as the returned array) and answers that raise exceptions whose message or
class name is their input.  No verdict of a wrong answer may show a
hidden input, an expected value or, for the quiz, the right answer or its
explanation.
"""

import re

import nbformat
import numpy as np
import pytest

from helpers.quiz import describe_answer
from instructor import exercises
from instructor.exercises.nb06_quiz_and_convolutions import QUESTIONS
from instructor.course import manage, scratch
from instructor.grading import harness
from instructor.grading.cleanroom import CleanRoom, StudentError
from instructor.grading.protocol import Tensor

ROOT = manage.REPO_ROOT
CATALOGUE = exercises.NOTEBOOKS
#: Assignments whose clean room imports TensorFlow (seconds per room):
#: fewer variants of wrong answers.
WITH_TENSORFLOW = {"03_siamese_triplet", "04_binary_verification",
                   "05_style_transfer"}
#: Answers that hand back what they were given; {name} is the exercise.
HOSTILE = [
    "def {name}(*args, **kwargs):\n    return repr((args, kwargs))\n",
    "def {name}(*args, **kwargs):\n"
    "    return np.asarray(args[0], dtype=float)\n",
    "def {name}(*args, **kwargs):\n"
    "    raise ValueError(repr((args, kwargs)))\n",
    "def {name}(*args, **kwargs):\n"
    "    raise type(repr(args)[:90], (ValueError,), {{}})()\n",
    # A difference from zero is the expected value itself.
    "def {name}(*args, **kwargs):\n    return 0.0\n",
]
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _release_with_answers(assignment):
    """Return the released notebook filled in with the solution's answers."""
    release = nbformat.read(
        ROOT / "notebooks" / assignment / f"{assignment}.ipynb", 4)
    source = nbformat.read(
        ROOT / "solutions" / assignment / f"{assignment}.ipynb", 4)
    return scratch.fill_in_answers(release, source)


def _replace(notebook, definitions):
    """Return a copy whose answer cells end with ``definitions`` {name: src}.

    A definition appended to the cell that defines the exercise replaces
    the right one when the clean room runs the cell.
    """
    notebook = nbformat.from_dict(notebook)
    for cell in notebook.cells:
        if not cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        for name, source in definitions.items():
            if re.search(rf"^def {name}\(", cell.source, re.MULTILINE):
                cell.source += "\n\n" + source
    return notebook


def _wrong_quiz(notebook):
    """Return a copy whose quiz answers are all wrong."""
    from instructor.exercises.nb06_quiz_and_convolutions import KEY

    lines = []
    for question, (correct, _) in KEY.items():
        kind, options = QUESTIONS[question]
        if kind == "true_false":
            wrong = not correct
        elif kind == "one_letter":
            wrong = next(letter for letter in options if letter != correct)
        else:
            wrong = {"a"} if correct != {"a"} else {"b"}
        lines.append(f"ANSWER_{question} = {wrong!r}")
    notebook = nbformat.from_dict(notebook)
    for cell in notebook.cells:
        if "ANSWER_Q" in cell.source and cell.metadata.get(
                "nbgrader", {}).get("solution"):
            cell.source += "\n" + "\n".join(lines) + "\n"
    return notebook


def _variants(assignment, notebook):
    """Return {label: notebook} of wrong answers for ``assignment``."""
    module = exercises.load(assignment)
    mistakes = {item.name: [module.PRELUDE + "\n" + mistake.source
                            for mistake in item.mistakes]
                for item in module.EXERCISES}
    count = max(len(found) for found in mistakes.values())
    rounds = range(2 if assignment in WITH_TENSORFLOW else count)
    variants = {f"mistakes {k}": _replace(notebook, {
        name: found[k % len(found)] for name, found in mistakes.items()})
        for k in rounds}
    for shift in range(2 if assignment in WITH_TENSORFLOW else len(HOSTILE)):
        variants[f"hostile {shift}"] = _replace(notebook, {
            name: HOSTILE[(index + shift) % len(HOSTILE)].format(name=name)
            for index, name in enumerate(mistakes)})
    if assignment == "06_quiz_and_convolutions":
        for label in variants:
            variants[label] = _wrong_quiz(variants[label])
    return variants


class Recorder:
    """Keeps every request the hidden tests send and the reply they get."""

    def __init__(self, monkeypatch):
        self.requests = []
        for method in ("call", "run", "value"):
            monkeypatch.setattr(CleanRoom, method, self._wrap(
                method, getattr(CleanRoom, method)))

    def _wrap(self, name, method):
        def recorded(room, *args, **kwargs):
            entry = {"op": name, "inputs": [args, kwargs], "reply": None}
            self.requests.append(entry)
            try:
                entry["reply"] = method(room, *args, **kwargs)
            except StudentError:
                entry["reply"] = None
                raise
            return entry["reply"]
        return recorded


def _numbers(value):
    """Return the numbers a value holds, in order, as a float array."""
    found = []

    def walk(item):
        if isinstance(item, Tensor):
            item = item.array
        if isinstance(item, dict):
            for key, part in item.items():
                walk(key)
                walk(part)
        elif isinstance(item, (list, tuple, set, frozenset)):
            for part in item:
                walk(part)
        elif isinstance(item, (bool, np.bool_, str)) or item is None:
            return
        elif isinstance(item, (int, float, np.number, np.ndarray)):
            array = np.asarray(item)
            if array.dtype.kind in "iuf":
                found.extend(array.astype(float).ravel().tolist())
    walk(value)
    return np.array(found)


def _strings(value):
    """Return the strings (names, codes) a value holds."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, part in value.items()
                for s in _strings(key) + _strings(part)]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [s for part in value for s in _strings(part)]
    return []


def _distinctive(window):
    """True when a run of numbers is more than small counts (axes, sizes)."""
    return any(v != round(v) or abs(v) > 64 for v in window)


def _has_run(numbers, sequence, length=3):
    """Return a run of ``length`` message numbers found in ``sequence``."""
    if len(sequence) < length:
        return None
    for start in range(len(numbers) - length + 1):
        window = numbers[start:start + length]
        if not _distinctive(window):
            continue
        match = np.ones(len(sequence) - length + 1, bool)
        for offset, value in enumerate(window):
            match &= np.isclose(sequence[offset:len(sequence) - length
                                         + 1 + offset], value,
                                rtol=1e-4, atol=1e-6)
        if match.any():
            return window
    return None


def _leaks(text, requests):
    """Return what of the hidden inputs and expected values ``text`` shows.

    Names are not data: the functions called (by name, or as a snippet's
    ``name`` input), the keys of a snippet's result, and the keys of an
    input (layer or people's names; the name an answer must return is
    still looked for).
    """
    found = []
    numbers = [float(n) for n in NUMBER.findall(text)]
    names = {entry["inputs"][0][0] for entry in requests
             if entry["op"] == "call"}
    names |= {key for entry in requests if isinstance(entry["reply"], dict)
              for key in entry["reply"]}
    for entry in requests:
        # The first argument names the function or variable, or is the
        # snippet's code: no line of that may show.  Keyword names do.
        (first, *args), kwargs = entry["inputs"]
        if entry["op"] == "run":
            found += [f"the snippet's line {line.strip()!r}"
                      for line in first.splitlines()
                      if len(line.strip()) >= 12 and line.strip() in text]
        keys = {key for value in [*args, *kwargs.values()]
                if isinstance(value, dict) for key in value}
        for kind, value in (("input", [args, list(kwargs.values())]),
                            ("expected value", entry["reply"])):
            run = _has_run(numbers, _numbers(value))
            if run is not None:
                found.append(f"numbers {run} of an {kind}")
            for string in _strings(value):
                if len(string) >= 6 and string not in names and not (
                        kind == "input" and string in keys) and \
                        string in text:
                    found.append(f"the string {string!r} of an {kind}")
            if (isinstance(value, tuple) and len(value) > 1
                    and repr(value) in text):
                found.append(f"{value!r}, an {kind}")
        call = repr(tuple(args))
        if args and len(call) > 8 and call in text:
            found.append(f"the arguments {call}")
        # A few numbers (a distance, an accuracy): none of them may show.
        expected = _numbers(entry["reply"])
        for want in expected if len(expected) <= 4 else ():
            if _distinctive([want]) and any(
                    np.isclose(n, want, rtol=1e-3, atol=0) for n in numbers):
                found.append(f"the expected value {want:g}")
    return found


def _quiz_leaks(verdicts):
    """Return the right answers and explanations the quiz's failures show."""
    from instructor.exercises.nb06_quiz_and_convolutions import KEY

    found = []
    for question, (correct, explanation) in KEY.items():
        verdict = verdicts.get(f"test_quiz_{question.lower()}")
        if verdict is None or verdict.passed:
            continue
        text = "\n".join([verdict.message, *verdict.notes])
        if explanation[:60] in text or explanation[-60:] in text:
            found.append(f"{question}: its explanation")
        shown = describe_answer(frozenset(correct) if isinstance(
            correct, set) else correct)
        if re.search(rf"(?<!\w){re.escape(shown)}(?!\w)", text):
            found.append(f"{question}: the right answer {shown}")
    return found


@pytest.mark.parametrize("assignment", sorted(CATALOGUE))
def test_no_verdict_shows_a_hidden_input_or_expected_value(
        assignment, monkeypatch):
    recorder = Recorder(monkeypatch)
    honest = _release_with_answers(assignment)
    verdicts, _ = harness.run_hidden_tests(honest, assignment)
    failed = {g: v.message for g, v in verdicts.items() if not v.passed}
    assert not failed, f"the solution fails: {failed}"
    requests = recorder.requests
    assert requests, "the hidden tests asked the clean room nothing"

    leaks, failures = {}, 0
    for label, notebook in _variants(assignment, honest).items():
        recorder.requests = []
        verdicts, _ = harness.run_hidden_tests(notebook, assignment)
        for grade_id, verdict in verdicts.items():
            if verdict.passed:
                continue
            failures += 1
            assert not verdict.grader_error, (label, grade_id, verdict)
            for text in [verdict.message, *verdict.notes]:
                found = _leaks(text, requests)
                if found:
                    leaks[f"{label}, {grade_id}: {text[:300]!r}"] = sorted(
                        set(found))
        for problem in _quiz_leaks(verdicts):
            leaks[f"{label}, quiz"] = problem
    assert failures, "no wrong answer failed: the variants test nothing"
    assert not leaks, leaks


# -- the learner's exceptions ------------------------------------------------

SECRET = np.array([[181, 7, 93], [44, 250, 16]], dtype=np.uint8)
ANSWERS = [
    ("echo", "def echo(x):\n    data = np.asarray(x)\n"
             "    raise ValueError('LEAKED ' + repr(data.tolist()))\n"),
    ("named", "def named(x):\n"
              "    raise type('LEAKED_' + str(np.asarray(x).sum()),"
              " (KeyError,), {})()\n"),
    ("grader_like", "def grader_like(x):\n"
                    "    raise TimeoutError('LEAKED ' + repr(x.tolist()))\n"),
    ("name_error", "def name_error(x):\n    return undefined_helper(x)\n"),
    ("forged_name", "def forged_name(x):\n"
                    "    raise NameError(f\"name '{int(x.sum())}x' is not "
                    "defined\")\n"),
    ("course", "def course(x):\n    import helpers.faces\n    return x\n"),
    ("stub", "def stub(x):\n    # YOUR CODE HERE\n"
             "    raise NotImplementedError()\n"),
    ("library", "def library(x):\n"
                "    double = tf.function(lambda t: np.asarray(t) * 2)\n"
                "    return double(tf.constant(x))\n"),
    ("unsendable", "class Box:\n    pass\n"
                   "def unsendable(x):\n    return Box()\n"),
]


@pytest.fixture(scope="module")
def answers_room():
    with CleanRoom(ANSWERS, prelude="import numpy as np\n"
                   "import tensorflow as tf", call_timeout=60) as room:
        yield room


def _feedback_of(room, name, *args):
    """Return the verdict text of calling ``name`` in ``room``."""
    with pytest.raises(StudentError) as raised:
        room.call(name, *args)
    return raised.value, harness._student_failure(raised.value,
                                                  dict(room.cells))


def test_an_exception_shows_its_type_and_the_learners_line_only(
        answers_room):
    for name, kind, line in [
            ("echo", "ValueError", "raise ValueError('LEAKED ' + "
                                   "repr(data.tolist()))"),
            ("named", "an exception derived from KeyError",
             "raise type('LEAKED_' + str(np.asarray(x).sum()), (KeyError,), "
             "{})()"),
            ("grader_like", "TimeoutError",
             "raise TimeoutError('LEAKED ' + repr(x.tolist()))")]:
        error, text = _feedback_of(answers_room, name, SECRET)
        assert "181" in error.evalue or "LEAKED_" in error.ename, error
        assert text.startswith(f"Your code raised {kind} at line "), text
        assert f"of your answer cell {name!r}: {line}" in text, text
        digits = re.sub(r"line \d+", "", text)
        assert not re.search(r"181|250|7, 93|\b791\b", digits), text
        assert "LEAKED" not in text.replace(line, ""), text


def test_helpful_messages_are_kept_where_they_are_the_learners_own(
        answers_room):
    _, text = _feedback_of(answers_room, "name_error", SECRET)
    assert text.startswith("NameError: name 'undefined_helper' is not "
                           "defined at line 2"), text
    _, text = _feedback_of(answers_room, "forged_name", SECRET)
    assert "791x" not in text and text.startswith(
        "Your code raised NameError at line 2"), text
    _, text = _feedback_of(answers_room, "course", SECRET)
    assert text.startswith("Your answer used the course package "
                           "('helpers') at line 2"), text
    _, text = _feedback_of(answers_room, "unsendable", SECRET)
    assert "cannot receive" in text, text
    _, text = _feedback_of(answers_room, "missing", SECRET)
    assert "outside the lines of your answer cells" in text, text


def test_only_the_learners_stub_reads_not_answered_yet(answers_room):
    _, text = _feedback_of(answers_room, "stub", SECRET)
    assert text == "Not answered yet (NotImplementedError).", text
    error, text = _feedback_of(answers_room, "library",
                               SECRET.astype(np.float32))
    assert error.is_a("NotImplementedError"), error  # TensorFlow's own
    assert "Not answered yet" not in text, text
    assert text.startswith("Your code raised NotImplementedError at line 2 "
                           "of your answer cell 'library'"), text


def test_a_learners_timeout_error_is_not_taken_for_the_graders(answers_room):
    student = harness.Student(answers_room)
    assert student.raises("TimeoutError", "grader_like", SECRET)


def test_a_location_the_room_names_is_checked_against_the_answers():
    room = CleanRoom(ANSWERS)
    assert room._answer_line(["<answer cell echo>", 3]) == ("echo", 3)
    for forged in (["<answer cell echo>", 4], ["<answer cell echo>", 0],
                   ["<answer cell nowhere>", 1], ["<hidden test>", 1],
                   ["<answer cell echo>", True], "echo:3", None,
                   ["<answer cell echo>", "3"]):
        assert room._answer_line(forged) is None, forged


def test_a_hidden_test_that_fails_itself_shows_no_grader_code(monkeypatch):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("def f():\n    return 1", metadata={
            "nbgrader": {"solution": True, "grade_id": "f"}}),
        nbformat.v4.new_code_cell("check(f)", metadata={
            "nbgrader": {"grade": True, "grade_id": "test_f"}}),
    ])

    def test_f(student):
        hidden_input = [3, 1, 4, 1, 5]
        return hidden_input[student.f() * 10]

    monkeypatch.setitem(harness._TESTS, "fake", {"test_f": test_f})
    monkeypatch.setitem(harness._SETTINGS, "fake", {"prelude": ""})
    monkeypatch.setattr(harness, "load_hidden_tests", lambda: harness._TESTS)
    verdicts, _ = harness.run_hidden_tests(notebook, "fake")
    verdict = verdicts["test_f"]
    assert verdict.grader_error and not verdict.passed
    assert "hidden_input" not in verdict.message + "".join(verdict.notes)
    assert "hidden_input" in verdict.detail  # for the instructor
    report = harness.verdicts_to_json(verdicts)["test_f"]
    assert report["message"] == verdict.message
