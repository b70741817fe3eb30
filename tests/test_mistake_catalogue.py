"""Every public check rejects each catalogued mistake with its message.

The right functions come from the solution notebooks' answer cells; each
catalogued wrong function replaces one of them, and its public check must
fail with an ``AssertionError`` that names the mistake.  Every graded
exercise needs at least ``MINIMUM`` catalogued mistakes.
"""

import ast
import importlib.util
import json
import linecache
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = Path(__file__).resolve().parent / "catalogue"
MINIMUM = 5


def _load(path):
    """Import one catalogue module from its file."""
    spec = importlib.util.spec_from_file_location(
        f"catalogue_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MODULES = {module.NOTEBOOK: module for module in map(
    _load, sorted(CATALOGUE.glob("nb*.py")))}


def _cells(notebook):
    """Return the solution notebook's code cells with nbgrader metadata."""
    path = ROOT / "solutions" / notebook / f"{notebook}.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [
        ("".join(cell["source"]), cell["metadata"].get("nbgrader", {}))
        for cell in cells if cell["cell_type"] == "code"
    ]


def _definitions(source):
    """Return the top-level function definitions of a cell, as source."""
    lines = [line for line in source.splitlines()
             if not line.lstrip().startswith(("%", "!"))]
    tree = ast.parse("\n".join(lines))
    return [ast.get_source_segment("\n".join(lines), node)
            for node in tree.body if isinstance(node, ast.FunctionDef)]


def graded_exercises(notebook):
    """Return the functions of answer cells that a graded cell tests."""
    cells = _cells(notebook)
    graded = "\n".join(src for src, meta in cells if meta.get("grade"))
    names = []
    for source, meta in cells:
        if meta.get("solution"):
            for definition in _definitions(source):
                name = ast.parse(definition).body[0].name
                if name in graded and name not in names:
                    names.append(name)
    return names


def _run(source, namespace, label):
    """Run ``source`` in ``namespace`` as a notebook cell would."""
    source = textwrap.dedent(source).strip() + "\n"
    filename = f"<catalogue {label}>"
    linecache.cache[filename] = (
        len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


def solution_namespace(notebook):
    """Return a namespace holding the solution's exercise functions."""
    module = MODULES[notebook]
    namespace = {"__name__": "__main__"}
    _run(module.PRELUDE, namespace, f"{notebook} prelude")
    for index, (source, meta) in enumerate(_cells(notebook)):
        if meta.get("solution"):
            for definition in _definitions(source):
                _run(definition, namespace, f"{notebook} cell {index}")
    return namespace


SOLUTION_CASES = [
    (notebook, exercise) for notebook in sorted(MODULES)
    for exercise in graded_exercises(notebook)
]
MISTAKE_CASES = [
    pytest.param(notebook, *mistake, id=f"{notebook}-{mistake[0]}-{mistake[1]}")
    for notebook, module in sorted(MODULES.items())
    for mistake in module.MISTAKES
]


def test_every_notebook_has_a_catalogue():
    notebooks = sorted(path.name for path in (ROOT / "solutions").iterdir()
                       if path.is_dir() and graded_exercises(path.name))
    assert notebooks == sorted(MODULES)


@pytest.mark.parametrize("notebook", sorted(MODULES))
def test_every_graded_exercise_has_enough_mistakes(notebook):
    counts = {exercise: 0 for exercise in graded_exercises(notebook)}
    for exercise, *_ in MODULES[notebook].MISTAKES:
        assert exercise in counts, f"{exercise} is not a graded exercise"
        counts[exercise] += 1
    short = {name: count for name, count in counts.items()
             if count < MINIMUM}
    assert not short, f"fewer than {MINIMUM} mistakes catalogued: {short}"


@pytest.mark.parametrize("notebook, exercise", SOLUTION_CASES)
def test_solution_passes_its_check(notebook, exercise, capsys):
    MODULES[notebook].run_check(exercise, solution_namespace(notebook))
    assert "all public tests passed" in capsys.readouterr().out


@pytest.mark.parametrize("notebook, exercise, mistake, source, message",
                         MISTAKE_CASES)
def test_check_names_the_mistake(notebook, exercise, mistake, source,
                                 message):
    namespace = solution_namespace(notebook)
    _run(source, namespace, f"{notebook} {exercise}: {mistake}")
    with pytest.raises(AssertionError) as failure:
        MODULES[notebook].run_check(exercise, namespace)
    text = str(failure.value)
    assert message.lower() in text.lower(), (
        f"the check of {exercise} rejected '{mistake}' with another "
        f"message:\n{text}")
