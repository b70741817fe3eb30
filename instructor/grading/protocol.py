"""Plain data between the grader and the clean-room process: JSON only.

Values cross the sandbox boundary as JSON with a few tagged forms: NumPy
arrays (raw bytes of a numeric dtype, base64), tuples, sets, dicts with
non-string keys, non-finite floats, TensorFlow tensors (an array that the
clean room turns into a ``tf.constant``).  Nothing is ever unpickled, and
the decoder refuses anything else, so a submission can send back numbers
but never objects with behaviour (an ``__eq__`` that always says yes).

:data:`ENCODER_SOURCE` is the clean room's half; the grader decodes with
:func:`decode`, which trusts nothing it receives.
"""

from __future__ import annotations

import base64
import json
import math

import numpy as np

MAX_DEPTH = 32
#: Most values (list items, dict entries) one message may hold: a reply of
#: millions of tiny lists would cost the grader gigabytes to parse.
MAX_VALUES = 1_000_000
MAX_DIMENSIONS = 32
ALLOWED_KINDS = "biufc"  # bool, int, unsigned, float, complex


class ProtocolError(ValueError):
    """Data from the sandbox that does not follow the protocol."""


class Tensor:
    """Marks an array that the clean room passes on as a ``tf.constant``."""

    def __init__(self, array, dtype=None):
        self.array = np.asarray(array, dtype=dtype)

    def __repr__(self):
        return f"Tensor(shape={self.array.shape}, dtype={self.array.dtype})"


def _array(value, tag="__ndarray__"):
    array = np.array(value, order="C")
    if array.dtype.kind not in ALLOWED_KINDS:
        raise TypeError(f"arrays of dtype {array.dtype} cannot be sent")
    return {tag: base64.b64encode(array.tobytes()).decode("ascii"),
            "dtype": array.dtype.str, "shape": list(array.shape)}


def encode(value, depth=0):
    """Return a JSON-ready form of grader-side test inputs."""
    if depth > MAX_DEPTH:
        raise TypeError("value nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, Tensor):
        return _array(value.array, "__tensor__")
    if isinstance(value, (np.ndarray, np.generic)):
        return _array(value)
    if isinstance(value, tuple):
        return {"__tuple__": [encode(item, depth + 1) for item in value]}
    if isinstance(value, list):
        return [encode(item, depth + 1) for item in value]
    if isinstance(value, (set, frozenset)):
        return {"__set__": [encode(item, depth + 1) for item in value]}
    if isinstance(value, dict):
        return {"__dict__": [[encode(k, depth + 1), encode(v, depth + 1)]
                             for k, v in value.items()]}
    raise TypeError(f"cannot send a {type(value).__name__} to the sandbox")


def _decode_array(data):
    if set(data) - {"__ndarray__", "__tensor__", "dtype", "shape"}:
        raise ProtocolError("unexpected keys in an array")
    try:
        dtype = np.dtype(str(data.get("dtype")))
    except (TypeError, ValueError):
        raise ProtocolError("an array with an unknown dtype") from None
    if dtype.kind not in ALLOWED_KINDS or dtype.hasobject:
        raise ProtocolError(f"refused dtype {dtype}")
    shape = data.get("shape")
    if not isinstance(shape, list) or len(shape) > MAX_DIMENSIONS or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0
            for n in shape):
        raise ProtocolError("bad array shape")
    text = data.get("__ndarray__", data.get("__tensor__"))
    if not isinstance(text, str):
        raise ProtocolError("array bytes are not base64 text")
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise ProtocolError("array bytes are not base64 text") from None
    count = math.prod(shape)
    if len(raw) != count * dtype.itemsize:
        raise ProtocolError("array bytes do not match its shape")
    array = np.frombuffer(raw, dtype=dtype).reshape(tuple(shape)).copy()
    return array


