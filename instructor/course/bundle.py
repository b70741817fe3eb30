"""Build the learner bundle: what learners get, and nothing they must not see.

The bundle holds the released notebooks, the ``helpers`` package, the asset
registry, environment files and a learner README.  It holds no solution,
no hidden test, no quiz key and no instructor documentation: those live in
``solutions/`` and ``instructor/``, which the bundle leaves out.
"""

from __future__ import annotations

import json
import shutil
import tomllib
import zipfile
from pathlib import Path

import nbformat

from helpers.config import REPO_ROOT

BUNDLE_NAME = "faces-and-styles-student"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints",
                                 ".DS_Store")

LEARNER_README = """\
# Faces and Styles: the learner's notebooks

Seven Jupyter notebooks on what deep ConvNets do with faces (verification,
recognition, one-shot learning, Siamese networks and the triplet loss) and
with paintings (neural style transfer), with exercises you solve yourself.

| # | notebook | you will |
|---|---|---|
{table}

## Set-up: two commands

You need Python 3.11 and `make` (Linux, macOS, or Windows with WSL).

```bash
make install   # creates .venv and installs the course package (TensorFlow is the largest part)
make lab       # opens JupyterLab on notebooks/
```

Without `make`: `python3.11 -m venv .venv`, `.venv/bin/pip install -e .`,
`.venv/bin/python -m helpers.lab_settings`,
`.venv/bin/jupyter lab --notebook-dir=notebooks`.  With conda:
`conda env create -f environment.yml`, `conda activate faces-and-styles`,
`python -m helpers.lab_settings`, `jupyter lab --notebook-dir=notebooks`.
(`helpers.lab_settings` hides nbgrader's instructor panels in that
environment's JupyterLab and switches off their server extensions; the
Validate button and the assignment list stay.)

## How exercises work

Each exercise is a cell that starts with a function's `def` line and
`raise NotImplementedError()`: replace that line with your code and run the
test cell below it.  The public tests name the mistake when something is
wrong.  When you submit, the grader runs more tests on each of your
functions in a separate process, with other inputs; a graded function may
use its arguments, NumPy/TensorFlow and the functions you wrote in earlier
answer cells, but not the course package `helpers`.

## Quick and full configuration

By default every notebook runs at full quality (a few minutes each on a
laptop CPU, with progress bars).  `FACES_STYLES_QUICK=1` switches to a
small, quick configuration.

## Data

The first time a notebook needs them, the datasets and weights are
downloaded (LFW through scikit-learn, VGG16 through Keras, three paintings
from hash-pinned addresses) into `data/cache/`.  `data/assets.json` lists
every file with its size and SHA-256.  Offline, put the files in a folder
and set `FACES_STYLES_ASSETS` to it.
"""

LEARNER_MAKEFILE = """\
# Faces and Styles, learner set-up: `make install`, then `make lab`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.faces-and-styles-installed

.PHONY: install install-hub lab

$(BIN)/python:
\t$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
\t$(BIN)/python -m pip install --upgrade pip
\t$(BIN)/python -m pip install -e .
\t$(BIN)/python -m helpers.lab_settings
\ttouch $(STAMP)

install: $(STAMP)

# On a JupyterHub: also the single-user server (jupyterhub-singleuser).
install-hub: $(STAMP)
\t$(BIN)/python -m pip install -e ".[hub]"

lab: $(STAMP)
\t$(BIN)/jupyter lab --notebook-dir=notebooks
"""


def _table(root):
    """Return the README's notebook table rows, read from the course README."""
    rows = []
    for line in (Path(root) / "README.md").read_text().splitlines():
        if line.startswith("| 0") and line.count("|") == 4:
            rows.append(line)
    return "\n".join(rows)


def _pyproject(root):
    """Return a learner pyproject.toml: the same dependencies, helpers only."""
    project = tomllib.loads((Path(root) / "pyproject.toml").read_text())
    meta = project["project"]
    dependencies = "\n".join(f'    "{dep}",' for dep in meta["dependencies"])
    return (
        '[build-system]\nrequires = ["setuptools>=68"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "{meta["name"]}"\nversion = "{meta["version"]}"\n'
        f'description = "{meta["description"]}"\nreadme = "README.md"\n'
        f'requires-python = "{meta["requires-python"]}"\n'
        f'license = {{ text = "{meta["license"]["text"]}" }}\n'
        f"dependencies = [\n{dependencies}\n]\n\n"
        "[project.optional-dependencies]\n"
        f"hub = {json.dumps(project['project']['optional-dependencies']['hub'])}\n\n"
        '[tool.setuptools.packages.find]\ninclude = ["helpers*"]\n\n'
        '[tool.setuptools.package-data]\n'
        '"helpers.checks" = ["expected/*.json"]\n'
    )


def _environment(root):
    """Return a learner environment.yml matching the learner pyproject."""
    project = tomllib.loads((Path(root) / "pyproject.toml").read_text())
    lines = ["name: faces-and-styles", "channels:", "  - conda-forge",
             "dependencies:", "  - python=3.11", "  - pip", "  - pip:",
             '      - -e "."']
    lines += [f'      - "{dep}"' for dep in project["project"]["dependencies"]]
    return "\n".join(lines) + "\n"


def _check_released(folder):
    """Refuse notebooks that still hold solutions or hidden tests."""
    for path in sorted(Path(folder).rglob("*.ipynb")):
        text = path.read_text()
        for marker in ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS"):
            if marker in text:
                raise ValueError(
                    f"{path} contains {marker!r}: it is not a release; run "
                    "`make release` first.")
        nbformat.validate(nbformat.reads(text, as_version=4))


def build_bundle(destination=None, root=REPO_ROOT):
    """Write the learner bundle folder and its zip; return both paths."""
    root = Path(root)
    destination = Path(destination or root / "dist")
    folder = destination / BUNDLE_NAME
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shutil.copytree(root / "notebooks", folder / "notebooks", ignore=IGNORED)
    _check_released(folder / "notebooks")
    shutil.copytree(root / "helpers", folder / "helpers", ignore=IGNORED)
    (folder / "data").mkdir()
    shutil.copy2(root / "data" / "assets.json", folder / "data" / "assets.json")
    (folder / "README.md").write_text(
        LEARNER_README.format(table=_table(root)))
    (folder / "Makefile").write_text(LEARNER_MAKEFILE)
    (folder / "pyproject.toml").write_text(_pyproject(root))
    (folder / "environment.yml").write_text(_environment(root))
    (folder / ".gitignore").write_text(".venv/\n__pycache__/\n*.egg-info/\n"
                                       ".ipynb_checkpoints/\ndata/cache/\n")
    archive = destination / f"{BUNDLE_NAME}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                handle.write(path, Path(BUNDLE_NAME) / path.relative_to(folder))
    return folder, archive
