"""Every public check passes the right answers and names each mistake.

The right functions come from the solution notebooks' answer cells (and
the exercise modules' references); each catalogued wrong function
(``instructor/exercises/nbNN_*.py``, ``Mistake.source``) replaces one of
them, and its public check must fail with an ``AssertionError`` holding
the mistake's fragment.  Every graded exercise needs at least ``MINIMUM``
catalogued mistakes.
"""

import ast
import importlib
import inspect
import json
from pathlib import Path

import pytest

from instructor import exercises
from instructor.exercises.generate import run_source

ROOT = Path(__file__).resolve().parents[1]
MINIMUM = 5
MODULES = exercises.modules()


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


def solution_namespace(notebook):
    """Return a namespace holding the solution's exercise functions."""
    namespace = {"__name__": "__main__"}
    run_source(MODULES[notebook].PRELUDE, namespace, f"{notebook} prelude")
    for index, (source, meta) in enumerate(_cells(notebook)):
        if meta.get("solution"):
            for definition in _definitions(source):
                run_source(definition, namespace, f"{notebook} cell {index}")
    return namespace


def run_check(notebook, item, namespace):
    """Run the public check of exercise ``item`` on ``namespace``'s answers."""
    checks = importlib.import_module(
        f"helpers.checks.{exercises.module_name(notebook)}")
    check = getattr(checks, f"check_{item.name}")
    check(namespace[item.name], *(namespace[name] for name in item.check_args))


EXERCISES = [pytest.param(notebook, item, id=f"{notebook}-{item.name}")
             for notebook, module in MODULES.items()
             for item in module.EXERCISES]
MISTAKES = [
    pytest.param(notebook, item, mistake,
                 id=f"{notebook}-{item.name}-{mistake.name}")
    for notebook, module in MODULES.items()
    for item in module.EXERCISES for mistake in item.mistakes
]


def test_every_graded_notebook_has_an_exercise_module():
    notebooks = sorted(path.name for path in (ROOT / "solutions").iterdir()
                       if path.is_dir() and graded_exercises(path.name))
    assert notebooks == sorted(exercises.NOTEBOOKS)


@pytest.mark.parametrize("notebook", sorted(MODULES))
def test_the_exercises_are_the_graded_functions(notebook):
    declared = [item.name for item in MODULES[notebook].EXERCISES]
    assert sorted(declared) == sorted(graded_exercises(notebook))


@pytest.mark.parametrize("notebook, item", EXERCISES)
def test_every_graded_exercise_has_enough_mistakes(notebook, item):
    assert len(item.mistakes) >= MINIMUM, (
        f"{item.name}: {len(item.mistakes)} mistakes catalogued, fewer "
        f"than {MINIMUM}")


@pytest.mark.parametrize("notebook, item", EXERCISES)
def test_a_recognised_mistakes_message_holds_its_fragment(notebook, item):
    for mistake in item.recognised:
        assert mistake.fragment.lower() in mistake.message.lower(), (
            item.name, mistake.name)


@pytest.mark.parametrize("notebook, item", EXERCISES)
def test_solution_passes_its_check(notebook, item, capsys):
    run_check(notebook, item, solution_namespace(notebook))
    assert "all public tests passed" in capsys.readouterr().out


@pytest.mark.parametrize("notebook, item", EXERCISES)
def test_reference_passes_its_check(notebook, item, capsys):
    namespace = solution_namespace(notebook)
    run_source(inspect.getsource(item.reference), namespace,
               f"{notebook} reference {item.name}")
    run_check(notebook, item, namespace)
    assert "all public tests passed" in capsys.readouterr().out


@pytest.mark.parametrize("notebook, item, mistake", MISTAKES)
def test_check_names_the_mistake(notebook, item, mistake):
    namespace = solution_namespace(notebook)
    run_source(mistake.source, namespace,
               f"{notebook} {item.name}: {mistake.name}")
    with pytest.raises(AssertionError) as failure:
        run_check(notebook, item, namespace)
    text = str(failure.value)
    assert mistake.fragment.lower() in text.lower(), (
        f"the check of {item.name} rejected '{mistake.name}' with another "
        f"message:\n{text}")
