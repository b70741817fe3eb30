"""Mistakes learners make in notebook 03 (triplet loss, mining, training)."""

NOTEBOOK = "03_siamese_triplet"

PRELUDE = """
import numpy as np
import tensorflow as tf
"""


def run_check(exercise, namespace):
    """Run the public check of one exercise of notebook 03."""
    from helpers.checks import triplet

    check = getattr(triplet, f"check_{exercise}")
    check(namespace[exercise])


_LOSS = """
def triplet_loss(anchor, positive, negative, alpha=0.2):
    positive_distance = {positive}
    negative_distance = {negative}
    return {reduce}(tf.maximum(positive_distance - negative_distance
                               {margin}, 0.0))
"""


def _loss(positive="tf.reduce_sum(tf.square(anchor - positive), axis=-1)",
          negative="tf.reduce_sum(tf.square(anchor - negative), axis=-1)",
          reduce="tf.reduce_mean", margin="+ alpha"):
    return _LOSS.format(positive=positive, negative=negative, reduce=reduce,
                        margin=margin)


TRIPLET_LOSS = [
    ("triplet_loss", "sum over axis 0", _loss(
        "tf.reduce_sum(tf.square(anchor - positive), axis=0)",
        "tf.reduce_sum(tf.square(anchor - negative), axis=0)"),
     "axis 0"),
    ("triplet_loss", "plain distance", _loss(
        "tf.norm(anchor - positive, axis=-1)",
        "tf.norm(anchor - negative, axis=-1)"), "SQUARED distance"),
    ("triplet_loss", "absolute differences", _loss(
        "tf.reduce_sum(tf.abs(anchor - positive), axis=-1)",
        "tf.reduce_sum(tf.abs(anchor - negative), axis=-1)"),
     "absolute differences"),
    ("triplet_loss", "margin subtracted", _loss(margin="- alpha"),
     "wrong sign"),
    ("triplet_loss", "sum over the batch", _loss(reduce="tf.reduce_sum"),
     "MEAN over the triplets"),
    ("triplet_loss", "positive and negative swapped", _loss(
        "tf.reduce_sum(tf.square(anchor - negative), axis=-1)",
        "tf.reduce_sum(tf.square(anchor - positive), axis=-1)"), "swapped"),
    ("triplet_loss", "no hinge", """
def triplet_loss(anchor, positive, negative, alpha=0.2):
    d_ap = tf.reduce_sum(tf.square(anchor - positive), axis=-1)
    d_an = tf.reduce_sum(tf.square(anchor - negative), axis=-1)
    return tf.reduce_mean(d_ap - d_an + alpha)
""", "forgot the hinge"),
    ("triplet_loss", "one loss per triplet", """
def triplet_loss(anchor, positive, negative, alpha=0.2):
    d_ap = tf.reduce_sum(tf.square(anchor - positive), axis=-1)
    d_an = tf.reduce_sum(tf.square(anchor - negative), axis=-1)
    return tf.maximum(d_ap - d_an + alpha, 0.0)
""", "one value per triplet"),
    ("triplet_loss", "NumPy instead of TensorFlow", """
def triplet_loss(anchor, positive, negative, alpha=0.2):
    d_ap = np.sum((np.asarray(anchor) - np.asarray(positive)) ** 2, axis=-1)
    d_an = np.sum((np.asarray(anchor) - np.asarray(negative)) ** 2, axis=-1)
    return np.mean(np.maximum(d_ap - d_an + alpha, 0.0))
""", "No gradient flows"),
    ("triplet_loss", "forgotten return", """
def triplet_loss(anchor, positive, negative, alpha=0.2):
    d_ap = tf.reduce_sum(tf.square(anchor - positive), axis=-1)
    d_an = tf.reduce_sum(tf.square(anchor - negative), axis=-1)
    loss = tf.reduce_mean(tf.maximum(d_ap - d_an + alpha, 0.0))
""", "returned None"),
]

