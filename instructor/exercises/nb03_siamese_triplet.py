"""Notebook 03 (Siamese network, triplet loss): loss, mining, training step.

One section per graded exercise: the reference, the public cases, the
mistakes learners make; the hidden tests at the end.  Embeddings are
shaped ``(batch, size)``; the mining functions return three integer NumPy
arrays ``(anchors, positives, negatives)``.  TensorFlow is imported inside
the functions: the grader loads this module without it.
"""

import numpy as np

from instructor.exercises import expect
from instructor.exercises.spec import Case, Exercise, Mistake
from instructor.grading.harness import fixture, hidden_test, trusted_run
from instructor.grading.protocol import Tensor

NOTEBOOK = "03_siamese_triplet"
#: What answer cells may rely on (the clean room and the catalogue).
PRELUDE = "import numpy as np\nimport tensorflow as tf"

ROLES = ("anchors", "positives", "negatives")


def _tensors(arrays):
    """The arrays as TensorFlow constants, as the public checks pass them."""
    import tensorflow as tf

    return [tf.constant(array) for array in arrays]


def _triplets(result):
    """Mining output as a dict of three index lists."""
    return dict(zip(ROLES, result))


def _mining_case(name, embeddings, labels, as_tensor=True):
    """A case of a mining function; the check passes a tensor or an array."""
    def run(function):
        given = _tensors([embeddings])[0] if as_tensor else embeddings
        return _triplets(function(given, labels))
    return Case(name, (embeddings, labels), run=run)


def squared_distance_matrix(embeddings):
    """Return all pairwise squared L2 distances as a NumPy array."""
    embeddings = np.asarray(embeddings, dtype=np.float64)
    if embeddings.ndim != 2:
        raise ValueError(
            f"embeddings must be 2-D (batch, size), got {embeddings.shape}."
        )
    difference = embeddings[:, np.newaxis, :] - embeddings[np.newaxis, :, :]
    return np.sum(difference ** 2, axis=-1)


# --- triplet_loss ------------------------------------------------------------

#: The public check's margin: a value nobody types in by habit.
CHECK_ALPHA = 0.173


def triplet_loss(anchor, positive, negative, alpha=0.2, squared=True):
    """Mean over the batch of the triplet hinge, on d² or on d."""
    import tensorflow as tf

    anchor = tf.convert_to_tensor(anchor, dtype=tf.float32)
    positive = tf.convert_to_tensor(positive, dtype=tf.float32)
    negative = tf.convert_to_tensor(negative, dtype=tf.float32)
    positive_distance = tf.reduce_sum(tf.square(anchor - positive), axis=-1)
    negative_distance = tf.reduce_sum(tf.square(anchor - negative), axis=-1)
    if not squared:
        # The square root's slope is infinite at 0: floor what it sees.
        positive_distance = tf.sqrt(tf.maximum(positive_distance, 1e-12))
        negative_distance = tf.sqrt(tf.maximum(negative_distance, 1e-12))
    losses = tf.maximum(positive_distance - negative_distance + alpha, 0.0)
    return tf.reduce_mean(losses)


def _loss_data():
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


def _loss_case(name, alpha=None, squared=None):
    """The loss of the fixed triplets, given as tensors (keywords by name)."""
    arrays = _loss_data()
    keywords = {key: value for key, value in
                (("alpha", alpha), ("squared", squared)) if value is not None}
    inputs = (*arrays, *keywords.values())

    def run(function):
        return function(*_tensors(arrays), **keywords)
    return Case(name, inputs, run=run)


_LOSS = """
def triplet_loss(anchor, positive, negative, alpha=0.2, squared=True):
    positive_distance = {positive}
    negative_distance = {negative}
    if not squared:
        positive_distance = {root}(positive_distance)
        negative_distance = {root}(negative_distance)
    return {reduce}(tf.maximum(positive_distance - negative_distance
                               {margin}, 0.0))
"""
_D_AP = "tf.reduce_sum(tf.square(anchor - positive), axis=-1)"
_D_AN = "tf.reduce_sum(tf.square(anchor - negative), axis=-1)"
_SAFE_ROOT = "(lambda squares: tf.sqrt(tf.maximum(squares, 1e-12)))"


def _loss(positive=_D_AP, negative=_D_AN, reduce="tf.reduce_mean",
          margin="+ alpha", root=_SAFE_ROOT):
    return _LOSS.format(positive=positive, negative=negative, reduce=reduce,
                        margin=margin, root=root)


_PLAIN_ALWAYS = """
def triplet_loss(anchor, positive, negative, alpha=0.2, squared=True):
    d_ap = tf.sqrt(tf.reduce_sum(tf.square(anchor - positive), axis=-1)
                   + 1e-12)
    d_an = tf.sqrt(tf.reduce_sum(tf.square(anchor - negative), axis=-1)
                   + 1e-12)
    return tf.reduce_mean(tf.maximum(d_ap - d_an + alpha, 0.0))
"""

