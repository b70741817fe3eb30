"""Every ``FACES_STYLES_*`` environment variable, declared once.

Each setting has a name (the variable without its ``FACES_STYLES_``
prefix), a default, a kind that parses it and a one-line meaning; reading
one is one call::

    from helpers import settings

    settings.value("CELL_TIMEOUT")            # 300.0 unless the variable says
    settings.value("QUICK", environ=env)      # from another environment
    settings.variable("QUICK")                # "FACES_STYLES_QUICK"

A value that does not parse raises a ValueError that names the variable,
what it holds and what it takes.  ``docs/instructors.md`` lists them all
(tests/test_settings.py keeps that table complete).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

PREFIX = "FACES_STYLES_"
#: What an on/off setting reads as off, and as on.
OFF = ("", "0", "false", "no", "off")
ON = ("1", "true", "yes", "on")
#: A hidden-test module without a ``CALL_TIMEOUT`` of its own gets this
#: limit per call into the submission, seconds.
EXERCISE_CALL_TIMEOUT = 60.0


@dataclass(frozen=True)
class Kind:
    """How a setting's text becomes a value."""

    parse: Callable[[str], object]
    expects: str


def _flag(text):
    if text.lower() in OFF:
        return False
    if text.lower() in ON:
        return True
    raise ValueError


def _number(minimum, strict=False):
    def parse(text):
        number = float(text)
        if math.isnan(number) or number < minimum or (
                strict and number == minimum):
            raise ValueError
        return number
    return parse


def _whole(minimum):
    def parse(text):
        if not text.isdigit() or int(text) < minimum:
            raise ValueError
        return int(text)
    return parse


def _text(text):
    return text or None


FLAG = Kind(_flag, "1/true/yes/on or 0/false/no/off")
SECONDS = Kind(_number(0), "a number of seconds (0 for no limit)")
POSITIVE_SECONDS = Kind(_number(0, strict=True),
                        "a positive number of seconds")
CALL_SECONDS = Kind(_number(0),
                    "a number of seconds (0: each exercise's own)")
GIB = Kind(_number(0), "a number of GiB (0 for no cap)")
POSITIVE_GIB = Kind(_number(0, strict=True), "a positive number of GiB")
COUNT = Kind(_whole(1), "a whole number above 0")
THREADS = Kind(_whole(0),
               "a whole number of threads (0 for the libraries' default)")
USER_ID = Kind(_whole(1), "a whole number (a user id)")
PATH = Kind(_text, "a path")
TEXT = Kind(_text, "text")


@dataclass(frozen=True)
class Setting:
    """One environment variable: its default, kind and meaning."""

    name: str
    default: str
    kind: Kind
    meaning: str

    @property
    def variable(self):
        """The environment variable's full name."""
        return PREFIX + self.name

    def read(self, environ=None):
        """Return the value ``environ`` (default: this process's) sets."""
        environ = os.environ if environ is None else environ
        text = environ.get(self.variable, "").strip() or self.default
        try:
            return self.kind.parse(text)
        except ValueError:
            raise ValueError(
                f"{self.variable} must be {self.kind.expects}, not "
                f"{text!r}; set it so or unset it (default: "
                f"{self.default or 'unset'})") from None


