"""Unit tests for helpers.faces.siamese (and the threshold and accuracy
it uses), the references of notebook 03
(instructor.exercises.nb03_siamese_triplet) and the public checks of
notebook 03."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers.checks import nb03_siamese_triplet as checks
from helpers.faces import siamese
from helpers.faces import metrics
from helpers.faces.equal_error import equal_error_threshold
from instructor.exercises import nb03_siamese_triplet as reference

SHAPE = (9, 7, 1)


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
    anchors, positives, negatives = reference.hardest_triplets(embeddings,
                                                               labels)
    assert anchors.tolist() == [0, 1, 2]
    assert positives.tolist() == [2, 2, 0]
    assert negatives.tolist() == [3, 3, 3]


def test_semi_hard_negatives_are_farther_than_positives(labels):
    rng = np.random.default_rng(5)
    embeddings = rng.normal(size=(len(labels), 3))
    distances = siamese.squared_distance_matrix(embeddings)
    anchors, positives, negatives = reference.semi_hard_triplets(
        embeddings, labels)
    assert len(anchors) == len(labels) * 4  # every pair of 5 images a person
    assert np.all(labels[anchors] == labels[positives])
    assert np.all(anchors != positives)
    assert np.all(labels[anchors] != labels[negatives])
    d_ap = distances[anchors, positives]
    d_an = distances[anchors, negatives]
    has_farther = np.array([np.any(distances[a, labels != labels[a]] > d)
                            for a, d in zip(anchors, d_ap)])
    assert np.all((d_an > d_ap)[has_farther])
    farthest = [distances[a, labels != labels[a]].max()
                for a in anchors[~has_farther]]
    assert np.allclose(d_an[~has_farther], farthest)


def test_semi_hard_on_a_line():
    embeddings = np.array([[0.0], [1.0], [3.0], [2.0], [-2.5]])
    labels = np.array([0, 0, 0, 1, 2])
    anchors, positives, negatives = reference.semi_hard_triplets(embeddings,
                                                                 labels)
    assert list(zip(anchors, positives)) == [(0, 1), (0, 2), (1, 0),
                                             (1, 2), (2, 0), (2, 1)]
    # (0, 1): 3 is the closest beyond 1; (0, 2): no negative beyond 9, so
    # the farthest, 4; (1, 0): 3 ties with the positive (1), so 4.
    assert negatives.tolist() == [3, 4, 4, 4, 4, 4]


def test_squared_distance_matrix_rejects_1d():
    with pytest.raises(ValueError, match="2-D"):
        siamese.squared_distance_matrix(np.zeros(3))


def test_engine_distances_equal_the_reference():
    embeddings = np.random.default_rng(9).normal(size=(7, 5))
    assert np.allclose(siamese.squared_distance_matrix(embeddings),
                       reference.squared_distance_matrix(embeddings))


# --- training and evaluation ---------------------------------------------


def test_train_step_lowers_the_loss():
    rng = np.random.default_rng(6)
    images = [rng.normal(size=(8,) + SHAPE).astype(np.float32)
              for _ in range(3)]
    encoder = siamese.build_encoder(SHAPE, embedding_size=4, seed=0)
    optimizer = keras.optimizers.Adam(0.01)
    first = float(reference.train_step(encoder, optimizer, *images, 1.0))
    for _ in range(20):
        reference.train_step(encoder, optimizer, *images, 1.0)
    last = float(reference.triplet_loss(*(encoder(x) for x in images), 1.0))
    assert last < first


@pytest.mark.parametrize("mining, miner, warmup", [
    ("random", None, 0), ("hard", "hardest_triplets", 0),
    ("semi-hard", "semi_hard_triplets", 0),
    ("batch-hard", "hardest_triplets", 2)])
def test_train_triplets_returns_one_loss_per_step(labels, mining, miner,
                                                  warmup):
    images = np.random.default_rng(7).normal(size=(len(labels),) + SHAPE)
    encoder = siamese.build_encoder(SHAPE, embedding_size=4)
    losses = siamese.train_triplets(
        encoder, images.astype(np.float32), labels, 3, mining=mining,
        people=3, images_per_person=2, step_function=reference.train_step,
        mining_function=miner and getattr(reference, miner),
        warmup_steps=warmup, progress=False)
    assert losses.shape == (3,) and np.all(np.isfinite(losses))


def test_train_triplets_warms_up_with_random_triplets(labels):
    images = np.random.default_rng(8).normal(size=(len(labels),) + SHAPE)
    encoder = siamese.build_encoder(SHAPE, embedding_size=4)
    mined, sizes = [], []

    def mine(embeddings, batch_labels):
        mined.append(len(batch_labels))
        return reference.semi_hard_triplets(embeddings, batch_labels)

    def step(*args):
        sizes.append(len(args[2]))
        return reference.train_step(*args)

    siamese.train_triplets(encoder, images.astype(np.float32), labels, 5,
                           mining="semi-hard", people=3, images_per_person=3,
                           step_function=step, mining_function=mine,
                           warmup_steps=2, progress=False)
    assert mined == [9, 9, 9]            # steps 3 to 5 only
    assert sizes == [9] * 5              # 18 semi-hard pairs cut to 9
    with pytest.raises(ValueError, match="warmup_steps"):
        siamese.train_triplets(encoder, images, labels, 2, warmup_steps=3,
                               step_function=step)


def test_train_contrastive_lowers_the_loss(labels):
    rng = np.random.default_rng(9)
    centres = rng.normal(size=(6,) + SHAPE)
    images = (centres[labels] + 0.3 * rng.normal(size=(len(labels),) + SHAPE))
    encoder = siamese.build_encoder(SHAPE, embedding_size=4)
    losses = siamese.train_contrastive(
        encoder, images.astype(np.float32), labels, 30, people=3,
        images_per_person=3, learning_rate=0.01, progress=False)
    assert losses.shape == (30,)
    assert losses[-5:].mean() < losses[:5].mean()


def test_train_triplets_uses_the_functions_it_is_given(labels):
    images = np.random.default_rng(8).normal(size=(len(labels),) + SHAPE)
    encoder = siamese.build_encoder(SHAPE, embedding_size=4)
    mined, stepped = [], []

    def mine(embeddings, batch_labels):
        mined.append(len(batch_labels))
        return reference.hardest_triplets(embeddings, batch_labels)

    def step(*args):
        stepped.append(len(args[2]))
        return reference.train_step(*args)

    siamese.train_triplets(encoder, images.astype(np.float32), labels, 2,
                           mining="hard", people=3, images_per_person=2,
                           step_function=step, mining_function=mine,
                           progress=False)
    assert mined == [6, 6] and stepped == [6, 6]


def test_train_triplets_rejects_unknown_mining(labels):
    with pytest.raises(ValueError, match="mining"):
        siamese.train_triplets(None, None, labels, 1, mining="easy",
                               step_function=reference.train_step)


@pytest.mark.parametrize("mining, missing, message", [
    ("random", {"step_function": None}, "step_function=train_step"),
    ("hard", {"mining_function": None},
     "mining_function=hardest_triplets"),
    ("random", {"step_function": "train_step"}, "callable"),
])
def test_train_triplets_says_which_function_is_missing(labels, mining,
                                                        missing, message):
    functions = {"step_function": reference.train_step,
                 "mining_function": reference.hardest_triplets, **missing}
    with pytest.raises(ValueError, match=message):
        siamese.train_triplets(None, None, labels, 1, mining=mining,
                               **functions)


def test_verification_helpers():
    distances = np.array([0.1, 0.5, 0.9, 1.5])
    same = np.array([True, True, False, False])
    threshold = equal_error_threshold(distances, same)
    assert 0.5 < threshold <= 0.9  # same person iff d < threshold
    assert metrics.verification_accuracy(distances, same, threshold) == 1.0
    assert metrics.verification_accuracy(distances, same, 10.0) == 0.5
    with pytest.raises(ValueError, match="differ"):
        metrics.verification_accuracy(distances, same[:2], 0.5)


def test_verification_pairs_are_balanced(labels):
    first, second, same = siamese.verification_pairs(labels, 40, rng=0)
    assert same.sum() == 20 and len(same) == 40
    assert np.all((labels[first] == labels[second]) == same)


def test_draw_siamese_shows_three_faces():
    import matplotlib

    matplotlib.use("Agg")
    faces = np.random.default_rng(3).normal(size=(3,) + SHAPE)
    figure = siamese.draw_siamese(*faces)
    assert len(figure.axes[0].images) == 3
    matplotlib.pyplot.close(figure)


def test_project_2d_keeps_the_main_direction():
    rng = np.random.default_rng(8)
    line = np.outer(rng.normal(size=50), [3.0, 0.0, 4.0])
    points = siamese.project_2d(line + 0.01 * rng.normal(size=(50, 3)))
    assert points.shape == (50, 2)
    assert np.var(points[:, 0]) > 100 * np.var(points[:, 1])
    with pytest.raises(ValueError, match="project_2d"):
        siamese.project_2d(np.zeros(5))


# --- the public checks ----------------------------------------------------


def as_learner(source, name, **names):
    """Define ``source`` as if typed in a notebook; return ``name``."""
    namespace = {"__name__": "__main__", "np": np, "tf": tf, **names}
    exec(source, namespace)
    return namespace[name]


GOOD_LOSS = """
def triplet_loss(anchor, positive, negative, alpha=0.2, squared=True):
    d_ap = tf.reduce_sum(tf.square(anchor - positive), axis=-1)
    d_an = tf.reduce_sum(tf.square(anchor - negative), axis=-1)
    if not squared:
        d_ap = tf.sqrt(d_ap + 1e-12)
        d_an = tf.sqrt(d_an + 1e-12)
    return tf.reduce_mean(tf.maximum(d_ap - d_an + alpha, 0.0))
