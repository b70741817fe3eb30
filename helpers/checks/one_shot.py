"""Public tests for notebook 02 (one-shot learning)."""

import numpy as np

from helpers.checks.common import (
    assert_own_function,
    expected_values,
    learner_check,
    passed,
)

#: Messages for the known wrong versions (instructor/mistakes/one_shot.py).
MESSAGES = {
    "choose_threshold": {
        "wrong way round": (
            "Your threshold works the wrong way round: a pair is "
            "'same person' when its distance is BELOW the threshold."
        ),
    },
}


def overlapping_pairs():
    """Return the fixed 60 overlapping pairs: (distances, labels)."""
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 2, size=60)
    distances = np.round(rng.normal(0.8 - 0.3 * labels, 0.15), 3)
    return distances, labels


def _between(threshold, case, accuracies):
    """Return the stored accuracy of the interval holding ``threshold``.

    Accuracy only changes when the threshold passes a distance: entry k of
    ``accuracies`` holds for thresholds in (edges[k - 1], edges[k]].
    """
    return accuracies[int(np.searchsorted(case["edges"], threshold,
                                          side="left"))]


@learner_check("embedding_distance")
def check_embedding_distance(embedding_distance):
    """Check the learner's ``embedding_distance`` with named mistakes."""
    embedding_distance = assert_own_function(embedding_distance)
    a = np.array([0.0, 3.0, 0.0, 4.0])
    b = np.array([0.0, 0.0, 0.0, 0.0])
    value = embedding_distance(a, b)
    if np.ndim(value) != 0:
        raise AssertionError(
            f"Two encodings of shape (4,) gave a result of shape "
            f"{np.shape(value)}; expected one number. Sum over the last "
            "axis (axis=-1).")
    value = float(value)
    if np.isclose(value, 25.0):
        raise AssertionError(
            "You returned the squared distance (25 instead of 5): take the "
            "square root.")
    if np.isclose(value, 7.0):
        raise AssertionError(
            "You summed absolute differences (7 instead of 5); the distance "
            "is the Euclidean norm sqrt(sum of squared differences).")
    if not np.isclose(value, 5.0):
        raise AssertionError(
            f"The distance between [0, 3, 0, 4] and [0, 0, 0, 0] should be "
            f"5, got {value:.4g}.")
    if not np.isclose(float(embedding_distance(b, a)), 5.0):
        raise AssertionError("The distance must be symmetric: d(a, b) = "
                             "d(b, a).")
    rows_a = np.array([[1.0, 2.0, 2.0], [0.0, 0.0, 0.0]])
    rows_b = np.array([[0.0, 0.0, 0.0], [3.0, 4.0, 0.0]])
    result = np.asarray(embedding_distance(rows_a, rows_b))
    if result.shape == ():
        raise AssertionError(
            "A batch of 2 pairs, shapes (2, 3) and (2, 3), gave a single "
            "number: sum along the last axis only (axis=-1), one distance "
            "per row.")
    if result.shape != (2,):
        raise AssertionError(
            f"A batch of 2 pairs of 3-number encodings gave shape "
            f"{result.shape}, expected (2,). Did you sum along axis=0 "
            "instead of axis=-1?")
    if not np.allclose(result, [3.0, 5.0]):
        raise AssertionError(
            f"Row-by-row distances should be [3, 5], got "
            f"{np.round(result, 4).tolist()}.")
    many = np.array([[0.0, 0.0, 0.0, 0.0], [0.0, 3.0, 0.0, 0.0],
                     [6.0, 3.0, 0.0, 12.0]])
    result = np.asarray(embedding_distance(a, many))
    if result.shape != (3,) or not np.allclose(result, [5.0, 4.0, 10.0]):
        raise AssertionError(
            "One encoding (4,) against three (3, 4) should give the 3 "
            f"distances [5, 4, 10] (broadcasting), got {result.tolist()}.")
    try:
        embedding_distance(np.zeros(4), np.zeros(5))
    except ValueError:
        pass
    else:
        raise AssertionError(
            "Encodings of sizes 4 and 5 cannot be compared: raise a "
            "ValueError that names both shapes.")
    passed("embedding_distance")