TRIPLET_LOSS = Exercise(
    "triplet_loss", triplet_loss,
    cases=(_loss_case("alpha=0.173", CHECK_ALPHA),
           _loss_case("alpha=0.173, plain", CHECK_ALPHA, False),
           _loss_case("default alpha")),
    mistakes=(
        Mistake("sum over axis 0", _loss(
            "tf.reduce_sum(tf.square(anchor - positive), axis=0)",
            "tf.reduce_sum(tf.square(anchor - negative), axis=0)"),
            "axis 0",
            message="You summed the squared differences over axis 0, the "
                    "batch. A distance belongs to one triplet: reduce over "
                    "the embedding coordinates instead."),
        Mistake("plain distance when squared=True", _PLAIN_ALWAYS,
                "squared=True",
                message="With squared=True (the default) the loss compares "
                        "SQUARED distances; your function compared plain "
                        "distances |a - p| (a square root too many)."),
        Mistake("squared ignored", _loss(root="(lambda squares: squares)"),
                "squared=False",
                message="With squared=False the loss must compare the plain "
                        "Euclidean distances |a - p|, |a - n|; your "
                        "function compared squared distances, as if "
                        "squared were True."),
        Mistake("absolute differences", _loss(
            "tf.reduce_sum(tf.abs(anchor - positive), axis=-1)",
            "tf.reduce_sum(tf.abs(anchor - negative), axis=-1)"),
            "absolute differences",
            message="You summed absolute differences |a - p| (the L1 "
                    "distance). The loss uses Euclidean (L2) distances."),
        Mistake("margin subtracted", _loss(margin="- alpha"), "wrong sign",
                message="The margin has the wrong sign: a triplet is fine "
                        "when d(A, P) + alpha <= d(A, N), and its loss is "
                        "how much that is violated."),
        Mistake("sum over the batch", _loss(reduce="tf.reduce_sum"),
                "grows with the batch",
                message="You summed over the batch, so the loss (and the "
                        "good learning rate) grows with the batch size. "
                        "Reduce the triplets' losses to one number that "
                        "does not."),
        Mistake("positive and negative swapped", _loss(_D_AN, _D_AP),
                "swapped",
                message="Positive and negative distances are swapped: the "
                        "loss should be large when the anchor is FAR from "
                        "the positive and CLOSE to the negative."),
        Mistake("no hinge", """
def triplet_loss(anchor, positive, negative, alpha=0.2, squared=True):
    d_ap = tf.reduce_sum(tf.square(anchor - positive), axis=-1)
    d_an = tf.reduce_sum(tf.square(anchor - negative), axis=-1)
    if not squared:
        d_ap, d_an = tf.sqrt(d_ap + 1e-12), tf.sqrt(d_an + 1e-12)
    return tf.reduce_mean(d_ap - d_an + alpha)
""", "forgot the hinge",
                message="You forgot the hinge: a triplet that already "
                        "satisfies the margin must count as 0, not as a "
                        "negative loss (otherwise easy triplets are pushed "
                        "apart without end)."),
        Mistake("one loss per triplet", """
def triplet_loss(anchor, positive, negative, alpha=0.2, squared=True):
    d_ap = tf.reduce_sum(tf.square(anchor - positive), axis=-1)
    d_an = tf.reduce_sum(tf.square(anchor - negative), axis=-1)
    return tf.maximum(d_ap - d_an + alpha, 0.0)
""", "one value per triplet"),
        Mistake("NumPy instead of TensorFlow", """
def triplet_loss(anchor, positive, negative, alpha=0.2, squared=True):
    d_ap = np.sum((np.asarray(anchor) - np.asarray(positive)) ** 2, axis=-1)
    d_an = np.sum((np.asarray(anchor) - np.asarray(negative)) ** 2, axis=-1)
    if not squared:
        d_ap, d_an = np.sqrt(d_ap), np.sqrt(d_an)
    return np.mean(np.maximum(d_ap - d_an + alpha, 0.0))
""", "No gradient flows"),
        Mistake("plain distance with tf.norm", _loss(
            root="(lambda squares: squares)",
            positive="tf.norm(anchor - positive, axis=-1) ** (1 if not "
                     "squared else 2)",
            negative="tf.norm(anchor - negative, axis=-1) ** (1 if not "
                     "squared else 2)"), "not finite"),
        Mistake("alpha hard-coded", _loss(margin="+ 0.173"),
                "use the alpha it is given"),
        Mistake("forgotten return", """
def triplet_loss(anchor, positive, negative, alpha=0.2, squared=True):
    d_ap = tf.reduce_sum(tf.square(anchor - positive), axis=-1)
    d_an = tf.reduce_sum(tf.square(anchor - negative), axis=-1)
    loss = tf.reduce_mean(tf.maximum(d_ap - d_an + alpha, 0.0))
""", "returned None"),
    ))


