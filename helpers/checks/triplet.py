"""Public tests for notebook 03 (Siamese network and triplet loss)."""

import numpy as np

from helpers.checks.common import (
    assert_close,
    assert_own_function,
    assert_returned,
    expected_values,
    find_mistake,
    learner_check,
    passed,
    same_values,
    to_numpy,
)

ALPHA = 0.2

#: Messages for the known wrong versions (instructor/mistakes/triplet.py).
MESSAGES = {
    "triplet_loss": {
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
            "d(A, P) - d(A, N) + alpha for each triplet "
            "(tf.maximum(..., 0.0)) before averaging, so triplets that "
            "already satisfy the margin count as 0, not as a negative loss."
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
    },
    "hardest_triplets": {
        "closest positive": "You took the CLOSEST positive; ",
        "farthest negative": "You took the FARTHEST negative; ",
    },
    "semi_hard_triplets": {
        "fallback to the closest": (
            "When no negative is farther than the positive you fell back "
            "to the CLOSEST negative (the batch-hard one). The fallback is "
            "the FARTHEST negative, the least hard one: hard negatives "
            "early in training are what makes the encoder collapse."
        ),
        "no fallback": (
            "When no negative is farther than the positive your argmin ran "
            "over a row of +inf only and returned index 0. Fall back to the "
            "FARTHEST negative in that case."
        ),
        "at least as far": (
            "A negative exactly as far as the positive, d(A, N) = d(A, P), "
            "is not semi-hard: the rule is STRICTLY farther, "
            "d(A, N) > d(A, P) (use >, not >=). Image 8 is a copy of image "
            "2, so for anchor 0 and positive 2 it ties."
        ),
        "closest negative": (
            "You took the closest negative of all, the batch-hard one. "
            "Semi-hard mining takes the closest negative that is FARTHER "
            "than the positive, d(A, N) > d(A, P)."
        ),
        "farthest negative": (
            "You always took the FARTHEST negative (the easiest). Take the "
            "closest negative that is farther than the positive, and the "
            "farthest one only when no negative is farther."
        ),
    },
    "train_step": {
        "gradient ascent": (
            "The weights moved the wrong way (gradient ascent): give the "
            "optimizer the gradients themselves, not their negatives."
        ),
        "loss after the update": (
            "train_step returned the loss AFTER the update; return the "
            "loss computed inside the tape, before apply_gradients."
        ),
        "alpha not passed": (
            "train_step returned the loss for the default margin "
            "alpha=0.2, not for the alpha it was given: pass alpha on to "
            "triplet_loss."
        ),
    },
}


#: Hints for mistakes the checks recognise without stored results.
HINTS = {
    "one positive per anchor": (
        "You made one triplet per anchor. Semi-hard mining uses every "
        "positive of the anchor (all anchor-positive pairs, as "
        "FaceNet does), each with its own negative."
    ),
    "pairs dropped": (
        "The missing pairs are those with no negative farther than the "
        "positive: keep them and fall back to the farthest negative."
    ),
    "outside the tape": (
        "The optimizer got no gradient for any weight: the tape did not "
        "record how the loss depends on the model's weights. Call the "
        "model on the three batches INSIDE 'with tf.GradientTape() as "
        "tape:' (embeddings computed before the tape are constants to "
        "it), compute the loss there with TensorFlow operations, then "
        "call tape.gradient(loss, model.trainable_variables)."
    ),
}


def triplet_data():
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


@learner_check("triplet_loss")
def check_triplet_loss(triplet_loss):
    """Check the learner's ``triplet_loss`` with named classic mistakes."""
    import tensorflow as tf

    triplet_loss = assert_own_function(triplet_loss)
    cases = expected_values("triplet")["triplet_loss"]
    anchor, positive, negative = triplet_data()
    tensors = [tf.constant(value) for value in (anchor, positive, negative)]
    result = triplet_loss(*tensors, alpha=0.3)
    assert_returned(result, "triplet_loss")
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
    case = cases["alpha=0.3"]
    if not same_values(result, case["expected"], rtol=1e-4, atol=1e-5):
        mistake = find_mistake(result, case["mistakes"], rtol=1e-4,
                               atol=1e-5)
        if mistake:
            raise AssertionError(MESSAGES["triplet_loss"][mistake])
        raise AssertionError(
            "triplet_loss(anchor, positive, negative, alpha=0.3) returned "
            f"{float(result):.5f}, expected {case['expected']:.5f}."
        )

    default = to_numpy(triplet_loss(*tensors))
    assert_close(default, cases["alpha=0.2"]["expected"],
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


def mining_data():
    """Eight 4-D embeddings of four people; person 3 has a single image."""
    rng = np.random.default_rng(11)
    labels = np.array([0, 1, 0, 2, 1, 2, 3, 0])
    embeddings = rng.normal(size=(len(labels), 4)).astype(np.float32)
    return embeddings, labels


def tie_data():
    """Five 2-D points of two people where distances tie (hand-computed).

    Returns the embeddings, the labels and the batch-hard triplets with
    ties broken towards the smallest index.
    """
    embeddings = np.array([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0],
                           [0.0, 2.0], [0.0, -2.0]], dtype=np.float32)
    labels = np.array([0, 0, 0, 1, 1])
    # Anchor 0: positives 1 and 2 both at 1, negatives 3 and 4 both at 4.
    triplets = ([0, 1, 2, 3, 4], [1, 2, 1, 4, 3], [3, 3, 3, 0, 0])
    return embeddings, labels, triplets