"""


def test_check_triplet_loss_accepts_a_correct_loss(capsys):
    checks.check_triplet_loss(as_learner(GOOD_LOSS, "triplet_loss"))
    assert "all public tests passed" in capsys.readouterr().out


@pytest.mark.parametrize("old, new, words", [
    ("axis=-1", "axis=0", "axis 0"),
    ("tf.reduce_sum(tf.square(anchor - positive), axis=-1)",
     "tf.norm(anchor - positive, axis=-1)", "SQUARED"),
    ("tf.square", "tf.abs", "absolute differences"),
    ("if not squared:", "if False:", "squared=False"),
    ("tf.sqrt(d_ap + 1e-12)", "tf.sqrt(d_ap)", "not finite"),
    ("+ alpha, 0.0", "+ 0.173, 0.0", "the alpha it is given"),
    ("tf.maximum(d_ap - d_an + alpha, 0.0)", "d_ap - d_an + alpha",
     "hinge"),
    ("+ alpha", "- alpha", "wrong sign"),
    ("tf.reduce_mean", "tf.reduce_sum", "grows with the batch"),
    ("d_ap - d_an", "d_an - d_ap", "swapped"),
])
def test_check_triplet_loss_names_the_mistake(old, new, words):
    source = GOOD_LOSS.replace(old, new)
    if old == "tf.reduce_sum(tf.square(anchor - positive), axis=-1)":
        source = source.replace(
            "tf.reduce_sum(tf.square(anchor - negative), axis=-1)",
            "tf.norm(anchor - negative, axis=-1)")
    assert source != GOOD_LOSS
    with pytest.raises(AssertionError, match=words):
        checks.check_triplet_loss(as_learner(source, "triplet_loss"))


def test_check_triplet_loss_wants_a_scalar_and_gradients():
    per_triplet = GOOD_LOSS.replace("tf.reduce_mean(", "(")
    with pytest.raises(AssertionError, match="one value per triplet"):
        checks.check_triplet_loss(as_learner(per_triplet, "triplet_loss"))

    numpy_loss = """
