"""Known wrong versions of notebook 03's exercises."""

import numpy as np
import tensorflow as tf

from instructor.reference.triplet import squared_distance_matrix, triplet_loss


def _squared_distances(first, second, axis=-1):
    """Sum of squared differences along ``axis``."""
    return tf.reduce_sum(tf.square(first - second), axis=axis)


def loss_summed_over_axis_0(anchor, positive, negative, alpha=0.2):
    """Distances summed over the batch axis instead of the embedding axis."""
    violation = (_squared_distances(anchor, positive, axis=0)
                 - _squared_distances(anchor, negative, axis=0) + alpha)
    return tf.reduce_mean(tf.maximum(violation, 0.0))


def loss_without_square(anchor, positive, negative, alpha=0.2):
    """Plain Euclidean distances instead of squared ones."""
    violation = (tf.sqrt(_squared_distances(anchor, positive))
                 - tf.sqrt(_squared_distances(anchor, negative)) + alpha)
    return tf.reduce_mean(tf.maximum(violation, 0.0))


def loss_with_absolute_values(anchor, positive, negative, alpha=0.2):
    """Sums of absolute differences (L1) instead of squared ones."""
    violation = (tf.reduce_sum(tf.abs(anchor - positive), axis=-1)
                 - tf.reduce_sum(tf.abs(anchor - negative), axis=-1) + alpha)
    return tf.reduce_mean(tf.maximum(violation, 0.0))


def loss_without_hinge(anchor, positive, negative, alpha=0.2):
    """No max(..., 0): easy triplets count as negative losses."""
    return tf.reduce_mean(_squared_distances(anchor, positive)
                          - _squared_distances(anchor, negative) + alpha)


def loss_with_minus_alpha(anchor, positive, negative, alpha=0.2):
    """The margin subtracted instead of added."""
    violation = (_squared_distances(anchor, positive)
                 - _squared_distances(anchor, negative) - alpha)
    return tf.reduce_mean(tf.maximum(violation, 0.0))


def loss_summed_over_batch(anchor, positive, negative, alpha=0.2):
    """The sum over the triplets instead of their mean."""
    violation = (_squared_distances(anchor, positive)
                 - _squared_distances(anchor, negative) + alpha)
    return tf.reduce_sum(tf.maximum(violation, 0.0))


def loss_with_swapped_distances(anchor, positive, negative, alpha=0.2):
    """d(A, N) - d(A, P) instead of d(A, P) - d(A, N)."""
    violation = (_squared_distances(anchor, negative)
                 - _squared_distances(anchor, positive) + alpha)
    return tf.reduce_mean(tf.maximum(violation, 0.0))


def _mine(embeddings, labels, pick_positive, pick_negative):
    """Mining with chosen rules for the positive and the negative."""
    labels = np.asarray(labels)
    distances = squared_distance_matrix(embeddings)
    same = labels[:, None] == labels[None, :]
    positive = same & ~np.eye(len(labels), dtype=bool)
    anchors = np.flatnonzero(positive.any(axis=1) & (~same).any(axis=1))
    return (anchors, pick_positive(distances, positive)[anchors],
            pick_negative(distances, ~same)[anchors])


def _farthest(distances, mask):
    return np.argmax(np.where(mask, distances, -np.inf), axis=1)


def _closest(distances, mask):
    return np.argmin(np.where(mask, distances, np.inf), axis=1)


def mining_closest_positive(embeddings, labels):
    """The closest positive (the easiest) instead of the farthest."""
    return _mine(embeddings, labels, _closest, _closest)


def mining_farthest_negative(embeddings, labels):
    """The farthest negative (the easiest) instead of the closest."""
    return _mine(embeddings, labels, _farthest, _farthest)


def _semi_hard(embeddings, labels, rule):
    """All anchor-positive pairs with a negative chosen by ``rule``."""
    labels = np.asarray(labels)
    distances = squared_distance_matrix(embeddings)
    same = labels[:, None] == labels[None, :]
    is_negative = ~same
    anchors, positives = np.nonzero(
        same & ~np.eye(len(labels), dtype=bool)
        & is_negative.any(axis=1)[:, None])
    d_ap = distances[anchors, positives][:, None]
    negatives = rule(distances[anchors], d_ap, is_negative[anchors])
    return anchors, positives, negatives


