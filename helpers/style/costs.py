"""The cost terms of the style transfer engine, batched over images.

The engine's own formulation, for activations shaped
``(batch, n_H, n_W, n_C)`` (the engine uses batch 1).  It is normalised
differently from notebook 05's exercises (whose costs it never computes:
painting with a learner's costs uses the learner's functions):

* :func:`content_distance` - mean squared difference of two activations;
* :func:`gram_statistics` - every image's channel co-occurrence averaged
  over positions, shaped ``(batch, n_C, n_C)``;
* :func:`style_distance` - mean squared difference of those statistics;
* :func:`weighted_style_distance` - the weighted sum over style layers;
* :func:`total_variation_loss` - smoothness of the pixels, on the grid of
  pixels that have both a lower and a right neighbour.

Everything returns float32 tensors, so it can be differentiated.
"""

from __future__ import annotations

import tensorflow as tf


def _activation(value, name):
    """Return ``value`` as a float32 tensor; ValueError unless 4-D."""
    value = tf.convert_to_tensor(value, dtype=tf.float32)
    if value.shape.rank != 4:
        raise ValueError(
            f"{name} must be shaped (batch, n_H, n_W, n_C), got "
            f"{tuple(value.shape)}."
        )
    return value


def content_distance(target, generated):
    """Mean squared difference of two activations, batch-averaged."""
    target = _activation(target, "target")
    generated = _activation(generated, "generated")
    if target.shape.is_fully_defined() and generated.shape.is_fully_defined() \
            and target.shape != generated.shape:
        raise ValueError(
            f"target and generated must have the same shape, got "
            f"{tuple(target.shape)} and {tuple(generated.shape)}."
        )
    return tf.reduce_mean(tf.math.squared_difference(target, generated))


def gram_statistics(activations):
    """Channel co-occurrence averaged over positions: (B, H, W, C) -> (B, C, C)."""
    activations = _activation(activations, "activations")
    positions = tf.cast(tf.shape(activations)[1] * tf.shape(activations)[2],
                        tf.float32)
    return tf.einsum("bhwc,bhwd->bcd", activations, activations) / positions


def style_distance(target_gram, generated):
    """Mean squared difference of Gram statistics, batch-averaged.

    ``target_gram`` comes from :func:`gram_statistics` (of the style
    image); ``generated`` is the generated image's activation.
    """
    generated = _activation(generated, "generated")
    return tf.reduce_mean(tf.math.squared_difference(
        tf.convert_to_tensor(target_gram, tf.float32),
        gram_statistics(generated)))


def weighted_style_distance(target_grams, activations, layer_weights):
    """Sum of weight * style_distance over ``(layer, weight)`` pairs."""
    layer_weights = list(layer_weights)
    if not layer_weights:
        raise ValueError(
            "layer_weights is empty: give (layer_name, weight) pairs.")
    missing = [name for name, _ in layer_weights
               if name not in target_grams or name not in activations]
    if missing:
        raise ValueError(f"no Gram target or activation for {missing}.")
    return tf.add_n([
        tf.cast(weight, tf.float32)
        * style_distance(target_grams[name], activations[name])
        for name, weight in layer_weights])


def total_variation_loss(image):
    """Mean over pixels of the squared step to the lower and right neighbour.

    ``image`` is shaped (1, H, W, C) (any value range; the engine uses
    [0, 1]); only the (H - 1) x (W - 1) pixels that have both neighbours
    count.  A mean keeps the weight independent of the image size; the
    squares keep it smooth, so it suits L-BFGS.
    """
    image = tf.convert_to_tensor(image, dtype=tf.float32)
    if image.shape.rank != 4:
        raise ValueError(
            f"total_variation_loss expects (1, H, W, C), got "
            f"{tuple(image.shape)}."
        )
    corner = image[:, :-1, :-1, :]
    steps = (tf.square(image[:, 1:, :-1, :] - corner)
             + tf.square(image[:, :-1, 1:, :] - corner))
    return tf.reduce_mean(tf.reduce_sum(steps, axis=-1))
