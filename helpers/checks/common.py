"""Building blocks shared by the public checks of every notebook."""

import copy
import functools
import json
import traceback
from pathlib import Path

import numpy as np

from helpers.checks.own_work import OwnFunction, assert_own_function

__all__ = [
    "OwnFunction", "ShippedCases", "assert_close", "assert_own_function",
    "cases_check",
    "assert_returned", "assert_shape", "expected_values", "find_mistake",
    "learner_check", "passed", "same_values", "shipped_cases", "to_numpy",
]

#: Expected values of the checks (``python -m instructor.exercises``).
EXPECTED_DIR = Path(__file__).resolve().parent / "expected"


def passed(name):
    """Print the line a learner sees when all public tests of ``name`` pass."""
    print(f"{name}: all public tests passed.")


def _learner_files(arguments):
    """Return the source files of the functions a check was given."""
    files = set()
    for value in arguments:
        value = getattr(value, "__wrapped__", value)
        code = getattr(value, "__code__", None)
        if code is not None:
            files.add(code.co_filename)
    return files


def _last_learner_line(error, files):
    """Return 'line N: code' of the last learner frame in the traceback."""
    found = ""
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename in files:
            code = (frame.line or "").strip()
            found = f"line {frame.lineno} of your cell" + (
                f": {code}" if code else "")
    return found


def learner_check(name):
    """Make a check report a learner's exception as what it is.

    An exception (other than a check's own ``AssertionError``) raised
    while a learner's function runs becomes an ``AssertionError`` that
    names the function, the exception type, its full text and the learner's
    line; one raised by the check itself on an unusable result says that.
    Notes a check added to the exception (``error.add_note``, e.g. the
    input it was called with) follow the message.  The original exception
    stays chained, so its traceback is shown too.
    """
    def decorate(check):
        @functools.wraps(check)
        def run(*args, **kwargs):
            try:
                return check(*args, **kwargs)
            except AssertionError:
                raise
            except Exception as error:
                files = _learner_files(list(args) + list(kwargs.values()))
                where = _last_learner_line(error, files)
                text = f"{type(error).__name__}: {error}"
                if where:
                    message = (
                        f"Your {name} raised {text}\n(at {where}). This is "
                        "an error in your code, not in the check: read the "
                        "traceback above, fix it and run the check again."
                    )
                else:
                    message = (
                        f"The check could not use what your {name} "
                        f"returned ({text}). Compare the type and shape of "
                        "its result with what the exercise asks for."
                    )
                for note in getattr(error, "__notes__", ()):
                    message += f"\n{note}"
                raise AssertionError(message) from error
        return run
    return decorate


def assert_returned(value, name):
    """Fail with a clear message when the learner's ``name`` returned None."""
    if value is None:
        raise AssertionError(
            f"Your {name} returned None: did you forget the return "
            "statement at its end?"
        )
    return value