# --- hardest_triplets --------------------------------------------------------


def hardest_triplets(embeddings, labels):
    """Batch-hard mining: farthest positive and closest negative per anchor.

    Returns ``(anchors, positives, negatives)`` as int arrays; an image is an
    anchor when the batch holds another image of the same person and an
    image of someone else.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {labels.shape}.")
    embeddings = np.asarray(embeddings, dtype=np.float64)
    if embeddings.ndim != 2:
        raise ValueError(
            f"embeddings must be 2-D (batch, size), got {embeddings.shape}."
        )
    if len(labels) != len(embeddings):
        raise ValueError(
            f"{len(embeddings)} embeddings but {len(labels)} labels."
        )
    difference = embeddings[:, np.newaxis, :] - embeddings[np.newaxis, :, :]
    distances = np.sum(difference ** 2, axis=-1)
    same = labels[:, np.newaxis] == labels[np.newaxis, :]
    positive = same & ~np.eye(len(labels), dtype=bool)
    negative = ~same
    anchors = np.flatnonzero(positive.any(axis=1) & negative.any(axis=1))
    farthest = np.argmax(np.where(positive, distances, -np.inf), axis=1)
    closest = np.argmin(np.where(negative, distances, np.inf), axis=1)
    return anchors, farthest[anchors], closest[anchors]


def _mining_data():
    """Eight 4-D embeddings of four people; person 3 has a single image."""
    rng = np.random.default_rng(11)
    labels = np.array([0, 1, 0, 2, 1, 2, 3, 0])
    embeddings = rng.normal(size=(len(labels), 4)).astype(np.float32)
    return embeddings, labels


def _tie_data():
    """Five 2-D points of two people where distances tie.

    Anchor 0 has positives 1 and 2 both at distance 1 and negatives 3 and
    4 both at distance 4: ties go to the smallest index.
    """
    embeddings = np.array([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0],
                           [0.0, 2.0], [0.0, -2.0]], dtype=np.float32)
    return embeddings, np.array([0, 0, 0, 1, 1])


_MINING_START = """
def hardest_triplets(embeddings, labels):
    embeddings = np.asarray(embeddings, dtype=np.float64)
    labels = np.asarray(labels)
    distances = np.sum((embeddings[:, None] - embeddings[None]) ** 2, axis=-1)
    same = labels[:, None] == labels[None, :]
    is_positive = same & ~np.eye(len(labels), dtype=bool)
    is_negative = ~same
"""
_ANCHORS = """
    anchors = np.flatnonzero(is_positive.any(axis=1) & is_negative.any(axis=1))
"""
_FARTHEST_POSITIVES = """
    positives = np.argmax(np.where(is_positive, distances, -np.inf), axis=1)
"""
_CLOSEST_NEGATIVES = """
    negatives = np.argmin(np.where(is_negative, distances, np.inf), axis=1)
    return anchors, positives[anchors], negatives[anchors]
"""


def _mining(*parts):
    return _MINING_START + "".join(part.lstrip("\n") for part in parts)


HARDEST_TRIPLETS = Exercise(
    "hardest_triplets", hardest_triplets,
    cases=(_mining_case("8 embeddings", *_mining_data()),
           _mining_case("5 tied points", *_tie_data(), as_tensor=False)),
    mistakes=(
        Mistake("closest positive", _mining(_ANCHORS, """
    positives = np.argmin(np.where(is_positive, distances, np.inf), axis=1)
""", _CLOSEST_NEGATIVES), "CLOSEST positive",
                message="You took the CLOSEST positive; "),
        Mistake("farthest negative", _mining(_ANCHORS, _FARTHEST_POSITIVES, """
    negatives = np.argmax(np.where(is_negative, distances, -np.inf), axis=1)
    return anchors, positives[anchors], negatives[anchors]
"""), "FARTHEST negative", message="You took the FARTHEST negative; "),
        Mistake("anchors grouped by person", _mining(_ANCHORS, """
    anchors = anchors[np.argsort(labels[anchors], kind="stable")]
""", _FARTHEST_POSITIVES, _CLOSEST_NEGATIVES), "grouped by person"),
        Mistake("Python lists", _mining("""
    anchors, positives, negatives = [], [], []
    for i in range(len(labels)):
        if is_positive[i].any() and is_negative[i].any():
            anchors.append(i)
            positives.append(int(np.argmax(
                np.where(is_positive[i], distances[i], -np.inf))))
            negatives.append(int(np.argmin(
                np.where(is_negative[i], distances[i], np.inf))))
    return anchors, positives, negatives
