"""Known wrong versions of notebook 06's exercise."""

import math


def _each(value, axes):
    """Return an int-or-tuple argument as one value per spatial axis."""
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,) * axes


def shape_padded_at_one_end(input_shape, kernel_size, filters, strides=1,
                            padding="valid"):
    """Integer padding counted once: (n + p - f) // s + 1."""
    axes = len(input_shape) - 1
    if padding == "same":
        sizes = [math.ceil(n / s)
                 for n, s in zip(input_shape[:-1], _each(strides, axes))]
        return (*sizes, filters)
    pads = _each(0 if padding == "valid" else padding, axes)
    sizes = [(n + p - f) // s + 1 for n, f, s, p in zip(
        input_shape[:-1], _each(kernel_size, axes), _each(strides, axes),
        pads)]
    return (*sizes, filters)


MISTAKES = {
    "conv_output_shape": {"padded at one end": shape_padded_at_one_end},
}