SETTINGS = {setting.name: setting for setting in (
    # Learners and instructors.
    Setting("QUICK", "0", FLAG, "The quick configuration: small data, "
            "images and iteration counts (tests, CI and grading set it)."),
    Setting("ASSETS", "", PATH, "A folder holding the asset files of "
            "data/assets.json (offline); unset: download them."),
    Setting("DATA", "", PATH, "Where data derived from the assets is "
            "cached; unset: data/cache/ of the course."),
    Setting("READONLY_DATA", "0", FLAG, "The data cache is shared "
            "read-only: results are computed but not kept (grading sets "
            "it for kernels)."),
    # Grading limits.
    Setting("CELL_TIMEOUT", "300", SECONDS, "Time limit of one notebook "
            "cell when grading (c.Execute.timeout), seconds."),
    Setting("NOTEBOOK_TIMEOUT", "1800", POSITIVE_SECONDS, "Wall-clock "
            "limit of a whole notebook when grading, seconds."),
    Setting("CALL_TIMEOUT", "0", CALL_SECONDS, "Time limit of one call of a "
            "hidden test into a submission, seconds; 0: each exercise's own"
            f" CALL_TIMEOUT, else {EXERCISE_CALL_TIMEOUT:g} s."),
    Setting("HIDDEN_TESTS_BUDGET", "300", SECONDS, "Time limit of all the "
            "hidden tests of one submission together, seconds."),
    Setting("GRADER_MEMORY_GIB", "2", GIB, "Memory the grading process "
            "itself may use; past it the kernel is killed."),
    Setting("SANDBOX_MEMORY_GIB", "4", POSITIVE_GIB, "Resident memory of "
            "one sandbox (kernel or clean room)."),
    Setting("SANDBOX_PROCESSES", "1024", COUNT, "Processes one sandbox "
            "may run."),
    Setting("SANDBOX_THREADS", "0", THREADS, "Compute threads of a "
            "sandboxed process (TensorFlow, BLAS)."),
    Setting("SANDBOX_UID_BASE", "61000", USER_ID, "First user id handed "
            "to sandboxes when grading runs as root."),
    Setting("UNSAFE_GRADING", "0", FLAG, "Grade WITHOUT the bubblewrap "
            "sandbox (a machine without it; trusted submissions only)."),
    Setting("VERDICTS_ONLY", "0", FLAG, "Grade from the hidden tests "
            "alone, without running the notebooks (large classes)."),
    Setting("ZYGOTE_KERNELS", "1", FLAG, "Start kernels and clean rooms "
            "by forking a warm zygote instead of a fresh Python."),
    Setting("ZYGOTE", "", TEXT, "Set by the grader: the kernels' zygote "
            "(its handle); not an instructor's setting."),
    Setting("ROOM_ZYGOTE", "", TEXT, "Set by the grader: the clean rooms' "
            "zygote (its handle); not an instructor's setting."),
    Setting("GRADING_CACHE", "", PATH, "Where the hidden tests' fixtures "
            "are cached; unset: .grading_cache in the course root."),
    Setting("EXCHANGE", "/srv/nbgrader/exchange", PATH, "The nbgrader "
            "exchange of a hub (deploy/jupyterhub/nbgrader_config.py)."),
    # Test switches: CI sets them so that a missing tool fails the test
    # instead of skipping it.
    Setting("REQUIRE_BROWSER", "0", FLAG, "Tests: fail, not skip, "
            "without chromium."),
    Setting("REQUIRE_POSTGRES", "0", FLAG, "Tests: fail, not skip, "
            "without PostgreSQL."),
    Setting("REQUIRE_EXCHANGE", "0", FLAG, "Tests: fail, not skip, when "
            "the hub exchange test cannot run."),
    Setting("REFERENCE", "", PATH, "Tests: the reference encodings' "
            "folder; unset: ../shared/reference."),
)}


def setting(name: str) -> Setting:
    """Return the declared setting ``name`` (without the prefix)."""
    try:
        return SETTINGS[name]
    except KeyError:
        raise KeyError(f"{PREFIX}{name} is not a declared setting (see "
                       "helpers/settings.py)") from None


def value(name: str, environ: Mapping[str, str] | None = None):
    """Return the value of setting ``name`` in ``environ`` (or os.environ)."""
    return setting(name).read(environ)


def variable(name: str) -> str:
    """Return the environment variable of setting ``name``."""
    return setting(name).variable


def table() -> str:
    """Return the Markdown table of every setting (docs/instructors.md)."""
    lines = ["| Variable | Default | Takes | Meaning |",
             "| --- | --- | --- | --- |"]
    for entry in SETTINGS.values():
        default = f"`{entry.default}`" if entry.default else "unset"
        lines.append(f"| `{entry.variable}` | {default} | "
                     f"{entry.kind.expects} | {entry.meaning} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