"""), "not a NumPy array"),
        Mistake("ties to the largest index", _mining(_ANCHORS, """
    flipped = distances[:, ::-1]
    last = len(labels) - 1
    positives = last - np.argmax(
        np.where(is_positive[:, ::-1], flipped, -np.inf), axis=1)
    negatives = last - np.argmin(
        np.where(is_negative[:, ::-1], flipped, np.inf), axis=1)
    return anchors, positives[anchors], negatives[anchors]
"""), "SMALLEST index"),
        Mistake("image is its own positive", _mining("""
    anchors = np.flatnonzero(is_negative.any(axis=1))
    positives = np.argmax(np.where(same, distances, -np.inf), axis=1)
""", _CLOSEST_NEGATIVES), "its own positive"),
        Mistake("a lonely image as anchor", _mining("""
    anchors = np.flatnonzero(is_negative.any(axis=1))
""", _FARTHEST_POSITIVES, _CLOSEST_NEGATIVES), "Image 6 is the only image"),
        Mistake("closest image of the same person, itself", _mining(
            _ANCHORS, """
    positives = np.argmin(np.where(same, distances, np.inf), axis=1)
""", _CLOSEST_NEGATIVES), "its own positive"),
        Mistake("single-person batch not handled", _mining("""
    anchors = np.flatnonzero(is_positive.any(axis=1))
""", _FARTHEST_POSITIVES, _CLOSEST_NEGATIVES), "no negative"),
        Mistake("forgotten return", _mining(_ANCHORS), "returned None"),
    ))


# --- semi_hard_triplets ------------------------------------------------------


def semi_hard_triplets(embeddings, labels):
    """Semi-hard mining: every anchor-positive pair, a negative beyond it.

    The negative is the closest one farther than the positive,
    d(A, N) > d(A, P); when every negative is at most as far as the
    positive, the farthest negative.  Ties go to the smallest index.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {labels.shape}.")
    embeddings = np.asarray(embeddings, dtype=np.float64)
    if embeddings.ndim != 2:
        raise ValueError(
            f"embeddings must be 2-D (batch, size), got {embeddings.shape}."
        )
    if len(labels) != len(embeddings):
        raise ValueError(
            f"{len(embeddings)} embeddings but {len(labels)} labels."
        )
    difference = embeddings[:, np.newaxis, :] - embeddings[np.newaxis, :, :]
    distances = np.sum(difference ** 2, axis=-1)
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


def _semi_hard_data():
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


_SEMI_DISTANCES = """
def semi_hard_triplets(embeddings, labels):
    embeddings = np.asarray(embeddings, dtype=np.float64)
    labels = np.asarray(labels)
    distances = np.sum((embeddings[:, None] - embeddings[None]) ** 2, axis=-1)
    same = labels[:, None] == labels[None, :]
"""
_SEMI_START = _SEMI_DISTANCES + """\
    is_negative = ~same
    usable = same & ~np.eye(len(labels), dtype=bool)
    usable &= is_negative.any(axis=1)[:, None]
    anchors, positives = np.nonzero(usable)
    d_ap = distances[anchors, positives][:, None]
    d_an = distances[anchors]
    candidate = is_negative[anchors]
"""
_BEYOND = """
    beyond = candidate & (d_an > d_ap)
"""
_SEMI_END = """
    nearest_beyond = np.argmin(np.where(beyond, d_an, np.inf), axis=1)
    least_hard = np.argmax(np.where(candidate, d_an, -np.inf), axis=1)
    negatives = np.where(beyond.any(axis=1), nearest_beyond, least_hard)
    return anchors, positives, negatives
"""


def _semi(*parts, start=_SEMI_START):
    return start + "".join(part.lstrip("\n") for part in parts)