def semi_hard_data():
    """Nine 4-D embeddings of four people, with a tie and far positives.

    Image 8 (person 1) is a copy of image 2 (person 0), so for anchor 0
    and positive 2 a negative lies exactly as far as the positive; image 7
    is far from everyone, so pairs with it have no negative farther than
    the positive (the fallback).
    """
    rng = np.random.default_rng(21)
    labels = np.array([0, 1, 0, 2, 1, 2, 3, 0, 1])
    embeddings = rng.normal(size=(len(labels), 4))
    embeddings[7] *= 4.0
    embeddings[8] = embeddings[2]
    return embeddings.astype(np.float32), labels


ROLES = ("anchors", "positives", "negatives")


def _as_index_arrays(result, name):
    """Return three 1-D int arrays from a learner's mining result."""
    assert_returned(result, name)
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise AssertionError(
            f"{name} must return three index arrays: "
            f"(anchors, positives, negatives); got {type(result).__name__}."
        )
    for role, part in zip(ROLES, result):
        if not isinstance(part, np.ndarray):
            raise AssertionError(
                f"{name} returned {role} as a {type(part).__name__}, not a "
                "NumPy array. The exercise asks for three integer NumPy "
                "arrays: build them with NumPy (np.flatnonzero, np.argmax, "
                "indexing) or convert with np.array(..., dtype=int)."
            )
    arrays = [part.reshape(-1) for part in result]
    for role, array in zip(ROLES, arrays):
        if array.size and not np.issubdtype(array.dtype, np.integer):
            raise AssertionError(
                f"{role} has dtype {array.dtype}; return integer indices "
                "(np.argmax / np.argmin give them), not distances."
            )
    if len({array.size for array in arrays}) != 1:
        raise AssertionError(
            "anchors, positives and negatives must have the same length, "
            f"got {[array.size for array in arrays]}."
        )
    return arrays


def _check_order(keys, labels, what, name):
    """Fail unless ``keys`` (anchors or anchor-positive pairs) increase."""
    if keys == sorted(keys):
        return
    anchors = [key[0] if isinstance(key, tuple) else key for key in keys]
    grouped = [labels[anchor] for anchor in anchors]
    hint = (" They are grouped by person: list them by image index, not "
            "person by person." if grouped == sorted(grouped) else "")
    raise AssertionError(
        f"{name} must list the {what} in increasing order; got "
        f"{keys}.{hint}"
    )


def _check_labels_of(anchor, positive, negative, labels):
    """Fail unless the positive shares the anchor's label and the negative
    does not."""
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


def _per_anchor(triplets, role):
    """Map each anchor of stored triplets to its positive or negative."""
    return dict(zip(triplets["anchors"], triplets[role]))


def _check_hardness(anchor, chosen, hardest, easy, role, hint):
    """Fail unless ``chosen`` is the hardest positive or negative."""
    if chosen == hardest:
        return
    rule = ("the FARTHEST image of the same person (largest distance)"
            if role == "positive" else
            "the CLOSEST image of another person (smallest distance)")
    raise AssertionError(
        f"Anchor {anchor}: the {role} is not the hardest one. "
        + (hint if chosen == easy else "")
        + f"batch-hard mining takes {rule}."
    )


def _check_lonely(function, name):
    """A batch of one person has no negative: three empty arrays."""
    embeddings, _ = mining_data()
    lonely = _as_index_arrays(function(embeddings[:3], np.array([5, 5, 5])),
                              name)
    if lonely[0].size != 0:
        raise AssertionError(
            "In a batch with a single person there is no negative, so there "
            "are no triplets: return three empty arrays."
        )


