"""Small assertions the hidden tests share (grader side, trusted NumPy).

Their messages say which property failed, never an expected value, a
hidden input, or what the answer returned (a learner who resubmits must
not be able to read the expected values back, nor the inputs smuggled
out in a result): values are called close or far, shapes wrong by their
number of axes or on which axis.
"""

import numpy as np


def array(value, what):
    """Return ``value`` as a numeric NumPy array or fail naming ``what``."""
    result = np.asarray(value)
    if result.dtype.kind not in "biuf":
        raise AssertionError(f"{what} is not numeric (got {type(value).__name__})")
    return result


def shape_difference(got, want):
    """Say how shape ``got`` differs from ``want`` without giving either."""
    got, want = tuple(got), tuple(want)
    if len(got) != len(want):
        return f"{len(got)} axes where {len(want)} are expected"
    axes = [str(axis) for axis, (mine, theirs) in enumerate(zip(got, want))
            if mine != theirs]
    return f"the wrong length on axis {', '.join(axes)}"


def value_difference(got, want):
    """Say how far ``got`` is from ``want`` in words, not numbers."""
    if not np.all(np.isfinite(got)):
        return "some values are NaN or infinite"
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    worst = float(np.max(np.abs(got - want))) if want.size else 0.0
    relative = worst / scale if scale > 0 else np.inf
    if relative < 1e-3:
        return ("the values are close but not within the tolerance (float32 "
                "where more precision is needed, or a rounding step?)")
    if relative < 0.1:
        return "the values are off by a few percent or less"
    return "the values are far from the expected ones"


def close(got, want, what, rtol=1e-5, atol=1e-6):
    """Fail unless ``got`` has ``want``'s shape and values within tolerance."""
    got = array(got, what)
    want = np.asarray(want)
    if got.shape != want.shape:
        raise AssertionError(
            f"{what}: wrong shape ({shape_difference(got.shape, want.shape)})")
    if not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=False):
        raise AssertionError(
            f"{what}: wrong values ({value_difference(got, want)})")


def scalar(value, what):
    """Return one number from ``value`` or fail naming ``what``."""
    result = array(value, what)
    if result.size != 1:
        found = "an empty array" if result.size == 0 else "several numbers"
        raise AssertionError(f"{what}: expected one number, got {found}")
    return float(result.reshape(()))


def pair(value, what):
    """Return the two items of a returned pair or fail naming ``what``."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise AssertionError(f"{what} should return a pair, got "
                             f"{type(value).__name__}")
    return value


def boolean(value, what):
    """Return a Python bool from a Python or NumPy boolean, else fail."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise AssertionError(f"{what} should be True or False, got "
                         f"{type(value).__name__}")