def decode(value, depth=0):
    """Return grader-side Python data from the clean room's JSON.

    Arrays come back as ``np.ndarray`` (0-d arrays as NumPy scalars);
    tensors the student returned come back as arrays too.
    """
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, list):
        return [decode(item, depth + 1) for item in value]
    if not isinstance(value, dict) or len(value) == 0:
        raise ProtocolError(f"unexpected value of type {type(value).__name__}")
    if "__ndarray__" in value or "__tensor__" in value:
        array = _decode_array(value)
        return array[()] if array.ndim == 0 else array
    if set(value) == {"__float__"}:
        text = value["__float__"]
        if text not in ("nan", "inf", "-inf"):
            raise ProtocolError("bad float")
        return float(text)
    if set(value) == {"__tuple__"} and isinstance(value["__tuple__"], list):
        return tuple(decode(item, depth + 1) for item in value["__tuple__"])
    if set(value) == {"__set__"} and isinstance(value["__set__"], list):
        items = [decode(item, depth + 1) for item in value["__set__"]]
        if not all(isinstance(item, (str, int, float, bool)) for item in items):
            raise ProtocolError("a set may hold only numbers and strings")
        return frozenset(items)
    if set(value) == {"__dict__"} and isinstance(value["__dict__"], list):
        result = {}
        for pair in value["__dict__"]:
            if not isinstance(pair, list) or len(pair) != 2:
                raise ProtocolError("bad dict item")
            key = decode(pair[0], depth + 1)
            if not isinstance(key, (str, int, float, bool, tuple)):
                raise ProtocolError("bad dict key")
            result[key] = decode(pair[1], depth + 1)
        return result
    raise ProtocolError(f"unknown tagged value {sorted(value)[:3]}")


def loads(text):
    """Parse one protocol line, turning every parser failure into ProtocolError."""
    # Counted before parsing: separators and brackets bound the values
    # (those inside strings only make the count larger).
    if text.count(",") + text.count("[") + text.count("{") > MAX_VALUES:
        raise ProtocolError(
            f"the reply holds more than {MAX_VALUES:,} values; return "
            "arrays rather than long lists")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        raise ProtocolError(f"not JSON: {error}") from None


#: The clean room's encoder and decoder (runs inside the sandbox, as the
#: student; it only has to be honest for honest submissions).
ENCODER_SOURCE = r'''
import base64 as _b64, math as _math
import numpy as _np


def _to_array(value):
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    array = _np.array(value, order="C")
    if array.dtype.kind not in "biufc":
        raise TypeError(
            f"returned {type(value).__name__!s} data that is not numbers "
            f"(dtype {array.dtype})")
    return array


def _encode(value, depth=0):
    if depth > 32:
        raise TypeError("the result is nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if _math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, depth + 1) for v in value]}
    if isinstance(value, list):
        return [_encode(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return {"__set__": [_encode(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {"__dict__": [[_encode(k, depth + 1), _encode(v, depth + 1)]
                             for k, v in value.items()]}
    if isinstance(value, (_np.ndarray, _np.generic)) or hasattr(value, "numpy"):
        array = _to_array(value)
        return {"__ndarray__": _b64.b64encode(array.tobytes()).decode(),
                "dtype": array.dtype.str, "shape": list(array.shape)}
    raise TypeError(
        f"returned a {type(value).__name__}, which is not a number, string, "
        "array, tensor, tuple, list, set or dict")


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__ndarray__" in value or "__tensor__" in value:
        raw = _b64.b64decode(value.get("__ndarray__", value.get("__tensor__")))
        array = _np.frombuffer(raw, dtype=_np.dtype(value["dtype"]))
        array = array.reshape(tuple(value["shape"])).copy()
        if "__tensor__" in value:
            import tensorflow as _tf
            return _tf.constant(array)
        return array[()] if array.ndim == 0 else array
    if "__float__" in value:
        return float(value["__float__"])
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__set__" in value:
        return {_decode(v) for v in value["__set__"]}
    if "__dict__" in value:
        return {_decode(k): _decode(v) for k, v in value["__dict__"]}
    raise ValueError(f"unknown value {value!r}")
'''
