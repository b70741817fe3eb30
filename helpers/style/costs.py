"""The cost terms of the style transfer engine, batched over images.

The engine's own formulation of the lecture's costs, for activations shaped
``(batch, n_H, n_W, n_C)`` (the engine uses batch 1):

* :func:`content_distance` - mean squared difference of two activations,
  divided by 4 (the lecture's 1 / (4 n_H n_W n_C) normalisation);
* :func:`gram_statistics` - every image's channel co-occurrence sums in one
  ``tf.einsum`` over positions, shaped ``(batch, n_C, n_C)``;
* :func:`style_distance` - squared distance of Gram statistics over
  (2 n_H n_W n_C)², the generated image's size;
* :func:`weighted_style_distance` - the weighted sum over style layers;
* :func:`total_variation_loss` - smoothness of the pixels.

Writing the lecture's per-layer versions is notebook 05's exercise (their
references are in ``instructor.exercises.nb05_style_transfer``).  Everything returns
float32 tensors, so it can be differentiated.
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
    """mean((target - generated)²) / 4, i.e. J_content for one image."""
    target = _activation(target, "target")
    generated = _activation(generated, "generated")
    if target.shape.is_fully_defined() and generated.shape.is_fully_defined() \
            and target.shape != generated.shape:
        raise ValueError(
            f"target and generated must have the same shape, got "
            f"{tuple(target.shape)} and {tuple(generated.shape)}."
        )
    return 0.25 * tf.reduce_mean(tf.math.squared_difference(target,
                                                            generated))


def gram_statistics(activations):
    """Channel co-occurrence sums per image: (B, H, W, C) -> (B, C, C)."""
    activations = _activation(activations, "activations")
    return tf.einsum("bhwc,bhwd->bcd", activations, activations)


def style_distance(target_gram, generated):
    """Squared distance of Gram statistics / (2 H W C)², batch-averaged.

    ``target_gram`` comes from :func:`gram_statistics` (of the style
    image); ``generated`` is the generated image's activation, whose size
    H * W * C sets the normalisation.
    """
    generated = _activation(generated, "generated")
    size = tf.cast(tf.reduce_prod(tf.shape(generated)[1:]), tf.float32)
    gap = tf.math.squared_difference(
        tf.convert_to_tensor(target_gram, tf.float32),
        gram_statistics(generated))
    return tf.reduce_mean(tf.reduce_sum(gap, axis=[-2, -1])) \
        / tf.square(2.0 * size)


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
    """Mean squared difference between neighbouring pixels of ``image``.

    ``image`` is shaped (1, H, W, C) (any value range; the engine uses
    [0, 1]).  Using means rather than sums keeps the weight independent of
    the image size.  Smooth, so it suits L-BFGS.
    """
    image = tf.convert_to_tensor(image, dtype=tf.float32)
    if image.shape.rank != 4:
        raise ValueError(
            f"total_variation_loss expects (1, H, W, C), got "
            f"{tuple(image.shape)}."
        )
    dy = image[:, 1:, :, :] - image[:, :-1, :, :]
    dx = image[:, :, 1:, :] - image[:, :, :-1, :]
    return tf.reduce_mean(tf.square(dy)) + tf.reduce_mean(tf.square(dx))