def triplet_loss(anchor, positive, negative, alpha=0.2, squared=True):
    a, p, n = (np.asarray(x) for x in (anchor, positive, negative))
    d_ap = np.sum((a - p) ** 2, axis=-1)
    d_an = np.sum((a - n) ** 2, axis=-1)
    if not squared:
        d_ap, d_an = np.sqrt(d_ap), np.sqrt(d_an)
    return np.mean(np.maximum(d_ap - d_an + alpha, 0.0))
"""
    with pytest.raises(AssertionError, match="No gradient"):
        checks.check_triplet_loss(as_learner(numpy_loss, "triplet_loss"))


def test_check_triplet_loss_rejects_the_reference():
    with pytest.raises(AssertionError, match="course module"):
        checks.check_triplet_loss(reference.triplet_loss)


MINE = """
def hardest_triplets(embeddings, labels):
    embeddings = np.asarray(embeddings, dtype=np.float64)
    distances = np.sum(
        (embeddings[:, None] - embeddings[None]) ** 2, axis=-1)
    same = labels[:, None] == labels[None]
    positive = same & ~np.eye(len(labels), dtype=bool)
    anchors = np.flatnonzero(positive.any(1) & (~same).any(1))
    far = np.argmax(np.where(positive, distances, -np.inf), 1)
    near = np.argmin(np.where(~same, distances, np.inf), 1)
    return anchors, far[anchors], near[anchors]
