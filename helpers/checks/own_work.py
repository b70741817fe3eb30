"""Is an exercise function the learner's own work?

Two looks at the function a public check receives:

* static - before any call: where the function comes from, and every object
  it can reach without running: default arguments, keyword defaults,
  closure cells, the globals its code (and nested code) names, the notebook
  functions it calls in turn, and string constants.  Objects from the course
  packages (``helpers``, ``instructor``) are findings, and so are the routes
  that reach them by name at run time (the list the grader's scan shares:
  :mod:`helpers.checks.forbidden_routes`; ``sys.modules``, ``importlib``,
  ``exec``, ``inspect.getsource``, frame walking...) and ``getattr`` on a
  module.  A function whose code is a copy
  of a function in ``helpers`` (course source run with ``exec``) is one too.
* dynamic - every call the check makes runs under a ``sys.setprofile`` hook
  that records the first Python frame whose code lives in a file of the
  ``helpers`` package, except code that the check itself passed in as an
  argument (a tiny model or feature extractor).

Both raise ``AssertionError`` with a message that names the route.
"""

import builtins
import dis
import functools
import importlib
import inspect
import os
import re
import sys
import types
from pathlib import Path

from helpers.checks.forbidden_routes import (
    ATTRIBUTES,
    CALLS,
    MODULE_ATTRIBUTES,
    MODULES,
    NAMES,
)

COURSE_PACKAGES = ("helpers", "instructor")
HELPERS_DIR = Path(__file__).resolve().parent.parent
ADVICE = "Write the computation yourself with NumPy or TensorFlow."

#: Objects that are such routes themselves (e.g. a default argument): the
#: built-in functions and module attributes of the shared list.
ROUTE_OBJECTS = (
    (sys.modules, "sys.modules, the table of imported modules"),
    *((getattr(builtins, name), name) for name in CALLS),
    *((getattr(importlib.import_module(owner), name), f"{owner}.{name}")
      for owner, name in [*((owner, name) for name, (owner, _)
                            in ATTRIBUTES.items() if owner),
                          *MODULE_ATTRIBUTES]
      if name != "modules"),
)
COURSE_NAME = re.compile(r"(?<![\w.])(helpers|instructor)(\.\w|[/\\])")
LOADS = {"LOAD_GLOBAL", "LOAD_NAME"}
ATTRIBUTE_LOADS = {"LOAD_ATTR", "LOAD_METHOD"}
LOCAL_LOADS = {"LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_DEREF", "LOAD_CLOSURE"}


def _is_course_module(name):
    """Return True for a module name inside the course packages."""
    return (name or "").split(".")[0] in COURSE_PACKAGES


def _module_and_label(obj):
    """Return (module name, description) of where ``obj`` comes from."""
    if isinstance(obj, functools.partial):
        return _module_and_label(obj.func)
    if isinstance(obj, types.MethodType):
        return _module_and_label(obj.__func__)
    if isinstance(obj, types.ModuleType):
        return obj.__name__, f"the module {obj.__name__}"
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType, type)):
        module = getattr(obj, "__module__", "") or ""
        return module, f"{module}.{obj.__qualname__}"
    module = type(obj).__module__
    return module, f"a {type(obj).__qualname__} object from {module}"


def course_origin(obj):
    """Return a description of ``obj`` if it comes from the course, or None."""
    module, label = _module_and_label(obj)
    return label if _is_course_module(module) else None


def _route_object(obj):
    """Return the name of a run-by-name route that ``obj`` is, or None."""
    if isinstance(obj, types.ModuleType) and obj.__name__ in MODULES:
        return f"the module {obj.__name__}"
    for route, label in ROUTE_OBJECTS:
        if obj is route:
            return label
    return None


def _nested_codes(code):
    """Yield ``code`` and every code object nested in it."""
    stack = [code]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(const for const in current.co_consts
                     if isinstance(const, types.CodeType))


# --- copies of course code -------------------------------------------------


def _code_key(code):
    """Return what a copy of ``code`` shares with it, whatever its file."""
    consts = tuple(_code_key(c) if isinstance(c, types.CodeType)
                   else (type(c).__name__, repr(c)) for c in code.co_consts)
    return (code.co_code, code.co_names, code.co_varnames, consts)


@functools.lru_cache(maxsize=1)
def _helpers_code_index():
    """Map the key of every named function in helpers/ to its location."""
    index = {}
    for path in sorted(HELPERS_DIR.rglob("*.py")):
        try:
            module = compile(path.read_text(encoding="utf-8"), str(path),
                             "exec")
        except (OSError, SyntaxError, ValueError):
            continue
        where = path.relative_to(HELPERS_DIR.parent).as_posix()
        for code in _nested_codes(module):
            if code is not module and not code.co_name.startswith("<"):
                name = getattr(code, "co_qualname", code.co_name)
                index.setdefault(_code_key(code), f"{where}: {name}")
    return index


def _copied_from(function):
    """Return where ``function``'s code was copied from in helpers, or None."""
    return _helpers_code_index().get(_code_key(function.__code__))


# --- static look -----------------------------------------------------------


