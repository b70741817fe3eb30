"""Public tests for notebook 02 (one-shot learning).

Inputs, expected values and the signatures of recognised mistakes come from
``expected/nb02_one_shot.json`` (``python -m instructor.exercises``).
"""

import numpy as np

from helpers.checks.common import (
    assert_own_function,
    learner_check,
    passed,
    same_values,
    shipped_cases,
)


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
    cases = shipped_cases(__name__, "embedding_distance")
    case = "(4,) and zeros"
    a, b = cases.inputs(case)
    value = cases.call(embedding_distance, case)
    if np.ndim(value) != 0:
        raise AssertionError(
            f"Two encodings of shape (4,) gave a result of shape "
            f"{np.shape(value)}; expected one number. Sum over the last "
            "axis (axis=-1).")
    value = float(value)
    cases.check(value, case, "The distance between [0, 3, 0, 4] and "
                f"[0, 0, 0, 0] should be 5, got {value:.4g}.")
    if not same_values(float(embedding_distance(b, a)), cases.expected(case)):
        raise AssertionError("The distance must be symmetric: d(a, b) = "
                             "d(b, a).")
    case = "2 pairs of (3,)"
    result = np.asarray(cases.call(embedding_distance, case))
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
    if not same_values(result, cases.expected(case)):
        raise AssertionError(
            f"Row-by-row distances should be [3, 5], got "
            f"{np.round(result, 4).tolist()}.")
    case = "(4,) against (3, 4)"
    try:
        result = np.asarray(cases.call(embedding_distance, case))
    except ValueError as error:
        raise AssertionError(
            f"One encoding (4,) against three (3, 4) should broadcast, but "
            f"your function raised ValueError: {error}\nCompare only the "
            "sizes of the last axes (shape[-1]), not the whole shapes.") \
            from error
    if not same_values(result, cases.expected(case)):
        raise AssertionError(
            "One encoding (4,) against three (3, 4) should give the 3 "
            f"distances [5, 4, 10] (broadcasting), got {result.tolist()}.")
    try:
        result = embedding_distance(np.array([0.5]), a)
    except ValueError:
        pass
    else:
        raise AssertionError(
            "embedding_distance([0.5], a (4,) encoding) returned "
            f"{np.round(np.asarray(result, dtype=float), 4).tolist()}: NumPy "
            "silently broadcast the (1,) encoding against all 4 numbers. "
            "Check the sizes yourself: if the last axes differ, raise a "
            "ValueError that names both shapes.")
    for first, second in [(np.zeros((3, 128)), np.zeros((3, 127))),
                          (np.zeros(4), np.zeros(5))]:
        try:
            embedding_distance(first, second)
        except ValueError as error:
            text = str(error)
            sizes = [str(first.shape[-1]), str(second.shape[-1])]
            if not all(size in text for size in sizes):
                raise AssertionError(
                    f"Your ValueError for shapes {first.shape} and "
                    f"{second.shape} says {text!r}: name both shapes in "
                    "the message, so that the caller sees what went "
                    "wrong.") from None
        else:
            raise AssertionError(
                f"Encodings of shapes {first.shape} and {second.shape} "
                "cannot be compared: raise a ValueError that names both "
                "shapes.")
    passed("embedding_distance")


def _unpack(result, first, second, name="function"):
    """Return the two items of a returned pair or fail with a hint."""
    if result is None:
        raise AssertionError(
            f"Your {name} returned None: did you forget the return "
            "statement at its end?")
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
                                  "threshold", "accuracy", "choose_threshold")
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
    _check_end_candidates(choose_threshold)
    cases = shipped_cases(__name__, "choose_threshold")
    name = "60 pairs"
    case = cases[name]
    best_threshold, best_accuracy = cases.expected(name)
    distances, labels = cases.inputs(name)
    threshold, accuracy = _unpack(
        cases.call(choose_threshold, name), "threshold", "accuracy")
    achieved = _between(threshold, case, case["accuracy_between"])
    reversed_accuracy = _between(threshold, case, case["wrong_way_between"])
    if not np.isclose(achieved, best_accuracy):
        if cases.mistake((threshold, accuracy), name) \
                or np.isclose(accuracy, 1 - achieved) \
                or reversed_accuracy > achieved:
            raise AssertionError(cases.messages["wrong way round"])
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
    _check_list_labels(
        lambda labels: choose_threshold(distances, labels), labels,
        (threshold, accuracy), "choose_threshold(distances, labels)")
    passed("choose_threshold")