"""


def test_check_hardest_triplets_accepts_a_correct_miner(capsys):
    checks.check_hardest_triplets(as_learner(MINE, "hardest_triplets"))
    assert "all public tests passed" in capsys.readouterr().out


@pytest.mark.parametrize("old, new, words", [
    ("far = np.argmax(np.where(positive, distances, -np.inf), 1)",
     "far = np.argmin(np.where(positive, distances, np.inf), 1)",
     "CLOSEST positive"),
    ("near = np.argmin(np.where(~same, distances, np.inf), 1)",
     "near = np.argmax(np.where(~same, distances, -np.inf), 1)",
     "FARTHEST negative"),
    ("far = np.argmax(np.where(positive, distances, -np.inf), 1)",
     "far = np.argmin(np.where(same, distances, np.inf), 1)",
     "own positive"),
    ("np.flatnonzero(positive.any(1) & (~same).any(1))",
     "np.arange(len(labels))", "no positive"),
    ("return anchors, far[anchors], near[anchors]",
     "return anchors, far[anchors], distances[anchors, near[anchors]]",
     "integer indices"),
])
def test_check_hardest_triplets_names_mistakes(old, new, words):
    source = MINE.replace(old, new)
    assert source != MINE
    with pytest.raises(AssertionError, match=words):
        checks.check_hardest_triplets(as_learner(source, "hardest_triplets"))


STEP = """
def train_step(model, optimizer, anchors, positives, negatives, alpha=0.2,
               squared=True):
    with tf.GradientTape() as tape:
        loss = triplet_loss(model(anchors), model(positives),
                            model(negatives), alpha, squared)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss
"""


def learner_step(source):
    """A learner's train_step beside the learner's correct triplet_loss."""
    loss = as_learner(GOOD_LOSS, "triplet_loss")
    return as_learner(source, "train_step", triplet_loss=loss)


def test_check_train_step_accepts_a_correct_step(capsys):
    checks.check_train_step(learner_step(STEP))
    assert "all public tests passed" in capsys.readouterr().out


@pytest.mark.parametrize("old, new, words", [
    ("    with tf.GradientTape() as tape:\n"
     "        loss = triplet_loss(model(anchors), model(positives),\n"
     "                            model(negatives), alpha, squared)\n",
     "    embeddings = [model(x) for x in (anchors, positives, negatives)]\n"
     "    with tf.GradientTape() as tape:\n"
     "        loss = triplet_loss(*embeddings, alpha, squared)\n"
     "    if all(g is None for g in tape.gradient(\n"
     "            loss, model.trainable_variables)):\n"
     "        return loss\n"
     "    with tf.GradientTape() as tape:\n"
     "        loss = triplet_loss(*embeddings, alpha, squared)\n",
     "did not change"),
    ("zip(gradients,", "zip([-g for g in gradients],", "gradient ascent"),
    ("    return loss",
     "    return triplet_loss(model(anchors), model(positives),\n"
     "                        model(negatives), alpha, squared)",
     "AFTER the update"),
    ("model(negatives), alpha, squared)", "model(negatives), squared=squared)",
     "pass alpha"),
    ("model(negatives), alpha, squared)", "model(negatives), alpha)",
     "pass squared on"),
    ("model(negatives), alpha, squared)", "model(negatives), 0.37, squared)",
     "pass alpha and squared on"),
    ("    return loss", "    return loss * 2", "before the update is"),
])
def test_check_train_step_names_classic_mistakes(old, new, words):
    source = STEP.replace(old, new, 1)
    assert source != STEP
    with pytest.raises(AssertionError, match=words):
        checks.check_train_step(learner_step(source))


def test_check_train_step_wants_a_working_triplet_loss():
    wrong_loss = as_learner(GOOD_LOSS.replace("+ alpha", "- alpha"),
                            "triplet_loss")
    step = as_learner(STEP, "train_step", triplet_loss=wrong_loss)
    with pytest.raises(AssertionError, match="fix exercise 1 first"):
        checks.check_train_step(step)
