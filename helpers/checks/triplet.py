"""Public tests for notebook 03 (Siamese network and triplet loss)."""

import numpy as np

from helpers.checks.common import (
    assert_close,
    assert_own_function,
    passed,
    to_numpy,
)

ALPHA = 0.2


def _numpy_triplet_loss(anchor, positive, negative, alpha, mistake=None):
    """The triplet loss in NumPy, or one of its classic wrong versions."""
    axis = 0 if mistake == "axis 0" else -1
    if mistake == "no square":
        d_ap = np.sqrt(np.sum((anchor - positive) ** 2, axis=axis))
        d_an = np.sqrt(np.sum((anchor - negative) ** 2, axis=axis))
    elif mistake == "absolute":
        d_ap = np.sum(np.abs(anchor - positive), axis=axis)
        d_an = np.sum(np.abs(anchor - negative), axis=axis)
    else:
        d_ap = np.sum((anchor - positive) ** 2, axis=axis)
        d_an = np.sum((anchor - negative) ** 2, axis=axis)
    if mistake == "swapped":
        d_ap, d_an = d_an, d_ap
    margin = -alpha if mistake == "alpha sign" else alpha
    per_triplet = d_ap - d_an + margin
    if mistake != "no hinge":
        per_triplet = np.maximum(per_triplet, 0.0)
    if mistake == "sum over batch":
        return np.sum(per_triplet)
    return np.mean(per_triplet)


TRIPLET_MISTAKES = {
    "axis 0": (
        "You summed the squared differences over axis 0, the batch. Sum "
        "over the LAST axis (axis=-1), the embedding coordinates, so that "
        "each triplet gets its own distance."
    ),
    "no square": (
        "You used the plain distance ||a - p||. The triplet loss uses the "
        "SQUARED distance: sum of (a - p)**2 without a square root."
    ),
    "absolute": (
        "You summed absolute differences |a - p|. Square the differences: "
        "the loss uses squared L2 distances."
    ),
    "no hinge": (
        "You forgot the hinge: take the maximum with 0 of "
        "d(A, P) - d(A, N) + alpha for each triplet (tf.maximum(..., 0.0)) "
        "before averaging, so triplets that already satisfy the margin "
        "count as 0, not as a negative loss."
    ),
    "alpha sign": (
        "The margin has the wrong sign: the loss is "
        "max(d(A, P) - d(A, N) + alpha, 0), i.e. we want "
        "d(A, P) + alpha <= d(A, N)."
    ),
    "sum over batch": (
        "You summed over the batch. Take the MEAN over the triplets "
        "(tf.reduce_mean) so the loss does not grow with the batch size."
    ),
    "swapped": (
        "Positive and negative distances are swapped: the loss should be "
        "large when the anchor is FAR from the positive and CLOSE to the "
        "negative."
    ),
}


def _triplet_data():
    """Embeddings (5 triplets of size 3) where every classic mistake shows."""
    rng = np.random.default_rng(3)
    anchor = rng.normal(size=(5, 3))
    # Squared distances d(A, P) and d(A, N) of each triplet: two hard,
    # one easy (hinge 0), one inside the margin, one clearly violated.
    d_ap = np.array([1.5, 0.6, 0.2, 1.2, 0.8])
    d_an = np.array([0.5, 0.7, 2.5, 0.4, 1.0])
    directions = rng.normal(size=(2, 5, 3))
    directions /= np.linalg.norm(directions, axis=-1, keepdims=True)
    positive = anchor + np.sqrt(d_ap)[:, np.newaxis] * directions[0]
    negative = anchor + np.sqrt(d_an)[:, np.newaxis] * directions[1]
    return tuple(value.astype(np.float32)
                 for value in (anchor, positive, negative))


def _diagnose(result, expected, variants, messages, what):
    """Raise an AssertionError naming the mistake ``result`` matches."""
    if np.allclose(result, expected, rtol=1e-4, atol=1e-5):
        return
    for mistake, value in variants.items():
        if np.allclose(result, value, rtol=1e-4, atol=1e-5):
            raise AssertionError(messages[mistake])
    raise AssertionError(
        f"{what} returned {float(result):.5f}, expected {float(expected):.5f}."
    )


