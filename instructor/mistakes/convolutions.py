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


def _first_on_every_axis(value, axes):
    """Return the first entry of a tuple argument for every axis."""
    if isinstance(value, (tuple, list)):
        value = value[0]
    return (value,) * axes


def _shape(input_shape, kernel, strides, pads, filters):
    """Return the valid/integer-padding shape from per-axis arguments."""
    sizes = [(n + 2 * p - f) // s + 1 for n, f, s, p in zip(
        input_shape[:-1], kernel, strides, pads)]
    return (*sizes, filters)


def shape_first_kernel_size(input_shape, kernel_size, filters, strides=1,
                            padding="valid"):
    """A tuple kernel_size read as its first size on every axis."""
    axes = len(input_shape) - 1
    if padding == "same":
        sizes = [math.ceil(n / s)
                 for n, s in zip(input_shape[:-1], _each(strides, axes))]
        return (*sizes, filters)
    pads = _each(0 if padding == "valid" else padding, axes)
    return _shape(input_shape, _first_on_every_axis(kernel_size, axes),
                  _each(strides, axes), pads, filters)


def shape_first_stride(input_shape, kernel_size, filters, strides=1,
                       padding="valid"):
    """A tuple of strides read as its first stride on every axis."""
    axes = len(input_shape) - 1
    stride = _first_on_every_axis(strides, axes)
    if padding == "same":
        sizes = [math.ceil(n / s) for n, s in zip(input_shape[:-1], stride)]
        return (*sizes, filters)
    pads = _each(0 if padding == "valid" else padding, axes)
    return _shape(input_shape, _each(kernel_size, axes), stride, pads,
                  filters)


MISTAKES = {
    "conv_output_shape": {
        "padded at one end": shape_padded_at_one_end,
        "first kernel size on every axis": shape_first_kernel_size,
        "first stride on every axis": shape_first_stride,
    },
}
