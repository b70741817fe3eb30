"""Reference version of notebook 06's exercise (instructor only).

``conv_output_shape`` computes the output shape of a channels-last
convolution from the formula; ``keras_conv_output_shape`` (engine code in
``helpers.convolutions``, re-exported here) measures it with Keras, so the
hidden tests take every expected value from ``instructor.reference``.
"""

import math

from helpers.convolutions import (
    _is_integer,
    _per_axis,
    _spatial_axes,
    keras_conv_output_shape,
)

__all__ = ["conv_output_shape", "keras_conv_output_shape"]


def conv_output_shape(input_shape, kernel_size, filters, strides=1,
                      padding="valid"):
    """Return the output shape (no batch axis) of a channels-last convolution.

    ``padding`` is ``"valid"``, ``"same"`` or the number of zeros added at
    both ends of every spatial axis (an integer or one per axis).
    """
    shape = _spatial_axes(input_shape)
    axes = len(shape) - 1
    kernel = _per_axis(kernel_size, axes, "kernel_size", 1)
    stride = _per_axis(strides, axes, "strides", 1)
    if not _is_integer(filters) or filters < 1:
        raise ValueError(
            f"filters must be a positive integer, got {filters!r}")
    if isinstance(padding, str):
        if padding.lower() not in ("valid", "same"):
            raise ValueError(
                f"padding must be 'valid', 'same' or an integer, "
                f"got {padding!r}"
            )
        if padding.lower() == "same":
            spatial = [math.ceil(n / s) for n, s in zip(shape[:-1], stride)]
            return (*spatial, int(filters))
        pads = (0,) * axes
    else:
        pads = _per_axis(padding, axes, "padding", 0)
    spatial = []
    for size, width, step, pad in zip(shape[:-1], kernel, stride, pads):
        if size + 2 * pad < width:
            raise ValueError(
                f"a kernel of width {width} does not fit in an axis of size "
                f"{size} padded with {pad} zeros on each side"
            )
        spatial.append((size + 2 * pad - width) // step + 1)
    return (*spatial, int(filters))
