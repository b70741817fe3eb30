"""Known wrong versions of notebook 05's exercises.

The cost mistakes are written in NumPy (float64) with the exercises'
signatures; the style-cost entries include, for every wrong layer cost, a
right combination of that wrong layer cost.
"""

import numpy as np
import tensorflow as tf

from instructor.reference.style import (
    compute_content_cost,
    compute_style_cost,
    total_cost,
)


def _as_float64(*arrays):
    """Return NumPy float64 copies of arrays or tensors."""
    return [np.asarray(a, dtype=np.float64) for a in arrays]


def _squares(a_C, a_G):
    """Sum of squared differences and the number of entries of a_G."""
    a_C, a_G = _as_float64(a_C, a_G)
    return np.sum((a_C - a_G) ** 2), a_G.size


def content_without_normalisation(a_C, a_G):
    return _squares(a_C, a_G)[0]


def content_with_one_half(a_C, a_G):
    return _squares(a_C, a_G)[0] / 2


def content_as_mean(a_C, a_G):
    squares, count = _squares(a_C, a_G)
    return squares / count


def content_over_2n(a_C, a_G):
    squares, count = _squares(a_C, a_G)
    return squares / (2 * count)


def content_not_squared(a_C, a_G):
    a_C, a_G = _as_float64(a_C, a_G)
    return np.sum(a_C - a_G) / (4 * a_G.size)


def content_of_absolute_values(a_C, a_G):
    a_C, a_G = _as_float64(a_C, a_G)
    return np.sum(np.abs(a_C - a_G)) / (4 * a_G.size)


def content_square_root(a_C, a_G):
    squares, count = _squares(a_C, a_G)
    return np.sqrt(squares) / (4 * count)


def content_without_n_C(a_C, a_G):
    squares, _ = _squares(a_C, a_G)
    _, n_H, n_W, _ = np.shape(a_G)
    return squares / (4 * n_H * n_W)


def gram_over_positions(A):
    (A,) = _as_float64(A)
    return A @ A.T / A.shape[1]


def gram_over_entries(A):
    (A,) = _as_float64(A)
    return A @ A.T / A.size


def _unrolled(a):
    """(1, n_H, n_W, n_C) -> (n_C, n_H * n_W), position h * n_W + w."""
    (a,) = _as_float64(a)
    return a.reshape(-1, a.shape[-1]).T


def _reshaped_only(a):
    """(1, n_H, n_W, n_C) -> (n_C, n_H * n_W) without the transpose."""
    (a,) = _as_float64(a)
    return a.reshape(a.shape[-1], -1)


def _layer_cost(a_S, a_G, unroll=_unrolled, gram=lambda A: A @ A.T,
                norm=None):
    """A layer style cost with replaceable unrolling, Gram and norm."""
    _, n_H, n_W, n_C = np.shape(a_G)
    difference = gram(unroll(a_S)) - gram(unroll(a_G))
    norm = (2 * n_H * n_W * n_C) ** 2 if norm is None else norm(a_G)
    return float(np.sum(difference ** 2) / norm)


def _size(a):
    """n_H * n_W * n_C of an activation shaped (1, n_H, n_W, n_C)."""
    return int(np.prod(np.shape(a)[1:]))


def layer_cost_reshaped_directly(a_S, a_G):
    return _layer_cost(a_S, a_G, unroll=_reshaped_only)


def layer_cost_with_AtA(a_S, a_G):
    return _layer_cost(a_S, a_G, gram=lambda A: A.T @ A)


def layer_cost_without_normalisation(a_S, a_G):
    return _layer_cost(a_S, a_G, norm=lambda a: 1)


def layer_cost_factor_not_squared(a_S, a_G):
    return _layer_cost(a_S, a_G, norm=lambda a: 2 * _size(a))


def layer_cost_over_4n(a_S, a_G):
    return _layer_cost(a_S, a_G, norm=lambda a: 4 * _size(a))


def layer_cost_without_2(a_S, a_G):
    return _layer_cost(a_S, a_G, norm=lambda a: _size(a) ** 2)


def layer_cost_mean_of_gram(a_S, a_G):
    return _layer_cost(a_S, a_G, norm=lambda a: np.shape(a)[-1] ** 2)


def layer_cost_wrong_dimensions(a_S, a_G):
    """m * n_H * n_W instead of n_H * n_W * n_C in the normalisation."""
    return _layer_cost(a_S, a_G,
                       norm=lambda a: (2 * np.prod(np.shape(a)[:3])) ** 2)


def _combined(style, generated, style_layers, layer_cost=_layer_cost):
    """The right weighted sum of a (possibly wrong) layer cost."""
    return sum(weight * layer_cost(style[layer], generated[layer])
               for layer, weight in style_layers)


def style_cost_without_weights(style, generated, style_layers):
    return sum(_layer_cost(style[layer], generated[layer])
               for layer, _ in style_layers)


def style_cost_average(style, generated, style_layers):
    return style_cost_without_weights(style, generated, style_layers) \
        / len(style_layers)


def style_cost_last_layer_only(style, generated, style_layers):
    layer, weight = list(style_layers)[-1]
    return weight * _layer_cost(style[layer], generated[layer])


