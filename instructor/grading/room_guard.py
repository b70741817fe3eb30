"""What the clean room puts back before the grader's own code runs in it.

The grader's snippets (``student.run``) run in the clean room beside the
answers and use the libraries the answers can change: a ``tf.function``
that runs eagerly, a ``tf.GradientTape.gradient`` that returns zeros, a
module swapped in ``sys.modules``.  :class:`Snapshot`, taken before the
first answer cell runs, records the code that every loaded module holds:
its attributes, its classes' attributes, bases and metaclasses, each
function's code, defaults and closure, and ``sys.modules``.
:meth:`Snapshot.restore` puts back whatever changed; the room calls it
before each snippet and after each answer function a snippet calls.  Data
the libraries keep for themselves (caches, counters, settings under
private names) is left as it is: only what holds behaviour (functions,
classes, modules, descriptors) and public module names are put back.

The source of this file runs inside the clean room, as part of its runner
(it imports nothing but the standard library); the grader imports it only
in tests.  Reaching the room's own runner (its frames, the garbage
collector, ctypes) is what the own-work scan rejects.
"""

import contextlib as _contextlib
import gc as _gc
import sys as _sys
import types as _types

_FUNCTION = _types.FunctionType
_MODULE = _types.ModuleType
# Read through the base types' own descriptors, never through a class's
# (or a metaclass's) attribute hooks, which an answer could have defined.
_TYPE_DICT = type.__dict__["__dict__"].__get__
_TYPE_MRO = type.__dict__["__mro__"].__get__
_BASES = type.__dict__["__bases__"]
_MODULE_DICT = _MODULE.__dict__["__dict__"].__get__
_CLASS_OF = object.__dict__["__class__"]
_SET_ATTRIBUTE = type.__setattr__
_DELETE_ATTRIBUTE = type.__delattr__
_EMPTY = object()


def _behaviour(value):
    """Return True for what holds code: callables, classes, descriptors."""
    kind = type(value)
    if callable(value) or issubclass(kind, (type, _MODULE)):
        return True
    return any("__get__" in _TYPE_DICT(base) for base in _TYPE_MRO(kind))


def _unwrapped(value):
    """Return the functions a class attribute or module value stands for."""
    kind = type(value)
    if kind is _FUNCTION:
        return [value]
    if kind in (staticmethod, classmethod):
        return [value.__func__]
    if kind is property:
        return [value.fget, value.fset, value.fdel]
    return []


def _cell_value(cell):
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return _EMPTY


@_contextlib.contextmanager
def _collector_paused():
    """Pause the garbage collector: it would walk the whole heap, often."""
    enabled = _gc.isenabled()
    _gc.disable()
    try:
        yield
    finally:
        if enabled:
            _gc.enable()


def _changed(saved, current):
    """Return True when ``current`` replaced ``saved`` with other code."""
    if current is saved:
        return False
    return _behaviour(saved) or _behaviour(current)


