"""No module of the course packages imports itself back through others.

The graph is read from the source with ``ast`` (every ``import``, at the
top of a module or inside a function, since a function's import is the
usual way a cycle hides), so the test costs no TensorFlow.
"""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("helpers", "instructor")


def _module_name(path):
    """Return the dotted name of a source file of the repository."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules():
    """Map every module of the course packages to its source file."""
    return {_module_name(path): path for package in PACKAGES
            for path in sorted((REPO / package).rglob("*.py"))}


def _imported(node, module, is_package, known):
    """Yield the course modules one import statement names."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif node.level:
        base = module.split(".")[:len(module.split(".")) - node.level
                                 + is_package]
        names = [".".join(base + ([node.module] if node.module else []))]
        names += [f"{names[0]}.{alias.name}" for alias in node.names]
    else:
        names = [node.module] + [f"{node.module}.{alias.name}"
                                 for alias in node.names]
    for name in names:
        if name in known:
            yield name


def import_graph():
    """Return {module: set of course modules it imports}."""
    modules = _modules()
    graph = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        graph[module] = {
            name for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for name in _imported(node, module, is_package, modules)
            # A package's __init__ is run by importing its modules: the
            # edge from a module up to its own package is no cycle.
            if not module.startswith(name + ".") and name != module}
    return graph


def find_cycles(graph):
    """Return the cycles of ``graph``, each as a list of modules."""
    cycles, state, stack = [], {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                cycles.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def test_the_course_packages_have_no_import_cycle():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles:\n" + "\n".join(
        " -> ".join(cycle) for cycle in cycles)


def test_a_cycle_is_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert "instructor.grading.harness" in graph["instructor.course.caches"]
