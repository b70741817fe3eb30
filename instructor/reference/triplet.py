"""Reference versions of notebook 03's exercises (instructor only).

The triplet loss, the squared distance matrix behind batch-hard mining, the
mining itself and one training step of a Siamese encoder.
"""

import numpy as np


def triplet_loss(anchor, positive, negative, alpha=0.2):
    """Mean over the batch of max(|A-P|² - |A-N|² + alpha, 0).

    Squared Euclidean distances are summed over the embedding axis (-1);
    the result is a scalar tensor.
    """
    import tensorflow as tf

    anchor = tf.convert_to_tensor(anchor, dtype=tf.float32)
    positive = tf.convert_to_tensor(positive, dtype=tf.float32)
    negative = tf.convert_to_tensor(negative, dtype=tf.float32)
    positive_distance = tf.reduce_sum(tf.square(anchor - positive), axis=-1)
    negative_distance = tf.reduce_sum(tf.square(anchor - negative), axis=-1)
    losses = tf.maximum(positive_distance - negative_distance + alpha, 0.0)
    return tf.reduce_mean(losses)


def _check_labels(labels):
    """Return ``labels`` as a 1-D array; ValueError otherwise."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {labels.shape}.")
    return labels


def squared_distance_matrix(embeddings):
    """Return all pairwise squared L2 distances as a NumPy array."""
    embeddings = np.asarray(embeddings, dtype=np.float64)
    if embeddings.ndim != 2:
        raise ValueError(
            f"embeddings must be 2-D (batch, size), got {embeddings.shape}."
        )
    difference = embeddings[:, np.newaxis, :] - embeddings[np.newaxis, :, :]
    return np.sum(difference ** 2, axis=-1)


def hardest_triplets(embeddings, labels):
    """Batch-hard mining: farthest positive and closest negative per anchor.

    Returns ``(anchors, positives, negatives)`` as int arrays; an image is an
    anchor when the batch holds another image of the same person and an
    image of someone else.
    """
    labels = _check_labels(labels)
    distances = squared_distance_matrix(embeddings)
    if len(labels) != len(distances):
        raise ValueError(
            f"{len(distances)} embeddings but {len(labels)} labels."
        )
    same = labels[:, np.newaxis] == labels[np.newaxis, :]
    positive = same & ~np.eye(len(labels), dtype=bool)
    negative = ~same
    anchors = np.flatnonzero(positive.any(axis=1) & negative.any(axis=1))
    farthest = np.argmax(np.where(positive, distances, -np.inf), axis=1)
    closest = np.argmin(np.where(negative, distances, np.inf), axis=1)
    return anchors, farthest[anchors], closest[anchors]


def semi_hard_triplets(embeddings, labels):
    """Semi-hard mining: every anchor-positive pair, a negative beyond it.

    The negative is the closest one farther than the positive,
    d(A, N) > d(A, P); when every negative is at most as far as the
    positive, the farthest negative.  Ties go to the smallest index.
    """
    labels = _check_labels(labels)
    distances = squared_distance_matrix(embeddings)
    if len(labels) != len(distances):
        raise ValueError(
            f"{len(distances)} embeddings but {len(labels)} labels."
        )
    same = labels[:, np.newaxis] == labels[np.newaxis, :]
    positive = same & ~np.eye(len(labels), dtype=bool)
    negative = ~same
    anchors, positives = np.nonzero(
        positive & negative.any(axis=1)[:, np.newaxis])
    d_ap = distances[anchors, positives][:, np.newaxis]
    d_an = distances[anchors]
    is_negative = negative[anchors]
    farther = is_negative & (d_an > d_ap)
    closest_farther = np.argmin(np.where(farther, d_an, np.inf), axis=1)
    farthest = np.argmax(np.where(is_negative, d_an, -np.inf), axis=1)
    negatives = np.where(farther.any(axis=1), closest_farther, farthest)
    return anchors, positives, negatives


def train_step(model, optimizer, anchors, positives, negatives, alpha=0.2):
    """One gradient step on the triplet loss; returns the loss (scalar)."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = triplet_loss(
            model(anchors, training=True), model(positives, training=True),
            model(negatives, training=True), alpha,
        )
    variables = model.trainable_variables
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
    return loss
