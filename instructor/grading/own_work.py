"""Find routes to course code in the source of an answer cell.

Graded answers must compute their results themselves.  At grading they run
in a clean room where the course package does not exist, so a route to it
fails anyway; this scan names the route in the verdict and the report, and
rejects the answer even where the route sits behind a fallback.
"""

from __future__ import annotations

import ast

COURSE_PACKAGES = ("helpers", "instructor")
FORBIDDEN_CALLS = {
    "__import__": "__import__()",
    "exec": "exec()",
    "eval": "eval()",
    "compile": "compile()",
    "globals": "globals()",
    "vars": "vars()",
}
FORBIDDEN_ATTRIBUTES = {
    ("sys", "modules"): "sys.modules",
    ("sys", "_getframe"): "sys._getframe (frame walking)",
    ("sys", "settrace"): "sys.settrace",
    ("sys", "setprofile"): "sys.setprofile",
    ("inspect", "getsource"): "inspect.getsource (copying source)",
    ("inspect", "getsourcelines"): "inspect.getsourcelines (copying source)",
    ("inspect", "currentframe"): "inspect.currentframe (frame walking)",
    ("inspect", "stack"): "inspect.stack (frame walking)",
    ("gc", "get_objects"): "gc.get_objects",
    ("gc", "get_referrers"): "gc.get_referrers",
}
FORBIDDEN_MODULES = {
    "importlib": "importlib",
    "linecache": "linecache (copying source)",
    "ctypes": "ctypes",
    "builtins": "the builtins module",
}


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


def find_routes(source):
    """Return a sorted list of the routes to course code found in ``source``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top in COURSE_PACKAGES:
                    found.add(f"import {alias.name}")
                elif top in FORBIDDEN_MODULES:
                    found.add(FORBIDDEN_MODULES[top])
        elif isinstance(node, ast.ImportFrom):
            top = (node.module or "").split(".")[0]
            if top in COURSE_PACKAGES:
                found.add(f"from {node.module} import ...")
            elif top in FORBIDDEN_MODULES:
                found.add(FORBIDDEN_MODULES[top])
            elif top == "sys" and any(a.name == "modules" for a in node.names):
                found.add("sys.modules")
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name in FORBIDDEN_CALLS:
                found.add(FORBIDDEN_CALLS[name])
            if name == "getattr" and node.args:
                target = _dotted(node.args[0])
                if target.split(".")[0] in COURSE_PACKAGES + ("sys",) or (
                        isinstance(node.args[0], ast.Call)):
                    found.add(f"getattr on {target or 'a computed object'}")
        elif isinstance(node, ast.Attribute):
            pair = tuple(_dotted(node).split(".")[-2:])
            if pair in FORBIDDEN_ATTRIBUTES:
                found.add(FORBIDDEN_ATTRIBUTES[pair])
        elif isinstance(node, ast.Name) and node.id == "__builtins__":
            found.add("__builtins__")
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
