"""The project's install files agree with each other."""

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def normalise(requirement):
    """Return a requirement with canonical name and no spaces."""
    requirement = requirement.replace(" ", "")
    name = re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0)
    canonical = re.sub(r"[-_.]+", "-", name).lower()
    return canonical + requirement[len(name):]


def pyproject_requirements():
    with open(REPO / "pyproject.toml", "rb") as handle:
        project = tomllib.load(handle)["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
    return {normalise(r) for r in requirements}


def conda_pip_requirements():
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_sections = [
        entry["pip"] for entry in environment["dependencies"]
        if isinstance(entry, dict) and "pip" in entry
    ]
    assert len(pip_sections) == 1, "environment.yml needs one pip section"
    return pip_sections[0]


def test_environment_yml_pins_python_311():
    text = (REPO / "environment.yml").read_text()
    assert re.search(r"^\s*- python=3\.11\s*$", text, re.MULTILINE)


def test_environment_yml_installs_the_project_with_dev_extra():
    assert '-e ".[dev]"' in conda_pip_requirements()


def test_environment_yml_matches_pyproject():
    conda = {normalise(r) for r in conda_pip_requirements() if not r.startswith("-e")}
    python = pyproject_requirements()
    assert conda == python, (
        f"environment.yml and pyproject.toml disagree.\n"
        f"only in environment.yml: {sorted(conda - python)}\n"
        f"only in pyproject.toml: {sorted(python - conda)}"
    )


def test_every_dependency_imports():
    import importlib

    modules = ["tensorflow", "keras", "numpy", "scipy", "matplotlib",
               "sklearn", "skimage", "PIL", "tqdm", "ipywidgets", "mtcnn",
               "jupyterlab", "nbgrader", "nbval"]
    for module in modules:
        importlib.import_module(module)
