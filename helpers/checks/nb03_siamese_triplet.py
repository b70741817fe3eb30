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
    plain_step_result,
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
    case = "alpha=0.173"
    *arrays, alpha = cases.inputs(case)
    anchor = arrays[0]
    tensors = _tensors(arrays)
    result = triplet_loss(*tensors, alpha=alpha)
    assert_returned(result, "triplet_loss")
    result = to_numpy(result)
    if result.shape != ():
        hint = ""
        if result.shape == (5,):
            hint = (" It has one value per triplet: reduce the batch to "
                    "one number.")
        elif result.shape == (3,):
            hint = (" It has one value per embedding coordinate: a "
                    "distance belongs to one triplet, not to one "
                    "coordinate.")
        raise AssertionError(
            f"For 5 triplets of 3-D embeddings triplet_loss returned shape "
            f"{result.shape}; it must return one number (shape ()).{hint}"
        )
    expected = cases.expected(case)
    cases.check(result, case,
                f"triplet_loss(anchor, positive, negative, alpha={alpha}) "
                f"returned {float(result):.5f}, expected {expected:.5f}.",
                rtol=1e-4, atol=1e-5)

    plain = "alpha=0.173, plain"
    value = to_numpy(triplet_loss(*tensors, alpha=alpha, squared=False))
    expected = cases.expected(plain)
    cases.check(value, plain,
                f"triplet_loss(anchor, positive, negative, alpha={alpha}, "
                f"squared=False) returned {float(value):.5f}, expected "
                f"{expected:.5f}.", rtol=1e-4, atol=1e-5)

    default = to_numpy(triplet_loss(*tensors))
    assert_close(default, cases.expected("default alpha"),
                 what="triplet_loss without alpha", rtol=1e-4, atol=1e-5,
                 hint="The default margin is alpha=0.2 (and squared=True): "
                      "does your function use the alpha it is given?")

    far = anchor + 5.0
    easy = to_numpy(triplet_loss(tensors[0], tensors[0], tf.constant(far)))
    if not np.isclose(easy, 0.0, atol=1e-6):
        raise AssertionError(
            "When every negative is far beyond the margin the loss must be "
            f"exactly 0, got {float(easy):.4f}."
        )

    variable = tf.Variable(anchor)
    with tf.GradientTape() as tape:
        loss = triplet_loss(variable, tensors[1], tensors[2])
    gradient = tape.gradient(loss, variable) if tf.is_tensor(loss) else None
    if gradient is None:
        raise AssertionError(
            "No gradient flows through triplet_loss. Use TensorFlow "
            "operations, not NumPy, so the network can be trained."
        )
    # Two faces that an encoder maps to the same point: the plain distance
    # is 0 there, and training must not turn the weights into NaN.
    near = tf.constant(anchor + 0.01 * (arrays[2] - anchor))
    with tf.GradientTape() as tape:
        loss = triplet_loss(variable, tf.constant(anchor), near,
                            alpha=alpha, squared=False)
    gradient = tape.gradient(loss, variable)
    if gradient is None or not np.all(np.isfinite(to_numpy(gradient))):
        raise AssertionError(
            "With squared=False and an anchor equal to its positive (plain "
            "distance 0) the gradient of your loss is not finite (NaN or "
            "inf), so one such triplet would turn every weight into NaN. "
            "The slope of the square root is infinite at 0: make your plain "
            "distance differentiable there."
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
                "SMALLEST index; expected "
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
    for case in ("alpha=0.173", "alpha=0.173, plain"):
        try:
            value = to_numpy(assert_own_function(learner_loss)(
                *cases.inputs(case)))
        except Exception:  # noqa: BLE001 - any failure means not ready
            return False
        if value.shape != () or not same_values(
                value, cases.expected(case), rtol=1e-4, atol=1e-5):
            return False
    return True


def _same_weights(weights, expected, atol):
    """Return True when each weight array matches the stored one."""
    return len(weights) == len(expected) and all(
        same_values(w, e, rtol=0.0, atol=atol)
        for w, e in zip(weights, expected))


def _stepped(run, train_step, model):
    """One step of the learner's ``train_step``; name a missing tape."""
    try:
        return run(train_step, model)
    except ValueError as error:
        if "No gradients provided" not in str(error):
            raise
        raise AssertionError(
            f"Your train_step raised ValueError: {error}\n"
            "The optimizer got no gradient for any weight: the tape did not "
            "record how the loss depends on the model's weights (embeddings "
            "computed where the tape does not watch are constants to it)."
        ) from error


def _check_one_step(train_step, run, case, cases):
    """Run one step from the check's start; compare it with ``case``."""
    model = tiny_model()
    start = [weight.copy() for weight in model.get_weights()]
    stepped = _stepped(run, train_step, model)
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
    for mistake in ("squared not passed on", "gradient ascent"):
        wrong = mistakes.get(mistake, {}).get("weights")
        if wrong is not None and _same_weights(learned, wrong, atol=1e-6) \
                and not _same_weights(expected["weights"], wrong, atol=1e-6):
            raise AssertionError(messages[mistake])
    if _same_weights(learned, start, atol=1e-8) and not np.isclose(
            loss, before, rtol=1e-4, atol=1e-6):
        raise AssertionError(
            f"The weights did not change and train_step returned the loss "
            f"{float(loss):.5f}, but the triplet loss of the embeddings "
            f"before the update is {before:.5f} ({case}): check which batch "
            "goes into which argument of triplet_loss and pass alpha and "
            "squared on."
        )
    if _same_weights(learned, start, atol=1e-8):
        raise AssertionError(
            "The weights did not change: one step must move the model's "
            "trainable weights against the gradient of the loss."
        )
    if not _same_weights(learned, expected["weights"], atol=1e-5):
        raise AssertionError(
            f"The weights after one step ({case}) differ from one optimizer "
            "step on the triplet loss of model(anchors), model(positives), "
            "model(negatives). Use the same model (shared weights) for all "
            "three inputs, and pass alpha and squared on to triplet_loss."
        )
    if not np.isclose(loss, before, rtol=1e-4, atol=1e-6):
        for mistake in ("loss after the update", "alpha not passed on"):
            wrong = mistakes.get(mistake, {}).get("loss")
            if wrong is not None and np.isclose(loss, wrong, rtol=1e-4,
                                                atol=1e-6):
                raise AssertionError(messages[mistake])
        raise AssertionError(
            f"train_step returned {float(loss):.5f}; the triplet loss of the "
            f"batch before the update is {before:.5f} ({case}): use the "
            "alpha it was given (pass alpha and squared on to "
            "triplet_loss) and return the loss before the update."
        )


@learner_check("train_step")
def check_train_step(train_step):
    """Check the learner's ``train_step`` against reference SGD steps."""
    learner_function = getattr(train_step, "function", train_step)
    train_step = assert_own_function(train_step)
    if not _learner_loss_is_right(learner_function):
        raise AssertionError(
            "train_step uses your triplet_loss, which does not pass its "
            "tests yet: fix exercise 1 first."
        )
    cases = shipped_cases(__name__, "train_step")
    _check_one_step(train_step, step_result, "SGD(0.1), alpha=0.37", cases)
    _check_one_step(train_step, plain_step_result,
                    "SGD(0.1), alpha=0.29, plain", cases)
    passed("train_step")
