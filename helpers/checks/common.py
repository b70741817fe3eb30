"""Building blocks shared by the public checks of every notebook."""

import inspect
import types

import numpy as np


def passed(name):
    """Print the line a learner sees when all public tests of ``name`` pass."""
    print(f"{name}: all public tests passed.")


def to_numpy(value):
    """Convert a tensor, array or number to a NumPy array."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value)


def assert_shape(value, expected, what="the result"):
    """Fail with a message naming the expected and actual shapes."""
    actual = tuple(to_numpy(value).shape)
    expected = tuple(expected)
    if actual != expected:
        raise AssertionError(
            f"{what} has shape {actual}, expected {expected}."
        )


def assert_close(actual, expected, what="the result", rtol=1e-5, atol=1e-6,
                 hint=""):
    """Fail unless ``actual`` matches ``expected`` within tolerance."""
    actual = to_numpy(actual)
    expected = to_numpy(expected)
    if actual.shape != expected.shape:
        raise AssertionError(
            f"{what} has shape {actual.shape}, expected {expected.shape}."
        )
    if not np.allclose(actual, expected, rtol=rtol, atol=atol):
        worst = np.max(np.abs(actual - expected))
        message = (
            f"{what} is wrong: largest difference from the expected value "
            f"is {worst:.3g}."
        )
        if hint:
            message += " " + hint
        raise AssertionError(message)


def _referenced_objects(function):
    """Yield the global objects a function (and its nested code) uses."""
    codes = [function.__code__]
    seen = set()
    while codes:
        code = codes.pop()
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                codes.append(const)
        for name in code.co_names:
            if name in seen:
                continue
            seen.add(name)
            if name in function.__globals__:
                yield name, function.__globals__[name]


def _is_course_object(obj, allowed):
    if obj in allowed:
        return False
    if isinstance(obj, types.ModuleType):
        module_name = obj.__name__
    else:
        module_name = getattr(obj, "__module__", "") or ""
    return module_name == "helpers" or (
        module_name.startswith("helpers.")
        and not module_name.startswith("helpers.checks")
    )


def assert_own_function(function, reference=None, allowed=()):
    """Fail unless ``function`` was written in the notebook by the learner.

    The function must be a plain Python function defined in the notebook,
    must not be the course's reference implementation, and must not call
    into the ``helpers`` package (except objects listed in ``allowed``).
    """
    name = getattr(function, "__name__", repr(function))
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
        raise AssertionError(
            f"{name} comes from module {function.__module__!r}; define it "
            "yourself in the notebook cell."
        )
    for global_name, obj in _referenced_objects(function):
        if _is_course_object(obj, allowed):
            raise AssertionError(
                f"{name} uses {global_name!r} from the course package "
                "'helpers'. Write the computation yourself with NumPy or "
                "TensorFlow."
            )
