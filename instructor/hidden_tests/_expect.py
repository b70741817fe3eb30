"""Small assertions the hidden tests share (grader side, trusted NumPy)."""

import numpy as np


def array(value, what):
    """Return ``value`` as a numeric NumPy array or fail naming ``what``."""
    result = np.asarray(value)
    if result.dtype.kind not in "biuf":
        raise AssertionError(f"{what} is not numeric (got {type(value).__name__})")
    return result


def close(got, want, what, rtol=1e-5, atol=1e-6):
    """Fail unless ``got`` has ``want``'s shape and values within tolerance."""
    got = array(got, what)
    want = np.asarray(want)
    if got.shape != want.shape:
        raise AssertionError(f"{what}: shape {got.shape}, expected {want.shape}")
    if not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=False):
        raise AssertionError(f"{what}: wrong values (largest difference "
                             f"{np.max(np.abs(got - want)):.3g})")


def scalar(value, what):
    """Return one number from ``value`` or fail naming ``what``."""
    result = array(value, what)
    if result.size != 1:
        raise AssertionError(f"{what}: expected one number, got shape "
                             f"{result.shape}")
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
