"""A small trainable face encoder, Siamese wiring and triplet training.

This module backs notebook 03.  Unlike the pretrained dlib encoder of
notebooks 01, 02 and 04, the encoder here starts from random weights and is trained
with the triplet loss on a few thousand LFW images, so the whole pipeline
(sampling triplets, mining hard ones, the training steps, evaluation on
held-out identities) runs on a laptop CPU in minutes.  The triplet loss,
batch-hard and semi-hard mining and the training step are the notebook's
exercises: :func:`train_triplets` runs the learner's versions, passed as
arguments.  :func:`train_contrastive` trains with the contrastive loss.

Triplets are index arrays ``(anchors, positives, negatives)`` into an image
array; labels are integer identity numbers.
"""

from dataclasses import dataclass

import numpy as np

from helpers.faces.equal_error import equal_error_threshold
from helpers.faces.metrics import verification_accuracy

SPLIT_SEED = 0


# --- data ------------------------------------------------------------------


@dataclass
class IdentitySplit:
    """LFW faces split by identity: nobody appears in both parts."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    names: np.ndarray

    @property
    def image_shape(self):
        """Shape of one image, ``(height, width, channels)``."""
        return self.train_images.shape[1:]


def standardize_images(images):
    """Give each image zero mean and unit variance (removes lighting)."""
    images = np.asarray(images, dtype=np.float32)
    axes = tuple(range(1, images.ndim))
    mean = images.mean(axis=axes, keepdims=True)
    spread = images.std(axis=axes, keepdims=True)
    return (images - mean) / np.maximum(spread, 1e-6)


def split_by_identity(labels, holdout_fraction=0.25, seed=SPLIT_SEED):
    """Return (train_mask, test_mask) holding out whole identities."""
    if not 0.0 < holdout_fraction < 1.0:
        raise ValueError(
            f"holdout_fraction must be between 0 and 1, got "
            f"{holdout_fraction}."
        )
    labels = np.asarray(labels)
    identities = np.unique(labels)
    held_count = max(1, int(round(holdout_fraction * len(identities))))
    if held_count >= len(identities):
        raise ValueError(
            f"Holding out {held_count} of {len(identities)} identities "
            "leaves none for training."
        )
    rng = np.random.default_rng(seed)
    held_out = rng.choice(identities, size=held_count, replace=False)
    test_mask = np.isin(labels, held_out)
    return ~test_mask, test_mask


def load_identities(min_faces_per_person=20, resize=0.25,
                    holdout_fraction=0.25, seed=SPLIT_SEED):
    """Load grayscale LFW faces and hold out a quarter of the identities."""
    from helpers.data.lfw import load_people

    if min_faces_per_person < 2:
        raise ValueError(
            "Triplets need at least two images per person: use "
            f"min_faces_per_person >= 2, not {min_faces_per_person}."
        )
    people = load_people(min_faces_per_person=min_faces_per_person,
                         resize=resize, color=False)
    images = standardize_images(people.images)[..., np.newaxis]
    train, test = split_by_identity(people.target, holdout_fraction, seed)
    return IdentitySplit(
        train_images=images[train], train_labels=people.target[train],
        test_images=images[test], test_labels=people.target[test],
        names=np.asarray(people.target_names),
    )


# --- models ----------------------------------------------------------------


def build_encoder(input_shape, embedding_size=32, seed=0):
    """Return a small ConvNet mapping a face to a unit-length embedding."""
    import keras
    from keras import layers

    if embedding_size < 1:
        raise ValueError(
            f"embedding_size must be positive, got {embedding_size}."
        )
    initializer = keras.initializers.GlorotUniform
    inputs = keras.Input(shape=tuple(input_shape), name="face")
    x = inputs
    for index, filters in enumerate((16, 32, 64)):
        x = layers.Conv2D(
            filters, 3, padding="same", activation="relu",
            kernel_initializer=initializer(seed=seed + index),
            name=f"conv{index + 1}",
        )(x)
        if index < 2:
            x = layers.MaxPooling2D(2, name=f"pool{index + 1}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(
        embedding_size, kernel_initializer=initializer(seed=seed + 10),
        name="embedding",
    )(x)
    outputs = layers.UnitNormalization(name="unit_length")(x)
    return keras.Model(inputs, outputs, name="small_face_encoder")


def build_siamese(encoder):
    """Wire one encoder into three branches (anchor, positive, negative)."""
    import keras

    shape = encoder.input_shape[1:]
    inputs = [keras.Input(shape=shape, name=role)
              for role in ("anchor", "positive", "negative")]
    outputs = [encoder(branch) for branch in inputs]
    return keras.Model(inputs, outputs, name="siamese_triplet_network")


def collapsed_copy(encoder, seed=0):
    """Return a copy of ``encoder`` that maps every face to one point."""
    import keras

    copy = keras.models.clone_model(encoder)
    copy.set_weights(encoder.get_weights())
    dense = copy.get_layer("embedding")
    kernel, bias = dense.get_weights()
    rng = np.random.default_rng(seed)
    dense.set_weights([np.zeros_like(kernel),
                       rng.normal(size=bias.shape).astype(bias.dtype)])
    return copy


def embed(encoder, images, batch_size=512):
    """Return the embeddings of ``images`` as a NumPy array."""
    images = np.asarray(images, dtype=np.float32)
    parts = [np.asarray(encoder(images[start:start + batch_size],
                                training=False))
             for start in range(0, len(images), batch_size)]
    return np.concatenate(parts, axis=0)


# --- triplet selection -----------------------------------------------------


def _check_labels(labels):
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {labels.shape}.")
    return labels


def random_triplets(labels, count, rng=None):
    """Sample ``count`` random valid triplets (A, P same person; N not)."""
    labels = _check_labels(labels)
    rng = np.random.default_rng(rng)
    identities, counts = np.unique(labels, return_counts=True)
    usable = identities[counts >= 2]
    if len(usable) == 0 or len(identities) < 2:
        raise ValueError(
            "Random triplets need a person with two images and at least "
            "two people."
        )
    members = {person: np.flatnonzero(labels == person)
               for person in identities}
    anchors = np.empty(count, dtype=np.int64)
    positives = np.empty(count, dtype=np.int64)
    negatives = np.empty(count, dtype=np.int64)
    for row in range(count):
        person = rng.choice(usable)
        anchors[row], positives[row] = rng.choice(
            members[person], size=2, replace=False)
        other = rng.choice(identities[identities != person])
        negatives[row] = rng.choice(members[other])
    return anchors, positives, negatives


def identity_batch(labels, people=8, images_per_person=4, rng=None):
    """Return indices of ``people`` random people x ``images_per_person``."""
    labels = _check_labels(labels)
    rng = np.random.default_rng(rng)
    identities, counts = np.unique(labels, return_counts=True)
    usable = identities[counts >= images_per_person]
    if len(usable) < people:
        raise ValueError(
            f"Only {len(usable)} people have {images_per_person} images; "
            f"cannot fill a batch of {people} people."
        )
    chosen = rng.choice(usable, size=people, replace=False)
    return np.concatenate([
        rng.choice(np.flatnonzero(labels == person),
                   size=images_per_person, replace=False)
        for person in chosen
    ])


def squared_distance_matrix(embeddings):
    """Return all pairwise squared L2 distances as a NumPy array.

    Uses |x - y|² = |x|² + |y|² - 2 x·y (one matrix product), clipped at 0
    against round-off.
    """
    embeddings = np.asarray(embeddings, dtype=float)
    if embeddings.ndim != 2:
        raise ValueError(
            f"embeddings must be 2-D (batch, size), got {embeddings.shape}."
        )
    norms = np.einsum("ij,ij->i", embeddings, embeddings)
    products = embeddings @ embeddings.T
    return np.maximum(norms[:, np.newaxis] + norms[np.newaxis, :]
                      - 2.0 * products, 0.0)


# --- training --------------------------------------------------------------


MINING_CHOICES = ("random", "batch-hard", "semi-hard", "hard")
_MINERS = {"batch-hard": "hardest_triplets", "hard": "hardest_triplets",
           "semi-hard": "semi_hard_triplets"}


def _check_training_functions(mining, step_function, mining_function):
    """ValueError unless the step (and, for mining, the miner) is set."""
    if mining not in MINING_CHOICES:
        raise ValueError(
            f"mining must be one of {MINING_CHOICES}, got {mining!r}."
        )
    needed = [("step_function", step_function, "train_step")]
    if mining in _MINERS:
        needed.append(("mining_function", mining_function, _MINERS[mining]))
    for argument, function, exercise in needed:
        if function is None:
            raise ValueError(
                f"train_triplets needs {argument}: pass your {exercise} "
                f"from the exercise ({argument}={exercise})."
            )
        if not callable(function):
            raise ValueError(
                f"{argument} must be callable (your {exercise} function), "
                f"got {type(function).__name__}."
            )


def _mined_triplets(encoder, images, labels, mining_function, people,
                    images_per_person, rng):
    """Mine one batch of ``people`` x ``images_per_person`` images."""
    batch = identity_batch(labels, people, images_per_person, rng)
    chosen = [np.asarray(index) for index in
              mining_function(embed(encoder, images[batch]), labels[batch])]
    size = people * images_per_person
    if len(chosen[0]) > size:
        keep = np.sort(rng.choice(len(chosen[0]), size=size, replace=False))
        chosen = [index[keep] for index in chosen]
    return tuple(batch[index] for index in chosen)


def train_triplets(encoder, images, labels, steps, mining="random",
                   alpha=0.2, learning_rate=1e-3, people=8,
                   images_per_person=4, step_function=None,
                   mining_function=None, warmup_steps=0, seed=0,
                   progress=True):
    """Train ``encoder`` for ``steps`` steps; return the loss of each step.

    ``step_function(encoder, optimizer, anchors, positives, negatives,
    alpha)`` does one training step and returns its loss: the notebook's
    ``train_step``.  Every step uses at most ``people * images_per_person``
    triplets.  ``mining`` is ``"random"`` (random triplets from the whole
    set) or, inside a batch of ``people`` x ``images_per_person`` images,
    the triplets of ``mining_function(embeddings, labels)``:
    ``"batch-hard"`` (or ``"hard"``; the notebook's ``hardest_triplets``)
    or ``"semi-hard"`` (its
    ``semi_hard_triplets``; a random subset when it returns more).  The
    first ``warmup_steps`` steps use random triplets whatever ``mining``.
    """
    import keras
    from tqdm.auto import tqdm

    _check_training_functions(mining, step_function, mining_function)
    if not 0 <= warmup_steps <= steps:
        raise ValueError(
            f"warmup_steps must be between 0 and steps={steps}, got "
            f"{warmup_steps}."
        )
    rng = np.random.default_rng(seed)
    optimizer = keras.optimizers.Adam(learning_rate)
    batch_size = people * images_per_person
    losses = []
    title = mining if not warmup_steps else f"random, then {mining}"
    bar = tqdm(range(steps), desc=f"{title} triplets", disable=not progress)
    for step in bar:
        if mining == "random" or step < warmup_steps:
            anchors, positives, negatives = random_triplets(
                labels, batch_size, rng)
        else:
            anchors, positives, negatives = _mined_triplets(
                encoder, images, labels, mining_function, people,
                images_per_person, rng)
        loss = step_function(encoder, optimizer, images[anchors],
                             images[positives], images[negatives], alpha)
        losses.append(float(np.asarray(loss)))
        bar.set_postfix(loss=f"{losses[-1]:.3f}", refresh=False)
    return np.asarray(losses)


def train_contrastive(encoder, images, labels, steps, margin=1.0,
                      learning_rate=1e-3, people=8, images_per_person=4,
                      seed=0, progress=True):
    """Train ``encoder`` with the contrastive loss; return each step's loss.

    Each step embeds a batch of ``people`` x ``images_per_person`` images
    and uses all its pairs (:func:`helpers.faces.losses.contrastive_loss`).
    """
    import keras
    import tensorflow as tf
    from tqdm.auto import tqdm

    from helpers.faces.losses import contrastive_loss

    rng = np.random.default_rng(seed)
    optimizer = keras.optimizers.Adam(learning_rate)
    size = people * images_per_person
    first, second = np.triu_indices(size, k=1)
    losses = []
    bar = tqdm(range(steps), desc="contrastive pairs", disable=not progress)
    for _ in bar:
        batch = identity_batch(labels, people, images_per_person, rng)
        same = labels[batch][first] == labels[batch][second]
        weights = encoder.trainable_variables
        with tf.GradientTape() as tape:
            codes = encoder(images[batch], training=True)
            value = contrastive_loss(tf.gather(codes, first),
                                     tf.gather(codes, second), same, margin)
        optimizer.apply_gradients(zip(tape.gradient(value, weights),
                                      weights))
        losses.append(float(value))
        bar.set_postfix(loss=f"{losses[-1]:.3f}", refresh=False)
    return np.asarray(losses)


# --- evaluation ------------------------------------------------------------


def verification_pairs(labels, count=1000, rng=None):
    """Return (first, second, same): half same-person, half different pairs."""
    labels = _check_labels(labels)
    rng = np.random.default_rng(rng)
    half = count // 2
    anchors, positives, negatives = random_triplets(labels, half, rng)
    first = np.concatenate([anchors, anchors])
    second = np.concatenate([positives, negatives])
    same = np.concatenate([np.ones(half, bool), np.zeros(half, bool)])
    return first, second, same


def evaluate_verification(encoder, split, pair_count=1000, seed=1):
    """Fit tau on training people (equal error rate), score new people."""
    rng = np.random.default_rng(seed)
    results = {}
    for part in ("train", "test"):
        images = getattr(split, f"{part}_images")
        labels = getattr(split, f"{part}_labels")
        first, second, same = verification_pairs(labels, pair_count, rng)
        embeddings = embed(encoder, images)
        distances = np.linalg.norm(embeddings[first] - embeddings[second],
                                   axis=-1)
        results[part] = (distances, same)
    threshold = equal_error_threshold(*results["train"])
    return {
        "threshold": threshold,
        "train_accuracy": verification_accuracy(*results["train"], threshold),
        "test_accuracy": verification_accuracy(*results["test"], threshold),
        "test_distances": results["test"][0],
        "test_same": results["test"][1],
    }


# --- pictures --------------------------------------------------------------


def project_2d(embeddings):
    """Project embeddings on their two principal components (PCA)."""
    embeddings = np.asarray(embeddings, dtype=float)
    if embeddings.ndim != 2 or len(embeddings) < 2:
        raise ValueError(
            "project_2d needs a (n >= 2, size) array, got shape "
            f"{embeddings.shape}."
        )
    centred = embeddings - embeddings.mean(axis=0)
    _, _, directions = np.linalg.svd(centred, full_matrices=False)
    return centred @ directions[:2].T


def plot_embeddings(embeddings, labels, names, axis, title=""):
    """Scatter the 2-D PCA projection of embeddings, one colour a person."""
    points = project_2d(embeddings)
    labels = np.asarray(labels)
    colours = _colours(len(np.unique(labels)))
    for colour, person in zip(colours, np.unique(labels)):
        mask = labels == person
        axis.scatter(points[mask, 0], points[mask, 1], s=12, alpha=0.8,
                     color=colour, label=str(names[person]))
    axis.set_title(title)
    axis.set_xticks([])
    axis.set_yticks([])


def _colours(count):
    import matplotlib.pyplot as plt

    palette = plt.get_cmap("tab10" if count <= 10 else "tab20")
    return [palette(index % palette.N) for index in range(count)]


def show_triplets(images, anchors, positives, negatives, distances=None,
                  rows=4):
    """Show ``rows`` triplets as an anchor | positive | negative grid."""
    import matplotlib.pyplot as plt

    rows = min(rows, len(anchors))
    if rows == 0:
        raise ValueError("show_triplets got no triplets to show.")
    figure, axes = plt.subplots(rows, 3, figsize=(4.2, 1.6 * rows),
                                squeeze=False)
    for row in range(rows):
        trio = (anchors[row], positives[row], negatives[row])
        for column, (role, index) in enumerate(
                zip(("anchor", "positive", "negative"), trio)):
            axis = axes[row, column]
            axis.imshow(np.squeeze(images[index]), cmap="gray")
            axis.set_xticks([])
            axis.set_yticks([])
            if row == 0:
                axis.set_title(role, fontsize=9)
            if distances is not None and column > 0:
                axis.set_xlabel(
                    f"d = {distances[trio[0], index]:.2f}", fontsize=8)
    figure.tight_layout()
    return figure


def draw_siamese(anchor, positive, negative):
    """Draw the triplet network: three faces, one shared encoder, a loss."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    figure, axis = plt.subplots(figsize=(9, 3.6))
    axis.set_xlim(0, 10)
    axis.set_ylim(0, 4)
    axis.axis("off")
    rows = (3.2, 2.0, 0.8)
    for y, image, role in zip(rows, (anchor, positive, negative),
                              ("anchor A", "positive P", "negative N")):
        axis.imshow(np.squeeze(image), cmap="gray",
                    extent=(0.3, 1.1, y - 0.5, y + 0.5))
        axis.text(0.2, y, role, ha="right", va="center", fontsize=9)
        axis.annotate("", (2.4, y), (1.2, y),
                      arrowprops={"arrowstyle": "->"})
        axis.add_patch(FancyBboxPatch((2.5, y - 0.35), 2.0, 0.7,
                                      boxstyle="round,pad=0.05",
                                      color="C0", alpha=0.35))
        axis.text(3.5, y, "encoder f (θ)", ha="center", va="center",
                  fontsize=9)
        axis.annotate("", (5.6, y), (4.6, y),
                      arrowprops={"arrowstyle": "->"})
        axis.text(6.2, y, f"f({role[-1]}) ∈ R³²", ha="center", va="center",
                  fontsize=9)
        axis.annotate("", (7.7, 2.0), (6.9, y),
                      arrowprops={"arrowstyle": "->", "color": "gray"})
    for upper, lower in zip(rows[:-1], rows[1:]):
        axis.plot([3.5, 3.5], [upper - 0.42, lower + 0.42], "k:", lw=1.5)
        axis.text(3.6, (upper + lower) / 2, "same weights θ", fontsize=8,
                  va="center")
    axis.add_patch(FancyBboxPatch((7.8, 1.5), 2.0, 1.0,
                                  boxstyle="round,pad=0.05", color="C1",
                                  alpha=0.35))
    axis.text(8.8, 2.0, "triplet loss\nmax(d²(A,P) − d²(A,N)\n+ α, 0)",
              ha="center", va="center", fontsize=8)
    return figure
