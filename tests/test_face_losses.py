"""Tests of the reference triplet loss
(instructor.exercises.nb03_siamese_triplet) and of the engine's batch-hard
loss in helpers.faces.losses."""

import numpy as np
import pytest

from helpers.faces.losses import (
    batch_hard_triplet_loss,
    contrastive_loss,
    pairwise_squared_distances,
)
from instructor.exercises.nb03_siamese_triplet import triplet_loss

RNG = np.random.default_rng(7)


def numpy_triplet_loss(anchor, positive, negative, alpha):
    positive_distance = np.sum((anchor - positive) ** 2, axis=-1)
    negative_distance = np.sum((anchor - negative) ** 2, axis=-1)
    return np.mean(np.maximum(positive_distance - negative_distance + alpha,
                              0.0))


def numpy_batch_hard(embeddings, labels, alpha):
    losses = []
    for i in range(len(labels)):
        positives = [np.sum((embeddings[i] - embeddings[j]) ** 2)
                     for j in range(len(labels))
                     if j != i and labels[j] == labels[i]]
        negatives = [np.sum((embeddings[i] - embeddings[j]) ** 2)
                     for j in range(len(labels)) if labels[j] != labels[i]]
        if positives and negatives:
            losses.append(max(max(positives) - min(negatives) + alpha, 0.0))
    return np.mean(losses) if losses else 0.0


@pytest.mark.parametrize("alpha", [0.2, 0.5])
def test_triplet_loss_matches_numpy(alpha):
    anchor, positive, negative = RNG.normal(scale=0.3, size=(3, 16, 8))
    expected = numpy_triplet_loss(anchor, positive, negative, alpha)
    value = float(triplet_loss(anchor, positive, negative, alpha=alpha))
    assert 0 < expected
    assert value == pytest.approx(expected, rel=1e-5)


def test_triplet_loss_is_zero_for_easy_triplets():
    anchor = RNG.normal(size=(10, 4))
    positive = anchor + 0.01
    negative = anchor + 10.0
    assert float(triplet_loss(anchor, positive, negative)) == 0.0


def test_triplet_loss_equals_alpha_when_embeddings_collapse():
    same = np.ones((5, 128), np.float32) / np.sqrt(128)
    value = float(triplet_loss(same, same, same, alpha=0.3))
    assert value == pytest.approx(0.3, abs=1e-6)


def test_pairwise_squared_distances_match_numpy():
    embeddings = RNG.normal(size=(9, 5))
    expected = ((embeddings[:, None] - embeddings[None]) ** 2).sum(-1)
    distances = pairwise_squared_distances(embeddings).numpy()
    assert distances.shape == (9, 9)
    assert np.allclose(distances, expected, atol=1e-5)
    assert np.all(distances >= 0)
    assert np.allclose(np.diag(distances), 0.0, atol=1e-5)


def test_batch_hard_matches_brute_force():
    embeddings = RNG.normal(scale=0.4, size=(12, 6)).astype(np.float32)
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 4, 4])  # 3 is alone
    for alpha in (0.0, 0.2, 1.0):
        expected = numpy_batch_hard(embeddings, labels, alpha)
        value = float(batch_hard_triplet_loss(embeddings, labels, alpha))
        assert value == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_batch_hard_without_valid_anchors_is_zero():
    embeddings = RNG.normal(size=(3, 4))
    assert float(batch_hard_triplet_loss(embeddings, [1, 2, 3])) == 0.0
    assert float(batch_hard_triplet_loss(embeddings, [5, 5, 5])) == 0.0


def test_contrastive_loss_matches_numpy():
    first = RNG.normal(size=(6, 3)).astype(np.float32)
    second = RNG.normal(size=(6, 3)).astype(np.float32) * 0.3 + first
    same = np.array([1, 0, 1, 0, 0, 1], dtype=bool)
    distance = np.linalg.norm(first - second, axis=-1)
    want = np.mean(np.where(same, distance ** 2,
                            np.maximum(1.5 - distance, 0.0) ** 2))
    got = float(contrastive_loss(first, second, same, margin=1.5))
    assert np.isclose(got, want, rtol=1e-5)
    assert float(contrastive_loss(first, first + 10.0, [False] * 6)) == 0.0
    with pytest.raises(ValueError, match="margin"):
        contrastive_loss(first, second, same, margin=0.0)


def test_contrastive_loss_has_finite_gradients_at_zero_distance():
    import tensorflow as tf

    first = tf.Variable(np.zeros((2, 3), np.float32))
    with tf.GradientTape() as tape:
        loss = contrastive_loss(first, tf.zeros((2, 3)), [False, True])
    gradient = tape.gradient(loss, first)
    assert np.all(np.isfinite(gradient.numpy()))