def _check_list_labels(call, labels, expected, text):
    """Fail unless ``call`` gives ``expected`` with labels as a list."""
    text = text.replace("labels", "labels as a Python list", 1)
    advice = ("Labels may be a Python list as well as an array: convert "
              "them first with np.asarray(labels).")
    try:
        result = call([int(label) for label in labels])
    except Exception as error:  # the learner's own error, in full
        raise AssertionError(
            f"{text} raised {type(error).__name__}: {error}\nThe same "
            f"labels as an array worked. {advice}") from error
    got = _unpack(result, "first", "second")
    if not np.allclose(got, expected, equal_nan=True):
        raise AssertionError(
            f"{text} returned ({got[0]:.4g}, {got[1]:.4g}), but "
            f"({float(expected[0]):.4g}, {float(expected[1]):.4g}) with "
            "the same labels as an array: on a list, `labels == 1` is a "
            f"single False, not one comparison per pair. {advice}")


def _check_end_candidates(choose_threshold):
    """Fail unless the candidates below and above every distance are tried."""
    distances = np.array([0.4, 0.6, 0.8])
    for labels, best, where in [
            (np.array([1, 1, 1]), 1.8, "above the largest distance "
             "(the largest plus 1: 0.8 + 1 = 1.8)"),
            (np.array([0, 0, 0]), -0.6, "below the smallest distance "
             "(the smallest minus 1: 0.4 - 1 = -0.6)")]:
        kind = "same-person" if labels[0] == 1 else "different-person"
        threshold, accuracy = _unpack(choose_threshold(distances, labels),
                                      "threshold", "accuracy")
        if not np.isclose(accuracy, 1.0) or not np.isclose(threshold, best):
            raise AssertionError(
                f"Three {kind} pairs at 0.4, 0.6 and 0.8: only the "
                f"candidate {where} classifies all three correctly, so "
                f"expected ({best}, 1.0), got ({threshold:.4g}, "
                f"{accuracy:.4g}). Add the two end candidates to the "
                "midpoints: the smallest distance minus 1 and the largest "
                "plus 1.")


@learner_check("error_rates")
def check_error_rates(error_rates):
    """Check the learner's ``error_rates`` with named mistakes."""
    error_rates = assert_own_function(error_rates)
    cases = shipped_cases(__name__, "error_rates")
    # 4 same-person pairs (1 rejected at 0.5), 2 different (1 accepted).
    case = "6 pairs, threshold 0.5"
    distances, labels, _ = cases.inputs(case)
    rates = _unpack(cases.call(error_rates, case), "false_accept_rate",
                    "false_reject_rate", "error_rates")
    cases.name_mistake(rates, case)
    false_accept, false_reject = rates
    expected_accept, expected_reject = cases.expected(case)
    one_pair = 1 / len(distances)
    if np.isclose(false_accept, one_pair) or np.isclose(false_reject,
                                                        one_pair):
        raise AssertionError(cases.messages["divided by all pairs"])
    if not np.isclose(false_accept, expected_accept):
        raise AssertionError(
            f"1 of the 2 different-person pairs (distance 0.4) is below the "
            f"threshold 0.5, so the false-accept rate is 0.5; got "
            f"{false_accept:.4g}.")
    if np.isclose(false_reject, 1 - false_accept):
        raise AssertionError(
            cases.messages["false reject as 1 - false accept"])
    if not np.isclose(false_reject, expected_reject):
        raise AssertionError(
            f"1 of the 4 same-person pairs (distance 0.6) is at or above the "
            f"threshold 0.5, so the false-reject rate is 0.25; got "
            f"{false_reject:.4g}.")
    case = "6 pairs, threshold 0.6"
    false_accept, false_reject = _unpack(
        cases.call(error_rates, case), "false_accept_rate",
        "false_reject_rate")
    expected_accept, expected_reject = cases.expected(case)
    if not np.isclose(false_reject, expected_reject):
        raise AssertionError(
            "At threshold 0.6 the pair at distance exactly 0.6 is rejected "
            "(a match needs distance < threshold), so the false-reject rate "
            f"stays 0.25; got {false_reject:.4g}.")
    if not np.isclose(false_accept, expected_accept):
        raise AssertionError(
            f"At threshold 0.6 the false-accept rate is 0.5; got "
            f"{false_accept:.4g}.")
    case = "6 pairs, threshold 10.0"
    rates = _unpack(cases.call(error_rates, case), "far", "frr")
    if not np.allclose(rates, cases.expected(case)):
        raise AssertionError(
            f"With a huge threshold everything is accepted: rates (1, 0), "
            f"got {rates}.")
    _check_list_labels(
        lambda labels: error_rates(distances, labels, 0.5), labels,
        cases.expected("6 pairs, threshold 0.5"),
        "error_rates(distances, labels, 0.5)")
    for kind, only in [("different-person", [1, 1, 1]),
                       ("same-person", [0, 0, 0])]:
        try:
            result = error_rates(np.array([0.2, 0.5, 0.9]), np.array(only),
                                 0.6)
        except ValueError:
            continue
        raise AssertionError(
            f"With labels {only} there is no {kind} pair, so its rate is "
            f"a fraction of zero pairs and undefined, but error_rates "
            f"returned {result!r}. Raise a ValueError when labels hold only "
            "one kind of pair.")
    passed("error_rates")
