"""Reference versions of notebook 05's exercises (instructor only).

All activations are shaped ``(1, n_H, n_W, n_C)``, as a Keras model returns
them for one image.  The costs accept NumPy arrays or tensors and return
scalar ``tf.Tensor`` values, so they can be differentiated.  ``train_step``
is one optimiser step on the pixels; ``step_problem`` and ``tiny_extractor``
(the public check's fixtures) give it a small, fast problem.
"""

import tensorflow as tf

from helpers.checks.style import (
    TINY_CONTENT_LAYER,
    TINY_STYLE_LAYERS,
    step_problem,
    tiny_extractor,
)

__all__ = [
    "compute_content_cost", "gram_matrix", "unroll",
    "compute_layer_style_cost", "compute_style_cost", "deep_style_layers",
    "total_cost",
    "total_variation_cost", "train_step", "step_problem", "tiny_extractor", "TINY_CONTENT_LAYER",
    "TINY_STYLE_LAYERS",
]


def _as_activation(a, name):
    """Return ``a`` as a float32 tensor; ValueError unless (1, H, W, C)."""
    a = tf.convert_to_tensor(a, dtype=tf.float32)
    if a.shape.rank != 4 or (a.shape[0] is not None and a.shape[0] != 1):
        raise ValueError(
            f"{name} must be shaped (1, n_H, n_W, n_C), got {tuple(a.shape)}."
        )
    return a


def _dims(a):
    """Return ``n_H, n_W, n_C`` of an activation as scalar tensors."""
    shape = tf.shape(a)
    return shape[1], shape[2], shape[3]


def compute_content_cost(a_C, a_G):
    """J_content = 1/(4 n_H n_W n_C) * sum((a_C - a_G)**2).

    ``a_C``: content image's activations, ``a_G``: generated image's, both
    shaped (1, n_H, n_W, n_C).  Returns a scalar tensor.
    """
    a_C = _as_activation(a_C, "a_C")
    a_G = _as_activation(a_G, "a_G")
    if (a_C.shape != a_G.shape and a_C.shape.is_fully_defined()
            and a_G.shape.is_fully_defined()):
        raise ValueError(
            f"a_C and a_G must have the same shape, got {tuple(a_C.shape)} "
            f"and {tuple(a_G.shape)}."
        )
    n_H, n_W, n_C = _dims(a_G)
    norm = tf.cast(4 * n_H * n_W * n_C, tf.float32)
    return tf.reduce_sum(tf.square(a_C - a_G)) / norm


def gram_matrix(A):
    """Gram matrix A A^T of an unrolled activation A (n_C, n_H*n_W)."""
    A = tf.convert_to_tensor(A, dtype=tf.float32)
    if A.shape.rank != 2:
        raise ValueError(
            f"gram_matrix expects a 2-D matrix (n_C, n_H*n_W), got shape "
            f"{tuple(A.shape)}."
        )
    return tf.matmul(A, A, transpose_b=True)


def unroll(a):
    """(1, n_H, n_W, n_C) -> (n_C, n_H*n_W): reshape, then transpose."""
    n_H, n_W, n_C = _dims(a)
    return tf.transpose(tf.reshape(a, (n_H * n_W, n_C)))


def compute_layer_style_cost(a_S, a_G):
    """J_style_layer = 1/(2 n_H n_W n_C)**2 * sum((G_S - G_G)**2).

    ``a_S``: style image's activations, ``a_G``: generated image's, both
    shaped (1, n_H, n_W, n_C) (the spatial sizes may differ only if they
    have the same n_C; the normalisation uses the generated image's size).
    """
    a_S = _as_activation(a_S, "a_S")
    a_G = _as_activation(a_G, "a_G")
    n_H, n_W, n_C = _dims(a_G)
    G_S = gram_matrix(unroll(a_S))
    G_G = gram_matrix(unroll(a_G))
    norm = tf.cast(2 * n_H * n_W * n_C, tf.float32)
    return tf.reduce_sum(tf.square(G_S - G_G)) / (norm * norm)


def _lookup(activations, index, name, what):
    """Return layer ``name`` of a dict, or entry ``index`` of a list."""
    if isinstance(activations, dict):
        if name not in activations:
            raise ValueError(
                f"{what} has no activation for layer {name!r}; it has "
                f"{sorted(activations)}."
            )
        return activations[name]
    return activations[index]


def compute_style_cost(style_activations, generated_activations,
                       style_layers):
    """J_style = sum over layers of lambda_l * J_style_layer(a_S, a_G).

    ``style_layers`` is a list of ``(layer_name, lambda)`` pairs.  The two
    activation collections are either dicts keyed by layer name or
    lists/tuples in the same order as ``style_layers``.
    """
    style_layers = list(style_layers)
    if not style_layers:
        raise ValueError(
            "style_layers is empty: give (layer_name, weight) pairs.")
    for what, acts in (("style_activations", style_activations),
                       ("generated_activations", generated_activations)):
        if not isinstance(acts, dict) and len(acts) != len(style_layers):
            raise ValueError(
                f"{what} has {len(acts)} entries but style_layers has "
                f"{len(style_layers)}; lists must follow style_layers' order."
            )
    J_style = tf.constant(0.0, dtype=tf.float32)
    for index, (name, weight) in enumerate(style_layers):
        a_S = _lookup(style_activations, index, name, "style_activations")
        a_G = _lookup(generated_activations, index, name,
                      "generated_activations")
        J_style += float(weight) * compute_layer_style_cost(a_S, a_G)
    return J_style


def deep_style_layers(layer_names):
    """(layer, lambda) pairs doubling with depth, summing to 1.

    One of many right answers: the exercise asks for weights >= 0 (every
    layer above 0) that never decrease with depth, are not all equal and
    sum to 1, for any number of layers >= 1.
    """
    names = list(layer_names)
    if not names:
        raise ValueError("layer_names is empty: give at least one layer.")
    raw = [2.0 ** depth for depth in range(len(names))]
    total = sum(raw)
    return [(name, weight / total) for name, weight in zip(names, raw)]


#: The engine's weights (helpers.style.DEFAULT_ALPHA, DEFAULT_BETA).
ALPHA = 1e5
BETA = 1


def total_cost(J_content, J_style, alpha=ALPHA, beta=BETA):
    """J = alpha * J_content + beta * J_style."""
    return alpha * J_content + beta * J_style


def total_variation_cost(image):
    """Mean squared vertical plus mean squared horizontal pixel difference.

    ``image`` is a batch shaped (m, H, W, C); the means run over the batch
    too, so the cost of a batch is the average of its images' costs.
    """
    image = tf.convert_to_tensor(image, dtype=tf.float32)
    vertical = image[:, 1:, :, :] - image[:, :-1, :, :]
    horizontal = image[:, :, 1:, :] - image[:, :, :-1, :]
    return (tf.reduce_mean(tf.square(vertical))
            + tf.reduce_mean(tf.square(horizontal)))


def train_step(generated_image, extractor, a_C, a_S, optimizer,
               content_layer, style_layers, alpha=ALPHA, beta=BETA):
    """J(G) with the reference costs, one optimiser step, clip; return J."""
    with tf.GradientTape() as tape:
        a_G = extractor(generated_image)
        J_content = compute_content_cost(a_C, a_G[content_layer])
        J_style = compute_style_cost(a_S, a_G, style_layers)
        J = total_cost(J_content, J_style, alpha, beta)
    gradient = tape.gradient(J, generated_image)
    optimizer.apply_gradients([(gradient, generated_image)])
    generated_image.assign(tf.clip_by_value(generated_image, 0.0, 1.0))
    return J
