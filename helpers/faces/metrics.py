"""Face metrics: accuracy, candidate thresholds and the ROC curve.

What the course measures a face verifier with beside the learner's own
functions: the accuracy of same/different calls, the candidate thresholds
of a set of distances, the ROC curve and its area.  A pair "matches" when
its distance is strictly below the threshold, as everywhere in the course.

The exercises (distance, verify, identify, error rates, the 1:K formulas,
the threshold for a target risk at a door with K people) are the
notebooks'; their references are in ``instructor.exercises``.  Nothing
here computes their results (``tests/test_no_engine_answers.py``).
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




def as_encoding_pair(f1, f2):
    """Return two float64 arrays of encodings after checking their shapes.

    One encoding each, shape ``(n,)``, or a batch, ``(pairs, n)``.
    """
    f1 = np.asarray(f1, dtype=np.float64)
    f2 = np.asarray(f2, dtype=np.float64)
    if f1.shape != f2.shape:
        raise ValueError(
            f"the two encodings must have the same shape, got {f1.shape} "
            f"and {f2.shape}"
        )
    if f1.ndim not in (1, 2):
        raise ValueError(
            "expected one encoding (n,) or a batch (pairs, n), got shape "
            f"{f1.shape}"
        )
    return f1, f2




def accuracy(predicted_same, labels):
    """Return the fraction of pairs whose same/different call is right."""
    predicted_same = np.asarray(predicted_same).ravel().astype(bool)
    labels = np.asarray(labels).ravel().astype(bool)
    if len(predicted_same) != len(labels):
        raise ValueError(
            f"{len(predicted_same)} predictions but {len(labels)} labels"
        )
    return float(np.mean(predicted_same == labels))


def verification_accuracy(distances, same, threshold):
    """Return the fraction of pairs classified right by d < threshold."""
    distances = np.asarray(distances)
    same = np.asarray(same, dtype=bool)
    if distances.shape != same.shape:
        raise ValueError(
            f"distances {distances.shape} and same {same.shape} differ."
        )
    return float(np.mean((distances < threshold) == same))


def candidate_thresholds(distances):
    """Return every threshold that splits the sorted distances differently.

    One below the smallest distance, the midpoints between consecutive
    distinct distances, one above the largest: increasing.
    """
    values = np.unique(distances)
    middle = np.convolve(values, [0.5, 0.5], mode="valid")
    return np.hstack([values[:1] - 1.0, middle, values[-1:] + 1.0])




def area_under_curve(false_accept_rates, true_accept_rates):
    """Return the area under a ROC curve by the trapezoidal rule."""
    x = _as_float_array(false_accept_rates, "false_accept_rates")
    y = _as_float_array(true_accept_rates, "true_accept_rates")
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2))


def roc(scores, labels):
    """Return (false positive rates, true positive rates, area under curve).

    ``scores`` must grow with the belief "same person" (use minus the
    distance for a distance).
    """
    from sklearn.metrics import auc, roc_curve

    scores = np.asarray(scores, dtype=np.float64).ravel()
    labels = np.asarray(labels).ravel().astype(int)
    if len(scores) != len(labels):
        raise ValueError(f"{len(scores)} scores but {len(labels)} labels")
    if len(np.unique(labels)) != 2:
        raise ValueError("a ROC curve needs both same and different pairs")
    false_positive, true_positive, _ = roc_curve(labels, scores)
    return false_positive, true_positive, float(auc(false_positive,
                                                    true_positive))
