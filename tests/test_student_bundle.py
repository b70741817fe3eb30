"""The learner bundle: built by one command, free of answers, installable.

The bundle is searched for every line of 30 characters or more of every
solution region (``solutions/``) and of every hidden test
(the hidden tests of ``instructor/exercises/``): at most 5 % may appear (idioms such as
``with tf.GradientTape() as tape:``), no quiz answer and no explanation.
Then it is installed into a fresh virtual environment from its own files
and notebook 00, with the exercises filled in, runs there.
"""

import ast
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from instructor.course.bundle import BUNDLE_NAME, build_bundle
from instructor.course.scratch import fill_in_answers
from instructor.overlap import solution_lines

REPO = Path(__file__).resolve().parent.parent
MIN_LENGTH = 30
TEXT_SUFFIXES = {".py", ".json", ".md", ".txt", ".toml", ".yml", ".ipynb",
                 ".cfg", ""}


#: Prints the nbgrader server extensions a Jupyter server would enable.
SERVER_EXTENSIONS = """
from jupyter_server.serverapp import ServerApp
app = ServerApp()
app.initialize(argv=["--port=0"], find_extensions=True, new_httpserver=False)
for name, extension in sorted(app.extension_manager.extensions.items()):
    if name.startswith("nbgrader") and extension.enabled:
        print(name)
"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    folder, archive = build_bundle(tmp_path_factory.mktemp("dist"))
    return folder, archive


def _bundle_lines(folder):
    lines = set()
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".ipynb":
                notebook = nbformat.reads(text, as_version=4)
                text = "\n".join(cell.source for cell in notebook.cells)
            lines.update(line.strip() for line in text.splitlines())
    return lines


def _hidden_test_lines():
    """Return the lines of every hidden test (the exercise modules')."""
    import inspect

    from instructor.grading import harness

    lines = []
    for tests in harness.load_hidden_tests().values():
        for function in tests.values():
            lines += [line.strip() for line in
                      inspect.getsource(function).splitlines()]
    return lines


def test_bundle_holds_what_learners_need_and_nothing_else(bundle):
    folder, archive = bundle
    assert sorted(path.name for path in folder.iterdir()) == sorted([
        ".gitignore", "Makefile", "README.md", "data", "environment.yml",
        "helpers", "notebooks", "pyproject.toml"])
    assert [p.name for p in (folder / "data").iterdir()] == ["assets.json"]
    for name in sorted(p.name for p in (REPO / "notebooks").iterdir()):
        released = REPO / "notebooks" / name / f"{name}.ipynb"
        copied = folder / "notebooks" / name / f"{name}.ipynb"
        assert copied.read_text() == released.read_text()
    with zipfile.ZipFile(archive) as handle:
        names = handle.namelist()
    assert f"{BUNDLE_NAME}/notebooks/00_setup/00_setup.ipynb" in names
    assert not any("instructor" in name or "solutions" in name
                   for name in names)
    readme = (folder / "README.md").read_text()
    assert "make install" in readme and "make lab" in readme


def test_no_solution_or_hidden_test_line_is_in_the_bundle(bundle):
    folder, _ = bundle
    shipped = _bundle_lines(folder)
    counted = [text for _, text in solution_lines(REPO)
               if len(text) >= MIN_LENGTH]
    counted += [text for text in _hidden_test_lines()
                if len(text) >= MIN_LENGTH]
    assert len(counted) > 200
    found = [text for text in counted if text in shipped]
    assert len(found) <= 0.05 * len(counted), found


def test_no_quiz_answer_or_explanation_is_in_the_bundle(bundle):
    from instructor.exercises.nb06_quiz_and_convolutions import KEY

    folder, _ = bundle
    blob = "\n".join(_bundle_lines(folder))
    for question, (answer, explanation) in KEY.items():
        for line in explanation.splitlines():
            if len(line.strip()) >= 20:
                assert line.strip() not in blob, (question, line)
        # Format examples in the notebook text are fine; the key is not.
        for text in re.findall(rf"ANSWER_{question}\s*=\s*([^\n#`]+)", blob):
            try:
                value = ast.literal_eval(text.strip())
            except (ValueError, SyntaxError):
                continue
            assert value != answer, (question, text)


def test_bundle_installs_fresh_and_runs_notebook_00(bundle, tmp_path):
    folder, _ = bundle
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-e", str(folder)],
        capture_output=True, text=True)
    assert install.returncode == 0, install.stdout + install.stderr
    release = nbformat.read(folder / "notebooks" / "00_setup" /
                            "00_setup.ipynb", 4)
    source = nbformat.read(REPO / "solutions" / "00_setup" / "00_setup.ipynb",
                           4)
    answered = folder / "notebooks" / "00_setup" / "answered.ipynb"
    nbformat.write(fill_in_answers(release, source), answered)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PYTHON")}
    env["FACES_STYLES_QUICK"] = "1"
    run = subprocess.run(
        [str(python), "-m", "jupyter", "nbconvert", "--to", "notebook",
         "--execute", "--output", "executed.ipynb", str(answered)],
        capture_output=True, text=True, env=env, cwd=answered.parent)
    assert run.returncode == 0, run.stdout + run.stderr
    executed = nbformat.read(answered.parent / "executed.ipynb", 4)
    outputs = [output for cell in executed.cells if cell.cell_type == "code"
               for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    assert "to_unit_range: all public tests passed." in text
    assert "center_crop: all public tests passed." in text
    # The course package came from the bundle, not from this repository.
    where = subprocess.run(
        [str(python), "-c", "import helpers, sys; print(helpers.__file__);"
         "import importlib.util as u; print(u.find_spec('instructor'))"],
        capture_output=True, text=True, env=env, cwd=tmp_path)
    assert where.stdout.splitlines() == [
        str(folder / "helpers" / "__init__.py"), "None"], where.stdout
    # What the bundle's `make install` runs last: the learner Lab settings
    # go into this environment's Jupyter configuration.
    settings = subprocess.run(
        [str(python), "-m", "helpers.lab_settings"], capture_output=True,
        text=True, env=env, cwd=tmp_path)
    assert settings.returncode == 0, settings.stdout + settings.stderr
    page_config = venv / "etc" / "jupyter" / "labconfig" / "page_config.json"
    assert "@jupyter/nbgrader:formgrader" in page_config.read_text()
    # and the server extensions JupyterLab would load there.
    loaded = subprocess.run(
        [str(python), "-c", SERVER_EXTENSIONS], capture_output=True,
        text=True, env=dict(env, JUPYTER_CONFIG_DIR=str(tmp_path / "user")),
        cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert loaded.stdout.split() == [
        "nbgrader.server_extensions.assignment_list",
        "nbgrader.server_extensions.validate_assignment"], loaded.stdout
    # `make install-hub` on a JupyterHub: the hub extra adds the single-user
    # server that deploy/jupyterhub/jupyterhub_config.py starts.
    hub = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-e",
         f"{folder}[hub]"], capture_output=True, text=True)
    assert hub.returncode == 0, hub.stdout + hub.stderr
    singleuser = subprocess.run(
        [str(venv / "bin" / "jupyterhub-singleuser"), "--version"],
        capture_output=True, text=True, env=env, cwd=tmp_path)
    assert singleuser.returncode == 0, singleuser.stdout + singleuser.stderr