_MINING_START = """
def hardest_triplets(embeddings, labels):
    embeddings = np.asarray(embeddings, dtype=np.float64)
    labels = np.asarray(labels)
    distances = np.sum((embeddings[:, None] - embeddings[None]) ** 2, axis=-1)
    same = labels[:, None] == labels[None, :]
    is_positive = same & ~np.eye(len(labels), dtype=bool)
    is_negative = ~same
"""

HARDEST_TRIPLETS = [
    ("hardest_triplets", "closest positive", _MINING_START + """
    anchors = np.flatnonzero(is_positive.any(axis=1) & is_negative.any(axis=1))
    positives = np.argmin(np.where(is_positive, distances, np.inf), axis=1)
    negatives = np.argmin(np.where(is_negative, distances, np.inf), axis=1)
    return anchors, positives[anchors], negatives[anchors]
""", "CLOSEST positive"),
    ("hardest_triplets", "farthest negative", _MINING_START + """
    anchors = np.flatnonzero(is_positive.any(axis=1) & is_negative.any(axis=1))
    positives = np.argmax(np.where(is_positive, distances, -np.inf), axis=1)
    negatives = np.argmax(np.where(is_negative, distances, -np.inf), axis=1)
    return anchors, positives[anchors], negatives[anchors]
""", "FARTHEST negative"),
    ("hardest_triplets", "anchors grouped by person", _MINING_START + """
    anchors = np.flatnonzero(is_positive.any(axis=1) & is_negative.any(axis=1))
    anchors = anchors[np.argsort(labels[anchors], kind="stable")]
    positives = np.argmax(np.where(is_positive, distances, -np.inf), axis=1)
    negatives = np.argmin(np.where(is_negative, distances, np.inf), axis=1)
    return anchors, positives[anchors], negatives[anchors]
""", "grouped by person"),
    ("hardest_triplets", "Python lists", _MINING_START + """
    anchors, positives, negatives = [], [], []
    for i in range(len(labels)):
        if is_positive[i].any() and is_negative[i].any():
            anchors.append(i)
            positives.append(int(np.argmax(
                np.where(is_positive[i], distances[i], -np.inf))))
            negatives.append(int(np.argmin(
                np.where(is_negative[i], distances[i], np.inf))))
    return anchors, positives, negatives
""", "not a NumPy array"),
    ("hardest_triplets", "ties to the largest index", _MINING_START + """
    anchors = np.flatnonzero(is_positive.any(axis=1) & is_negative.any(axis=1))
    flipped = distances[:, ::-1]
    last = len(labels) - 1
    positives = last - np.argmax(
        np.where(is_positive[:, ::-1], flipped, -np.inf), axis=1)
    negatives = last - np.argmin(
        np.where(is_negative[:, ::-1], flipped, np.inf), axis=1)
    return anchors, positives[anchors], negatives[anchors]
""", "SMALLEST index"),
    ("hardest_triplets", "image is its own positive", _MINING_START + """
    anchors = np.flatnonzero(is_negative.any(axis=1))
    positives = np.argmax(np.where(same, distances, -np.inf), axis=1)
    negatives = np.argmin(np.where(is_negative, distances, np.inf), axis=1)
    return anchors, positives[anchors], negatives[anchors]
""", "its own positive"),
    ("hardest_triplets", "a lonely image as anchor", _MINING_START + """
    anchors = np.flatnonzero(is_negative.any(axis=1))
    positives = np.argmax(np.where(is_positive, distances, -np.inf), axis=1)
    negatives = np.argmin(np.where(is_negative, distances, np.inf), axis=1)
    return anchors, positives[anchors], negatives[anchors]
""", "Image 6 is the only image"),
    ("hardest_triplets", "closest image of the same person, itself",
     _MINING_START + """
    anchors = np.flatnonzero(is_positive.any(axis=1) & is_negative.any(axis=1))
    positives = np.argmin(np.where(same, distances, np.inf), axis=1)
    negatives = np.argmin(np.where(is_negative, distances, np.inf), axis=1)
    return anchors, positives[anchors], negatives[anchors]
""", "its own positive"),
    ("hardest_triplets", "single-person batch not handled", _MINING_START + """
    anchors = np.flatnonzero(is_positive.any(axis=1))
    positives = np.argmax(np.where(is_positive, distances, -np.inf), axis=1)
    negatives = np.argmin(np.where(is_negative, distances, np.inf), axis=1)
    return anchors, positives[anchors], negatives[anchors]
""", "no negative"),
    ("hardest_triplets", "forgotten return", _MINING_START + """
    anchors = np.flatnonzero(is_positive.any(axis=1) & is_negative.any(axis=1))
""", "returned None"),
]