def _parameter_names(function):
    """Return the names of the positional parameters with defaults."""
    code = function.__code__
    positional = code.co_varnames[:code.co_argcount]
    count = len(function.__defaults__ or ())
    return positional[len(positional) - count:]


def _bound_values(function):
    """Yield (route, value) for defaults and closure cells of a function."""
    for name, value in zip(_parameter_names(function),
                           function.__defaults__ or ()):
        yield f"has a default argument {name!r} bound to", value
    for name, value in (function.__kwdefaults__ or {}).items():
        yield f"has a default argument {name!r} bound to", value
    cells = function.__closure__ or ()
    for name, cell in zip(function.__code__.co_freevars, cells):
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell: not assigned yet
            continue
        yield f"reads a closure variable {name!r} that holds", value


def _values_inside(value):
    """Yield ``value`` and, for a container, the items it holds."""
    yield value
    if isinstance(value, dict):
        yield from value.values()
    elif isinstance(value, (tuple, list, set, frozenset)):
        yield from value


def _value_finding(route, value, allowed):
    """Return a finding for a value reachable from the function, or None."""
    for item in _values_inside(value):
        if any(item is other for other in allowed):
            continue
        origin = course_origin(item)
        if origin:
            return f"{route} course code ({origin})"
        way = _route_object(item)
        if way:
            return f"{route} {way}"
    return None


def _module_locals(instructions):
    """Map the local names that ``import`` statements bind to their modules."""
    return {after.argval: str(before.argval).split(".")[0]
            for before, after in zip(instructions, instructions[1:])
            if before.opname == "IMPORT_NAME"
            and after.opname.startswith("STORE_")}


def _loaded_module(instruction, namespace, module_locals):
    """Return the name of the module ``instruction`` loads, or None."""
    if instruction.opname in LOADS:
        value = namespace.get(instruction.argval)
        if isinstance(value, types.ModuleType):
            return value.__name__
    elif instruction.opname in LOCAL_LOADS:
        return module_locals.get(instruction.argval)
    return None


def _attribute_finding(owner, name):
    """Return the finding for reading ``owner.name``, or None."""
    if name in ATTRIBUTES:
        return ATTRIBUTES[name][1]
    return MODULE_ATTRIBUTES.get((owner, name))


def _is_module_load(instruction, namespace, module_locals):
    """Return True when ``instruction`` loads a module object."""
    if instruction.opname in LOADS:
        value = namespace.get(instruction.argval,
                              getattr(builtins, instruction.argval, None))
        return isinstance(value, types.ModuleType)
    return (instruction.opname in LOCAL_LOADS
            and instruction.argval in module_locals)


def _code_findings(code, namespace):
    """Yield findings in one code object's instructions and constants."""
    instructions = list(dis.get_instructions(code))
    module_locals = _module_locals(instructions)
    imported = None
    for index, instruction in enumerate(instructions):
        name, opname = instruction.argval, instruction.opname
        if opname in LOADS and name in CALLS and name not in namespace:
            yield CALLS[name]
        elif opname in LOADS and name in NAMES:
            yield NAMES[name]
        elif opname in ATTRIBUTE_LOADS or opname == "IMPORT_FROM":
            owner = imported if opname == "IMPORT_FROM" else (
                _loaded_module(instructions[index - 1], namespace,
                               module_locals) if index else None)
            finding = _attribute_finding(owner, name)
            if finding:
                yield finding
        elif opname == "IMPORT_NAME":
            imported = root = str(name).split(".")[0]
            if root in COURSE_PACKAGES:
                yield f"imports the course module {name}"
            elif root in MODULES:
                yield MODULES[root]
        elif opname in LOADS and name == "getattr" \
                and index + 1 < len(instructions) \
                and _is_module_load(instructions[index + 1], namespace,
                                    module_locals):
            target = instructions[index + 1].argval
            yield (f"looks up attributes of the module {target!r} by name "
                   "with getattr")
    docstring = code.co_consts[0] if code.co_consts else None
    for const in code.co_consts:
        if isinstance(const, str) and const is not docstring \
                and COURSE_NAME.search(const):
            yield f"names the course code in the text {const!r}"


def _global_finding(name, value, allowed):
    """Return a finding for a global the code loads, or None."""
    if any(value is other for other in allowed):
        return None
    module, label = _module_and_label(value)
    if _is_course_module(module):
        package = module.split(".")[0]
        return f"uses {name!r} from the course package '{package}' ({label})"
    way = _route_object(value)
    if way:
        return f"uses {name!r}, which is {way}"
    return None


def _loaded_globals(code):
    """Return the global names that ``code`` loads, in order."""
    names = [instruction.argval for instruction in dis.get_instructions(code)
             if instruction.opname in LOADS]
    return list(dict.fromkeys(names))


