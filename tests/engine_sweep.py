"""Call every public callable of the learner package on the graded inputs.

The worker of ``tests/test_no_engine_answers.py``; it runs in a process of
its own, in a sandbox, and writes one JSON line per finding::

    python tests/engine_sweep.py RESULTS.jsonl [--package helpers ...]
        [--exercise NOTEBOOK:NAME ...] [--skip CANDIDATE ...]

What it does, in order:

1. Every graded exercise of ``instructor.exercises`` is run once through
   each of its public cases with the reference; the call the case makes
   (its arguments, bound to the reference's parameters) is recorded and
   the value the public check compares is kept.  Each case also runs a
   second time with its encodings (1-D and 2-D float arrays) zero-padded
   to 128 columns, the engine's encoding size (the reference's value is
   computed on those inputs too).  Exercises with no public case use the
   inputs of ``EXTRA_INPUTS``.
2. Every module of each package is imported by walking it (``pkgutil``).
   The candidates are the callables defined there, private ones too (a
   learner can read and call ``_name``; only ``__dunder__`` names are left
   out): functions, ``tf.function`` and other callable objects, classes
   (called as constructors), their static and class methods, and their
   methods on instances built from one input (``Class(x)``, ``Class()``,
   or ``Class()`` filled from a mapping input by a public ``add*`` method,
   one ``add(key, value)`` per item).  Properties are not called.
3. Each candidate is called, the way the public check calls the
   learner's function, with the same arguments: positionally in every
   order (up to 3 arguments; in the reference's order beyond), by keyword
   where parameter names match, with and without the reference's
   defaults filled in.  A call that cannot bind to the candidate's
   signature is not made.  Nothing callable is passed where the reference
   takes none, so adapters (which call a learner's function) fail.
4. A call matches a case when it returns the reference's value (same
   structure, same shapes, ``np.allclose`` with the public checks'
   tolerance, rtol 1e-5 and atol 1e-6; bools, ints and floats compare as
   numbers, tuples and lists alike), or one informative item of it (a
   float that is not 0 or 1) when the reference returns a tuple: a
   function returning the threshold of ``(threshold, accuracy)`` gives the
   answer away too.  The test calls a candidate an offender when it
   matches more than half of an exercise's cases.

The sandbox (an audit hook, installed before any candidate runs) refuses
writing files outside the sweep's temporary folder (the course's data
cache included), starting processes and network connections: such a call
raises and does not match.  Calls are cut short by rules, not by a list
of names, and each cut is written out ("stopped"):

- a call that takes more than ``CALL_SECONDS`` of CPU time (or 5 times
  the reference's, if more) is interrupted, and the candidate is not
  called again;
- a candidate whose calls took ``CANDIDATE_SECONDS`` of CPU time in all
  is not called again (training loops, painting, encoders);
- a candidate that draws a matplotlib figure (Agg backend) and returns no
  data is a plotting function and is not called again.

The parent test restarts a worker that crashed or hung in one call
without that candidate (TensorFlow aborts the process on some malformed
convolution inputs).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import io
import itertools
import json
import os
import pkgutil
import signal
import sys
import time
import traceback
from collections.abc import Mapping
from pathlib import Path

import numpy as np

#: CPU seconds one call may take (at least; 5 x the reference's if more).
CALL_SECONDS = 1.0
#: CPU seconds of calls one candidate may take over all cases.
CANDIDATE_SECONDS = 3.0
#: The engine's encoding size, which the padded variant of each case uses.
ENCODING_SIZE = 128
#: Permute positional arguments up to this many (more: reference order).
MAX_PERMUTED = 3
#: Inputs of the exercises that have no public case (hand-written, with
#: values no one would hard-code).
EXTRA_INPUTS = {
    ("05_style_transfer", "total_cost"): [
        (0.731, 2.9, 13.7, 0.29), (1.3, 0.77)],
    ("05_style_transfer", "deep_style_layers"): [
        (["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1",
          "block5_conv1"],),
        (["block3_conv2", "block4_conv3"],)],
}
MISSING = object()


class TookTooLong(BaseException):
    """A call ran past its time; BaseException so ``except Exception``
    in a candidate does not swallow it."""


class BuildFailed(Exception):
    """An instance could not be built from a case's arguments."""


class Draws(Exception):
    """The candidate drew a figure and returned no data."""


class Refused(PermissionError):
    """The sandbox refused an operation."""


# --- the sandbox -------------------------------------------------------------

_WRITE_FLAGS = (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND
                | os.O_TRUNC)