_SEMI_START = """
def semi_hard_triplets(embeddings, labels):
    embeddings = np.asarray(embeddings, dtype=np.float64)
    labels = np.asarray(labels)
    distances = np.sum((embeddings[:, None] - embeddings[None]) ** 2, axis=-1)
    same = labels[:, None] == labels[None, :]
    is_negative = ~same
    usable = same & ~np.eye(len(labels), dtype=bool)
    usable &= is_negative.any(axis=1)[:, None]
    anchors, positives = np.nonzero(usable)
    d_ap = distances[anchors, positives][:, None]
    d_an = distances[anchors]
    candidate = is_negative[anchors]
"""

_SEMI_END = """
    nearest_beyond = np.argmin(np.where(beyond, d_an, np.inf), axis=1)
    least_hard = np.argmax(np.where(candidate, d_an, -np.inf), axis=1)
    negatives = np.where(beyond.any(axis=1), nearest_beyond, least_hard)
    return anchors, positives, negatives
"""

SEMI_HARD_TRIPLETS = [
    ("semi_hard_triplets", "fallback to the closest negative", _SEMI_START + """
    beyond = candidate & (d_an > d_ap)
    nearest_beyond = np.argmin(np.where(beyond, d_an, np.inf), axis=1)
    hardest = np.argmin(np.where(candidate, d_an, np.inf), axis=1)
    return anchors, positives, np.where(beyond.any(axis=1), nearest_beyond,
                                        hardest)
""", "fell back to the CLOSEST negative"),
    ("semi_hard_triplets", "no fallback", _SEMI_START + """
    beyond = candidate & (d_an > d_ap)
    return anchors, positives, np.argmin(np.where(beyond, d_an, np.inf),
                                         axis=1)
""", "Fall back to the FARTHEST negative"),
    ("semi_hard_triplets", ">= instead of >", _SEMI_START + """
    beyond = candidate & (d_an >= d_ap)
""" + _SEMI_END, "STRICTLY farther"),
    ("semi_hard_triplets", "closest negative of all", _SEMI_START + """
    return anchors, positives, np.argmin(np.where(candidate, d_an, np.inf),
                                         axis=1)
""", "batch-hard one"),
    ("semi_hard_triplets", "always the farthest negative", _SEMI_START + """
    return anchors, positives, np.argmax(np.where(candidate, d_an, -np.inf),
                                         axis=1)
""", "always took the FARTHEST"),
    ("semi_hard_triplets", "pairs without a farther negative dropped",
     _SEMI_START + """
    beyond = candidate & (d_an > d_ap)
    keep = beyond.any(axis=1)
    negatives = np.argmin(np.where(beyond, d_an, np.inf), axis=1)
    return anchors[keep], positives[keep], negatives[keep]
""", "fall back to the farthest negative"),
    ("semi_hard_triplets", "only the farthest positive", """
def semi_hard_triplets(embeddings, labels):
    embeddings = np.asarray(embeddings, dtype=np.float64)
    labels = np.asarray(labels)
    distances = np.sum((embeddings[:, None] - embeddings[None]) ** 2, axis=-1)
    same = labels[:, None] == labels[None, :]
    is_positive = same & ~np.eye(len(labels), dtype=bool)
    is_negative = ~same
    anchors = np.flatnonzero(is_positive.any(axis=1) & is_negative.any(axis=1))
    positives = np.argmax(np.where(is_positive, distances, -np.inf),
                          axis=1)[anchors]
    d_ap = distances[anchors, positives][:, None]
    d_an = distances[anchors]
    candidate = is_negative[anchors]
    beyond = candidate & (d_an > d_ap)
""" + _SEMI_END, "every positive"),
    ("semi_hard_triplets", "pairs grouped by person", _SEMI_START + """
    beyond = candidate & (d_an > d_ap)
    nearest_beyond = np.argmin(np.where(beyond, d_an, np.inf), axis=1)
    least_hard = np.argmax(np.where(candidate, d_an, -np.inf), axis=1)
    negatives = np.where(beyond.any(axis=1), nearest_beyond, least_hard)
    order = np.argsort(labels[anchors], kind="stable")
    return anchors[order], positives[order], negatives[order]
""", "grouped by person"),
    ("semi_hard_triplets", "image is its own positive", """
def semi_hard_triplets(embeddings, labels):
    embeddings = np.asarray(embeddings, dtype=np.float64)
    labels = np.asarray(labels)
    distances = np.sum((embeddings[:, None] - embeddings[None]) ** 2, axis=-1)
    same = labels[:, None] == labels[None, :]
    is_negative = ~same
    anchors, positives = np.nonzero(same & is_negative.any(axis=1)[:, None])
    d_ap = distances[anchors, positives][:, None]
    d_an = distances[anchors]
    candidate = is_negative[anchors]
    beyond = candidate & (d_an > d_ap)
""" + _SEMI_END, "its own positive"),
    ("semi_hard_triplets", "Python lists", _SEMI_START + """
    beyond = candidate & (d_an > d_ap)
""" + _SEMI_END.replace("return anchors, positives, negatives",
                        "return anchors.tolist(), positives.tolist(), "
                        "negatives.tolist()"), "not a NumPy array"),
]