SEMI_HARD_TRIPLETS = Exercise(
    "semi_hard_triplets", semi_hard_triplets,
    cases=(_mining_case("9 embeddings", *_semi_hard_data()),),
    mistakes=(
        Mistake("fallback to the closest negative", _semi(_BEYOND, """
    nearest_beyond = np.argmin(np.where(beyond, d_an, np.inf), axis=1)
    hardest = np.argmin(np.where(candidate, d_an, np.inf), axis=1)
    return anchors, positives, np.where(beyond.any(axis=1), nearest_beyond,
                                        hardest)
"""), "fell back to the CLOSEST negative",
            message="When no negative is farther than the positive you fell "
                    "back to the CLOSEST negative (the batch-hard one). The "
                    "fallback is the FARTHEST negative, the least hard one: "
                    "hard negatives early in training are what makes the "
                    "encoder collapse."),
        Mistake("no fallback", _semi(_BEYOND, """
    return anchors, positives, np.argmin(np.where(beyond, d_an, np.inf),
                                         axis=1)
"""), "Fall back to the FARTHEST negative",
            message="When no negative is farther than the positive your "
                    "argmin ran over a row of +inf only and returned index "
                    "0. Fall back to the FARTHEST negative in that case."),
        Mistake(">= instead of >", _semi("""
    beyond = candidate & (d_an >= d_ap)
""", _SEMI_END), "STRICTLY farther",
            message="A negative exactly as far as the positive, d(A, N) = "
                    "d(A, P), is not semi-hard: the rule is STRICTLY "
                    "farther, d(A, N) > d(A, P) (use >, not >=). Image 8 is "
                    "a copy of image 2, so for anchor 0 and positive 2 it "
                    "ties."),
        Mistake("closest negative of all", _semi("""
    return anchors, positives, np.argmin(np.where(candidate, d_an, np.inf),
                                         axis=1)
"""), "batch-hard one",
            message="You took the closest negative of all, the batch-hard "
                    "one. Semi-hard mining takes the closest negative that "
                    "is FARTHER than the positive, d(A, N) > d(A, P)."),
        Mistake("always the farthest negative", _semi("""
    return anchors, positives, np.argmax(np.where(candidate, d_an, -np.inf),
                                         axis=1)
"""), "always took the FARTHEST",
            message="You always took the FARTHEST negative (the easiest). "
                    "Take the closest negative that is farther than the "
                    "positive, and the farthest one only when no negative "
                    "is farther."),
        Mistake("pairs without a farther negative dropped", _semi(_BEYOND, """
    keep = beyond.any(axis=1)
    negatives = np.argmin(np.where(beyond, d_an, np.inf), axis=1)
    return anchors[keep], positives[keep], negatives[keep]
"""), "fall back to the farthest negative"),
        Mistake("only the farthest positive", _semi("""
    is_positive = same & ~np.eye(len(labels), dtype=bool)
    is_negative = ~same
    anchors = np.flatnonzero(is_positive.any(axis=1) & is_negative.any(axis=1))
    positives = np.argmax(np.where(is_positive, distances, -np.inf),
                          axis=1)[anchors]
    d_ap = distances[anchors, positives][:, None]
    d_an = distances[anchors]
    candidate = is_negative[anchors]
""", _BEYOND, _SEMI_END, start=_SEMI_DISTANCES), "every positive"),
        Mistake("pairs grouped by person", _semi(_BEYOND, """
    nearest_beyond = np.argmin(np.where(beyond, d_an, np.inf), axis=1)
    least_hard = np.argmax(np.where(candidate, d_an, -np.inf), axis=1)
    negatives = np.where(beyond.any(axis=1), nearest_beyond, least_hard)
    order = np.argsort(labels[anchors], kind="stable")
    return anchors[order], positives[order], negatives[order]
"""), "grouped by person"),
        Mistake("image is its own positive", _semi("""
    is_negative = ~same
    anchors, positives = np.nonzero(same & is_negative.any(axis=1)[:, None])
    d_ap = distances[anchors, positives][:, None]
    d_an = distances[anchors]
    candidate = is_negative[anchors]
""", _BEYOND, _SEMI_END, start=_SEMI_DISTANCES), "its own positive"),
        Mistake("Python lists", _semi(_BEYOND, _SEMI_END.replace(
            "return anchors, positives, negatives",
            "return anchors.tolist(), positives.tolist(), "
            "negatives.tolist()")), "not a NumPy array"),
    ))


# --- train_step --------------------------------------------------------------


def train_step(model, optimizer, anchors, positives, negatives, alpha=0.2,
               squared=True):
    """One gradient step on the triplet loss; returns the loss (scalar)."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = triplet_loss(
            model(anchors, training=True), model(positives, training=True),
            model(negatives, training=True), alpha, squared,
        )
    variables = model.trainable_variables
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
    return loss


def _one_step(step):
    """The loss and weights after one step on the public check's model."""
    from helpers.checks.nb03_siamese_triplet_models import step_result

    return step_result(step)


def _one_plain_step(step):
    """The same, on the plain distance with the check's other margin."""
    from helpers.checks.nb03_siamese_triplet_models import plain_step_result

    return plain_step_result(step)


_STEP = """
def train_step(model, optimizer, anchors, positives, negatives, alpha=0.2,
               squared=True):
    with tf.GradientTape() as tape:
        loss = triplet_loss(model(anchors), model(positives),
                            model(negatives), alpha, squared)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss
"""


def _step(old, new):
    """The right step with one piece of text replaced."""
    if old not in _STEP:
        raise ValueError(f"{old!r} is not in the step")
    return _STEP.replace(old, new)


_APPLY = ("    optimizer.apply_gradients(zip(gradients, "
          "model.trainable_variables))\n")

