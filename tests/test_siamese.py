"""Unit tests for helpers.faces.siamese and the public checks of notebook 03."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers.checks import triplet as checks
from helpers.faces import siamese

SHAPE = (9, 7, 1)


def as_learner(function):
    """Make a test function look like one defined in a notebook."""
    function.__module__ = "__main__"
    return function


@pytest.fixture(scope="module")
def labels():
    return np.repeat(np.arange(6), 5)


# --- data and models ------------------------------------------------------


def test_standardize_images_gives_zero_mean_unit_variance():
    images = np.random.default_rng(0).uniform(size=(3, 4, 5)) * 7 + 2
    result = siamese.standardize_images(images)
    assert np.allclose(result.mean(axis=(1, 2)), 0, atol=1e-5)
    assert np.allclose(result.std(axis=(1, 2)), 1, atol=1e-4)


def test_split_by_identity_keeps_people_apart(labels):
    train, test = siamese.split_by_identity(labels, 0.34, seed=1)
    assert not set(labels[train]) & set(labels[test])
    assert len(np.unique(labels[test])) == 2
    assert np.all(train ^ test)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.5])
def test_split_by_identity_rejects_bad_fraction(labels, fraction):
    with pytest.raises(ValueError, match="holdout_fraction"):
        siamese.split_by_identity(labels, fraction)


def test_encoder_outputs_unit_vectors_and_is_seeded():
    images = np.random.default_rng(1).normal(size=(4,) + SHAPE)
    first = siamese.build_encoder(SHAPE, embedding_size=8, seed=2)
    second = siamese.build_encoder(SHAPE, embedding_size=8, seed=2)
    embeddings = siamese.embed(first, images)
    assert embeddings.shape == (4, 8)
    assert np.allclose(np.linalg.norm(embeddings, axis=1), 1, atol=1e-5)
    assert np.allclose(embeddings, siamese.embed(second, images), atol=1e-6)


def test_encoder_rejects_empty_embedding():
    with pytest.raises(ValueError, match="embedding_size"):
        siamese.build_encoder(SHAPE, embedding_size=0)


def test_siamese_branches_share_the_encoder_weights():
    encoder = siamese.build_encoder(SHAPE, embedding_size=4)
    network = siamese.build_siamese(encoder)
    assert network.count_params() == encoder.count_params()
    images = np.random.default_rng(3).normal(size=(2,) + SHAPE)
    outputs = network([images, images, images])
    assert np.allclose(outputs[0], outputs[1])
    assert np.allclose(outputs[0], outputs[2])


def test_collapsed_copy_maps_everything_to_one_point():
    encoder = siamese.build_encoder(SHAPE, embedding_size=4)
    images = np.random.default_rng(4).normal(size=(5,) + SHAPE)
    collapsed = siamese.embed(siamese.collapsed_copy(encoder), images)
    assert np.allclose(collapsed, collapsed[0], atol=1e-6)
    assert not np.allclose(siamese.embed(encoder, images)[0],
                           siamese.embed(encoder, images)[1])


# --- triplet selection ----------------------------------------------------


def test_random_triplets_are_valid(labels):
    anchors, positives, negatives = siamese.random_triplets(labels, 200, 0)
    assert np.all(labels[anchors] == labels[positives])
    assert np.all(anchors != positives)
    assert np.all(labels[anchors] != labels[negatives])


def test_random_triplets_need_two_people():
    with pytest.raises(ValueError, match="two people"):
        siamese.random_triplets(np.zeros(4, int), 3)


def test_identity_batch_has_k_images_of_p_people(labels):
    batch = siamese.identity_batch(labels, people=3, images_per_person=4,
                                   rng=0)
    assert len(batch) == 12 and len(set(batch)) == 12
    assert sorted(np.bincount(labels[batch])[labels[batch]]) == [4] * 12


def test_identity_batch_rejects_too_many_people(labels):
    with pytest.raises(ValueError, match="cannot fill"):
        siamese.identity_batch(labels, people=7, images_per_person=2)


def test_hardest_triplets_on_a_line():
    embeddings = np.array([[0.0], [1.0], [3.0], [1.2], [10.0]])
    labels = np.array([0, 0, 0, 1, 2])
    anchors, positives, negatives = siamese.hardest_triplets(embeddings,
                                                             labels)
    assert anchors.tolist() == [0, 1, 2]
    assert positives.tolist() == [2, 2, 0]
    assert negatives.tolist() == [3, 3, 3]


def test_semi_hard_negatives_are_farther_than_positives(labels):
    rng = np.random.default_rng(5)
    embeddings = rng.normal(size=(len(labels), 3))
    distances = siamese.squared_distance_matrix(embeddings)
    anchors, positives, negatives = siamese.semi_hard_triplets(
        embeddings, labels, alpha=1.0, rng=0)
    assert len(anchors) == len(labels)
    assert np.all(labels[anchors] == labels[positives])
    assert np.all(anchors != positives)
    assert np.all(labels[anchors] != labels[negatives])
    d_ap = distances[anchors, positives]
    d_an = distances[anchors, negatives]
    has_farther = [np.any(distances[a, labels != labels[a]] > d)
                   for a, d in zip(anchors, d_ap)]
    assert np.all((d_an > d_ap)[has_farther])


def test_squared_distance_matrix_rejects_1d():
    with pytest.raises(ValueError, match="2-D"):
        siamese.squared_distance_matrix(np.zeros(3))


# --- training and evaluation ---------------------------------------------


def test_train_step_lowers_the_loss():
    from helpers.faces.losses import triplet_loss

    rng = np.random.default_rng(6)
    images = [rng.normal(size=(8,) + SHAPE).astype(np.float32)
              for _ in range(3)]
    encoder = siamese.build_encoder(SHAPE, embedding_size=4, seed=0)
    optimizer = keras.optimizers.Adam(0.01)
    first = float(siamese.train_step(encoder, optimizer, *images, 1.0))
    for _ in range(20):
        siamese.train_step(encoder, optimizer, *images, 1.0)
    last = float(triplet_loss(*(encoder(x) for x in images), 1.0))
    assert last < first


@pytest.mark.parametrize("mining", ["random", "hard", "semi-hard"])
def test_train_triplets_returns_one_loss_per_step(labels, mining):
    images = np.random.default_rng(7).normal(size=(len(labels),) + SHAPE)
    encoder = siamese.build_encoder(SHAPE, embedding_size=4)
    losses = siamese.train_triplets(encoder, images.astype(np.float32),
                                    labels, 3, mining=mining, people=3,
                                    images_per_person=2, progress=False)
    assert losses.shape == (3,) and np.all(np.isfinite(losses))


def test_train_triplets_rejects_unknown_mining(labels):
    with pytest.raises(ValueError, match="mining"):
        siamese.train_triplets(None, None, labels, 1, mining="easy")


def test_verification_helpers():
    distances = np.array([0.1, 0.5, 0.9, 1.5])
    same = np.array([True, True, False, False])
    threshold = siamese.best_threshold(distances, same)
    assert 0.5 <= threshold < 0.9
    assert siamese.verification_accuracy(distances, same, threshold) == 1.0
    assert siamese.verification_accuracy(distances, same, 10.0) == 0.5
    with pytest.raises(ValueError, match="differ"):
        siamese.verification_accuracy(distances, same[:2], 0.5)


def test_verification_pairs_are_balanced(labels):
    first, second, same = siamese.verification_pairs(labels, 40, rng=0)
    assert same.sum() == 20 and len(same) == 40
    assert np.all((labels[first] == labels[second]) == same)


def test_project_2d_keeps_the_main_direction():
    rng = np.random.default_rng(8)
    line = np.outer(rng.normal(size=50), [3.0, 0.0, 4.0])
    points = siamese.project_2d(line + 0.01 * rng.normal(size=(50, 3)))
    assert points.shape == (50, 2)
    assert np.var(points[:, 0]) > 100 * np.var(points[:, 1])
    with pytest.raises(ValueError, match="project_2d"):
        siamese.project_2d(np.zeros(5))


# --- the public checks ----------------------------------------------------


def good_triplet_loss(anchor, positive, negative, alpha=0.2):
    d_ap = tf.reduce_sum(tf.square(anchor - positive), axis=-1)
    d_an = tf.reduce_sum(tf.square(anchor - negative), axis=-1)
    return tf.reduce_mean(tf.maximum(d_ap - d_an + alpha, 0.0))


def make_wrong_loss(mistake):
    def wrong(anchor, positive, negative, alpha=0.2):
        return tf.constant(checks._numpy_triplet_loss(
            np.asarray(anchor), np.asarray(positive), np.asarray(negative),
            alpha, mistake))
    return as_learner(wrong)


def test_check_triplet_loss_accepts_a_correct_loss(capsys):
    checks.check_triplet_loss(as_learner(good_triplet_loss))
    assert "all public tests passed" in capsys.readouterr().out


@pytest.mark.parametrize("mistake, words", [
    ("axis 0", "LAST axis"), ("no square", "SQUARED"),
    ("absolute", "Square the differences"), ("no hinge", "hinge"),
    ("alpha sign", "wrong sign"), ("sum over batch", "MEAN"),
    ("swapped", "swapped"),
])
def test_check_triplet_loss_names_the_mistake(mistake, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_triplet_loss(make_wrong_loss(mistake))


def test_check_triplet_loss_wants_a_scalar_and_gradients():
    def per_triplet(anchor, positive, negative, alpha=0.2):
        d_ap = tf.reduce_sum(tf.square(anchor - positive), axis=-1)
        d_an = tf.reduce_sum(tf.square(anchor - negative), axis=-1)
        return tf.maximum(d_ap - d_an + alpha, 0.0)

    with pytest.raises(AssertionError, match="one value per triplet"):
        checks.check_triplet_loss(as_learner(per_triplet))

    def numpy_loss(anchor, positive, negative, alpha=0.2):
        return checks._numpy_triplet_loss(
            np.asarray(anchor), np.asarray(positive), np.asarray(negative),
            alpha)

    with pytest.raises(AssertionError, match="No gradient"):
        checks.check_triplet_loss(as_learner(numpy_loss))


def test_check_triplet_loss_rejects_the_reference():
    from helpers.faces.losses import triplet_loss

    with pytest.raises(AssertionError):
        checks.check_triplet_loss(triplet_loss)


def good_mining(embeddings, labels):
    return siamese.hardest_triplets(np.asarray(embeddings), labels)


def test_check_hardest_triplets_accepts_a_correct_miner(capsys):
    def mine(embeddings, labels):
        embeddings = np.asarray(embeddings, dtype=np.float64)
        distances = np.sum(
            (embeddings[:, None] - embeddings[None]) ** 2, axis=-1)
        same = labels[:, None] == labels[None]
        positive = same & ~np.eye(len(labels), dtype=bool)
        anchors = np.flatnonzero(positive.any(1) & (~same).any(1))
        far = np.argmax(np.where(positive, distances, -np.inf), 1)
        near = np.argmin(np.where(~same, distances, np.inf), 1)
        return anchors, far[anchors], near[anchors]

    checks.check_hardest_triplets(as_learner(mine))
    assert "all public tests passed" in capsys.readouterr().out


def test_check_hardest_triplets_names_easy_choices():
    def easiest(embeddings, labels):
        embeddings = np.asarray(embeddings, dtype=np.float64)
        distances = np.sum(
            (embeddings[:, None] - embeddings[None]) ** 2, axis=-1)
        same = labels[:, None] == labels[None]
        positive = same & ~np.eye(len(labels), dtype=bool)
        anchors = np.flatnonzero(positive.any(1) & (~same).any(1))
        near = np.argmin(np.where(positive, distances, np.inf), 1)
        far = np.argmax(np.where(~same, distances, -np.inf), 1)
        return anchors, near[anchors], far[anchors]

    with pytest.raises(AssertionError, match="CLOSEST positive"):
        checks.check_hardest_triplets(as_learner(easiest))

    def with_self(embeddings, labels):
        embeddings = np.asarray(embeddings, dtype=np.float64)
        distances = np.sum(
            (embeddings[:, None] - embeddings[None]) ** 2, axis=-1)
        same = labels[:, None] == labels[None]
        anchors = np.arange(len(labels))
        near = np.argmin(np.where(same, distances, np.inf), 1)
        far = np.argmin(np.where(~same, distances, np.inf), 1)
        return anchors, near, far

    with pytest.raises(AssertionError, match="no positive"):
        checks.check_hardest_triplets(as_learner(with_self))


def test_check_train_step_accepts_a_correct_step(capsys):
    def step(model, optimizer, anchors, positives, negatives, alpha=0.2):
        with tf.GradientTape() as tape:
            loss = good_triplet_loss(model(anchors), model(positives),
                                     model(negatives), alpha)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    checks.check_train_step(as_learner(step))
    assert "all public tests passed" in capsys.readouterr().out


def test_check_train_step_names_classic_mistakes():
    def outside_tape(model, optimizer, anchors, positives, negatives,
                     alpha=0.2):
        embeddings = [model(x) for x in (anchors, positives, negatives)]
        with tf.GradientTape() as tape:
            loss = good_triplet_loss(*embeddings, alpha)
        gradients = tape.gradient(loss, model.trainable_variables)
        if all(g is None for g in gradients):
            return loss
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    with pytest.raises(AssertionError, match="did not change"):
        checks.check_train_step(as_learner(outside_tape))

    def loss_after(model, optimizer, anchors, positives, negatives,
                   alpha=0.2):
        with tf.GradientTape() as tape:
            loss = good_triplet_loss(model(anchors), model(positives),
                                     model(negatives), alpha)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return good_triplet_loss(model(anchors), model(positives),
                                 model(negatives), alpha)

    with pytest.raises(AssertionError, match="AFTER the update"):
        checks.check_train_step(as_learner(loss_after))

    def fixed_alpha(model, optimizer, anchors, positives, negatives,
                    alpha=0.2):
        with tf.GradientTape() as tape:
            loss = good_triplet_loss(model(anchors), model(positives),
                                     model(negatives), 0.2)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    with pytest.raises(AssertionError, match="pass alpha"):
        checks.check_train_step(as_learner(fixed_alpha))