_STEP = """
def train_step(model, optimizer, anchors, positives, negatives, alpha=0.2):
{body}
"""

TRAIN_STEP = [
    ("train_step", "model run outside the tape", _STEP.format(body="""
    a, p, n = model(anchors), model(positives), model(negatives)
    with tf.GradientTape() as tape:
        loss = triplet_loss(a, p, n, alpha)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss"""), "INSIDE 'with tf.GradientTape() as tape:'"),
    ("train_step", "gradient ascent", _STEP.format(body="""
    with tf.GradientTape() as tape:
        loss = triplet_loss(model(anchors), model(positives),
                            model(negatives), alpha)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip([-g for g in gradients],
                                  model.trainable_variables))
    return loss"""), "gradient ascent"),
    ("train_step", "loss after the update", _STEP.format(body="""
    with tf.GradientTape() as tape:
        loss = triplet_loss(model(anchors), model(positives),
                            model(negatives), alpha)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return triplet_loss(model(anchors), model(positives), model(negatives),
                        alpha)"""), "AFTER the update"),
    ("train_step", "alpha not passed on", _STEP.format(body="""
    with tf.GradientTape() as tape:
        loss = triplet_loss(model(anchors), model(positives),
                            model(negatives))
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss"""), "pass alpha on"),
    ("train_step", "gradients never applied", _STEP.format(body="""
    with tf.GradientTape() as tape:
        loss = triplet_loss(model(anchors), model(positives),
                            model(negatives), alpha)
    gradients = tape.gradient(loss, model.trainable_variables)
    return loss"""), "weights did not change"),
    ("train_step", "forgotten return", _STEP.format(body="""
    with tf.GradientTape() as tape:
        loss = triplet_loss(model(anchors), model(positives),
                            model(negatives), alpha)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))"""),
     "returned None"),
    ("train_step", "positives and negatives swapped", _STEP.format(body="""
    with tf.GradientTape() as tape:
        loss = triplet_loss(model(anchors), model(negatives),
                            model(positives), alpha)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss"""), "which batch goes into which argument"),
    ("train_step", "a typo in the learner's code", _STEP.format(body="""
    with tf.GradientTape() as tape:
        loss = triplet_loss(model(anchors), model(positives),
                            model(negatives), alpha)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_varibles))
    return loss"""), "Your train_step raised AttributeError"),
]

MISTAKES = TRIPLET_LOSS + HARDEST_TRIPLETS + SEMI_HARD_TRIPLETS + TRAIN_STEP