TRAIN_STEP = Exercise(
    "train_step", train_step,
    cases=(Case("SGD(0.1), alpha=0.37", run=_one_step),
           Case("SGD(0.1), alpha=0.29, plain", run=_one_plain_step)),
    mistakes=(
        Mistake("model run outside the tape", _step(
            "    with tf.GradientTape() as tape:\n"
            "        loss = triplet_loss(model(anchors), model(positives),\n"
            "                            model(negatives), alpha, squared)\n",
            "    a, p, n = model(anchors), model(positives), "
            "model(negatives)\n"
            "    with tf.GradientTape() as tape:\n"
            "        loss = triplet_loss(a, p, n, alpha, squared)\n"),
            "tape did not record"),
        Mistake("gradient ascent", _step(
            "zip(gradients, model.trainable_variables)",
            "zip([-g for g in gradients],\n"
            "                                  model.trainable_variables)"),
            "gradient ascent",
            message="The weights moved the wrong way (gradient ascent): "
                    "the step must lower the loss, not raise it."),
        Mistake("loss after the update", _step(
            "    return loss\n",
            "    return triplet_loss(model(anchors), model(positives), "
            "model(negatives),\n                        alpha, squared)\n"),
            "AFTER the update",
            message="train_step returned the loss AFTER the update; return "
                    "the loss of the batch the gradient was computed on, "
                    "before the weights changed."),
        Mistake("alpha not passed on", _step(
            "model(negatives), alpha, squared)",
            "model(negatives), squared=squared)"),
            "pass alpha on",
            message="train_step returned the loss for the default margin "
                    "alpha=0.2, not for the alpha it was given: pass alpha "
                    "on to triplet_loss."),
        Mistake("squared not passed on", _step(
            "model(negatives), alpha, squared)", "model(negatives), alpha)"),
            "pass squared on",
            message="With squared=False train_step still trained on "
                    "squared distances: pass squared on to triplet_loss."),
        Mistake("alpha hard-coded", _step(
            "model(negatives), alpha, squared)",
            "model(negatives), 0.37, squared)"),
            "pass alpha and squared on"),
        Mistake("gradients never applied", _step(_APPLY, ""),
                "weights did not change"),
        Mistake("forgotten return", _step("    return loss\n", ""),
                "returned None"),
        Mistake("positives and negatives swapped", _step(
            "model(positives),\n                            "
            "model(negatives)",
            "model(negatives),\n                            "
            "model(positives)"),
            "which batch goes into which argument"),
        Mistake("a typo in the learner's code", _step(
            "zip(gradients, model.trainable_variables)",
            "zip(gradients, model.trainable_varibles)"),
            "Your train_step raised AttributeError"),
    ))

EXERCISES = (TRIPLET_LOSS, HARDEST_TRIPLETS, SEMI_HARD_TRIPLETS, TRAIN_STEP)


# --- hidden tests ------------------------------------------------------------


def _np_loss(anchor, positive, negative, alpha, squared=True):
    """The triplet loss in NumPy (float64)."""
    d_ap = np.sum((anchor - positive) ** 2, axis=-1)
    d_an = np.sum((anchor - negative) ** 2, axis=-1)
    if not squared:
        d_ap, d_an = np.sqrt(d_ap), np.sqrt(d_an)
    return np.mean(np.maximum(d_ap - d_an + alpha, 0.0))


def _np_gradient(anchor, positive, negative, alpha, squared=True):
    """d loss / d anchor of :func:`_np_loss`."""
    to_positive, to_negative = anchor - positive, anchor - negative
    d_ap = np.sum(to_positive ** 2, axis=-1, keepdims=True)
    d_an = np.sum(to_negative ** 2, axis=-1, keepdims=True)
    if squared:
        active = d_ap - d_an + alpha > 0
        return active * 2 * (to_positive - to_negative) / len(anchor)
    d_ap, d_an = np.sqrt(d_ap), np.sqrt(d_an)
    active = d_ap - d_an + alpha > 0
    return active * (to_positive / d_ap - to_negative / d_an) / len(anchor)


GRADIENT = """
watched = tf.Variable(anchor)
with tf.GradientTape() as recorder:
    loss = triplet_loss(watched, positive, negative, alpha, squared)
gradient = recorder.gradient(loss, watched)
result = None if gradient is None else gradient.numpy()
"""


def _gradient(student, a, p, n, alpha, squared):
    """The learner's gradient of the loss with respect to the anchors."""
    gradient = student.run(GRADIENT, anchor=a, positive=Tensor(p),
                           negative=Tensor(n), alpha=alpha, squared=squared)
    if gradient is None:
        raise AssertionError("no gradient flows through triplet_loss: use "
                             "TensorFlow operations")
    return np.asarray(gradient)


