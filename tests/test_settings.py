"""The settings module: parsing, clear errors, the doc's table, no strays.

Every ``FACES_STYLES_*`` variable is declared once in helpers/settings.py;
these tests fail when a value is misread, when an error does not say what
to do, when docs/instructors.md's table lags behind the module, when a
file names a variable the module does not declare, or when production
code reads one of them from the environment by itself.
"""

import re
import subprocess
from pathlib import Path

import pytest
from traitlets.config.loader import PyFileConfigLoader

from helpers import settings
from instructor.grading import grader_memory, preprocessors, sandbox

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"FACES_STYLES_[A-Z][A-Z0-9_]*")
#: A read of the environment that names a variable itself, e.g.
#: os.environ.get("FACES_STYLES_X") or os.getenv("FACES_STYLES_X").
OWN_READ = re.compile(
    r"""(environ\.get|getenv)\(\s*f?["']FACES_STYLES_"""
    r"""|environ\[\s*["']FACES_STYLES_[A-Z0-9_]+["']\s*\](?!\s*=[^=])""")
#: Code that reads settings (not the tests, which set them).
PRODUCTION = ("helpers", "instructor", "deploy", "benchmarks",
              "nbgrader_config.py", "conftest.py")


def _files():
    """The repository's files that git keeps or would keep."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / line for line in listed.splitlines()
            if (ROOT / line).is_file()]


@pytest.mark.parametrize("text", ["", " ", "0", "false", "No", "OFF"])
def test_a_flag_is_off_for_each_off_spelling(text):
    assert settings.value("VERDICTS_ONLY",
                          {"FACES_STYLES_VERDICTS_ONLY": text}) is False


@pytest.mark.parametrize("text", ["1", "true", "Yes", " on "])
def test_a_flag_is_on_for_each_on_spelling(text):
    assert settings.value("VERDICTS_ONLY",
                          {"FACES_STYLES_VERDICTS_ONLY": text}) is True


def test_an_unset_setting_takes_its_default():
    assert settings.value("ZYGOTE_KERNELS", {}) is True
    assert settings.value("CELL_TIMEOUT", {}) == 300
    assert settings.value("SANDBOX_PROCESSES", {}) == 1024
    assert settings.value("ASSETS", {}) is None


def test_a_value_is_read_from_the_environment_given():
    environ = {"FACES_STYLES_SANDBOX_MEMORY_GIB": "1.5",
               "FACES_STYLES_SANDBOX_THREADS": "2",
               "FACES_STYLES_DATA": "/somewhere"}
    assert settings.value("SANDBOX_MEMORY_GIB", environ) == 1.5
    assert settings.value("SANDBOX_THREADS", environ) == 2
    assert settings.value("DATA", environ) == "/somewhere"
    assert sandbox.Limits.from_environment(environ).memory == 3 << 29


@pytest.mark.parametrize("name, text, expects", [
    ("QUICK", "maybe", "1/true/yes/on or 0/false/no/off"),
    ("CALL_TIMEOUT", "ten", "a number of seconds"),
    ("HIDDEN_TESTS_BUDGET", "-1", "a number of seconds"),
    ("CELL_TIMEOUT", "nan", "a number of seconds"),
    ("NOTEBOOK_TIMEOUT", "0", "a positive number of seconds"),
    ("GRADER_MEMORY_GIB", "lots", "a number of GiB"),
    ("SANDBOX_MEMORY_GIB", "0", "a positive number of GiB"),
    ("SANDBOX_PROCESSES", "0", "a whole number above 0"),
    ("SANDBOX_THREADS", "1.5", "a whole number of threads"),
])
def test_a_nonsense_value_names_the_variable_the_value_and_what_it_takes(
        name, text, expects):
    variable = f"FACES_STYLES_{name}"
    with pytest.raises(ValueError) as error:
        settings.value(name, {variable: text})
    message = str(error.value)
    assert message.startswith(f"{variable} must be {expects}"), message
    assert repr(text) in message and "unset it" in message, message


def test_an_undeclared_setting_is_refused():
    with pytest.raises(KeyError, match="FACES_STYLES_NO_SUCH"):
        settings.value("NO_SUCH")


def test_grading_reads_its_limits_when_it_starts(monkeypatch):
    monkeypatch.setenv("FACES_STYLES_CALL_TIMEOUT", "7")
    monkeypatch.setenv("FACES_STYLES_HIDDEN_TESTS_BUDGET", "0")
    monkeypatch.setenv("FACES_STYLES_NOTEBOOK_TIMEOUT", "90")
    monkeypatch.setenv("FACES_STYLES_GRADER_MEMORY_GIB", "3")
    tests = preprocessors.HiddenTests()
    assert (tests.call_timeout, tests.time_budget) == (7, 0)
    execute = preprocessors.SandboxedExecute()
    assert execute.notebook_timeout == 90
    assert execute.grader_memory_gib == 3
    assert grader_memory.cap_bytes() == 3 << 30
    # An nbgrader option still overrides the setting.
    assert preprocessors.HiddenTests(call_timeout=9).call_timeout == 9


def test_the_course_config_takes_the_cell_timeout_from_the_setting(
        monkeypatch):
    monkeypatch.setenv("FACES_STYLES_CELL_TIMEOUT", "42")
    config = PyFileConfigLoader("nbgrader_config.py",
                                path=str(ROOT)).load_config()
    assert config.Execute.timeout == 42
    assert config.ExecutePreprocessor.timeout == 42
    monkeypatch.setenv("FACES_STYLES_CELL_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="FACES_STYLES_CELL_TIMEOUT"):
        PyFileConfigLoader("nbgrader_config.py",
                           path=str(ROOT)).load_config()


def test_the_hub_config_takes_the_exchange_from_the_setting(monkeypatch):
    folder = ROOT / "deploy" / "jupyterhub"
    monkeypatch.delenv("FACES_STYLES_EXCHANGE", raising=False)
    config = PyFileConfigLoader("nbgrader_config.py",
                                path=str(folder)).load_config()
    assert config.Exchange.root == "/srv/nbgrader/exchange"
    monkeypatch.setenv("FACES_STYLES_EXCHANGE", "/tmp/exchange")
    config = PyFileConfigLoader("nbgrader_config.py",
                                path=str(folder)).load_config()
    assert config.Exchange.root == "/tmp/exchange"


def test_the_instructors_guide_lists_every_setting():
    guide = (ROOT / "docs" / "instructors.md").read_text()
    start = "<!-- settings table: python -m helpers.settings -->\n"
    end = "\n<!-- end of settings table -->"
    assert start in guide and end in guide, (
        "docs/instructors.md lost its settings table markers")
    shown = guide.split(start, 1)[1].split(end, 1)[0]
    assert shown == settings.table(), (
        "docs/instructors.md's settings table differs from "
        "helpers/settings.py: paste the output of "
        "`python -m helpers.settings` between its markers")


def test_every_variable_named_anywhere_is_declared():
    declared = {entry.variable for entry in settings.SETTINGS.values()}
    strays = {}
    for path in _files():
        # This file names undeclared variables on purpose.
        if path.suffix in (".npz", ".png", ".jpg", ".h5", ".gz", ".db") or (
                path == Path(__file__).resolve()):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for name in set(NAME.findall(text)) - declared:
            strays.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert not strays, (
        f"these variables are not declared in helpers/settings.py: {strays}; "
        "declare them there (name, default, kind, meaning)")


def test_no_production_code_reads_a_variable_by_itself():
    own = []
    for path in _files():
        relative = path.relative_to(ROOT)
        if (path.suffix != ".py" or relative.parts[0] not in PRODUCTION
                or relative == Path("helpers", "settings.py")):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if OWN_READ.search(line):
                own.append(f"{relative}:{number}: {line.strip()}")
    assert not own, (
        "read these through helpers.settings (settings.value(NAME)): "
        + "; ".join(own))