@learner_check("hardest_triplets")
def check_hardest_triplets(hardest_triplets):
    """Check the learner's batch-hard mining with named classic mistakes."""
    import tensorflow as tf

    name = "hardest_triplets"
    hardest_triplets = assert_own_function(hardest_triplets)
    case = expected_values("triplet")[name]["8 embeddings"]
    embeddings, labels = mining_data()
    result = hardest_triplets(tf.constant(embeddings), labels)
    anchors, positives, negatives = _as_index_arrays(result, name)

    expected_anchors = case["expected"]["anchors"]
    for anchor, positive in zip(anchors.tolist(), positives.tolist()):
        if anchor == positive:
            raise AssertionError(
                f"Anchor {anchor} was chosen as its own positive: exclude "
                "the diagonal (an image is not its own positive)."
            )
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
    _check_order(anchors.tolist(), labels, "anchors", name)
    hints = MESSAGES[name]
    closest = _per_anchor(case["mistakes"]["closest positive"], "positives")
    farthest = _per_anchor(case["mistakes"]["farthest negative"],
                           "negatives")
    for anchor, positive, negative in zip(anchors, positives, negatives):
        _check_labels_of(anchor, positive, negative, labels)
        _check_hardness(anchor, positive,
                        _per_anchor(case["expected"], "positives")[anchor],
                        closest[anchor], "positive",
                        hints["closest positive"])
        _check_hardness(anchor, negative,
                        _per_anchor(case["expected"], "negatives")[anchor],
                        farthest[anchor], "negative",
                        hints["farthest negative"])

    tied, tied_labels, want = tie_data()
    got = _as_index_arrays(hardest_triplets(tied, tied_labels), name)
    for role, mine, right in zip(ROLES, got, want):
        if mine.tolist() != right:
            raise AssertionError(
                f"With ties the {role} differ: anchor 0 has two positives "
                "at the same distance (images 1 and 2) and two negatives at "
                "the same distance (images 3 and 4). On a tie take the "
                "SMALLEST index, as np.argmax and np.argmin do; expected "
                f"{role} {right}, got {mine.tolist()}."
            )
    _check_lonely(hardest_triplets, name)
    passed(name)


@learner_check("semi_hard_triplets")
def check_semi_hard_triplets(semi_hard_triplets):
    """Check the learner's semi-hard mining with named classic mistakes."""
    import tensorflow as tf

    name = "semi_hard_triplets"
    semi_hard_triplets = assert_own_function(semi_hard_triplets)
    case = expected_values("triplet")[name]["9 embeddings"]
    embeddings, labels = semi_hard_data()
    result = semi_hard_triplets(tf.constant(embeddings), labels)
    anchors, positives, negatives = _as_index_arrays(result, name)
    expected = case["expected"]
    mistake = find_mistake(
        np.array([anchors, positives, negatives]),
        {wrong: [value[role] for role in ROLES]
         for wrong, value in case.get("mistakes", {}).items()
         if len(value["anchors"]) == len(anchors)}, rtol=0.0, atol=0.0)
    if mistake:
        raise AssertionError(MESSAGES[name][mistake])

    pairs = list(zip(anchors.tolist(), positives.tolist()))
    want = list(zip(expected["anchors"], expected["positives"]))
    for anchor, positive in pairs:
        if anchor == positive:
            raise AssertionError(
                f"Image {anchor} was used as its own positive: exclude the "
                "diagonal (an image is not its own positive)."
            )
    if 6 in anchors.tolist():
        raise AssertionError(
            "Image 6 is the only image of its person, so it has no positive "
            "and must not be an anchor."
        )
    if sorted(pairs) != sorted(want):
        missing = sorted(set(want) - set(pairs))
        hint = ""
        if len(set(anchors.tolist())) == len(anchors) == len(
                set(expected["anchors"])):
            hint = HINTS["one positive per anchor"]
        elif missing and all(7 in pair for pair in missing):
            hint = HINTS["pairs dropped"]
        raise AssertionError(
            "semi_hard_triplets must give one triplet for EVERY "
            "(anchor, positive) pair of two different images of one person "
            f"whose anchor has a negative in the batch: {len(want)} pairs "
            f"here, got {len(pairs)}; missing {missing[:4]}"
            f"{'...' if len(missing) > 4 else ''}. {hint}"
        )
    _check_order(pairs, labels, "(anchor, positive) pairs", name)
    right = dict(zip(want, expected["negatives"]))
    for (anchor, positive), negative in zip(pairs, negatives.tolist()):
        _check_labels_of(anchor, positive, negative, labels)
        if negative != right[(anchor, positive)]:
            raise AssertionError(
                f"For anchor {anchor} and positive {positive} the negative "
                f"should be image {right[(anchor, positive)]}, got "
                f"{negative}: the closest image of another person that is "
                "strictly farther from the anchor than the positive, or, "
                "when there is none, the farthest image of another person."
            )
    _check_lonely(semi_hard_triplets, name)
    passed(name)


