"""Public tests for notebook 06: output shapes of 1D, 2D and 3D convolutions.

The expected shapes come from helpers/checks/expected/convolutions.json:
each was computed by the reference and measured with Keras' Conv1D, Conv2D
or Conv3D on a real tensor (ZeroPadding layers standing in for integer
padding) when the file was generated.
"""

from helpers.checks.common import (
    assert_own_function,
    expected_values,
    learner_check,
    passed,
)

#: Messages for the known wrong versions (instructor/mistakes/convolutions).
MESSAGES = {
    "conv_output_shape": {
        "padded at one end": ("The p zeros are added at BOTH ends of an "
                              "axis: the padded size is n + 2p."),
        "first kernel size on every axis": (
            "A tuple kernel_size holds one size PER spatial axis, but you "
            "used its first size on every axis: pair each axis with its "
            "own kernel size (e.g. zip the sizes, kernel sizes, strides "
            "and paddings)."),
        "first stride on every axis": (
            "A tuple of strides holds one stride PER spatial axis, but you "
            "used its first stride on every axis: pair each axis with its "
            "own stride (e.g. zip the sizes, kernel sizes, strides and "
            "paddings)."),
    },
}


def _as_shape(result, call):
    """Return the learner's result as a tuple of ints, or fail clearly."""
    if result is None:
        raise AssertionError(
            f"{call} returned None: did you forget the return statement at "
            "its end?"
        )
    if isinstance(result, list):
        raise AssertionError(
            f"{call} returned the list {result!r}; the exercise asks for a "
            "tuple, as Keras' shapes are: return tuple(sizes) + (filters,) "
            "or (*sizes, filters)."
        )
    if not isinstance(result, tuple):
        raise AssertionError(
            f"{call} returned {result!r}; return a tuple such as (94, 8)."
        )
    for size in result:
        if isinstance(size, float) or type(size).__name__.startswith("float"):
            raise AssertionError(
                f"{call} returned {tuple(result)!r}, which holds a float: "
                "sizes are whole numbers, so round down with // (floor "
                "division) instead of dividing with /."
            )
    return tuple(int(size) for size in result)


def _call(function, args):
    """Return a readable text of a call with positional arguments."""
    names = ["input_shape", "kernel_size", "filters", "strides", "padding"]
    parts = [f"{name}={value!r}" for name, value in zip(names, args)]
    return f"{function.__name__}({', '.join(parts)})"


def _mistake_hint(args, got, expected, mistakes):
    """Name the classic mistake that turns ``expected`` into ``got``."""
    input_shape = args[0]
    strides = args[3] if len(args) > 3 else 1
    padding = args[4] if len(args) > 4 else "valid"
    if len(got) != len(expected):
        return ("The output keeps one size per spatial axis plus one "
                "channel axis; no batch axis.")
    for name, wrong in mistakes.items():
        if list(got) == list(wrong):
            return MESSAGES["conv_output_shape"][name]
    if got[:-1] == expected[:-1] and got[-1] == input_shape[-1]:
        return ("The last axis counts the filters: each filter spans all "
                f"{input_shape[-1]} input channels and makes one output "
                "channel.")
    if got[:-1] == expected[:-1]:
        return "The last axis is the number of filters."
    if all(g == e - 1 for g, e in zip(got[:-1], expected[:-1])):
        return ("Every size is one short: there are (n - f) // s + 1 "
                "positions, the + 1 counts the first one.")
    if padding == "same" and got[:-1] == tuple(input_shape[:-1]):
        return ("With 'same' padding and stride s the size is ceil(n / s); "
                "it equals n only when the stride is 1.")
    if padding == "same":
        return ("'same' pads the input so that the output size is "
                "ceil(n / s), whatever the kernel size.")
    if not isinstance(padding, str):
        return "Integer padding p makes an axis of size n into n + 2p."
    if strides != 1:
        return ("With stride s the kernel jumps s positions at a time: "
                "(n + 2p - f) // s + 1, rounded down.")
    return "Use n + 2p - f, divided by s (rounded down), plus 1, per axis."


# (input_shape, kernel_size, filters, strides, padding), simplest first.
CASES = [
    ((100, 1), 7, 8),
    ((100, 1), 7, 8, 1, 0),
    ((32, 32, 32, 16), 3, 32),
    ((28, 28, 3), 5, 6, 2),
    ((28, 28, 3), 5, 6, 1, 2),
    ((20, 12, 3), (5, 3), 4),
    ((21, 13, 2), 3, 5, (2, 1)),
    ((100, 1), 7, 8, 2, "same"),
    ((15, 17, 4), 4, 5, 1, "same"),
    ((27, 27, 3), 3, 4, 2, "same"),
    ((5, 6, 2), 7, 3, 1, "same"),
    ((4, 1), 9, 2, 2, "same"),
    ((9, 10, 11, 2), (3, 2, 1), 4, (2, 1, 3), (1, 0, 2)),
    ((20, 24, 1), (5, 3), 2, (3, 2), 1),
]


@learner_check("conv_output_shape")
def check_conv_output_shape(conv_output_shape):
    """Check the learner's ``conv_output_shape`` against Keras' shapes."""
    conv_output_shape = assert_own_function(conv_output_shape)
    cases = expected_values("convolutions")["conv_output_shape"]
    for args in CASES:
        case = cases[repr(args)]
        expected = tuple(case["expected"])
        call = _call(conv_output_shape, args)
        try:
            result = conv_output_shape(*args)
        except ValueError as error:
            if len(args) > 4 and args[4] == "same":
                raise AssertionError(
                    f"{call} raised ValueError: {error}\nWith 'same' "
                    "padding Keras adds as many zeros as the kernel needs, "
                    "even when the kernel is larger than the input, so "
                    "'same' never raises: the output size is ceil(n / s)."
                ) from error
            raise
        got = _as_shape(result, call)
        if got != expected:
            raise AssertionError(
                f"{call} returned {got}; Keras gives {expected}. "
                + _mistake_hint(args, got, expected,
                                case.get("mistakes", {}))
            )
    for args in [((4, 1), 7, 8), ((6, 6, 3), 9, 2, 1, 1)]:
        call = _call(conv_output_shape, args)
        try:
            result = conv_output_shape(*args)
        except ValueError:
            continue
        raise AssertionError(
            f"{call} returned {result!r}, but the kernel is larger than the "
            "padded input: raise a ValueError."
        )
    passed("conv_output_shape")
