"""Error figures of a face verifier: ROC curve, its area, and how errors
compound when one verifier is used for recognition (notebooks 01 and 02).

The verification exercises themselves (distance, verify, identify, choosing
a threshold, error rates) are the notebooks' exercises; their references
are in ``instructor.exercises`` (nb01_verification_recognition,
nb02_one_shot).

The error-compounding functions give, for a verifier with per-comparison
false-accept rate ``p`` and false-reject rate ``q``, the chance of an error
when the same verifier is used for recognition against ``K`` people,
assuming the comparisons fail independently.  A pair "matches" when its
distance is strictly below the threshold.
"""

import numpy as np


def _as_float_array(values, what):
    """Return ``values`` as a float64 array; ValueError if not numeric."""
    if hasattr(values, "numpy"):
        values = values.numpy()
    array = np.asarray(values)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{what} must be numbers, got dtype {array.dtype}.")
    return array.astype(np.float64)


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
    if not np.all(np.isfinite(distances)):
        raise ValueError(
            f"{int(np.sum(~np.isfinite(distances)))} distances are NaN or "
            "infinite: check the embeddings they come from.")
    return distances, labels.astype(np.int64)


def candidate_thresholds(distances):
    """Return every threshold that splits the sorted distances differently.

    One below the smallest distance, the midpoints between consecutive
    distinct distances, one above the largest: increasing.
    """
    values = np.unique(distances)
    middle = np.convolve(values, [0.5, 0.5], mode="valid")
    return np.hstack([values[:1] - 1.0, middle, values[-1:] + 1.0])


def best_threshold(distances, labels):
    """Return the threshold tau of "same iff d < tau" with the best accuracy.

    The candidates are :func:`candidate_thresholds`; of equally good ones
    the smallest is returned.  ``labels`` are 1/True for the same person.
    """
    distances, labels = _check_pairs(distances, labels)
    thresholds = candidate_thresholds(distances)
    same = np.sort(distances[labels == 1])
    different = np.sort(distances[labels == 0])
    # Right: same-person pairs below tau, other pairs at or above it.
    right = (np.searchsorted(same, thresholds, side="left")
             + len(different)
             - np.searchsorted(different, thresholds, side="left"))
    return float(thresholds[int(np.argmax(right))])


def roc_points(distances, labels):
    """Return ``(false_accept_rates, true_accept_rates, thresholds)``.

    One point per candidate threshold (:func:`candidate_thresholds`), from
    the strictest (nothing accepted) to the loosest (everything accepted).
    """
    distances, labels = _check_pairs(distances, labels)
    if labels.min() == labels.max():
        raise ValueError("A ROC curve needs both same and different pairs.")
    thresholds = candidate_thresholds(distances)
    accepted = np.greater.outer(thresholds, distances)
    false_accept = accepted[:, labels == 0].mean(axis=1)
    true_accept = accepted[:, labels == 1].mean(axis=1)
    return false_accept, true_accept, thresholds


def area_under_curve(false_accept_rates, true_accept_rates):
    """Return the area under a ROC curve by the trapezoidal rule."""
    x = _as_float_array(false_accept_rates, "false_accept_rates")
    y = _as_float_array(true_accept_rates, "true_accept_rates")
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2))


def _check_rate(rate, what):
    """Return ``rate`` as a float array after checking it is in [0, 1]."""
    rate = _as_float_array(rate, what)
    if np.any((rate < 0) | (rate > 1)):
        raise ValueError(f"{what} must lie between 0 and 1, got {rate}.")
    return rate


def _check_people(people):
    """Return the database size(s) as an array after checking them."""
    people = np.asarray(people)
    if not np.issubdtype(people.dtype, np.integer) or np.any(people < 1):
        raise ValueError(
            f"The number of people must be a whole number >= 1, got {people}.")
    return people


def impostor_acceptance(false_accept_rate, people):
    """Return P(an outsider is accepted as someone) among ``people`` people.

    The outsider is compared with every person and accepted if any
    comparison passes: ``1 - (1 - p) ** K``.
    """
    p = _check_rate(false_accept_rate, "false_accept_rate")
    people = _check_people(people)
    return 1.0 - (1.0 - p) ** people


def identification_error(false_accept_rate, false_reject_rate, people):
    """Return P(an enrolled person is not given exactly their own name).

    A threshold rule names a person correctly for sure when their own
    comparison passes and the ``K - 1`` others fail:
    ``1 - (1 - q) * (1 - p) ** (K - 1)``.  (Nearest-neighbour search can
    still rescue some cases where another person also passes, so this is
    an upper bound on the error of ``identify``.)
    """
    p = _check_rate(false_accept_rate, "false_accept_rate")
    q = _check_rate(false_reject_rate, "false_reject_rate")
    people = _check_people(people)
    return 1.0 - (1.0 - q) * (1.0 - p) ** (people - 1)


def largest_false_accept_rate(people, tolerated=0.01):
    """Return the largest FAR that keeps impostor acceptance <= tolerated."""
    tolerated = float(_check_rate(tolerated, "tolerated"))
    people = _check_people(people)
    return 1.0 - (1.0 - tolerated) ** (1.0 / people)