@hidden_test("test_triplet_loss")
def test_triplet_loss(student):
    rng = np.random.default_rng(2024)
    for m, d, alpha, squared in [(5, 3, 0.283, True), (7, 16, 0.2, False),
                                 (1, 2, 0.619, True), (32, 128, 1.137, True),
                                 (9, 6, 0.241, False), (3, 4, 0.0, False)]:
        a, p, n = (rng.normal(size=(m, d)).astype(np.float32)
                   for _ in range(3))
        got = student.triplet_loss(Tensor(a), Tensor(p), Tensor(n), alpha,
                                   squared)
        what = "squared" if squared else "plain"
        expect.close(expect.scalar(got, f"the loss of {m} triplets"),
                     _np_loss(a, p, n, alpha, squared), f"the loss of a batch "
                     f"of {m} triplets on {what} distances, alpha={alpha}",
                     rtol=1e-4, atol=1e-5)
        if np.asarray(got).shape != ():
            raise AssertionError("triplet_loss must return a scalar")
    a, p, n = (rng.normal(size=(6, 4)).astype(np.float32) for _ in range(3))
    got = student.triplet_loss(Tensor(a), Tensor(p), Tensor(n))
    expect.close(expect.scalar(got, "the loss"), _np_loss(a, p, n, 0.2),
                 "the loss with the defaults (alpha 0.2, squared)",
                 rtol=1e-4)
    far = student.triplet_loss(Tensor(a), Tensor(a), Tensor(a + 5.0), 0.2)
    expect.close(expect.scalar(far, "the loss"), 0.0,
                 "the loss when every negative is far away")
    for squared in (True, False):
        same = student.triplet_loss(Tensor(a), Tensor(a), Tensor(a), 0.437,
                                    squared)
        expect.close(expect.scalar(same, "the loss"), 0.437,
                     "the loss when anchor, positive and negative are the "
                     "same (it must equal alpha)", atol=1e-4)
    for alpha, squared in [(0.517, True), (0.389, False)]:
        expect.close(_gradient(student, a, p, n, alpha, squared),
                     _np_gradient(a, p, n, alpha, squared),
                     "the gradient of the loss", rtol=1e-3, atol=1e-5)
    # Rows where the positive is the anchor and the hinge is active.
    coincident, near = p.copy(), n.copy()
    coincident[::2] = a[::2]
    near[::2] = a[::2] + 0.01 * (n[::2] - a[::2])
    gradient = _gradient(student, a, coincident, near, 0.389, False)
    if not np.all(np.isfinite(gradient)):
        raise AssertionError(
            "with squared=False the gradient is not finite when an anchor "
            "equals its positive")


TYPES = """
parts = {name}(np.eye(3, dtype=np.float32), np.array([0, 0, 1]))
result = [isinstance(part, np.ndarray) for part in parts]
"""


def _assert_arrays(student, name):
    """The exercise asks for NumPy arrays, not lists or tensors."""
    assert all(student.run(TYPES.format(name=name))), (
        f"{name} must return three NumPy arrays (not lists or tensors)")


def _assert_same_triplets(got, want, labels):
    """Fail unless ``got`` holds the index arrays of ``want``."""
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise AssertionError("return (anchors, positives, negatives)")
    for part, expected, name in zip(got, want, ROLES):
        part = np.asarray(part).reshape(-1)
        if part.size and part.dtype.kind not in "iu":
            raise AssertionError(f"{name} must be integer indices")
        if not np.array_equal(part, expected):
            raise AssertionError(
                f"{name} differ for a batch of {len(labels)} images "
                f"of {len(set(labels.tolist()))} people")


@hidden_test("test_hardest_triplets")
def test_hardest_triplets(student):
    rng = np.random.default_rng(99)
    cases = [(np.array([0, 1, 0, 2, 1, 2, 3, 0]), 4)]
    for people, per_person, size in [(5, 3, 8), (2, 6, 32), (10, 2, 3)]:
        labels = np.repeat(rng.permutation(50)[:people], per_person)
        cases.append((labels[rng.permutation(len(labels))], size))
    for labels, size in cases:
        embeddings = rng.normal(size=(len(labels), size)).astype(np.float32)
        want = hardest_triplets(embeddings, labels)
        for given in (embeddings, Tensor(embeddings)):
            got = student.hardest_triplets(given, labels)
            _assert_same_triplets(got, want, labels)
    tied = np.array([[0.0, 0.0], [0.0, 3.0], [0.0, -3.0], [2.0, 0.0],
                     [-2.0, 0.0], [0.5, 0.0]], dtype=np.float32)
    tied_labels = np.array([4, 4, 4, 9, 9, 4])
    want = hardest_triplets(tied, tied_labels)
    got = student.hardest_triplets(tied, tied_labels)
    for part, expected in zip(got, want):
        if not np.array_equal(np.asarray(part).reshape(-1), expected):
            raise AssertionError("on ties the smallest index must win")
    alone = student.hardest_triplets(rng.normal(size=(4, 3)),
                                     np.array([1, 2, 3, 4]))
    assert all(np.asarray(part).size == 0 for part in alone), \
        "without positives there are no triplets: return empty arrays"
    single = student.hardest_triplets(rng.normal(size=(3, 3)),
                                      np.array([5, 5, 5]))
    assert all(np.asarray(part).size == 0 for part in single), \
        "without negatives there are no triplets: return empty arrays"
    _assert_arrays(student, "hardest_triplets")