def _function_findings(function, allowed):
    """Yield (through, finding) for a function and the functions it uses."""
    queue, seen = [(function, "")], set()
    while queue:
        current, through = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        copied = _copied_from(current)
        if copied:
            yield through, f"is a copy of course code {copied}"
        for route, value in _bound_values(current):
            finding = _value_finding(route, value, allowed)
            if finding:
                yield through, finding
            elif _is_notebook_function(value):
                queue.append((value, value.__name__))
        namespace = current.__globals__
        for code in _nested_codes(current.__code__):
            for finding in _code_findings(code, namespace):
                yield through, finding
            for name in _loaded_globals(code):
                if name not in namespace:
                    continue
                value = namespace[name]
                finding = _global_finding(name, value, allowed)
                if finding:
                    yield through, finding
                elif _is_notebook_function(value):
                    queue.append((value, value.__name__))


def _is_notebook_function(value):
    """Return True for a plain function defined in the notebook."""
    return (isinstance(value, types.FunctionType)
            and value.__module__ == "__main__")


def _check_origin(function, name, reference):
    """Fail unless ``function`` is a plain function defined in __main__."""
    if reference is not None and function is reference:
        raise AssertionError(
            f"{name} is the course's reference implementation. Write the "
            "function yourself in the notebook cell."
        )
    if not inspect.isfunction(function):
        raise AssertionError(
            f"{name} should be a function defined with 'def' in the "
            f"notebook, but it is a {type(function).__name__}."
        )
    if function.__module__ != "__main__":
        kind = ("the course module" if _is_course_module(function.__module__)
                else "module")
        raise AssertionError(
            f"{name} comes from {kind} {function.__module__!r}; define it "
            "yourself in the notebook cell."
        )


# --- dynamic watch -----------------------------------------------------------


def _argument_codes(values):
    """Return the code objects of callables the check passes in."""
    codes = set()
    for value in values:
        for item in _values_inside(value):
            if isinstance(item, functools.partial):
                item = item.func
            if isinstance(item, types.MethodType):
                item = item.__func__
            if isinstance(item, types.FunctionType):
                codes.update(_nested_codes(item.__code__))
            elif course_origin(item):
                for klass in type(item).__mro__:
                    for member in vars(klass).values():
                        if isinstance(member, types.FunctionType):
                            codes.update(_nested_codes(member.__code__))
    return codes


class _Watch:
    """A profile hook remembering the first frame run from helpers/."""

    def __init__(self, exempt):
        self.exempt = exempt
        self.found = None
        self.inside = {}  # file name -> is it under helpers/?
        self.root = str(HELPERS_DIR) + os.sep

    def __call__(self, frame, event, arg):
        if event != "call" or self.found is not None:
            return
        code = frame.f_code
        inside = self.inside.get(code.co_filename)
        if inside is None:
            path = os.path.realpath(code.co_filename)
            inside = self.inside[code.co_filename] = path.startswith(
                self.root)
        if inside and code not in self.exempt:
            self.found = code


def _describe_code(code):
    """Return 'helpers/x.py: Class.method' for a code object."""
    path = Path(os.path.realpath(code.co_filename))
    where = path.relative_to(HELPERS_DIR.parent).as_posix()
    return f"{where}: {getattr(code, 'co_qualname', code.co_name)}"


def call_watched(name, target, *args, **kwargs):
    """Call ``target(*args, **kwargs)``; fail if it runs code from helpers/."""
    watch = _Watch(_argument_codes(list(args) + list(kwargs.values())))
    previous = sys.getprofile()
    try:
        sys.setprofile(watch)
        try:
            result = target(*args, **kwargs)
        finally:
            sys.setprofile(previous)
    except Exception as error:
        if watch.found is not None:
            raise AssertionError(_ran_course_code(name, watch.found)) \
                from error
        raise
    if watch.found is not None:
        raise AssertionError(_ran_course_code(name, watch.found))
    return result


def _ran_course_code(name, code):
    """Return the message for a call that reached course code."""
    return (f"{name} ran course code {_describe_code(code)}; write the "
            "computation yourself.")


class OwnFunction:
    """A learner's function whose every call fails if it runs course code.

    Calling it calls the function under the watch; ``call(target, ...)``
    watches another callable made from it, such as ``tf.function(f)``.
    """

    def __init__(self, function):
        functools.update_wrapper(self, function)
        self.function = function

    def __call__(self, *args, **kwargs):
        return self.call(self.function, *args, **kwargs)

    def call(self, target, *args, **kwargs):
        """Call ``target`` with the arguments under the watch."""
        return call_watched(self.__name__, target, *args, **kwargs)


def assert_own_function(function, reference=None, allowed=()):
    """Fail unless ``function`` is the learner's own; return it watched.

    The function must be a plain function defined in the notebook, must not
    be ``reference``, and must not reach course code (see the module
    docstring); ``allowed`` lists objects it may use.  The returned
    :class:`OwnFunction` fails any call that runs code from ``helpers``.
    """
    if isinstance(function, OwnFunction):
        function = function.function
    name = getattr(function, "__name__", repr(function))
    _check_origin(function, name, reference)
    for through, finding in _function_findings(function, tuple(allowed)):
        via = f" (through your {through})" if through else ""
        raise AssertionError(f"{name}{via} {finding}. {ADVICE}")
    return OwnFunction(function)
