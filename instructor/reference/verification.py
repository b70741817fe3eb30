"""Reference versions of the verification exercises (notebooks 01 and 02).

Everything works on encodings (NumPy arrays of shape ``(n,)`` or
``(k, n)``) and on plain-dict databases ``{name: encodings (k, n)}``.

Conventions (the same as ``helpers.faces.FaceDatabase``):

- the distance between two encodings is the Euclidean norm of their
  difference; the distance to a person is the smallest distance to any of
  that person's stored encodings;
- two faces "match" when the distance is strictly below the threshold.
"""

import numpy as np

NOT_RECOGNIZED = "not recognized"


def _as_float_array(values, what):
    """Return ``values`` as a float64 array; ValueError if not numeric."""
    if hasattr(values, "numpy"):
        values = values.numpy()
    array = np.asarray(values)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{what} must be numbers, got dtype {array.dtype}.")
    return array.astype(np.float64)


def embedding_distance(encoding_a, encoding_b):
    """Return the Euclidean distance between encodings along the last axis.

    Shapes ``(n,)`` and ``(n,)`` give a number; ``(k, n)`` and ``(k, n)``
    give ``k`` distances, row by row; ``(n,)`` and ``(k, n)`` compare one
    encoding with each of ``k`` others.
    """
    a = _as_float_array(encoding_a, "encoding_a")
    b = _as_float_array(encoding_b, "encoding_b")
    if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"Encodings of shapes {a.shape} and {b.shape} cannot be "
            "compared: their last axes (the encoding size) must be equal.")
    return np.sqrt(np.sum((a - b) ** 2, axis=-1))


def _check_threshold(threshold):
    """Return ``threshold`` as a float; ValueError unless positive."""
    value = float(threshold)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"threshold must be positive, got {threshold!r}.")
    return value


def verify(encoding, database, name, threshold):
    """Return ``(distance, match)`` for the claim "``encoding`` is ``name``".

    ``distance`` is the smallest distance between ``encoding`` and the
    stored encodings of ``name``; ``match`` is ``distance < threshold``.
    An unknown name raises KeyError.
    """
    threshold = _check_threshold(threshold)
    if name not in database:
        raise KeyError(
            f"{name!r} is not in the database; known people: "
            f"{', '.join(sorted(database))}.")
    stored = np.atleast_2d(_as_float_array(database[name], name))
    distance = float(np.min(embedding_distance(encoding, stored)))
    return distance, distance < threshold


def identify(encoding, database, threshold):
    """Return ``(name, distance)`` of the nearest person in ``database``.

    When even the nearest person is at ``threshold`` or farther, the name
    is ``"not recognized"`` (the distance is still the smallest one).
    """
    threshold = _check_threshold(threshold)
    if not database:
        raise ValueError("The database is empty: add people first.")
    best_name, best_distance = None, np.inf
    for name, stored in database.items():
        stored = np.atleast_2d(_as_float_array(stored, name))
        distance = float(np.min(embedding_distance(encoding, stored)))
        if distance < best_distance:
            best_name, best_distance = name, distance
    if best_distance >= threshold:
        return NOT_RECOGNIZED, best_distance
    return best_name, best_distance


def _check_pairs(distances, labels):
    """Return distances and 0/1 labels as arrays after checking them."""
    distances = _as_float_array(distances, "distances").ravel()
    labels = np.asarray(labels).ravel()
    if len(distances) != len(labels) or not len(labels):
        raise ValueError(
            f"Give one label per distance (got {len(distances)} distances "
            f"and {len(labels)} labels, at least one of each).")
    if not np.all(np.isin(labels, (0, 1))):
        raise ValueError("labels must be 1 (same person) or 0 (different).")
    return distances, labels.astype(np.int64)


def accuracy_at(distances, labels, threshold):
    """Return the fraction of pairs classified correctly at ``threshold``."""
    distances, labels = _check_pairs(distances, labels)
    return float(np.mean((distances < threshold) == (labels == 1)))


def choose_threshold(distances, labels):
    """Return ``(threshold, accuracy)`` maximising accuracy on the pairs.

    Candidates are the midpoints between consecutive distinct sorted
    distances, plus one below the smallest and one above the largest; a
    pair is "same" when its distance is strictly below the threshold.  On a
    tie the smallest such threshold wins.
    """
    distances, labels = _check_pairs(distances, labels)
    values = np.unique(distances)
    candidates = np.concatenate([
        [values[0] - 1.0], (values[:-1] + values[1:]) / 2, [values[-1] + 1.0]])
    accepted = distances[None, :] < candidates[:, None]
    accuracies = np.mean(accepted == (labels[None, :] == 1), axis=1)
    best = int(np.argmax(accuracies))
    return float(candidates[best]), float(accuracies[best])


def error_rates(distances, labels, threshold):
    """Return ``(false_accept_rate, false_reject_rate)`` at ``threshold``.

    False-accept rate: the fraction of different-person pairs (label 0)
    whose distance is below the threshold.  False-reject rate: the
    fraction of same-person pairs (label 1) at or above it.
    """
    distances, labels = _check_pairs(distances, labels)
    if labels.min() == labels.max():
        raise ValueError("Error rates need both same and different pairs.")
    accepted = distances < threshold
    false_accept = float(np.mean(accepted[labels == 0]))
    false_reject = float(np.mean(~accepted[labels == 1]))
    return false_accept, false_reject