def check_triplet_loss(triplet_loss):
    """Check the learner's ``triplet_loss`` with named classic mistakes."""
    import tensorflow as tf

    from helpers.faces import losses

    assert_own_function(triplet_loss, losses.triplet_loss)
    anchor, positive, negative = _triplet_data()
    tensors = [tf.constant(value) for value in (anchor, positive, negative)]
    result = triplet_loss(*tensors, alpha=0.3)
    if result is None:
        raise AssertionError("triplet_loss returned None: return the loss.")
    result = to_numpy(result)
    if result.shape != ():
        hint = ""
        if result.shape == (5,):
            hint = (" It has one value per triplet: take the mean over the "
                    "batch (tf.reduce_mean).")
        elif result.shape == (3,):
            hint = (" It has one value per embedding coordinate: sum the "
                    "squared differences over axis=-1, not axis 0.")
        raise AssertionError(
            f"For 5 triplets of 3-D embeddings triplet_loss returned shape "
            f"{result.shape}; it must return one number (shape ()).{hint}"
        )
    expected = _numpy_triplet_loss(anchor, positive, negative, 0.3)
    variants = {mistake: _numpy_triplet_loss(anchor, positive, negative, 0.3,
                                             mistake)
                for mistake in TRIPLET_MISTAKES}
    _diagnose(result, expected, variants, TRIPLET_MISTAKES,
              "triplet_loss(anchor, positive, negative, alpha=0.3)")

    default = to_numpy(triplet_loss(*tensors))
    assert_close(default, _numpy_triplet_loss(anchor, positive, negative,
                                              ALPHA),
                 what="triplet_loss without alpha", rtol=1e-4, atol=1e-5,
                 hint="The default margin should be alpha=0.2.")

    far = anchor + 5.0
    easy = to_numpy(triplet_loss(tensors[0], tensors[0], tf.constant(far)))
    if not np.isclose(easy, 0.0, atol=1e-6):
        raise AssertionError(
            "When every negative is far beyond the margin the loss must be "
            f"exactly 0, got {float(easy):.4f}: use max(..., 0)."
        )

    variable = tf.Variable(anchor)
    with tf.GradientTape() as tape:
        loss = triplet_loss(variable, tensors[1], tensors[2])
    gradient = tape.gradient(loss, variable) if tf.is_tensor(loss) else None
    if gradient is None:
        raise AssertionError(
            "No gradient flows through triplet_loss. Use TensorFlow "
            "operations (tf.reduce_sum, tf.square, tf.maximum, "
            "tf.reduce_mean), not NumPy, so the network can be trained."
        )
    passed("triplet_loss")


def _mining_data():
    """Seven 4-D embeddings of four people; person 3 has a single image."""
    rng = np.random.default_rng(11)
    labels = np.array([0, 1, 0, 2, 1, 2, 3, 0])
    embeddings = rng.normal(size=(len(labels), 4)).astype(np.float32)
    return embeddings, labels


def _as_index_arrays(result):
    """Return three 1-D int arrays from a learner's mining result."""
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise AssertionError(
            "hardest_triplets must return three index arrays: "
            "(anchors, positives, negatives)."
        )
    arrays = [to_numpy(part).reshape(-1) for part in result]
    for name, array in zip(("anchors", "positives", "negatives"), arrays):
        if array.size and not np.issubdtype(array.dtype, np.integer):
            raise AssertionError(
                f"{name} has dtype {array.dtype}; return integer indices "
                "(np.argmax / np.argmin give them), not distances."
            )
    if len({array.size for array in arrays}) != 1:
        raise AssertionError(
            "anchors, positives and negatives must have the same length, "
            f"got {[array.size for array in arrays]}."
        )
    return arrays


def check_hardest_triplets(hardest_triplets):
    """Check the learner's batch-hard mining with named classic mistakes."""
    import tensorflow as tf

    from helpers.faces import siamese

    assert_own_function(hardest_triplets, siamese.hardest_triplets)
    embeddings, labels = _mining_data()
    result = hardest_triplets(tf.constant(embeddings), labels)
    anchors, positives, negatives = _as_index_arrays(result)
    distances = siamese.squared_distance_matrix(embeddings)

    expected_anchors = [0, 1, 2, 3, 4, 5, 7]
    if 6 in anchors.tolist():
        raise AssertionError(
            "Image 6 is the only image of its person, so it has no positive "
            "and must not be an anchor."
        )
    if sorted(anchors.tolist()) != expected_anchors:
        raise AssertionError(
            f"The anchors should be every image that has another image of "
            f"the same person in the batch: {expected_anchors}, each once; "
            f"got {sorted(anchors.tolist())}."
        )
    for anchor, positive, negative in zip(anchors, positives, negatives):
        if positive == anchor:
            raise AssertionError(
                f"Anchor {anchor} was chosen as its own positive: exclude "
                "the diagonal (an image is not its own positive)."
            )
        if labels[positive] != labels[anchor]:
            raise AssertionError(
                f"The positive {positive} of anchor {anchor} shows another "
                "person: positives must have the anchor's label."
            )
        if labels[negative] == labels[anchor]:
            raise AssertionError(
                f"The negative {negative} of anchor {anchor} shows the same "
                "person: negatives must have a different label."
            )
        same = (labels == labels[anchor]) & (np.arange(len(labels)) != anchor)
        other = labels != labels[anchor]
        if not np.isclose(distances[anchor, positive],
                          distances[anchor, same].max()):
            easiest = np.isclose(distances[anchor, positive],
                                 distances[anchor, same].min())
            raise AssertionError(
                f"Anchor {anchor}: the positive is not the hardest one. "
                + ("You took the CLOSEST positive; " if easiest else "")
                + "batch-hard mining takes the FARTHEST image of the same "
                "person (largest distance)."
            )
        if not np.isclose(distances[anchor, negative],
                          distances[anchor, other].min()):
            easiest = np.isclose(distances[anchor, negative],
                                 distances[anchor, other].max())
            raise AssertionError(
                f"Anchor {anchor}: the negative is not the hardest one. "
                + ("You took the FARTHEST negative; " if easiest else "")
                + "batch-hard mining takes the CLOSEST image of another "
                "person (smallest distance)."
            )

    lonely = hardest_triplets(embeddings[:3], np.array([5, 5, 5]))
    if _as_index_arrays(lonely)[0].size != 0:
        raise AssertionError(
            "In a batch with a single person there is no negative, so there "
            "are no triplets: return three empty arrays."
        )
    passed("hardest_triplets")


