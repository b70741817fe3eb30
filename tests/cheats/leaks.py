"""Submissions that try to carry the hidden tests out through their feedback.

Each answer's ``to_unit_range`` receives the hidden test's inputs in the
clean room and tries to get them, with the grader's code and variables,
into the learner's feedback: as the message of its exception, as the name
of its exception class, as the text of the frames the call came through
(the grader's snippet, its inputs, the room's own program: a route the
own-work scan does not see), printed to stdout and stderr, or as a reply
it forges on the room's reply pipe.  The feedback and the grading report's
verdicts must hold none of it; the feedback still names the exception's
type and the learner's own line; the honest student's feedback is normal.
"""

import html
import json
import re

import numpy as np

from instructor.grading import harness
from instructor.exercises import nb00_setup as exercise

ASSIGNMENT = "00_setup"
PREFIX = "import numpy as np, json, os, sys, traceback\n"
#: The text of the frames the call came through: locals then globals.
FRAMES = '''
def _grader_text():
    try:
        raise RuntimeError("where am I")
    except RuntimeError as error:
        frame = error.__traceback__.tb_frame
    texts = []
    while frame is not None:
        texts.append(frame.f_code.co_filename)
        for scope in (frame.f_locals, frame.f_globals):
            for key, value in list(scope.items()):
                if isinstance(value, (str, dict, list, tuple, np.ndarray)):
                    texts.append(f"{key}={value!r}"[:1500])
        frame = frame.f_back
    texts.sort(key=lambda text: "code" not in text and "image" not in text)
    return "\\n".join(texts)[:3800]
'''
#: Writes a reply of its own, with the running request's id, on the room's
#: reply pipe before the room's program can: everything in it is forged.
FORGE = '''
def _forge(image):
    try:
        raise RuntimeError("where am I")
    except RuntimeError as error:
        frame = error.__traceback__.tb_frame
    found = None
    while frame is not None and found is None:
        for scope in (frame.f_locals, frame.f_globals):
            for name in ("request", "_request"):
                if isinstance(scope.get(name), dict) and "id" in scope[name]:
                    found = scope[name]["id"]
        frame = frame.f_back
    leak = np.asarray(image).tobytes().hex()
    reply = {"id": found, "ok": False, "error": {
        "ename": "LEAKED_" + leak[:80], "mro": ["LEAKED_" + leak, "Exception"],
        "evalue": "LEAKED " + leak + " " + _grader_text(),
        "traceback": _grader_text(), "where": ["<answer cell to_unit_range>",
                                              1], "innermost": True}}
    os.write(int(sys.argv[2]), (json.dumps(reply) + "\\n").encode())
'''
CHEATS = {
    "leak_exception_message": ("", PREFIX + (
        "def to_unit_range(image):\n"
        "    image = np.asarray(image)\n"
        "    raise ValueError('LEAKED ' + image.tobytes().hex() + ' '\n"
        "                     + repr(image.tolist()))\n")),
    "leak_exception_class": ("", PREFIX + (
        "def to_unit_range(image):\n"
        "    leak = np.asarray(image).tobytes().hex()[:80]\n"
        "    raise type('LEAKED_' + leak, (ValueError,), {})(leak)\n")),
    "leak_frames": ("", PREFIX + FRAMES + (
        "def to_unit_range(image):\n"
        "    raise RuntimeError(_grader_text())\n")),
    "leak_printed": ("", PREFIX + FRAMES + (
        "def to_unit_range(image):\n"
        "    text = repr(np.asarray(image).tolist()) + _grader_text()\n"
        "    print(text)\n"
        "    print(text, file=sys.stderr)\n"
        "    os.write(1, text.encode())\n"
        "    os.write(2, text.encode())\n"
        "    return np.zeros((1, 1, 3), np.float32)\n")),
    "leak_forged_reply": ("", PREFIX + FRAMES + FORGE + (
        "def to_unit_range(image):\n"
        "    _forge(image)\n"
        "    raise ValueError('the room answers after the forged reply')\n")),
}
LEAKERS = sorted(CHEATS)
#: Pieces of the clean room's own program and of the hidden test's snippet.
GRADER_CODE = ("_prelude_names", "_real_builtins", "<hidden test>",
               "before = image.copy()",
               "array_equal(before, image)")