def style_cost_over_all_keys(style, generated, style_layers):
    """Every key of the dicts, with the lecture's 0.2 for unknown ones."""
    weights = dict(style_layers)
    return sum(weights.get(layer, 0.2)
               * _layer_cost(style[layer], generated[layer])
               for layer in style)


def style_cost_weights_reversed(style, generated, style_layers):
    layers = [layer for layer, _ in style_layers]
    weights = [weight for _, weight in style_layers][::-1]
    return _combined(style, generated, list(zip(layers, weights)))


LAYER_COST_MISTAKES = {
    "reshaped directly": layer_cost_reshaped_directly,
    "A^T A": layer_cost_with_AtA,
    "no normalisation": layer_cost_without_normalisation,
    "factor not squared": layer_cost_factor_not_squared,
    "4 n": layer_cost_over_4n,
    "no 2": layer_cost_without_2,
    "mean over the Gram entries": layer_cost_mean_of_gram,
    "wrong dimensions": layer_cost_wrong_dimensions,
}


def _with_layer_cost(layer_cost):
    """compute_style_cost done right on top of a wrong layer cost."""
    def style_cost(style, generated, style_layers):
        return _combined(style, generated, style_layers, layer_cost)
    return style_cost


def _differences(image, axes=(1, 2)):
    """Neighbour differences of a float64 copy of ``image`` along ``axes``."""
    (image,) = _as_float64(image)
    return [np.diff(image, axis=axis) for axis in axes]


def tv_reference_form(image, axes=(1, 2), power=2, reduce=np.mean):
    """sum over axes of reduce(|difference| ** power)."""
    return sum(reduce(np.abs(d) ** power) for d in _differences(image, axes))


def tv_vertical_only(image):
    return tv_reference_form(image, axes=(1,))


def tv_horizontal_only(image):
    return tv_reference_form(image, axes=(2,))


def tv_absolute(image):
    return tv_reference_form(image, power=1)


def tv_batch_and_height(image):
    return tv_reference_form(image, axes=(0, 1))


def tv_width_and_channels(image):
    return tv_reference_form(image, axes=(2, 3))


def tv_sums(image):
    return tv_reference_form(image, reduce=np.sum)


def tv_summed_over_batch(image):
    return sum(tv_reference_form(one[None]) for one in _as_float64(image)[0])


def tv_one_mean(image):
    """Both sums over the number of entries of the image."""
    return tv_reference_form(image, reduce=np.sum) / np.size(image)


def step_ignoring_weights(generated_image, extractor, a_C, a_S, optimizer,
                          content_layer, style_layers, alpha=1e5, beta=1):
    """total_cost called with its defaults instead of alpha and beta."""
    with tf.GradientTape() as tape:
        a_G = extractor(generated_image)
        J = total_cost(compute_content_cost(a_C, a_G[content_layer]),
                       compute_style_cost(a_S, a_G, style_layers))
    gradient = tape.gradient(J, generated_image)
    optimizer.apply_gradients([(gradient, generated_image)])
    generated_image.assign(tf.clip_by_value(generated_image, 0.0, 1.0))
    return J


def step_with_gradient_ascent(generated_image, extractor, a_C, a_S,
                              optimizer, content_layer, style_layers,
                              alpha=1e5, beta=1):
    """The optimiser given minus the gradient: J goes up."""
    with tf.GradientTape() as tape:
        a_G = extractor(generated_image)
        J = total_cost(compute_content_cost(a_C, a_G[content_layer]),
                       compute_style_cost(a_S, a_G, style_layers),
                       alpha, beta)
    gradient = tape.gradient(J, generated_image)
    optimizer.apply_gradients([(-gradient, generated_image)])
    generated_image.assign(tf.clip_by_value(generated_image, 0.0, 1.0))
    return J


MISTAKES = {
    "compute_content_cost": {
        "no normalisation": content_without_normalisation,
        "one half": content_with_one_half,
        "mean": content_as_mean,
        "factor 2": content_over_2n,
        "not squared": content_not_squared,
        "absolute values": content_of_absolute_values,
        "square root": content_square_root,
        "no n_C": content_without_n_C,
    },
    "gram_matrix": {
        "divided by n_H * n_W": gram_over_positions,
        "divided by n_C * n_H * n_W": gram_over_entries,
    },
    "compute_layer_style_cost": LAYER_COST_MISTAKES,
    "compute_style_cost": {
        "no weights": style_cost_without_weights,
        "average": style_cost_average,
        "last layer only": style_cost_last_layer_only,
        "all keys": style_cost_over_all_keys,
        "weights paired wrongly": style_cost_weights_reversed,
        **{f"wrong layer cost ({name})": _with_layer_cost(wrong)
           for name, wrong in LAYER_COST_MISTAKES.items()},
    },
    "total_variation_cost": {
        "vertical only": tv_vertical_only,
        "horizontal only": tv_horizontal_only,
        "absolute differences": tv_absolute,
        "batch and height axes": tv_batch_and_height,
        "width and channel axes": tv_width_and_channels,
        "sums": tv_sums,
        "summed over the batch": tv_summed_over_batch,
        "one mean": tv_one_mean,
    },
    "train_step": {"gradient ascent": step_with_gradient_ascent,
                   "ignores alpha and beta": step_ignoring_weights},
}
