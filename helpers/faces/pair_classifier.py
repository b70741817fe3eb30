"""Face verification as binary classification of a pair of encodings.

The engine of notebook 04: encoding LFW pairs (cached on disk), the pair
features other than chi-square, the logistic unit and its training and a
query timer; accuracy and ROC are in :mod:`helpers.faces.metrics`.  The
chi-square feature, the weights that turn the unit into a threshold and
the end-to-end training step are the notebook's exercises: nothing here
computes them.
"""

import hashlib
import time
from pathlib import Path

import numpy as np

from helpers.assets import replaced_atomically
from helpers.faces.metrics import as_encoding_pair
# Notebook 04 imports these from here.
from helpers.faces.metrics import accuracy, roc  # noqa: F401


def absolute_difference_features(f1, f2):
    """Return |f1 - f2| per dimension (one pair or a batch)."""
    f1, f2 = as_encoding_pair(f1, f2)
    return np.abs(f1 - f2).astype(np.float32)


def squared_difference_features(f1, f2):
    """Return (f1 - f2)² per dimension; they sum to the squared distance."""
    f1, f2 = as_encoding_pair(f1, f2)
    return np.square(f1 - f2).astype(np.float32)


def concatenation_features(f1, f2):
    """Return [f1, f2] joined along the last axis, shape (..., 2n)."""
    f1, f2 = as_encoding_pair(f1, f2)
    return np.concatenate([f1, f2], axis=-1).astype(np.float32)


def build_pair_classifier(feature_dim, learning_rate=0.01):
    """Return a compiled logistic unit: pair features -> Dense(1, sigmoid)."""
    import keras

    if int(feature_dim) != feature_dim or feature_dim < 1:
        raise ValueError(
            f"feature_dim must be a positive integer, got {feature_dim!r}"
        )
    features = keras.Input(shape=(int(feature_dim),), name="pair_features")
    probability = keras.layers.Dense(
        1, activation="sigmoid", name="same_person")(features)
    unit = keras.Model(features, probability, name="logistic_unit")
    unit.compile(optimizer=keras.optimizers.Adam(learning_rate),
                 loss="binary_crossentropy", metrics=["accuracy"])
    return unit


def train_pair_classifier(model, features, labels, epochs=200,
                          batch_size=64, progress=True):
    """Fit ``model`` on pair features and 0/1 labels; return the history."""
    features = np.asarray(features, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.float32).reshape(-1, 1)
    if len(features) != len(labels):
        raise ValueError(
            f"{len(features)} feature rows but {len(labels)} labels"
        )
    callbacks = []
    if progress:
        from tqdm.keras import TqdmCallback

        callbacks.append(TqdmCallback(verbose=0, desc="training"))
    return model.fit(
        features, labels, epochs=epochs, batch_size=batch_size,
        verbose=0, callbacks=callbacks, shuffle=True,
    )


def time_per_query(answer_query, queries, repeats=3):
    """Return the best-of-``repeats`` mean seconds per query."""
    queries = list(queries)
    if not queries:
        raise ValueError("give at least one query to time")
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for query in queries:
            answer_query(query)
        best = min(best, (time.perf_counter() - start) / len(queries))
    return best


def encodings_cache_path(paths, name, data_home=None):
    """Return the cache file for the encodings of an image list."""
    from helpers.assets import get_data_home

    key = hashlib.sha1("\n".join(str(p) for p in paths).encode()).hexdigest()
    folder = Path(get_data_home(data_home)) / "encodings"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}_{len(paths)}_{key[:16]}.npy"


def cached_encodings(paths, encode, name, batch_size=32, data_home=None):
    """Return ``encode(paths)`` in batches, cached on disk by image list.

    ``encode`` maps a list of image paths to a (len, n) array.  The result
    is stored under the data cache, keyed by the exact list of paths, so a
    second call with the same list only reads the file.
    """
    from tqdm.auto import tqdm

    paths = [str(path) for path in paths]
    if not paths:
        raise ValueError("give at least one image path to encode")
    cache = encodings_cache_path(paths, name, data_home)
    if cache.is_file():
        try:
            encodings = np.load(cache)
        except (OSError, ValueError):  # truncated or damaged: encode again
            encodings = None
        if encodings is not None and len(encodings) == len(paths):
            return encodings
    batches = []
    for start in tqdm(range(0, len(paths), batch_size), desc=f"encoding "
                      f"{name}", unit="batch"):
        batches.append(np.asarray(encode(paths[start:start + batch_size]),
                                  dtype=np.float32))
    encodings = np.concatenate(batches)
    if len(encodings) != len(paths):
        raise ValueError(
            f"encode returned {len(encodings)} encodings for "
            f"{len(paths)} images"
        )
    # Two notebooks encoding the same list at once cannot mix their writes.
    with replaced_atomically(cache, suffix=".part.npy") as temporary:
        np.save(temporary, encodings)
    return encodings


def encode_faces(encoder, paths, choose="central"):
    """Return encodings (len, n); a row of NaN where no face was found.

    ``encoder`` is a ``FaceEncoder``; each image is detected, aligned
    (one face, picked by ``choose``) and encoded.  Unlike
    ``encoder.encode`` an image without a detected face does not stop the
    batch: its row is NaN, so the pairs that use it can be dropped.
    """
    paths = list(paths)
    if not paths:
        raise ValueError("give at least one image path to encode")
    faces = encoder.detect_and_align(paths, choose=choose)
    found = [index for index, chips in enumerate(faces) if chips]
    size = encoder.keras_model.output_shape[-1]
    encodings = np.full((len(paths), size), np.nan, dtype=np.float32)
    if found:
        chips = np.stack([faces[index][0][1] for index in found])
        encodings[found] = encoder.encode_chips(chips)
    return encodings


def encode_pairs(encoder, pairs, name, choose="central", data_home=None):
    """Return (f1, f2, labels, kept) for LFW ``Pairs``, encodings cached.

    Each distinct image is encoded once (``encode_faces``) and cached on
    disk under ``name`` plus the encoder's settings.  Pairs with an image
    in which no face was found are dropped; ``kept`` holds the pairs that
    remain, in the same order as the rows of ``f1`` and ``f2``.
    """
    images = sorted({str(path) for path in pairs.paths_a + pairs.paths_b})
    settings = (f"flip{int(getattr(encoder, 'flip_average', 0))}"
                f"_norm{int(getattr(encoder, 'normalize', 0))}_{choose}")
    encodings = cached_encodings(
        images, lambda batch: encode_faces(encoder, batch, choose),
        f"{name}_{settings}", data_home=data_home)
    row = {path: index for index, path in enumerate(images)}
    f1 = encodings[[row[str(path)] for path in pairs.paths_a]]
    f2 = encodings[[row[str(path)] for path in pairs.paths_b]]
    found = ~(np.isnan(f1).any(axis=1) | np.isnan(f2).any(axis=1))
    kept = pairs.subset(np.flatnonzero(found))
    return f1[found], f2[found], kept.labels, kept