class _Inputs:
    """Stands in for the clean room and keeps what the hidden test sends."""

    def __init__(self):
        self.arrays = []

    def _keep(self, values):
        self.arrays += [np.asarray(value) for value in values
                        if isinstance(value, np.ndarray)]

    def to_unit_range(self, *args):
        self._keep(args)
        return exercise.to_unit_range(*args)

    def center_crop(self, *args):
        return exercise.center_crop(*args)

    def run(self, code, timeout=None, **inputs):
        self._keep(inputs.values())
        return harness.trusted_run(code, {
            "to_unit_range": exercise.to_unit_range}, **inputs)

    def raises(self, exception, name, *args):
        if name == "to_unit_range":
            self._keep(args)
        try:
            getattr(exercise, name)(*args)
        except ValueError:
            return exception == "ValueError"
        return False


def _hidden_inputs():
    """Return the arrays the hidden test of to_unit_range is called with."""
    inputs = _Inputs()
    exercise.test_to_unit_range(inputs)
    # Random images: a constant one (the invalid inputs) shows nothing.
    return [array for array in inputs.arrays
            if np.ptp(array.astype(np.float64)) > 0]


def _traces(array):
    """Return texts that would show ``array`` in a page: bytes and rows."""
    traces = [array.tobytes().hex()[:24]]
    rows = array.reshape(-1, array.shape[-1])
    traces += [repr(row.tolist()) for row in rows[:4] if len(row) >= 3]
    return traces


def _text(page):
    """Return a feedback page's text: tags removed (code is highlighted)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _report_verdicts(root, student):
    report = json.loads((root / "autograded" / student / ASSIGNMENT
                         / "grading_report.json").read_text())
    return report["00_setup"]["verdicts"]


def test_the_hidden_inputs_are_known():
    """The hidden test draws random images: the checks below look for them."""
    arrays = _hidden_inputs()
    assert len(arrays) >= 4 and all(array.size >= 3 for array in arrays)


def test_feedback_holds_no_hidden_input_or_grader_code(graded, feedback):
    root = graded[0]
    traces = [trace for array in _hidden_inputs() for trace in
              _traces(array)]
    for student in LEAKERS:
        verdicts = _report_verdicts(root, student)
        verdict = verdicts["test_to_unit_range"]
        assert not verdict["passed"], (student, verdict)
        # The cheat ran: the own-work scan did not stop it first.
        assert "Rejected" not in verdict["message"], (student, verdict)
        texts = {"feedback": _text(feedback[student]),
                 "report": json.dumps(verdicts)}
        for where, text in texts.items():
            shown = [trace for trace in traces if trace in text]
            assert not shown, (student, where, shown)
            code = [piece for piece in GRADER_CODE if piece in text]
            assert not code, (student, where, code)


def test_feedback_names_the_exception_and_the_learners_line(graded,
                                                            feedback):
    root = graded[0]
    expected = {
        "leak_exception_message": "Your code raised ValueError at line 4 "
                                  "of your answer cell 'to_unit_range'",
        "leak_exception_class": "Your code raised an exception derived "
                                "from ValueError at line 4",
        "leak_frames": "Your code raised RuntimeError at line ",
        "leak_printed": "an RGB image gave a result of another shape",
        "leak_forged_reply": "Your code raised an exception derived from "
                             "Exception at line 1 of your answer cell "
                             "'to_unit_range': import numpy as np, json, "
                             "os, sys, traceback",
    }
    for student, text in expected.items():
        message = _report_verdicts(root, student)["test_to_unit_range"][
            "message"]
        assert message.startswith(text), (student, message)
        assert text in _text(feedback[student]), student


def test_honest_feedback_is_normal(feedback):
    page = _text(feedback["honest"])
    assert page.count("Hidden tests: passed.") == 2
    assert "HiddenTestFailed" not in page
