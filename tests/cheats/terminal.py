"""A submission whose text would rewrite the instructor's terminal report.

Its answer patches the public check (flagged: it reaches for course code);
run on its own in the clean room, it raises an error whose message moves
the cursor up, erases the lines above and prints a clean-looking line
instead; a renamed notebook beside it has escapes in its file name.
Printed raw, ``make autograde`` would show "3/3" and no flag.  The
printed report must hold no control character and still show every flag,
each on its own line.
"""

import contextlib
import io
import sys

from instructor.course import manage, terminal

STUDENT = "terminal_escape"
ASSIGNMENT = "00_setup"
#: Carriage return, erase the line, cursor up and erase it, twice, then a
#: backspace, a bidirectional override and a C1 control.
ERASE = "\r\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\b\u202e\x9b"
FORGED_LINE = f"{ASSIGNMENT} {STUDENT}: 3/3"
FILE_NAME = f"notes{ERASE}.ipynb"
CHEATS = {
    # Only the clean room, where helpers is missing, sees the message.
    STUDENT: ("", "import numpy as np\n"
              "try:\n"
              "    import helpers.checks.nb00_setup as checks\n"
              "except ImportError:\n"
              f"    raise RuntimeError({ERASE + FORGED_LINE + ERASE!r})\n"
              "checks.check_to_unit_range = lambda f: print("
              "'to_unit_range: all public tests passed.')\n"
              "def to_unit_range(image):\n"
              "    return np.zeros((1, 1, 3), np.float32)\n"),
}
FLAGGED = {STUDENT: "failed when run on its own"}
#: What the class's grading printed (filled while it runs).
PRINTED = []


class _Tee(io.TextIOBase):
    """Pass writes on to a stream and keep a copy."""

    def __init__(self, stream):
        self.stream = stream
        self.copy = io.StringIO()

    def write(self, text):
        self.copy.write(text)
        return self.stream.write(text)

    def flush(self):
        self.stream.flush()


def prepare(root):
    """Add the renamed notebook; keep what the class's grading prints."""
    folder = root / "submitted" / STUDENT / ASSIGNMENT
    (folder / FILE_NAME).write_bytes((folder / "00_setup.ipynb").read_bytes())
    autograde = manage.autograde

    def printing(*args, **kwargs):
        manage.autograde = autograde  # once: the class's run
        tee = _Tee(sys.stdout)
        try:
            with contextlib.redirect_stdout(tee):
                return autograde(*args, **kwargs)
        finally:
            PRINTED.append(tee.copy.getvalue())

    manage.autograde = printing


def _controls(text):
    return sorted({character for character in text if character != "\n"
                   and not (character == " " or character.isprintable())})


def test_the_terminal_report_shows_a_learners_text_escaped(graded):
    _, reports, _ = graded
    problems = reports[STUDENT]["problems"]
    # The learner's text did reach the report, escapes and all ...
    assert any(ERASE + FORGED_LINE in problem and "failed when run on its "
               "own" in problem for problem in problems), problems
    assert any(FILE_NAME in problem for problem in problems), problems
    # ... and nothing of it was printed raw, for anyone.
    assert len(PRINTED) == 1, "the class's autograde was not captured"
    printed = PRINTED[0]
    assert not _controls(printed), _controls(printed)
    lines = printed.split("\n")
    status = lines.index(f"{ASSIGNMENT} {STUDENT}: "
                         f"{reports[STUDENT]['score'][0]:g}/"
                         f"{reports[STUDENT]['score'][1]:g}")
    shown = lines[status + 1:status + 1 + len(problems)]
    assert shown == [f"    {terminal.printable(problem)}"
                     for problem in problems], shown
    block = "\n".join(shown)
    for flag in ("reaches for course code", "failed when run on its own",
                 "is not part of the assignment"):
        assert flag in block, (flag, block)
    assert FORGED_LINE not in lines
