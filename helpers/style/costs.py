"""Reference implementations of the style transfer costs (lecture notation).

All activations are shaped ``(1, n_H, n_W, n_C)``, as a Keras model returns
them for one image.  The functions accept NumPy arrays or tensors and return
scalar ``tf.Tensor`` values, so they can be differentiated.

These are the instructor's reference versions of notebook 05's exercises;
learners write their own with the same names and signatures.
"""

from __future__ import annotations

import tensorflow as tf


def _as_activation(a, name):
    a = tf.convert_to_tensor(a, dtype=tf.float32)
    if a.shape.rank != 4 or (a.shape[0] is not None and a.shape[0] != 1):
        raise ValueError(
            f"{name} must be shaped (1, n_H, n_W, n_C), got {tuple(a.shape)}."
        )
    return a


def _dims(a):
    shape = tf.shape(a)
    return shape[1], shape[2], shape[3]


def compute_content_cost(a_C, a_G):
    """J_content = 1/(4 n_H n_W n_C) * sum((a_C - a_G)**2).

    ``a_C``: content image's activations, ``a_G``: generated image's, both
    shaped (1, n_H, n_W, n_C).  Returns a scalar tensor.
    """
    a_C = _as_activation(a_C, "a_C")
    a_G = _as_activation(a_G, "a_G")
    if a_C.shape != a_G.shape and a_C.shape.is_fully_defined() and a_G.shape.is_fully_defined():
        raise ValueError(
            f"a_C and a_G must have the same shape, got {tuple(a_C.shape)} "
            f"and {tuple(a_G.shape)}."
        )
    n_H, n_W, n_C = _dims(a_G)
    norm = tf.cast(4 * n_H * n_W * n_C, tf.float32)
    return tf.reduce_sum(tf.square(a_C - a_G)) / norm


def gram_matrix(A):
    """Gram matrix G_A = A A^T of an unrolled activation A shaped (n_C, n_H*n_W)."""
    A = tf.convert_to_tensor(A, dtype=tf.float32)
    if A.shape.rank != 2:
        raise ValueError(
            f"gram_matrix expects a 2-D matrix (n_C, n_H*n_W), got shape "
            f"{tuple(A.shape)}."
        )
    return tf.matmul(A, A, transpose_b=True)


def unroll(a):
    """(1, n_H, n_W, n_C) -> (n_C, n_H*n_W): reshape to (n_H*n_W, n_C), then transpose."""
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
    if isinstance(activations, dict):
        if name not in activations:
            raise ValueError(
                f"{what} has no activation for layer {name!r}; it has "
                f"{sorted(activations)}."
            )
        return activations[name]
    return activations[index]


def compute_style_cost(style_activations, generated_activations, style_layers):
    """J_style = sum over layers of lambda_l * J_style_layer(a_S[l], a_G[l]).

    ``style_layers`` is a list of ``(layer_name, lambda)`` pairs.  The two
    activation collections are either dicts keyed by layer name (what
    :class:`helpers.style.vgg.FeatureExtractor` returns) or lists/tuples in
    the same order as ``style_layers``.
    """
    style_layers = list(style_layers)
    if not style_layers:
        raise ValueError("style_layers is empty: give (layer_name, weight) pairs.")
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
        a_G = _lookup(generated_activations, index, name, "generated_activations")
        J_style += float(weight) * compute_layer_style_cost(a_S, a_G)
    return J_style


def total_variation_loss(image):
    """Mean squared difference between neighbouring pixels of ``image``.

    ``image`` is shaped (1, H, W, C) (any value range; the engine uses
    [0, 1]).  Using means rather than sums keeps the weight independent of
    the image size.  Smooth, so it suits L-BFGS.
    """
    image = tf.convert_to_tensor(image, dtype=tf.float32)
    if image.shape.rank != 4:
        raise ValueError(
            f"total_variation_loss expects (1, H, W, C), got {tuple(image.shape)}."
        )
    dy = image[:, 1:, :, :] - image[:, :-1, :, :]
    dx = image[:, :, 1:, :] - image[:, :, :-1, :]
    return tf.reduce_mean(tf.square(dy)) + tf.reduce_mean(tf.square(dx))


def total_cost(J_content, J_style, alpha=10, beta=40):
    """J = alpha * J_content + beta * J_style."""
    return alpha * J_content + beta * J_style
