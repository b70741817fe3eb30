"""The instructor's terminal report, with a submission's text escaped.

Learners choose their error messages, file names and ids: a control
character printed raw (an ANSI escape that moves the cursor up and erases
a line, a carriage return, a backspace, a bidirectional override) could
rewrite the lines above it, so a report that flags a cheat would look
clean.  Every character that is not printable is shown as its Python
escape instead (``\\x1b``, ``\\r``, ``\\u202e``), and each problem stays on
one line of its own.
"""

#: Escapes of the characters Python's ``repr`` names by letter.
NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text):
    """Return ``text`` with every non-printable character escaped.

    Printable means what ``str.isprintable`` says, and the plain space:
    C0 and C1 controls, DEL, format characters (bidirectional overrides,
    zero-width joiners), line and paragraph separators, other spaces and
    lone surrogates (undecodable bytes of a file name) are all escaped.
    """
    text = str(text)
    if text.isprintable():
        return text
    out = []
    for character in text:
        if character == " " or character.isprintable():
            out.append(character)
        elif character in NAMED:
            out.append(NAMED[character])
        else:
            code = ord(character)
            out.append(f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else
                       f"\\U{code:08x}")
    return "".join(out)


def printable_lines(text):
    """Return ``text`` with each line escaped and its line breaks kept."""
    return "\n".join(printable(line) for line in str(text).split("\n"))


def report_lines(assignment, student, report):
    """Return the terminal lines of one student's grading report.

    ``report`` is one value of what ``manage.autograde`` returns: graded,
    score and problems.  The first line is the status; each problem
    follows, indented, on one line.
    """
    score = report.get("score")
    if report.get("graded"):
        status = f"{score[0]:g}/{score[1]:g}"
    elif score is not None:
        status = f"GRADING FAILED (recorded {score[0]:g}/{score[1]:g})"
    else:
        status = "NOT GRADED"
    return [f"{assignment} {printable(student)}: {status}"] + [
        f"    {printable(problem)}" for problem in report.get("problems", [])]