def tiny_model(seed):
    """A small dense encoder (6 -> 4) whose weights depend only on seed."""
    import keras

    model = keras.Sequential([
        keras.Input(shape=(6,)),
        keras.layers.Dense(4, kernel_initializer="zeros"),
    ])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.uniform(-0.75, 0.75, size=(6, 4)),
                       rng.uniform(-0.1, 0.1, size=4)])
    return model


def step_data():
    """Return the fixed anchors, positives and negatives, shaped (5, 6)."""
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
    expected = expected_values("triplet")["triplet_loss"]["alpha=0.3"]
    try:
        value = to_numpy(assert_own_function(learner_loss)(
            *triplet_data(), 0.3))
    except Exception:  # noqa: BLE001 - any failure means it is not ready
        return False
    return value.shape == () and same_values(value, expected["expected"],
                                             rtol=1e-4, atol=1e-5)


def _same_weights(weights, expected, atol):
    """Return True when each weight array matches the stored one."""
    return len(weights) == len(expected) and all(
        same_values(w, e, rtol=0.0, atol=atol)
        for w, e in zip(weights, expected))


@learner_check("train_step")
def check_train_step(train_step):
    """Check the learner's ``train_step`` against one reference SGD step."""
    import keras

    learner_function = getattr(train_step, "function", train_step)
    train_step = assert_own_function(train_step)
    if not _learner_loss_is_right(learner_function):
        raise AssertionError(
            "train_step uses your triplet_loss, which does not pass its "
            "tests yet: fix exercise 1 first."
        )
    case = expected_values("triplet")["train_step"]["SGD(0.1), alpha=0.5"]
    anchors, positives, negatives = step_data()
    model = tiny_model(1)
    start = [weight.copy() for weight in model.get_weights()]
    try:
        loss = train_step(model, keras.optimizers.SGD(0.1), anchors,
                          positives, negatives, 0.5)
    except ValueError as error:
        if "No gradients provided" not in str(error):
            raise
        raise AssertionError(
            f"Your train_step raised ValueError: {error}\n"
            + HINTS["outside the tape"]
        ) from error
    assert_returned(loss, "train_step")
    loss = to_numpy(loss)
    if loss.shape != ():
        raise AssertionError(
            f"train_step returned shape {loss.shape}; return the scalar "
            "triplet loss of the batch."
        )
    learned = model.get_weights()
    mistakes = case["mistakes"]
    before = case["expected"]["loss"]
    if _same_weights(learned, start, atol=1e-8) and not np.isclose(
            loss, before, rtol=1e-4, atol=1e-6):
        raise AssertionError(
            f"The weights did not change and train_step returned the loss "
            f"{float(loss):.5f}, but triplet_loss(model(anchors), "
            f"model(positives), model(negatives), alpha) is {before:.5f} "
            "before the update: check which batch goes into which argument "
            "of triplet_loss and that alpha is passed on."
        )
    if _same_weights(learned, start, atol=1e-8):
        raise AssertionError(
            "The weights did not change. Compute the three embeddings and "
            "the loss INSIDE 'with tf.GradientTape() as tape:', then call "
            "tape.gradient(loss, model.trainable_variables) and "
            "optimizer.apply_gradients(zip(gradients, "
            "model.trainable_variables))."
        )
    if _same_weights(learned, mistakes["gradient ascent"]["weights"],
                     atol=1e-6):
        raise AssertionError(MESSAGES["train_step"]["gradient ascent"])
    if not _same_weights(learned, case["expected"]["weights"], atol=1e-5):
        raise AssertionError(
            "The weights after one step differ from one optimizer step on "
            "triplet_loss(model(anchors), model(positives), "
            "model(negatives), alpha). Use the same model (shared weights) "
            "for all three inputs and pass alpha on to triplet_loss."
        )
    if not np.isclose(loss, before, rtol=1e-4, atol=1e-6):
        for mistake in ("loss after the update", "alpha not passed"):
            if np.isclose(loss, mistakes[mistake]["loss"], rtol=1e-4,
                          atol=1e-6):
                raise AssertionError(MESSAGES["train_step"][mistake])
        raise AssertionError(
            f"train_step returned {float(loss):.5f}; the triplet loss of the "
            f"batch before the update is {before:.5f}."
        )
    passed("train_step")
