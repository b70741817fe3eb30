"""Demonstration cells: run by learners and by CI, skipped when grading.

A code cell of the instructor's source notebook tagged ``demo`` shows
results (a training run, a painting, a plot) and earns no points.  When a
submission is graded, a cell is skipped only if its source is exactly that
of a demo cell of the *instructor's* notebook: tags in a submission are
not trusted, and a demo the student edited runs as usual.

A demo may read what earlier cells made, but nothing outside the demos may
read what a demo binds; :func:`demo_problems` checks this, so skipping the
demos cannot change what the graded cells compute.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

DEMO_TAG = "demo"
#: Output that stands in for a skipped demo's output in the graded notebook.
SKIPPED_NOTE = ("[not run when grading: this cell only demonstrates and "
                "earns no points; your own notebook keeps its output]\n")


def _normal(source):
    """Return a cell source with trailing spaces and blank lines dropped."""
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def is_demo(cell):
    """Return True when a cell of the instructor's notebook is a demo."""
    return (cell.cell_type == "code"
            and DEMO_TAG in cell.get("metadata", {}).get("tags", []))


def demo_sources(source_notebook):
    """Return the normalised sources of the demo cells of a notebook file."""
    path = Path(source_notebook)
    if not path.is_file():
        return frozenset()
    notebook = nbformat.read(path, as_version=4)
    return frozenset(_normal(cell.source) for cell in notebook.cells
                     if is_demo(cell) and cell.source.strip())


def matches_demo(cell, sources):
    """Return True when a submitted cell is one of the demos, unchanged."""
    return (cell.cell_type == "code" and bool(sources)
            and _normal(cell.source) in sources)


def skipped_by_grading(notebook, sources, run_after_last_grade=False):
    """Return {cell index: "after" or "demo"} for the cells grading skips.

    "after": a code cell after the last graded code cell (nothing there
    can change a score); "demo": an unchanged demo of ``sources``.
    """
    from nbgrader import utils

    code = [index for index, cell in enumerate(notebook.cells)
            if cell.cell_type == "code"]
    graded = [index for index in code if utils.is_grade(notebook.cells[index])]
    last = max(graded) if graded and not run_after_last_grade else None
    skipped = {}
    for index in code:
        if last is not None and index > last:
            skipped[index] = "after"
        elif matches_demo(notebook.cells[index], sources):
            skipped[index] = "demo"
    return skipped


def _python(source):
    """Return a cell's source with IPython magics turned into Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


class _TopLevelNames(ast.NodeVisitor):
    """Collect the names a module binds in its own (global) scope."""

    def __init__(self):
        self.names = set()

    def visit_Name(self, node):
        if not isinstance(node.ctx, ast.Load):
            self.names.add(node.id)

    def _definition(self, node):
        self.names.add(node.name)
        for decorator in node.decorator_list:
            self.visit(decorator)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _definition

    def visit_Lambda(self, node):
        pass

    def _comprehension(self, node):
        pass

    visit_ListComp = visit_SetComp = visit_DictComp = _comprehension
    visit_GeneratorExp = _comprehension

    def visit_Import(self, node):
        for alias in node.names:
            self.names.add((alias.asname or alias.name).split(".")[0])

    visit_ImportFrom = visit_Import


def bound_and_read(source):
    """Return (names a cell binds globally, names it reads anywhere)."""
    tree = ast.parse(_python(source))
    binder = _TopLevelNames()
    binder.visit(tree)
    read = {node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    # "global x" binds x globally, at top level or in a function body.
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            binder.names.update(node.names)
    return binder.names, read


def demo_problems(notebook):
    """Return why the demos of an instructor's notebook may not be skipped.

    A demo must be a plain code cell (no nbgrader solution, test or locked
    cell) and must bind no name that a later cell outside the demos reads.
    """
    problems = []
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for index, cell in enumerate(cells):
        if not is_demo(cell):
            continue
        label = f"demo cell {index} ({cell.source.strip()[:40]!r})"
        if cell.get("metadata", {}).get("nbgrader"):
            problems.append(f"{label} is an nbgrader cell")
            continue
        bound, _ = bound_and_read(cell.source)
        for later in cells[index + 1:]:
            if is_demo(later):
                continue
            used = sorted(bound & bound_and_read(later.source)[1])
            if used:
                problems.append(f"{label} binds {', '.join(used)}, read by "
                                f"{later.source.strip()[:40]!r}")
    return problems