def _semi_hard_cases(rng):
    """Batches with ties, pairs needing the fallback and lonely images."""
    cases = []
    for people, per_person, size in [(4, 3, 4), (3, 5, 8), (6, 2, 3),
                                     (2, 8, 16)]:
        labels = np.repeat(rng.permutation(40)[:people], per_person)
        labels = labels[rng.permutation(len(labels))]
        embeddings = rng.normal(size=(len(labels), size))
        embeddings[0] *= 5.0            # far from all: the fallback
        embeddings[-1] = embeddings[1]  # a copy: distances that tie
        cases.append((embeddings.astype(np.float32), labels))
    labels = np.array([3, 1, 3, 2, 1, 2, 7, 3])
    cases.append((rng.normal(size=(8, 5)).astype(np.float32), labels))
    return cases


@hidden_test("test_semi_hard_triplets")
def test_semi_hard_triplets(student):
    rng = np.random.default_rng(404)
    for embeddings, labels in _semi_hard_cases(rng):
        want = semi_hard_triplets(embeddings, labels)
        for given in (embeddings, Tensor(embeddings)):
            got = student.semi_hard_triplets(given, labels)
            _assert_same_triplets(got, want, labels)
    for labels in (np.array([1, 2, 3, 4]), np.array([5, 5, 5])):
        empty = student.semi_hard_triplets(
            rng.normal(size=(len(labels), 3)), labels)
        assert all(np.asarray(part).size == 0 for part in empty), \
            "without a valid pair there are no triplets: return empty arrays"
    _assert_arrays(student, "semi_hard_triplets")


STEP = """
import keras

model = keras.Sequential([
    keras.Input(shape=(6,)),
    keras.layers.Dense(4, kernel_initializer=keras.initializers.GlorotUniform(
        seed), bias_initializer="zeros"),
])
losses = []
for alpha, rate, squared in [(0.437, 0.1, True), (1.373, 0.05, False)]:
    loss = train_step(model, keras.optimizers.SGD(rate), anchors, positives,
                      negatives, alpha, squared)
    losses.append(loss)
weights = model.get_weights()
zero = train_step(model, keras.optimizers.SGD(0.5), anchors, anchors,
                  anchors, 0.0)
unchanged = all(np.allclose(w, v) for w, v in zip(weights,
                                                  model.get_weights()))
result = {"losses": losses, "weights": weights, "zero": zero,
          "unchanged": unchanged}
"""


def _step_inputs():
    rng = np.random.default_rng(77)
    first = rng.normal(size=(7, 6)).astype(np.float32)
    same = first + rng.normal(scale=0.9, size=first.shape)
    other = first + rng.normal(scale=0.6, size=first.shape)
    return {"anchors": first, "positives": same.astype(np.float32),
            "negatives": other.astype(np.float32), "seed": 7}


@fixture
def step_expected():
    """One reference step from the same start, computed by the grader."""
    result = trusted_run(STEP, {"train_step": train_step},
                         **_step_inputs())
    expected = {f"weight{k}": w for k, w in enumerate(result["weights"])}
    expected["losses"] = np.array([float(loss) for loss in result["losses"]])
    return expected


@hidden_test("test_train_step")
def test_train_step(student):
    got = student.run(STEP, **_step_inputs())
    expected = step_expected()
    losses = [expect.scalar(loss, "the returned loss")
              for loss in got["losses"]]
    expect.close(np.array(losses), expected["losses"],
                 "the losses returned by two steps", rtol=1e-4, atol=1e-6)
    weights = [value for key, value in sorted(expected.items())
               if key.startswith("weight")]
    if len(got["weights"]) != len(weights):
        raise AssertionError("the model's weights changed in number")
    for mine, theirs in zip(got["weights"], weights):
        expect.close(mine, theirs, "the weights after two optimizer steps",
                     rtol=1e-4, atol=1e-5)
    expect.close(expect.scalar(got["zero"], "the loss"), 0.0,
                 "the loss when every triplet satisfies the margin")
    assert got["unchanged"], ("with a zero loss the weights must not change")
