"""End-to-end Siamese training with binary cross-entropy (notebook 04).

Notebook 03's small encoder (``helpers.faces.siamese.build_encoder``) is
trained two ways on the same batches of LFW training people: with a triplet
loss, and as a binary classifier of same/different pairs through a pair
head.  The BCE training step is the notebook's exercise:
:func:`train_pairs_bce` runs the learner's version, passed as an argument.

A batch holds ``people * images_per_person`` images; from it come every
same-person pair and as many different-person pairs (for the BCE model) and
every valid triplet (for the triplet model), so both see the same images.
"""

import numpy as np

from helpers.faces import siamese
from helpers.faces.equal_error import equal_error_threshold
from helpers.faces.metrics import verification_accuracy


def batch_pairs(labels, rng=None):
    """Return (first, second, same) of a batch: all matches, as many others.

    Every same-person pair ``i < j`` of the batch is kept; different-person
    pairs are drawn at random without repetition, as many as the matches.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {labels.shape}.")
    rng = np.random.default_rng(rng)
    rows, columns = np.triu_indices(len(labels), k=1)
    matching = labels[rows] == labels[columns]
    if not matching.any() or matching.all():
        raise ValueError(
            "A batch needs two images of one person and two people."
        )
    same_rows = np.flatnonzero(matching)
    other_rows = rng.choice(np.flatnonzero(~matching),
                            size=min(len(same_rows), int((~matching).sum())),
                            replace=False)
    chosen = np.concatenate([same_rows, np.sort(other_rows)])
    same = np.concatenate([np.ones(len(same_rows), np.float32),
                           np.zeros(len(other_rows), np.float32)])
    return rows[chosen], columns[chosen], same


def batch_all_triplet_loss(embeddings, labels, alpha=0.2):
    """Return the mean triplet loss over every valid (A, P, N) of a batch.

    A and P show one person, N another; distances are squared, as in
    FaceNet (Hermans et al. 2017 call this mining "batch all").
    """
    import tensorflow as tf

    from helpers.faces.losses import pairwise_squared_distances

    squared = pairwise_squared_distances(embeddings)
    labels = tf.convert_to_tensor(labels)
    same = tf.equal(labels[:, None], labels[None, :])
    positive = tf.logical_and(
        same, tf.logical_not(tf.eye(tf.shape(labels)[0], dtype=tf.bool)))
    negative = tf.logical_not(same)
    valid = tf.cast(tf.logical_and(positive[:, :, None],
                                   negative[:, None, :]), tf.float32)
    margins = squared[:, :, None] - squared[:, None, :] + alpha
    hinge = tf.maximum(margins, 0.0) * valid
    return tf.reduce_sum(hinge) / tf.maximum(tf.reduce_sum(valid), 1.0)


def build_pair_head(embedding_size, seed=0):
    """Return a Keras model (encoding, encoding) -> logit of "same person".

    The pair feature is the squared difference per dimension; one Dense
    unit without activation (random weights from ``seed``) gives the
    logit z, P(same) = sigmoid(z).
    """
    import keras

    if embedding_size < 1:
        raise ValueError(
            f"embedding_size must be positive, got {embedding_size}.")
    first = keras.Input(shape=(embedding_size,), name="encoding_a")
    second = keras.Input(shape=(embedding_size,), name="encoding_b")
    difference = keras.layers.Subtract(name="difference")([first, second])
    squared = keras.layers.Multiply(name="squared_difference")(
        [difference, difference])
    logit = keras.layers.Dense(
        1, name="same_person_logit",
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
    )(squared)
    return keras.Model([first, second], logit, name="pair_head")


def _batches(labels, steps, people, images_per_person, seed):
    """Yield the same sequence of identity batches for a given seed."""
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        batch = siamese.identity_batch(labels, people, images_per_person, rng)
        yield batch, rng


def _check_step(step_function):
    if step_function is None or not callable(step_function):
        raise ValueError(
            "train_pairs_bce needs step_function: pass your "
            "siamese_bce_step (step_function=siamese_bce_step)."
        )


def train_pairs_bce(encoder, head, images, labels, steps, step_function,
                    learning_rate=1e-3, people=8, images_per_person=4,
                    seed=0, progress=True):
    """Train encoder and head together with BCE; return each step's loss.

    ``step_function(encoder, head, optimizer, first_images, second_images,
    same)`` is the notebook's ``siamese_bce_step``.
    """
    import keras
    from tqdm.auto import tqdm

    _check_step(step_function)
    optimizer = keras.optimizers.Adam(learning_rate)
    losses = []
    bar = tqdm(_batches(labels, steps, people, images_per_person, seed),
               total=steps, desc="BCE pairs", disable=not progress)
    for batch, rng in bar:
        first, second, same = batch_pairs(labels[batch], rng)
        loss = step_function(encoder, head, optimizer, images[batch[first]],
                             images[batch[second]], same)
        losses.append(float(np.asarray(loss)))
        bar.set_postfix(loss=f"{losses[-1]:.3f}", refresh=False)
    return np.asarray(losses)


def train_triplets_batch_all(encoder, images, labels, steps, alpha=0.2,
                             learning_rate=1e-3, people=8,
                             images_per_person=4, seed=0, progress=True):
    """Train encoder with the batch-all triplet loss; return the losses.

    With the same ``seed`` it sees the same batches as
    :func:`train_pairs_bce`.
    """
    import keras
    import tensorflow as tf
    from tqdm.auto import tqdm

    optimizer = keras.optimizers.Adam(learning_rate)
    losses = []
    bar = tqdm(_batches(labels, steps, people, images_per_person, seed),
               total=steps, desc="triplets", disable=not progress)
    for batch, rng in bar:
        batch_pairs(labels[batch], rng)  # keeps the random stream in step
        with tf.GradientTape() as tape:
            loss = batch_all_triplet_loss(
                encoder(images[batch], training=True), labels[batch], alpha)
        variables = encoder.trainable_variables
        optimizer.apply_gradients(
            zip(tape.gradient(loss, variables), variables))
        losses.append(float(loss))
        bar.set_postfix(loss=f"{losses[-1]:.3f}", refresh=False)
    return np.asarray(losses)


def held_out_verification(encoder, split, head=None, pair_count=1000,
                          seed=1):
    """Verification accuracy on held-out people, with plain distances.

    tau ("same iff d < tau") is fitted on pairs of training people, at
    their equal error rate, and applied to pairs of the held-out people; with ``head``, its own
    decision P(same) > 0.5 on the held-out pairs is reported too.
    """
    rng = np.random.default_rng(seed)
    parts = {}
    for part in ("train", "test"):
        labels = getattr(split, f"{part}_labels")
        first, second, same = siamese.verification_pairs(
            labels, pair_count, rng)
        encodings = siamese.embed(encoder, getattr(split, f"{part}_images"))
        parts[part] = (encodings[first], encodings[second], same)
    distance = {part: np.linalg.norm(a - b, axis=-1)
                for part, (a, b, _) in parts.items()}
    tau = equal_error_threshold(distance["train"], parts["train"][2])
    result = {"threshold": tau}
    for part in ("train", "test"):
        result[f"{part}_accuracy"] = verification_accuracy(
            distance[part], parts[part][2], tau)
    if head is not None:
        a, b, same = parts["test"]
        logits = np.asarray(head([a, b], training=False)).ravel()
        result["head_test_accuracy"] = float(np.mean((logits > 0) == same))
    return result