_PATH_EVENTS = {"os.remove": 1, "os.rmdir": 1, "os.mkdir": 1,
                "os.rename": 2, "os.replace": 2, "os.link": 2,
                "os.symlink": 2, "os.truncate": 1, "os.chmod": 1,
                "os.chown": 1, "os.utime": 1, "shutil.rmtree": 1,
                "shutil.copyfile": 2, "shutil.copytree": 2,
                "shutil.move": 2, "shutil.unpack_archive": 2}
_REFUSED_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.spawn",
                   "os.posix_spawn", "os.fork", "os.kill", "os.killpg",
                   "socket.connect", "socket.getaddrinfo",
                   "socket.gethostbyname", "urllib.Request")
refusals = []


def install_sandbox(root):
    """Refuse writes outside ``root``, processes and network from now on."""
    root = os.path.realpath(root)
    allowed = (root, "/dev/null")

    def inside(path):
        if isinstance(path, int) or path is None:
            return True
        try:
            path = os.fsdecode(path)
        except TypeError:
            return True
        real = os.path.realpath(path)
        return any(real == place or real.startswith(place + os.sep)
                   for place in allowed)

    def refuse(what):
        refusals.append(what)
        raise Refused(f"the engine sweep refuses {what}")

    def hook(event, args):
        if event == "open":
            path, mode, flags = (list(args) + [None, None, 0])[:3]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")
                       ) or (isinstance(flags, int) and flags & _WRITE_FLAGS)
            if writing and not inside(path):
                refuse(f"writing {path}")
        elif event in _PATH_EVENTS:
            for path in args[:_PATH_EVENTS[event]]:
                if not inside(path):
                    refuse(f"{event} on {path}")
        elif event.startswith(_REFUSED_EVENTS):
            refuse(event)

    sys.addaudithook(hook)


def _alarm(signum, frame):
    raise TookTooLong()


