"""Find routes to course code in the source of an answer cell.

Graded answers must compute their results themselves.  At grading they run
in a clean room where the course package does not exist, so a route to it
fails anyway; this scan names the route in the verdict and the report, and
rejects the answer even where the route sits behind a fallback.  The
routes are the public checks' (:mod:`helpers.checks.forbidden_routes`):
the grader runs in the course's environment, where ``helpers`` (data and
NumPy only on this path, never TensorFlow) is importable.
"""

from __future__ import annotations

import ast

from helpers.checks.forbidden_routes import (
    ATTRIBUTES,
    CALLS,
    MODULE_ATTRIBUTES,
    MODULES,
    NAMES,
)

COURSE_PACKAGES = ("helpers", "instructor")


def _dotted(node):
    """Return 'a.b.c' for a Name/Attribute chain, else ''."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _attribute_routes(owner, attribute):
    """Return the routes that reading ``owner.attribute`` takes."""
    if attribute in ATTRIBUTES:
        return {ATTRIBUTES[attribute][1]}
    if (owner, attribute) in MODULE_ATTRIBUTES:
        return {MODULE_ATTRIBUTES[owner, attribute]}
    return set()


def find_routes(source):
    """Return a sorted list of the routes to course code found in ``source``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    # What each name an ``import`` binds stands for (``import inspect as i``).
    aliases = {(alias.asname or alias.name).split(".")[0]:
               alias.name.split(".")[0] if not alias.asname else alias.name
               for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top in COURSE_PACKAGES:
                    found.add(f"import {alias.name}")
                elif top in MODULES:
                    found.add(MODULES[top])
        elif isinstance(node, ast.ImportFrom):
            top = (node.module or "").split(".")[0]
            if top in COURSE_PACKAGES:
                found.add(f"from {node.module} import ...")
            elif top in MODULES:
                found.add(MODULES[top])
            for alias in node.names:
                found.update(_attribute_routes(top, alias.name))
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name in CALLS:
                found.add(CALLS[name])
            if name == "getattr" and node.args:
                target = _dotted(node.args[0])
                if target.split(".")[0] in COURSE_PACKAGES + ("sys",) or (
                        isinstance(node.args[0], ast.Call)):
                    found.add(f"getattr on {target or 'a computed object'}")
        elif isinstance(node, ast.Attribute):
            owner = _dotted(node.value)
            found.update(_attribute_routes(aliases.get(owner, owner),
                                           node.attr))
        elif isinstance(node, ast.Name) and node.id in NAMES:
            found.add(NAMES[node.id])
        elif isinstance(node, ast.Name) and node.id in COURSE_PACKAGES:
            found.add(f"the course package {node.id!r}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            for package in COURSE_PACKAGES:
                if text == package or text.startswith(package + "."):
                    found.add(f"the string {text!r}")
    return sorted(found)


def outside_names(sources, prelude=""):
    """Return names the answer cells read but no answer cell (or prelude) binds.

    In the clean room such a name does not exist: a function that reads it
    fails with NameError.  Reported so the instructor sees why.
    """
    import builtins

    bound, read = set(dir(builtins)), set()
    for source in [prelude, *sources]:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                   ast.ClassDef)):
                bound.add(node.name)
            elif isinstance(node, ast.arg):
                bound.add(node.arg)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    bound.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(node, ast.ExceptHandler) and node.name:
                bound.add(node.name)
    return sorted(read - bound)