def _tiny_model(seed):
    """A small dense encoder whose weights depend only on ``seed``."""
    import keras

    return keras.Sequential([
        keras.Input(shape=(6,)),
        keras.layers.Dense(
            4, kernel_initializer=keras.initializers.GlorotUniform(seed),
            bias_initializer="zeros"),
    ])


def _step_data():
    rng = np.random.default_rng(5)
    anchors = rng.normal(size=(5, 6)).astype(np.float32)
    positives = (anchors + rng.normal(size=(5, 6))).astype(np.float32)
    negatives = (anchors + 0.5 * rng.normal(size=(5, 6))).astype(np.float32)
    return anchors, positives, negatives


def _learner_loss_is_right(train_step):
    """Return False when the notebook's own triplet_loss is wrong."""
    learner_loss = train_step.__globals__.get("triplet_loss")
    if learner_loss is None:
        return True
    anchor, positive, negative = _triplet_data()
    try:
        value = to_numpy(learner_loss(anchor, positive, negative, 0.3))
    except Exception:  # noqa: BLE001 - any failure means it is not ready
        return False
    expected = _numpy_triplet_loss(anchor, positive, negative, 0.3)
    return value.shape == () and np.allclose(value, expected, rtol=1e-4,
                                             atol=1e-5)


def check_train_step(train_step):
    """Check the learner's ``train_step`` against one reference SGD step."""
    import keras

    from helpers.faces import siamese
    from helpers.faces.losses import triplet_loss

    assert_own_function(train_step, siamese.train_step)
    if not _learner_loss_is_right(train_step):
        raise AssertionError(
            "train_step uses your triplet_loss, which does not pass its "
            "tests yet: fix exercise 1 first."
        )
    anchors, positives, negatives = _step_data()
    alpha = 0.5
    learner_model, reference_model = _tiny_model(1), _tiny_model(1)
    start = [weight.copy() for weight in learner_model.get_weights()]
    before = to_numpy(triplet_loss(
        learner_model(anchors), learner_model(positives),
        learner_model(negatives), alpha))

    loss = train_step(learner_model, keras.optimizers.SGD(0.1), anchors,
                      positives, negatives, alpha)
    siamese.train_step(reference_model, keras.optimizers.SGD(0.1), anchors,
                       positives, negatives, alpha)
    if loss is None:
        raise AssertionError("train_step returned None: return the loss.")
    loss = to_numpy(loss)
    if loss.shape != ():
        raise AssertionError(
            f"train_step returned shape {loss.shape}; return the scalar "
            "triplet loss of the batch."
        )
    after = to_numpy(triplet_loss(
        learner_model(anchors), learner_model(positives),
        learner_model(negatives), alpha))

    learned = learner_model.get_weights()
    expected = reference_model.get_weights()
    if all(np.allclose(w, s) for w, s in zip(learned, start)):
        raise AssertionError(
            "The weights did not change. Compute the three embeddings and "
            "the loss INSIDE 'with tf.GradientTape() as tape:', then call "
            "tape.gradient(loss, model.trainable_variables) and "
            "optimizer.apply_gradients(zip(gradients, "
            "model.trainable_variables))."
        )
    if all(np.allclose(w - s, -(e - s), atol=1e-6)
           for w, s, e in zip(learned, start, expected)):
        raise AssertionError(
            "The weights moved the wrong way (gradient ascent): give the "
            "optimizer the gradients themselves, not their negatives."
        )
    if not all(np.allclose(w, e, atol=1e-5) for w, e in zip(learned, expected)):
        raise AssertionError(
            "The weights after one step differ from one optimizer step on "
            "triplet_loss(model(anchors), model(positives), "
            "model(negatives), alpha). Use the same model (shared weights) "
            "for all three inputs and pass alpha on to triplet_loss."
        )
    if not np.isclose(loss, before, rtol=1e-4, atol=1e-6):
        if np.isclose(loss, after, rtol=1e-4, atol=1e-6):
            raise AssertionError(
                "train_step returned the loss AFTER the update; return the "
                "loss computed inside the tape, before apply_gradients."
            )
        raise AssertionError(
            f"train_step returned {float(loss):.5f}; the triplet loss of the "
            f"batch before the update is {float(before):.5f}."
        )
    passed("train_step")