@contextlib.contextmanager
def time_limit(seconds):
    """Interrupt the block after ``seconds`` of CPU time (TookTooLong)."""
    signal.signal(signal.SIGPROF, _alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


# --- values ------------------------------------------------------------------


def copied(value):
    """Return a copy of arrays and containers of them (other objects kept)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {key: copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copied(item) for item in value]
    if isinstance(value, tuple):
        return tuple(copied(item) for item in value)
    return value


def padded(value):
    """Return ``value`` with its 1-D/2-D float arrays padded to 128 columns."""
    if isinstance(value, np.ndarray):
        if (value.dtype.kind == "f" and value.ndim in (1, 2)
                and 0 < value.shape[-1] < ENCODING_SIZE):
            width = [(0, 0)] * (value.ndim - 1)
            width.append((0, ENCODING_SIZE - value.shape[-1]))
            return np.pad(value, width)
        return value
    if hasattr(value, "numpy") and hasattr(value, "dtype") \
            and not hasattr(value, "assign"):
        array = np.asarray(value.numpy())
        wider = padded(array)
        if wider is array:
            return value
        import tensorflow as tf

        return tf.constant(wider)
    if isinstance(value, (dict, list, tuple)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        wider = {key: padded(item) for key, item in items}
        original = value if isinstance(value, dict) else dict(
            enumerate(value))
        if all(wider[key] is original[key] for key in wider):
            return value
        if isinstance(value, dict):
            return wider
        return type(value)(wider[index] for index in range(len(value)))
    return value


def plain(value):
    """Return a comparable tree of float arrays, strings and containers."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, str) or value is None:
        return value
    if hasattr(value, "numpy"):
        value = value.numpy()
    array = np.asarray(value)
    if array.dtype.kind in "biuf":
        return array.astype(np.float64)
    if array.dtype.kind in "US":
        return array.astype(str).tolist()
    raise TypeError(f"not data: {type(value).__name__}")


def same(got, want, rtol=1e-5, atol=1e-6):
    """Return True when two :func:`plain` trees are equal within tolerance."""
    if isinstance(want, dict):
        return (isinstance(got, dict) and set(got) == set(want)
                and all(same(got[key], want[key]) for key in want))
    if isinstance(want, list):
        if isinstance(got, np.ndarray) and got.ndim >= 1:
            got = [np.asarray(item) for item in got]
        return (isinstance(got, list) and len(got) == len(want)
                and all(same(a, b) for a, b in zip(got, want)))
    if isinstance(want, np.ndarray):
        if isinstance(got, list):
            try:
                got = np.asarray(got, dtype=np.float64)
            except (TypeError, ValueError):
                return False
        return (isinstance(got, np.ndarray) and got.shape == want.shape
                and bool(np.allclose(got, want, rtol=rtol, atol=atol)))
    return got == want


def informative(value):
    """Return True for a float array that is not all 0s and 1s."""
    return (isinstance(value, np.ndarray) and value.size > 0
            and not np.all(np.isin(value, (0.0, 1.0))))


def matched_part(got, want):
    """Return '' when ``got`` is ``want``, ' (item k)' when it is ``want``'s
    k-th item (an informative one of a returned tuple), else None."""
    if same(got, want):
        return ""
    if isinstance(want, list) and len(want) > 1:
        for index, item in enumerate(want):
            if informative(item) and same(got, item):
                return f" = item {index} of the result"
    return None


# --- the graded calls --------------------------------------------------------


class GradedCall:
    """One case of one exercise, as given or with padded encodings."""

    def __init__(self, notebook, exercise, case, family, transform):
        self.notebook, self.exercise = notebook, exercise
        self.case, self.family, self.transform = case, family, transform
        self.reference = exercise.reference
        self.signature = inspect.signature(self.reference)
        self.values = self.names = self.expected = None
        self.seconds = 0.0

    @property
    def label(self):
        return f"{self.notebook}:{self.exercise.name}"

    def raw(self, args, kwargs, defaults):
        """Return (names, values) of a call, in the reference's order."""
        arguments = self.signature.bind(*args, **kwargs)
        if defaults:
            arguments.apply_defaults()
        names = list(arguments.arguments)
        return names, [arguments.arguments[name] for name in names]

    def bound(self, args, kwargs, defaults):
        """Return :meth:`raw`'s names and copied, transformed values."""
        names, values = self.raw(args, kwargs, defaults)
        return names, [self.transform(copied(value)) for value in values]

    def probe(self):
        """Run the reference; keep its arguments and the value compared.

        Return False when the family changes none of the arguments (the
        padded twin of a case without encodings is not run).
        """
        calls = []

        def reference(*args, **kwargs):
            calls.append((args, kwargs))
            return self.reference(*self.bound(args, kwargs, False)[1])

        start = time.process_time()
        self.expected = plain(self.case.value(reference))
        self.seconds = time.process_time() - start
        if not calls:
            raise ValueError(f"{self.label} case {self.case.name!r} never "
                             "calls the function")
        self.arguments = {defaults: self.bound(*calls[0], defaults)
                          for defaults in (False, True)}
        given = self.raw(*calls[0], False)[1]
        return self.family == "as given" or any(
            self.transform(value) is not value for value in given)

    def value_of(self, plan):
        """Return the compared value when the case calls ``plan``."""
        def function(*args, **kwargs):
            names, values = self.bound(args, kwargs, plan.defaults)
            result = plan.call(names, values)
            if _figures_open() and not _is_data(result):
                raise Draws()
            return result
        return plain(self.case.value(function))


class ExtraCase:
    """A hand-written input of an exercise without public cases."""

    def __init__(self, inputs):
        self.inputs = inputs
        self.name = f"extra {inputs!r}"[:60]

    def value(self, function):
        return function(*self.inputs)


def graded_calls(selected=None):
    """Yield a :class:`GradedCall` per exercise, case and family."""
    from instructor import exercises

    for notebook, module in exercises.modules().items():
        for exercise in module.EXERCISES:
            label = f"{notebook}:{exercise.name}"
            if selected and label not in selected:
                continue
            cases = list(exercise.cases) or [
                ExtraCase(inputs) for inputs in
                EXTRA_INPUTS.get((notebook, exercise.name), ())]
            if not cases:
                yield label, None
            for case in cases:
                for family, transform in (("as given", lambda value: value),
                                          ("padded", padded)):
                    yield label, GradedCall(notebook, exercise, case, family,
                                            transform)


# --- the candidates ----------------------------------------------------------


def _home(value):
    """Return the module a callable was defined in."""
    value = getattr(value, "python_function", value)
    value = inspect.unwrap(value) if callable(value) else value
    return getattr(value, "__module__", None)


def _signature(value):
    try:
        return inspect.signature(value)
    except (TypeError, ValueError):
        return None


def _binds(signature, args, kwargs=None, instance=False):
    if signature is None:
        return True
    try:
        if instance:
            signature.bind(None, *args, **(kwargs or {}))
        else:
            signature.bind(*args, **(kwargs or {}))
    except TypeError:
        return False
    return True


class Candidate:
    """A public callable: a function, or a class method on an instance."""

    def __init__(self, name, function=None, cls=None, method=None):
        self.name, self.function = name, function
        self.cls, self.method = cls, method
        if cls is None:
            self.signature = _signature(function)
        else:
            self.signature = _signature(inspect.getattr_static(cls, method))
            self.constructor = _signature(cls)
            self.fillers = [name for name in dir(cls) if name.startswith("add")
                            and inspect.isfunction(
                                inspect.getattr_static(cls, name))]


def candidates(packages, skip=()):
    """Return ([Candidate], [import failures]) for every module of packages."""
    found, failures, seen = [], [], set()
    for package_name in packages:
        package = importlib.import_module(package_name)
        modules = [package]
        for info in pkgutil.walk_packages(package.__path__,
                                          package_name + "."):
            try:
                modules.append(importlib.import_module(info.name))
            except Exception as error:  # noqa: BLE001 - reported as a finding
                failures.append(f"{info.name}: {type(error).__name__}: "
                                f"{error}")
        for module in modules:
            for name, value in sorted(vars(module).items()):
                if name.startswith("__") or not callable(value) \
                        or _home(value) != module.__name__:
                    continue
                qualified = f"{module.__name__}.{name}"
                if qualified in seen or qualified in skip:
                    continue
                seen.add(qualified)
                found.append(Candidate(qualified, function=value))
                if inspect.isclass(value):
                    found += _methods(value, qualified, packages, skip)
    return found, failures


def _methods(cls, qualified, packages, skip):
    """Return the candidates of a class's public methods."""
    found = []
    for name in sorted(dir(cls)):
        if name.startswith("__"):
            continue
        owner = next((base for base in cls.__mro__ if name in vars(base)),
                     None)
        if owner is None or not str(owner.__module__).startswith(
                tuple(packages)):
            continue
        raw = vars(owner)[name]
        label = f"{qualified}.{name}"
        if label in skip:
            continue
        if isinstance(raw, (staticmethod, classmethod)):
            found.append(Candidate(label, function=getattr(cls, name)))
        elif inspect.isfunction(raw):
            found.append(Candidate(label, cls=cls, method=name))
    return found


class Plan:
    """How one candidate is called with a case's arguments."""

    def __init__(self, candidate, defaults, order=None, keywords=None,
                 build=None):
        self.candidate, self.defaults = candidate, defaults
        self.order, self.keywords, self.build = order, keywords, build

    def _arguments(self, names, values, used):
        rest = [(name, value) for index, (name, value)
                in enumerate(zip(names, values)) if index != used]
        if self.keywords is not None:
            return (), {name: value for name, value in rest
                        if name in self.keywords}
        return tuple(rest[index][1] for index in self.order), {}

    def call(self, names, values):
        candidate = self.candidate
        used = None if self.build is None else self.build[1]
        args, kwargs = self._arguments(names, values, used)
        if candidate.cls is None:
            return candidate.function(*args, **kwargs)
        kind, index, filler = self.build
        try:
            if kind == "empty":
                instance = candidate.cls()
            elif kind == "from":
                instance = candidate.cls(values[index])
            else:
                instance = candidate.cls()
                add = getattr(instance, filler)
                for key, item in values[index].items():
                    add(key, item)
        except Exception as error:
            raise BuildFailed() from error
        return getattr(instance, candidate.method)(*args, **kwargs)

    def describe(self, names):
        if self.keywords is not None:
            text = ", ".join(f"{name}=" for name in sorted(self.keywords))
        else:
            rest = names if self.build is None else [
                name for index, name in enumerate(names)
                if index != self.build[1]]
            text = ", ".join(rest[index] for index in self.order)
        text += ", defaults filled" if self.defaults else ""
        if self.candidate.cls is None:
            return f"{self.candidate.name}({text})"
        kind, index, filler = self.build
        if kind == "empty":
            made = "()"
        elif kind == "from":
            made = f"({names[index]})"
        else:
            made = f"() filled by .{filler} from {names[index]}"
        return (f"{self.candidate.cls.__name__}{made}."
                f"{self.candidate.method}({text})")


def plans(candidate, graded):
    """Return every :class:`Plan` whose call binds to the candidate."""
    found = []
    for defaults in (False, True):
        names, values = graded.arguments[defaults]
        if defaults and len(values) == len(graded.arguments[False][1]):
            continue
        builds = [None] if candidate.cls is None else _builds(
            candidate, names, values)
        for build in builds:
            used = None if build is None else build[1]
            rest = [(name, value) for index, (name, value)
                    in enumerate(zip(names, values)) if index != used]
            instance = candidate.cls is not None
            count = len(rest)
            orders = (itertools.permutations(range(count))
                      if count <= MAX_PERMUTED else [tuple(range(count))])
            for order in orders:
                args = [rest[index][1] for index in order]
                if _binds(candidate.signature, args, instance=instance):
                    found.append(Plan(candidate, defaults, order=order,
                                      build=build))
            parameters = (set(candidate.signature.parameters)
                          if candidate.signature else set())
            keywords = {name for name, _ in rest} & parameters
            if keywords and _binds(candidate.signature, [], {
                    name: value for name, value in rest if name in keywords},
                    instance=instance):
                found.append(Plan(candidate, defaults, keywords=keywords,
                                  build=build))
    return found


def _builds(candidate, names, values):
    """Return the ways to build an instance from a case's arguments."""
    builds = []
    if _binds(candidate.constructor, []):
        builds.append(("empty", None, None))
    for index, value in enumerate(values):
        if _binds(candidate.constructor, [value]):
            builds.append(("from", index, None))
        if isinstance(value, Mapping) and _binds(candidate.constructor, []):
            builds += [("filled", index, filler)
                       for filler in candidate.fillers]
    return builds


# --- the sweep ---------------------------------------------------------------


def _figures_open():
    """Return True when a matplotlib figure is open."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    return pyplot is not None and bool(pyplot.get_fignums())


def _is_data(value):
    """Return True when ``value`` is data a check could compare."""
    try:
        plain(value)
    except (TypeError, ValueError):
        return False
    return value is not None


def _close_figures():
    """Close the figures a plotting candidate left open."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


def sweep(out, packages, selected=(), skip=()):
    """Write the sweep's findings to the open text file ``out``."""
    def emit(**event):
        out.write(json.dumps(event) + "\n")
        out.flush()

    import tensorflow as tf

    # TensorFlow's first operation costs seconds: not the reference's time.
    tf.reduce_sum(tf.ones(3)).numpy()
    calls = []
    for label, graded in graded_calls(set(selected)):
        if graded is None:
            emit(event="no inputs", exercise=label)
            continue
        try:
            if graded.probe():
                calls.append(graded)
                emit(event="case", exercise=label, case=graded.case.name,
                     family=graded.family, seconds=round(graded.seconds, 3))
        except Exception as error:  # noqa: BLE001 - a broken case is reported
            if graded.family == "padded":
                continue  # the reference refuses padded inputs: no twin
            emit(event="case failed", exercise=label, case=graded.case.name,
                 family=graded.family,
                 error=f"{type(error).__name__}: {error}")
    found, failures = candidates(packages, skip)
    for failure in failures:
        emit(event="import failed", error=failure)
    emit(event="candidates", count=len(found))
    install_sandbox(os.environ["TMPDIR"])
    told = set()
    for candidate in found:
        spent, count, stop = 0.0, 0, None
        emit(event="start", candidate=candidate.name)
        for graded in calls:
            names = graded.arguments[False][0]
            unbuilt = set()
            for plan in plans(candidate, graded):
                if plan.build in unbuilt:
                    continue
                limit = max(CALL_SECONDS, 5 * graded.seconds)
                count += 1
                refused = len(refusals)
                started = time.process_time()
                try:
                    with contextlib.redirect_stdout(io.StringIO()), \
                            contextlib.redirect_stderr(io.StringIO()), \
                            time_limit(limit):
                        value = graded.value_of(plan)
                except TookTooLong:
                    stop = f"one call ran past {limit:.1f} s"
                except Draws:
                    stop = "draws a figure and returns no data"
                except BuildFailed:
                    unbuilt.add(plan.build)
                    value = None
                except (Exception, SystemExit):
                    value = None
                finally:
                    _close_figures()
                    spent += time.process_time() - started
                if len(refusals) > refused and candidate.name not in told:
                    told.add(candidate.name)
                    emit(event="refused", candidate=candidate.name,
                         what=refusals[-1])
                if stop is None and spent > CANDIDATE_SECONDS:
                    stop = f"its calls took more than {CANDIDATE_SECONDS} s"
                if stop:
                    emit(event="stopped", candidate=candidate.name,
                         exercise=graded.label, why=stop)
                    break
                part = None if value is None else matched_part(
                    value, graded.expected)
                if part is not None:
                    emit(event="match", candidate=candidate.name,
                         exercise=graded.label, case=graded.case.name,
                         family=graded.family,
                         call=plan.describe(names) + part)
                    break
            if stop:
                break
        emit(event="end", candidate=candidate.name, calls=count,
             seconds=round(spent, 3))
    emit(event="done")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--package", action="append", default=[])
    parser.add_argument("--exercise", action="append", default=[])
    parser.add_argument("--skip", action="append", default=[])
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    with open(args.results, "a", encoding="utf-8") as out:
        try:
            sweep(out, args.package or ["helpers"], args.exercise, args.skip)
        except BaseException:
            out.write(json.dumps({"event": "crashed",
                                  "error": traceback.format_exc()}) + "\n")
            raise


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