def _unpack(result, first, second):
    """Return the two items of a returned pair or fail with a hint."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(
            f"Return a pair ({first}, {second}), got {result!r}.")
    return float(result[0]), float(result[1])


@learner_check("choose_threshold")
def check_choose_threshold(choose_threshold):
    """Check the learner's ``choose_threshold`` with named mistakes."""
    choose_threshold = assert_own_function(choose_threshold)
    distances = np.array([0.2, 0.9, 0.3, 0.7])
    labels = np.array([1, 0, 1, 0])
    threshold, accuracy = _unpack(choose_threshold(distances, labels),
                                  "threshold", "accuracy")
    if accuracy > 1.0 + 1e-9:
        raise AssertionError(
            f"The accuracy {accuracy} is above 1: return a fraction of the "
            "pairs (a number between 0 and 1), not a count.")
    if threshold == 1.0 and 0.3 < accuracy < 0.7:
        raise AssertionError(
            "You seem to return (accuracy, threshold); return "
            "(threshold, accuracy).")
    if not 0.3 < threshold < 0.7:
        hint = ""
        if accuracy <= 0.5:
            hint = (" Your best accuracy is only "
                    f"{accuracy:.2f}: is the comparison the wrong way "
                    "round? 'Same person' means distance < threshold.")
        elif threshold in (0.3, 0.7):
            hint = (" A threshold equal to a pair's distance sits on the "
                    "edge; use midpoints between consecutive sorted "
                    "distances.")
        raise AssertionError(
            f"Same-person pairs at 0.2 and 0.3, different-person pairs at "
            f"0.7 and 0.9: any threshold strictly between 0.3 and 0.7 "
            f"classifies all four correctly, got {threshold:.4g}.{hint}")
    if not np.isclose(accuracy, 1.0):
        raise AssertionError(
            f"The pairs are perfectly separable, so the accuracy is 1.0; "
            f"got {accuracy:.4g}.")
    case = expected_values("one_shot")["choose_threshold"]["60 pairs"]
    best_threshold = case["expected"]["threshold"]
    best_accuracy = case["expected"]["accuracy"]
    distances, labels = overlapping_pairs()
    threshold, accuracy = _unpack(
        choose_threshold(distances, list(labels)), "threshold", "accuracy")
    achieved = _between(threshold, case, case["accuracy_between"])
    reversed_accuracy = _between(
        threshold, case,
        case["mistakes"]["wrong way round"]["accuracy_between"])
    if not np.isclose(achieved, best_accuracy):
        if np.isclose(accuracy, 1 - achieved) or reversed_accuracy > achieved:
            raise AssertionError(
                MESSAGES["choose_threshold"]["wrong way round"])
        raise AssertionError(
            f"On 60 overlapping pairs the best accuracy is "
            f"{best_accuracy:.4f} (e.g. at threshold {best_threshold:.4f}), "
            f"but your threshold {threshold:.4f} gives {achieved:.4f}. Try "
            "every midpoint between consecutive sorted distances.")
    if not np.isclose(accuracy, achieved):
        raise AssertionError(
            f"The accuracy you return ({accuracy:.4f}) is not the accuracy "
            f"of your threshold ({achieved:.4f}, with distance < threshold "
            "meaning 'same person').")
    passed("choose_threshold")


@learner_check("error_rates")
def check_error_rates(error_rates):
    """Check the learner's ``error_rates`` with named mistakes."""
    error_rates = assert_own_function(error_rates)
    # 4 same-person pairs (1 rejected at 0.5), 2 different (1 accepted).
    distances = np.array([0.1, 0.2, 0.3, 0.6, 0.4, 0.8])
    labels = np.array([1, 1, 1, 1, 0, 0])
    false_accept, false_reject = _unpack(
        error_rates(distances, labels, 0.5), "false_accept_rate",
        "false_reject_rate")
    if np.isclose(false_accept, 0.25) and np.isclose(false_reject, 0.5):
        raise AssertionError(
            "You returned (false_reject_rate, false_accept_rate); the "
            "false-accept rate comes first.")
    if np.isclose(false_accept, 1 / 6) or np.isclose(false_reject, 1 / 6):
        raise AssertionError(
            "You divided by the number of ALL pairs. The false-accept rate "
            "is a fraction of the different-person pairs, the false-reject "
            "rate a fraction of the same-person pairs.")
    if not np.isclose(false_accept, 0.5):
        raise AssertionError(
            f"1 of the 2 different-person pairs (distance 0.4) is below the "
            f"threshold 0.5, so the false-accept rate is 0.5; got "
            f"{false_accept:.4g}.")
    if np.isclose(false_reject, 0.5):
        raise AssertionError(
            "The false-reject rate is not 1 - false-accept rate; it is the "
            "fraction of same-person pairs with distance >= threshold.")
    if not np.isclose(false_reject, 0.25):
        raise AssertionError(
            f"1 of the 4 same-person pairs (distance 0.6) is at or above the "
            f"threshold 0.5, so the false-reject rate is 0.25; got "
            f"{false_reject:.4g}.")
    false_accept, false_reject = _unpack(
        error_rates(distances, list(labels), 0.6), "false_accept_rate",
        "false_reject_rate")
    if not np.isclose(false_reject, 0.25):
        raise AssertionError(
            "At threshold 0.6 the pair at distance exactly 0.6 is rejected "
            "(a match needs distance < threshold), so the false-reject rate "
            f"stays 0.25; got {false_reject:.4g}.")
    if not np.isclose(false_accept, 0.5):
        raise AssertionError(
            f"At threshold 0.6 the false-accept rate is 0.5; got "
            f"{false_accept:.4g}.")
    rates = _unpack(error_rates(distances, labels, 10.0), "far", "frr")
    if not np.allclose(rates, (1.0, 0.0)):
        raise AssertionError(
            f"With a huge threshold everything is accepted: rates (1, 0), "
            f"got {rates}.")
    passed("error_rates")