def to_numpy(value):
    """Convert a tensor, array or number to a NumPy array."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value)


def assert_shape(value, expected, what="the result"):
    """Fail with a message naming the expected and actual shapes."""
    actual = tuple(to_numpy(value).shape)
    expected = tuple(expected)
    if actual != expected:
        raise AssertionError(
            f"{what} has shape {actual}, expected {expected}."
        )


def assert_close(actual, expected, what="the result", rtol=1e-5, atol=1e-6,
                 hint=""):
    """Fail unless ``actual`` matches ``expected`` within tolerance."""
    actual = to_numpy(actual)
    expected = to_numpy(expected)
    if actual.shape != expected.shape:
        raise AssertionError(
            f"{what} has shape {actual.shape}, expected {expected.shape}."
        )
    if not np.allclose(actual, expected, rtol=rtol, atol=atol):
        worst = np.max(np.abs(actual - expected))
        message = (
            f"{what} is wrong: largest difference from the expected value "
            f"is {worst:.3g}."
        )
        if hint:
            message += " " + hint
        raise AssertionError(message)


@functools.lru_cache(maxsize=None)
def _read_expected(topic):
    """Return the parsed expected-values file of ``topic``."""
    path = EXPECTED_DIR / f"{topic}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"The expected values of the {topic} checks ({path}) are "
            "missing: the course package is incomplete, install it again."
        )
    return json.loads(path.read_text(encoding="utf-8"))


def expected_values(topic):
    """Return a copy of the expected values of one notebook's checks.

    ``topic`` names a file ``helpers/checks/expected/<topic>.json``: for
    each checked function and each fixed input (a "case"), the value the
    reference gives (``expected``) and the values of the known wrong
    versions (``mistakes``).
    """
    return copy.deepcopy(_read_expected(topic))


def same_values(actual, expected, rtol=1e-5, atol=1e-6):
    """Return True when ``actual`` has the shape and values of ``expected``."""
    try:
        actual = to_numpy(actual).astype(np.float64)
    except (TypeError, ValueError):
        return False
    expected = np.asarray(expected, dtype=np.float64)
    return actual.shape == expected.shape and bool(
        np.allclose(actual, expected, rtol=rtol, atol=atol))


def find_mistake(value, mistakes, rtol=1e-4, atol=1e-6):
    """Return the first known mistake that ``value`` matches, or None."""
    for name, wrong in mistakes.items():
        if same_values(value, wrong, rtol=rtol, atol=atol):
            return name
    return None


def _decoded(value):
    """Return shipped input data with its arrays (and their dtypes) back."""
    if isinstance(value, dict):
        if set(value) == {"array", "dtype"}:
            return np.asarray(value["array"], dtype=value["dtype"])
        return {key: _decoded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decoded(item) for item in value]
    return value


class ShippedCases:
    """One exercise's public cases as shipped: inputs, expected, mistakes.

    ``check(value, case, hint)`` names a recognised mistake when ``value``
    matches its signature on ``case``, and otherwise fails with ``hint``
    unless ``value`` is the expected one.
    """

    def __init__(self, exercise, data):
        self.exercise = exercise
        self.cases = data["cases"]
        self.messages = data.get("messages", {})

    def __getitem__(self, case):
        return self.cases[case]

    def inputs(self, case):
        """Return a fresh copy of the case's positional arguments."""
        return list(_decoded(copy.deepcopy(self.cases[case]["inputs"])))

    def expected(self, case):
        """Return the reference's value on ``case``."""
        return copy.deepcopy(self.cases[case]["expected"])

    def call(self, function, case):
        """Return ``function`` run on the case's inputs (never None)."""
        return assert_returned(function(*self.inputs(case)), self.exercise)

    def mistake(self, value, case, rtol=1e-4, atol=1e-6):
        """Return the name of the recognised mistake ``value`` matches."""
        return find_mistake(value, self.cases[case].get("mistakes", {}),
                            rtol=rtol, atol=atol)

    def name_mistake(self, value, case, rtol=1e-4, atol=1e-6):
        """Fail with the mistake's message when ``value`` has its signature."""
        name = self.mistake(value, case, rtol=rtol, atol=atol)
        if name:
            raise AssertionError(self.messages[name])

    def check(self, value, case, hint, rtol=1e-5, atol=1e-6):
        """Fail naming a recognised mistake, or with ``hint`` when wrong."""
        self.name_mistake(value, case, rtol=max(rtol, 1e-4), atol=atol)
        if not same_values(value, self.expected(case), rtol=rtol, atol=atol):
            raise AssertionError(hint)


def shipped_cases(module, exercise):
    """Return the :class:`ShippedCases` of ``exercise``.

    ``module`` is the check module's ``__name__``
    (``helpers.checks.nb00_setup``); its data file is
    ``helpers/checks/expected/nb00_setup.json``, written by
    ``python -m instructor.exercises``.
    """
    data = _read_expected(module.rsplit(".", 1)[-1])
    if exercise not in data:
        raise KeyError(
            f"{module}'s data has no exercise {exercise!r}: run "
            "'python -m instructor.exercises' to write it again.")
    return ShippedCases(exercise, data[exercise])


def cases_check(module, exercise, hint="{exercise} gives a wrong value on "
                "the case '{case}'."):
    """Return a check that needs no code of its own.

    It runs the learner's ``exercise`` on every shipped case of
    ``module``'s data, names a recognised mistake when the result has its
    signature and otherwise fails with ``hint`` unless the result is the
    expected one.  ``module`` is the check module's ``__name__``.
    """
    @learner_check(exercise)
    def check(function):
        function = assert_own_function(function)
        cases = shipped_cases(module, exercise)
        for case in cases.cases:
            result = cases.call(function, case)
            expected = np.asarray(cases.expected(case))
            if to_numpy(result).shape != expected.shape:
                raise AssertionError(
                    f"On the case '{case}' {exercise} returned shape "
                    f"{to_numpy(result).shape}, expected {expected.shape}.")
            cases.check(result, case, hint.format(exercise=exercise,
                                                  case=case))
        passed(exercise)
    check.__name__ = check.__qualname__ = f"check_{exercise}"
    check.__doc__ = f"Check the learner's ``{exercise}`` on the shipped cases."
    return check
