"""Engine losses for learning face embeddings.

The plain triplet loss is notebook 03's exercise, so it is not here;
``batch_hard_triplet_loss`` mines and scores in one TensorFlow graph;
``contrastive_loss`` is Hadsell, Chopra and LeCun's (2006) loss on pairs.
"""

import tensorflow as tf


def pairwise_squared_distances(embeddings):
    """Return the (N, N) matrix of squared Euclidean distances."""
    embeddings = tf.convert_to_tensor(embeddings, dtype=tf.float32)
    squared_norms = tf.reduce_sum(tf.square(embeddings), axis=-1)
    products = tf.matmul(embeddings, embeddings, transpose_b=True)
    distances = (squared_norms[:, None] - 2.0 * products
                 + squared_norms[None, :])
    return tf.maximum(distances, 0.0)


def batch_hard_triplet_loss(embeddings, labels, alpha=0.2):
    """Triplet loss with the hardest positive and negative of each anchor.

    Anchors without a positive or without a negative in the batch are
    ignored.  Returns the mean over the remaining anchors (0 if none).
    """
    distances = pairwise_squared_distances(embeddings)
    labels = tf.convert_to_tensor(labels)
    same = tf.equal(labels[:, None], labels[None, :])
    not_self = tf.logical_not(tf.eye(tf.shape(labels)[0], dtype=tf.bool))
    positive_mask = tf.logical_and(same, not_self)
    negative_mask = tf.logical_not(same)
    hardest_positive = tf.reduce_max(
        tf.where(positive_mask, distances, tf.zeros_like(distances)), axis=1)
    largest = tf.reduce_max(distances) + 1.0
    hardest_negative = tf.reduce_min(
        tf.where(negative_mask, distances, largest), axis=1)
    valid = tf.logical_and(tf.reduce_any(positive_mask, axis=1),
                           tf.reduce_any(negative_mask, axis=1))
    losses = tf.maximum(hardest_positive - hardest_negative + alpha, 0.0)
    losses = tf.boolean_mask(losses, valid)
    return tf.cond(tf.size(losses) > 0, lambda: tf.reduce_mean(losses),
                   lambda: tf.constant(0.0))


def contrastive_loss(first, second, same, margin=1.0):
    """Mean of d² for same-person pairs, max(margin - d, 0)² for others.

    ``d`` is the Euclidean distance of each pair of embeddings ``first[i]``,
    ``second[i]``; ``same[i]`` says whether they show one person.
    """
    if margin <= 0:
        raise ValueError(f"margin must be positive, got {margin}.")
    first = tf.convert_to_tensor(first, dtype=tf.float32)
    second = tf.convert_to_tensor(second, dtype=tf.float32)
    same = tf.cast(tf.convert_to_tensor(same), tf.float32)
    squared = tf.reduce_sum(tf.square(first - second), axis=-1)
    # d, the Euclidean distance of each pair.
    distance = tf.sqrt(tf.maximum(squared, 1e-12))
    push = tf.square(tf.maximum(margin - distance, 0.0))
    return tf.reduce_mean(same * squared + (1.0 - same) * push)
