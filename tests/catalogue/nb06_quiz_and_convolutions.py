"""Mistakes learners make in notebook 06 (conv_output_shape).

The quiz answers are graded by the hidden tests only; the quiz cells define
no function, so ``conv_output_shape`` is the only catalogued exercise.
"""

NOTEBOOK = "06_quiz_and_convolutions"

PRELUDE = """
import math
"""


def run_check(exercise, namespace):
    """Run the public check of notebook 06's exercise."""
    from helpers.checks import convolutions

    getattr(convolutions, f"check_{exercise}")(namespace[exercise])


def _variant(body):
    """Return a whole conv_output_shape whose loop body is ``body``."""
    return '''
def conv_output_shape(input_shape, kernel_size, filters, strides=1,
                      padding="valid"):
    axes = len(input_shape) - 1

    def per_axis(value):
        if isinstance(value, (tuple, list)):
            return tuple(value)
        return (value,) * axes

''' + body


_SAME = '''    if padding == "same":
        sizes = [math.ceil(n / s)
                 for n, s in zip(input_shape[:-1], per_axis(strides))]
        return (*sizes, filters)
'''
_LOOP = '''    pads = per_axis(0 if padding == "valid" else padding)
    sizes = []
    for n, f, s, p in zip(input_shape[:-1], per_axis(kernel_size),
                          per_axis(strides), pads):
        if n + 2 * p < f:
            raise ValueError(f"kernel {f} does not fit in {n} + 2 * {p}")
        sizes.append((n + 2 * p - f) // s + 1)
    return (*sizes, filters)
'''

MISTAKES = [
    ("conv_output_shape", "first kernel size on every axis", _variant(
        _SAME + _LOOP.replace(
            "per_axis(kernel_size)",
            "per_axis(kernel_size if isinstance(kernel_size, int) "
            "else kernel_size[0])")),
     "used its first size on every axis"),
    ("conv_output_shape", "first stride on every axis", _variant(
        _SAME.replace("per_axis(strides)",
                      "per_axis(strides if isinstance(strides, int) "
                      "else strides[0])")
        + _LOOP.replace(
            "per_axis(strides)",
            "per_axis(strides if isinstance(strides, int) "
            "else strides[0])")),
     "used its first stride on every axis"),
    ("conv_output_shape", "a tuple kernel used as a number", _variant(
        _SAME + _LOOP.replace("per_axis(kernel_size)",
                              "(kernel_size,) * axes")),
     "TypeError"),
    ("conv_output_shape", "returns a list", _variant(
        _SAME.replace("(*sizes, filters)", "sizes + [filters]")
        + _LOOP.replace("return (*sizes, filters)",
                        "return sizes + [filters]")),
     "asks for a tuple"),
    ("conv_output_shape", "padded at one end", _variant(
        _SAME + _LOOP.replace("(n + 2 * p - f) // s + 1",
                              "(n + p - f) // s + 1")),
     "BOTH ends"),
    ("conv_output_shape", "no + 1", _variant(
        _SAME + _LOOP.replace("(n + 2 * p - f) // s + 1",
                              "(n + 2 * p - f) // s")),
     "one short"),
    ("conv_output_shape", "true division", _variant(
        _SAME + _LOOP.replace("(n + 2 * p - f) // s + 1",
                              "(n + 2 * p - f) / s + 1")),
     "floor division"),
    ("conv_output_shape", "'same' ignores the stride", _variant(
        _SAME.replace("math.ceil(n / s)", "n") + _LOOP),
     "ceil(n / s)"),
    ("conv_output_shape", "'same' raises for a large kernel", _variant(
        '''    for n, f in zip(input_shape[:-1], per_axis(kernel_size)):
        if n < f:
            raise ValueError(f"kernel {f} is larger than the axis {n}")
''' + _SAME + _LOOP),
     "'same' never raises"),
    ("conv_output_shape", "input channels as the last axis", _variant(
        _SAME + _LOOP.replace("return (*sizes, filters)",
                              "return (*sizes, input_shape[-1])")),
     "counts the filters"),
    ("conv_output_shape", "no error for a kernel that does not fit",
     _variant(_SAME + _LOOP.replace(
         "        if n + 2 * p < f:\n"
         "            raise ValueError(f\"kernel {f} does not fit in {n} + "
         "2 * {p}\")\n", "")),
     "raise a ValueError"),
    ("conv_output_shape", "no return", _variant(
        _SAME + _LOOP.replace("    return (*sizes, filters)\n",
                              "    shape = (*sizes, filters)\n")),
     "forget the return"),
]
