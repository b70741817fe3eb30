"""Public tests for notebook 03 (Siamese network and triplet loss).

The checks hold no answers: the inputs, the expected values and the
signatures and messages of recognised mistakes come from
``expected/nb03_siamese_triplet.json`` (written by ``python -m
instructor.exercises`` from ``instructor/exercises/nb03_siamese_triplet.py``).
The tiny encoder train_step is checked on is in
:mod:`helpers.checks.nb03_siamese_triplet_models`.
"""

import numpy as np

from helpers.checks.common import (
    assert_close,
    assert_own_function,
    assert_returned,
    find_mistake,
    learner_check,
    passed,
    same_values,
    shipped_cases,
    to_numpy,
)
from helpers.checks.nb03_siamese_triplet_indices import (
    ROLES,
    as_index_arrays,
    check_hardness,
    check_labels_of,
    check_lonely,
    check_no_anchor_alone,
    check_order,
    per_anchor,
)
from helpers.checks.nb03_siamese_triplet_models import (
    step_result,
    tiny_model,
)


def _tensors(arrays):
    """The arrays as TensorFlow constants."""
    import tensorflow as tf

    return [tf.constant(array) for array in arrays]


@learner_check("triplet_loss")
def check_triplet_loss(triplet_loss):
    """Check the learner's ``triplet_loss`` with named classic mistakes."""
    import tensorflow as tf

    triplet_loss = assert_own_function(triplet_loss)
    cases = shipped_cases(__name__, "triplet_loss")
    *arrays, alpha = cases.inputs("alpha=0.3")
    anchor = arrays[0]
    tensors = _tensors(arrays)
    result = triplet_loss(*tensors, alpha=alpha)
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
    expected = cases.expected("alpha=0.3")
    cases.check(result, "alpha=0.3",
                "triplet_loss(anchor, positive, negative, alpha=0.3) "
                f"returned {float(result):.5f}, expected {expected:.5f}.",
                rtol=1e-4, atol=1e-5)

    default = to_numpy(triplet_loss(*tensors))
    assert_close(default, cases.expected("alpha=0.2"),
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


# --- mining ------------------------------------------------------------------


def _mistaken(cases, case, role):
    """Map each anchor to its ``role`` in every recognised mistake."""
    return {name: per_anchor(value, role)
            for name, value in cases[case].get("mistakes", {}).items()}


@learner_check("hardest_triplets")
def check_hardest_triplets(hardest_triplets):
    """Check the learner's batch-hard mining with named classic mistakes."""
    name = "hardest_triplets"
    hardest_triplets = assert_own_function(hardest_triplets)
    cases = shipped_cases(__name__, name)
    case = "8 embeddings"
    embeddings, labels = cases.inputs(case)
    result = hardest_triplets(*_tensors([embeddings]), labels)
    anchors, positives, negatives = as_index_arrays(result, name)

    expected = cases.expected(case)
    check_no_anchor_alone(anchors, positives)
    if sorted(anchors.tolist()) != expected["anchors"]:
        raise AssertionError(
            f"The anchors should be every image that has another image of "
            f"the same person in the batch: {expected['anchors']}, each "
            f"once; got {sorted(anchors.tolist())}."
        )
    check_order(anchors.tolist(), labels, "anchors", name)
    closest = _mistaken(cases, case, "positives")["closest positive"]
    farthest = _mistaken(cases, case, "negatives")["farthest negative"]
    for anchor, positive, negative in zip(anchors, positives, negatives):
        check_labels_of(anchor, positive, negative, labels)
        check_hardness(anchor, positive,
                        per_anchor(expected, "positives")[anchor],
                        closest[anchor], "positive",
                        cases.messages["closest positive"])
        check_hardness(anchor, negative,
                        per_anchor(expected, "negatives")[anchor],
                        farthest[anchor], "negative",
                        cases.messages["farthest negative"])

    tied = "5 tied points"
    got = as_index_arrays(hardest_triplets(*cases.inputs(tied)), name)
    for role, mine in zip(ROLES, got):
        right = cases.expected(tied)[role]
        if mine.tolist() != right:
            raise AssertionError(
                f"With ties the {role} differ: anchor 0 has two positives "
                "at the same distance (images 1 and 2) and two negatives at "
                "the same distance (images 3 and 4). On a tie take the "
                "SMALLEST index, as np.argmax and np.argmin do; expected "
                f"{role} {right}, got {mine.tolist()}."
            )
    check_lonely(hardest_triplets, embeddings, name)
    passed(name)


def _missing_pairs_hint(anchors, expected, missing):
    """Say why pairs are missing, where the reason shows."""
    if len(set(anchors.tolist())) == len(anchors) == len(
            set(expected["anchors"])):
        return ("You made one triplet per anchor. Semi-hard mining uses "
                "every positive of the anchor (all anchor-positive pairs, "
                "as FaceNet does), each with its own negative.")
    if missing and all(7 in pair for pair in missing):
        return ("The missing pairs are those with no negative farther than "
                "the positive: keep them and fall back to the farthest "
                "negative.")
    return ""


@learner_check("semi_hard_triplets")
def check_semi_hard_triplets(semi_hard_triplets):
    """Check the learner's semi-hard mining with named classic mistakes."""
    name = "semi_hard_triplets"
    semi_hard_triplets = assert_own_function(semi_hard_triplets)
    cases = shipped_cases(__name__, name)
    case = "9 embeddings"
    embeddings, labels = cases.inputs(case)
    result = semi_hard_triplets(*_tensors([embeddings]), labels)
    anchors, positives, negatives = as_index_arrays(result, name)
    expected = cases.expected(case)
    mistake = find_mistake(
        np.array([anchors, positives, negatives]),
        {wrong: [value[role] for role in ROLES]
         for wrong, value in cases[case].get("mistakes", {}).items()
         if len(value["anchors"]) == len(anchors)}, rtol=0.0, atol=0.0)
    if mistake:
        raise AssertionError(cases.messages[mistake])

    pairs = list(zip(anchors.tolist(), positives.tolist()))
    want = list(zip(expected["anchors"], expected["positives"]))
    check_no_anchor_alone(anchors, positives, own="Image {} was used")
    if sorted(pairs) != sorted(want):
        missing = sorted(set(want) - set(pairs))
        raise AssertionError(
            "semi_hard_triplets must give one triplet for EVERY "
            "(anchor, positive) pair of two different images of one person "
            f"whose anchor has a negative in the batch: {len(want)} pairs "
            f"here, got {len(pairs)}; missing {missing[:4]}"
            f"{'...' if len(missing) > 4 else ''}. "
            + _missing_pairs_hint(anchors, expected, missing)
        )
    check_order(pairs, labels, "(anchor, positive) pairs", name)
    right = dict(zip(want, expected["negatives"]))
    for (anchor, positive), negative in zip(pairs, negatives.tolist()):
        check_labels_of(anchor, positive, negative, labels)
        if negative != right[(anchor, positive)]:
            raise AssertionError(
                f"For anchor {anchor} and positive {positive} the negative "
                f"should be image {right[(anchor, positive)]}, got "
                f"{negative}: the closest image of another person that is "
                "strictly farther from the anchor than the positive, or, "
                "when there is none, the farthest image of another person."
            )
    check_lonely(semi_hard_triplets, embeddings, name)
    passed(name)


# --- train_step --------------------------------------------------------------


def _learner_loss_is_right(train_step):
    """Return False when the notebook's own triplet_loss is wrong."""
    learner_loss = train_step.__globals__.get("triplet_loss")
    if learner_loss is None:
        return True
    cases = shipped_cases(__name__, "triplet_loss")
    try:
        value = to_numpy(assert_own_function(learner_loss)(
            *cases.inputs("alpha=0.3")))
    except Exception:  # noqa: BLE001 - any failure means it is not ready
        return False
    return value.shape == () and same_values(
        value, cases.expected("alpha=0.3"), rtol=1e-4, atol=1e-5)


def _same_weights(weights, expected, atol):
    """Return True when each weight array matches the stored one."""
    return len(weights) == len(expected) and all(
        same_values(w, e, rtol=0.0, atol=atol)
        for w, e in zip(weights, expected))


def _stepped(train_step, model):
    """One step of the learner's ``train_step``; name a missing tape."""
    try:
        return step_result(train_step, model)
    except ValueError as error:
        if "No gradients provided" not in str(error):
            raise
        raise AssertionError(
            f"Your train_step raised ValueError: {error}\n"
            "The optimizer got no gradient for any weight: the tape did not "
            "record how the loss depends on the model's weights. Call the "
            "model on the three batches INSIDE 'with tf.GradientTape() as "
            "tape:' (embeddings computed before the tape are constants to "
            "it), compute the loss there with TensorFlow operations, then "
            "call tape.gradient(loss, model.trainable_variables)."
        ) from error


@learner_check("train_step")
def check_train_step(train_step):
    """Check the learner's ``train_step`` against one reference SGD step."""
    learner_function = getattr(train_step, "function", train_step)
    train_step = assert_own_function(train_step)
    if not _learner_loss_is_right(learner_function):
        raise AssertionError(
            "train_step uses your triplet_loss, which does not pass its "
            "tests yet: fix exercise 1 first."
        )
    cases = shipped_cases(__name__, "train_step")
    case = "SGD(0.1), alpha=0.5"
    model = tiny_model()
    start = [weight.copy() for weight in model.get_weights()]
    stepped = _stepped(train_step, model)
    loss = to_numpy(assert_returned(stepped["loss"], "train_step"))
    if loss.shape != ():
        raise AssertionError(
            f"train_step returned shape {loss.shape}; return the scalar "
            "triplet loss of the batch."
        )
    learned = stepped["weights"]
    mistakes, messages = cases[case].get("mistakes", {}), cases.messages
    expected = cases.expected(case)
    before = expected["loss"]
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
        raise AssertionError(messages["gradient ascent"])
    if not _same_weights(learned, expected["weights"], atol=1e-5):
        raise AssertionError(
            "The weights after one step differ from one optimizer step on "
            "triplet_loss(model(anchors), model(positives), "
            "model(negatives), alpha). Use the same model (shared weights) "
            "for all three inputs and pass alpha on to triplet_loss."
        )
    if not np.isclose(loss, before, rtol=1e-4, atol=1e-6):
        for mistake in ("loss after the update", "alpha not passed on"):
            if np.isclose(loss, mistakes[mistake]["loss"], rtol=1e-4,
                          atol=1e-6):
                raise AssertionError(messages[mistake])
        raise AssertionError(
            f"train_step returned {float(loss):.5f}; the triplet loss of the "
            f"batch before the update is {before:.5f}."
        )
    passed("train_step")
