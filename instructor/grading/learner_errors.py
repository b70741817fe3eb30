"""What a learner's feedback says about an exception their code raised.

An exception raised in the clean room is the submission's to shape: its
message, its class name and its traceback can hold the hidden test's
inputs (``raise ValueError(repr(image))``) or the grader's code and
variables (from the traceback's frames).  So feedback never shows the
message.  It shows the exception's type, when it is one of the known
exception classes, and the line of the learner's own answer cell that
raised it, read from the grader's copy of the cell.  A few messages
that help a learner are shown after they are checked against the
learner's own source (the name in a ``NameError``, the module in a
``ModuleNotFoundError``).
"""

from __future__ import annotations

import builtins
import re

#: Exception classes whose names feedback shows (others are named by
#: the first of these they derive from).
KNOWN_EXCEPTIONS = frozenset(
    {name for name, value in vars(builtins).items()
     if isinstance(value, type) and issubclass(value, BaseException)}
    | {"AxisError", "LinAlgError",  # NumPy
       "OpError", "CancelledError", "UnknownError", "InvalidArgumentError",
       "DeadlineExceededError", "NotFoundError", "AlreadyExistsError",
       "PermissionDeniedError", "UnauthenticatedError",
       "ResourceExhaustedError", "FailedPreconditionError", "AbortedError",
       "OutOfRangeError", "UnimplementedError", "InternalError",
       "UnavailableError", "DataLossError"})  # tf.errors
#: The longest piece of a learner's line that feedback quotes.
MAX_LINE = 120
NAME_ERROR = re.compile(r"name '([A-Za-z_][A-Za-z0-9_]*)' is not defined")
NO_MODULE = re.compile(r"No module named '([A-Za-z_][A-Za-z0-9_.]*)'")
#: The line of a stub: the release's ``raise NotImplementedError()``.
STUB = re.compile(r"\braise\s+NotImplementedError\b")
COURSE_PACKAGES = ("helpers", "instructor")
#: Characters of the grader's own protocol messages; one with others
#: (brackets, quotes) quotes data the submission sent and is not shown.
PROTOCOL_TEXT = re.compile(r"[A-Za-z0-9 ,;:.()|<>_-]{1,200}")
HIDDEN_MESSAGE = ("its message is not shown, as it could hold the hidden "
                  "test's inputs: run the public checks in your notebook "
                  "to see it")


def exception_name(error):
    """Return the exception's class name, or the known one it derives from."""
    if error.ename in KNOWN_EXCEPTIONS:
        return error.ename
    for name in error.mro:
        if name in KNOWN_EXCEPTIONS:
            return f"an exception derived from {name}"
    return "an exception"


def answer_line(error, sources):
    """Return the learner's own line that raised, as ``(label, line, code)``.

    ``sources`` maps each answer cell's label to its source (the grader's
    copy); the clean room's ``location`` was checked against it.
    """
    if error.location is None:
        return None
    label, number = error.location
    lines = sources.get(label, "").splitlines()
    if not 1 <= number <= len(lines):
        return None
    code = lines[number - 1].strip()
    if len(code) > MAX_LINE:
        code = code[:MAX_LINE - 3] + "..."
    return label, number, code


def _where(error, sources):
    found = answer_line(error, sources)
    if found is None:
        return (" outside the lines of your answer cells (a function or "
                "variable the hidden test uses is missing, or does not "
                "accept the arguments it was given: check names, parameters "
                "and defaults against the exercise)")
    label, number, code = found
    return f" at line {number} of your answer cell {label!r}: {code}"


def _words(sources):
    """Return every name and dotted name in the learner's source text."""
    text = "\n".join(sources.values())
    return (set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", text))
            | set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)))


def is_stub(error, sources):
    """Return True for the learner's own ``raise NotImplementedError``.

    A ``NotImplementedError`` that a library raised (TensorFlow, for an
    operation it does not support) is a real failure of the answer.
    """
    if not (error.reported and error.is_a("NotImplementedError")
            and error.raised_there):
        return False
    found = answer_line(error, sources)
    return found is not None and STUB.search(found[2]) is not None


def describe(error, sources):
    """Return the feedback's text for a learner's exception ``error``."""
    if not error.reported:
        return _grader_seen(error)
    if is_stub(error, sources):
        return "Not answered yet (NotImplementedError)."
    if error.unsendable:
        return ("Your code returned a value the grader cannot receive: "
                "return numbers, strings, NumPy arrays or tensors of "
                "numbers, and tuples, lists, sets or dicts of those (not "
                "objects of other classes).")
    name = exception_name(error)
    where = _where(error, sources)
    if error.ename == "NameError":
        found = NAME_ERROR.fullmatch(error.evalue)
        if found and found.group(1) in _words(sources):
            return (f"NameError: name {found.group(1)!r} is not defined"
                    f"{where}. Graded functions run on their own: they may "
                    "use their arguments, NumPy/TensorFlow and what your "
                    "answer cells define, not other notebook variables.")
    if error.ename in ("ModuleNotFoundError", "ImportError"):
        found = NO_MODULE.fullmatch(error.evalue)
        module = found.group(1) if found else ""
        if module and module in _words(sources):
            if module.split(".")[0] in COURSE_PACKAGES:
                return (f"Your answer used the course package ({module!r})"
                        f"{where}. Graded functions run on their own, "
                        "without 'helpers': write the computation "
                        "yourself.")
            return (f"ModuleNotFoundError: no module named {module!r}{where}."
                    " Graded functions may use NumPy, TensorFlow and the "
                    "standard library only.")
    if error.ename == "NotImplementedError":
        return (f"Your code raised NotImplementedError{where}: not your "
                "own stub but a library that does not support what was "
                "asked (for example NumPy called on a tensor inside a "
                "tf.function); " + HIDDEN_MESSAGE + ".")
    return f"Your code raised {name}{where}; {HIDDEN_MESSAGE}."


def _grader_seen(error):
    """Return the text of what the grader saw itself (no learner text)."""
    if error.ename == "ProcessEnded":
        return f"Your code stopped the grading process: {error.evalue}."
    if error.ename == "TimeoutError":
        return f"Time limit: {error.evalue}."
    if error.ename == "ProtocolError":
        if PROTOCOL_TEXT.fullmatch(error.evalue):
            return f"Your code returned data the grader cannot use: " \
                f"{error.evalue}."
        return ("Your code returned data the grader cannot use: return "
                "numbers, strings, lists, tuples, dicts, sets and NumPy "
                "arrays or tensors of numbers.")
    return f"Grading stopped: {error.ename}."