class Snapshot:
    """The code of every loaded module, as it is now.

    A function's code and defaults are watched (an audit hook records the
    first change of each), not copied: there are tens of thousands.
    """

    def __init__(self, skip=(), also=()):
        with _collector_paused():
            self._take(skip, also)
        self.changed_functions = {}
        self.restoring = False
        _sys.addaudithook(self._recorder())
        self.threads = set(_sys._current_frames())

    def _take(self, skip, also):
        skipped = {id(module) for module in skip}
        self.sys_modules = _sys.modules
        self.module_entries = dict(_sys.modules)
        self.modules = []
        self.classes = {}
        self.functions = {}
        for module in list(self.module_entries.values()):
            if id(module) in skipped or not isinstance(module, _MODULE):
                continue
            self._add_module(module)
        for module in also:
            self._add_module(module)
        for cls in list(self.classes.values()):
            for related in (*_TYPE_MRO(cls), *_TYPE_MRO(type(cls))):
                self._add_class(related)
        self.classes = [
            (cls, type(cls), _BASES.__get__(cls), dict(_TYPE_DICT(cls)))
            for cls in self.classes.values()]
        for _, _, _, namespace in self.classes:
            for value in namespace.values():
                self._add_functions(value)
        # What no audit event reports: closures' cells, and keyword
        # defaults changed in place.
        self.cells = [(cell, _cell_value(cell))
                      for function in self.functions.values()
                      for cell in function.__closure__ or ()]
        self.keywords = [(function.__kwdefaults__,
                          dict(function.__kwdefaults__))
                         for function in self.functions.values()
                         if function.__kwdefaults__]
        self.functions = None

    def _recorder(self):
        changed = self.changed_functions
        watched = ("__code__", "__defaults__", "__kwdefaults__")

        def record(event, args):
            if event != "object.__setattr__" or self.restoring:
                return
            target, name = args[0], args[1]
            if type(target) is _FUNCTION and name in watched:
                changed.setdefault((id(target), name),
                                   (target, name, getattr(target, name)))
        return record

    def _add_module(self, module):
        namespace = _MODULE_DICT(module)
        saved = dict(namespace)
        self.modules.append((module, type(module), saved))
        for value in saved.values():
            if issubclass(type(value), type):
                self._add_class(value)
            self._add_functions(value)

    def _add_class(self, cls):
        self.classes.setdefault(id(cls), cls)

    def _add_functions(self, value):
        for function in _unwrapped(value):
            if type(function) is not _FUNCTION or (
                    id(function) in self.functions):
                continue
            self.functions[id(function)] = function
            for cell in function.__closure__ or ():
                self._add_functions(_cell_value(cell))

    def restore(self):
        """Put back every module, class and function the answers changed.

        Returns how many things were put back.
        """
        self.restoring = True
        try:
            with _collector_paused():
                return self._restore()
        finally:
            self.restoring = False

    def _restore(self):
        count = 0
        if _sys.modules is not self.sys_modules:
            _sys.modules = self.sys_modules
            count += 1
        for name, module in self.module_entries.items():
            if self.sys_modules.get(name, _EMPTY) is not module:
                self.sys_modules[name] = module
                count += 1
        for module, kind, saved in self.modules:
            count += self._restore_module(module, kind, saved)
        for cls, kind, bases, saved in self.classes:
            count += self._restore_class(cls, kind, bases, saved)
        for target, name, value in self.changed_functions.values():
            setattr(target, name, value)
            count += 1
        self.changed_functions.clear()
        for cell, value in self.cells:
            current = _cell_value(cell)
            if _changed(value, current):
                if value is _EMPTY:
                    del cell.cell_contents
                else:
                    cell.cell_contents = value
                count += 1
        for keywords, items in self.keywords:
            if len(keywords) != len(items) or any(
                    keywords.get(key, _EMPTY) is not value
                    for key, value in items.items()):
                keywords.clear()
                keywords.update(items)
                count += 1
        return count

    @staticmethod
    def _restore_module(module, kind, saved):
        count = 0
        if type(module) is not kind:
            _CLASS_OF.__set__(module, kind)
            count += 1
        namespace = _MODULE_DICT(module)
        for key, value in saved.items():
            current = namespace.get(key, _EMPTY)
            if current is not value and (
                    _changed(value, current) or not key.startswith("_")):
                namespace[key] = value
                count += 1
        return count

    @staticmethod
    def _restore_class(cls, kind, bases, saved):
        count = 0
        try:
            if type(cls) is not kind:
                _CLASS_OF.__set__(cls, kind)
                count += 1
            if _BASES.__get__(cls) != bases:
                _BASES.__set__(cls, bases)
                count += 1
            namespace = _TYPE_DICT(cls)
            for key, value in saved.items():
                current = namespace.get(key, _EMPTY)
                if _changed(value, current):
                    _SET_ATTRIBUTE(cls, key, value)
                    count += 1
            for key in [key for key, value in namespace.items()
                        if key not in saved and _behaviour(value)]:
                _DELETE_ATTRIBUTE(cls, key)
                count += 1
        except (TypeError, AttributeError):
            pass  # a built-in type: nothing could change it
        return count

    def threads_started(self):
        """Return how many threads started since the snapshot still run."""
        return len(set(_sys._current_frames()) - self.threads)