def _closest_beyond(d_an, d_ap, mask, strict=True):
    farther = mask & ((d_an > d_ap) if strict else (d_an >= d_ap))
    return farther, _closest(d_an, farther)


def semi_hard_fallback_closest(embeddings, labels):
    """The fallback is the closest (hardest) negative, not the farthest."""
    def rule(d_an, d_ap, mask):
        farther, closest = _closest_beyond(d_an, d_ap, mask)
        return np.where(farther.any(axis=1), closest, _closest(d_an, mask))
    return _semi_hard(embeddings, labels, rule)


def semi_hard_without_fallback(embeddings, labels):
    """No fallback: argmin over a row of +inf gives index 0."""
    return _semi_hard(embeddings, labels,
                      lambda d_an, d_ap, mask: _closest_beyond(
                          d_an, d_ap, mask)[1])


def semi_hard_at_least_as_far(embeddings, labels):
    """d(A, N) >= d(A, P) instead of the strict >."""
    def rule(d_an, d_ap, mask):
        farther, closest = _closest_beyond(d_an, d_ap, mask, strict=False)
        return np.where(farther.any(axis=1), closest, _farthest(d_an, mask))
    return _semi_hard(embeddings, labels, rule)


def semi_hard_closest_negative(embeddings, labels):
    """The closest negative of all (batch-hard), ignoring the positive."""
    return _semi_hard(embeddings, labels,
                      lambda d_an, d_ap, mask: _closest(d_an, mask))


def semi_hard_farthest_negative(embeddings, labels):
    """Always the farthest negative (the easiest)."""
    return _semi_hard(embeddings, labels,
                      lambda d_an, d_ap, mask: _farthest(d_an, mask))


def step_with_gradient_ascent(model, optimizer, anchors, positives,
                              negatives, alpha=0.2):
    """The optimizer given minus the gradients: the loss goes up."""
    with tf.GradientTape() as tape:
        loss = triplet_loss(model(anchors), model(positives),
                            model(negatives), alpha)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip([-g for g in gradients],
                                  model.trainable_variables))
    return loss


def step_returning_loss_after(model, optimizer, anchors, positives,
                              negatives, alpha=0.2):
    """A right update, but the loss returned is measured after it."""
    with tf.GradientTape() as tape:
        loss = triplet_loss(model(anchors), model(positives),
                            model(negatives), alpha)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return triplet_loss(model(anchors), model(positives), model(negatives),
                        alpha)


def step_ignoring_alpha(model, optimizer, anchors, positives, negatives,
                        alpha=0.2):
    """The loss computed with the default margin, whatever alpha is."""
    with tf.GradientTape() as tape:
        loss = triplet_loss(model(anchors), model(positives),
                            model(negatives))
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss


MISTAKES = {
    "triplet_loss": {
        "axis 0": loss_summed_over_axis_0,
        "no square": loss_without_square,
        "absolute": loss_with_absolute_values,
        "no hinge": loss_without_hinge,
        "alpha sign": loss_with_minus_alpha,
        "sum over batch": loss_summed_over_batch,
        "swapped": loss_with_swapped_distances,
    },
    "hardest_triplets": {
        "closest positive": mining_closest_positive,
        "farthest negative": mining_farthest_negative,
    },
    "semi_hard_triplets": {
        "fallback to the closest": semi_hard_fallback_closest,
        "no fallback": semi_hard_without_fallback,
        "at least as far": semi_hard_at_least_as_far,
        "closest negative": semi_hard_closest_negative,
        "farthest negative": semi_hard_farthest_negative,
    },
    "train_step": {
        "gradient ascent": step_with_gradient_ascent,
        "loss after the update": step_returning_loss_after,
        "alpha not passed": step_ignoring_alpha,
    },
}
