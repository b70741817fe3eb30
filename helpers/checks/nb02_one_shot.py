"""Public tests for notebook 02 (one-shot learning).

Inputs, expected values and the signatures of recognised mistakes come from
``expected/nb02_one_shot.json`` (``python -m instructor.exercises``).
"""

import warnings

import numpy as np

from helpers.checks.common import (
    assert_own_function,
    learner_check,
    passed,
    same_values,
    shipped_cases,
)


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
    got = np.atleast_1d(np.asarray(result, dtype=float))
    if not np.allclose(got, expected, equal_nan=True):
        raise AssertionError(
            f"{text} returned {np.round(got, 4).tolist()}, but "
            f"{np.round(expected, 4).tolist()} with the same labels as an "
            "array: on a list, `labels == 1` is a single False, not one "
            f"comparison per pair. {advice}")


def _rates_of(error_rates, distances, labels, threshold):
    """Return the learner's two rates, or None when it raised ValueError."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            result = error_rates(distances, labels, threshold)
        except ValueError:
            return None
    return _unpack(result, "false_accept_rate", "false_reject_rate",
                   "error_rates")


@learner_check("error_rates")
def check_error_rates(error_rates):
    """Check the learner's ``error_rates`` with named mistakes."""
    error_rates = assert_own_function(error_rates)
    cases = shipped_cases(__name__, "error_rates")
    first = None
    for case in cases.cases:
        distances, labels, threshold = cases.inputs(case)
        rates = _unpack(cases.call(error_rates, case), "false_accept_rate",
                        "false_reject_rate", "error_rates")
        cases.name_mistake(rates, case)
        expected = cases.expected(case)
        if np.allclose(rates, expected):
            first = first or case
            continue
        if max(rates) > 1:
            raise AssertionError(
                f"At threshold {threshold} you returned {rates}: return each "
                "rate as a fraction between 0 and 1, not a percentage.")
        if np.isclose(threshold, 0.613):
            raise AssertionError(
                "At threshold 0.613 one same-person pair lies exactly at "
                "distance 0.613. Read the contract again: is a pair at "
                f"exactly 0.613 accepted? Expected {tuple(expected)}, got "
                f"{rates}.")
        raise AssertionError(
            f"On the 6 pairs (4 same-person, 2 different-person) at "
            f"threshold {threshold}, expected rates {tuple(expected)}, got "
            f"{rates}." + (f" Your rates were right at threshold {first}: "
                           "does your function use the threshold you were "
                           "given?" if first else ""))
    first_case = next(iter(cases.cases))
    distances, labels, threshold = cases.inputs(first_case)
    _check_list_labels(
        lambda labels: error_rates(distances, labels, threshold), labels,
        cases.expected(first_case),
        f"error_rates(distances, labels, {threshold})")
    distances = np.array([0.2, 0.5, 0.9])
    for kind, labels, defined in [("different-person", [1, 1, 1], 1),
                                  ("same-person", [0, 0, 0], 0)]:
        rates = _rates_of(error_rates, distances, np.array(labels), 0.663)
        if rates is None:
            continue
        rate = rates[1 - defined]
        if not np.isnan(rate):
            raise AssertionError(
                f"With labels {labels} there is no {kind} pair, so that "
                f"rate is a fraction of zero pairs and has no value; your "
                f"error_rates returned {rates}, a number that looks "
                "measured. Make the missing rate impossible to miss (NaN, "
                "or a ValueError).")
        other = ((distances < 0.663) if defined == 0
                 else (distances >= 0.663)).mean()
        if not np.isclose(rates[defined], other):
            raise AssertionError(
                f"With labels {labels} the rate of the pairs that exist is "
                f"still defined: expected {other:.4g}, got "
                f"{rates[defined]:.4g}.")
    passed("error_rates")


def _threshold_of(result):
    """Return one threshold from a learner's result or fail with a hint."""
    if result is None:
        raise AssertionError(
            "Your threshold_for_database returned None: did you forget the "
            "return statement at its end?")
    if np.size(result) != 1:
        raise AssertionError(
            f"Return one threshold (a number), got {result!r}.")
    return float(np.asarray(result, dtype=float).reshape(()))


#: Pairs the check cannot measure a small rate on: 12 different-person.
_FEW_DISTANCES = np.array([0.61, 0.74, 0.66, 0.83, 0.7, 0.59, 0.92, 0.77,
                           0.68, 0.81, 0.64, 0.73, 0.33, 0.41, 0.29, 0.45])
_FEW_LABELS = np.array([0] * 12 + [1] * 4)


@learner_check("threshold_for_database")
def check_threshold_for_database(threshold_for_database):
    """Check the learner's ``threshold_for_database`` with named mistakes."""
    threshold_for_database = assert_own_function(threshold_for_database)
    cases = shipped_cases(__name__, "threshold_for_database")
    for case in cases.cases:
        distances, labels, people, target = cases.inputs(case)
        threshold = _threshold_of(cases.call(threshold_for_database, case))
        cases.name_mistake(threshold, case)
        expected = cases.expected(case)
        if np.isclose(threshold, expected, rtol=1e-9, atol=1e-12):
            continue
        impostors = distances[labels == 0]
        accepted = int(np.sum(impostors < threshold))
        could = int(np.sum(impostors < expected))
        where = (f"On the case '{case}' (target {target}), your threshold "
                 f"{threshold:.4f} accepts {accepted} of the "
                 f"{len(impostors)} different-person pairs")
        if accepted > could:
            raise AssertionError(
                f"{where}: more than the target allows. Return the largest "
                "threshold whose measured false-accept rate the target "
                "allows.")
        raise AssertionError(
            f"{where}; it meets the target but it is not the largest "
            "threshold that does: a larger one (not merely one midway "
            "between two distances) would still meet it.")
    case = next(iter(cases.cases))
    distances, labels, people, target = cases.inputs(case)
    _check_list_labels(
        lambda labels: threshold_for_database(distances, labels, people,
                                              target),
        labels, cases.expected(case),
        f"threshold_for_database(distances, labels, {people}, {target})")
    people, target, needed = 29, 0.0137, 2103
    try:
        result = threshold_for_database(_FEW_DISTANCES, _FEW_LABELS, people,
                                        target)
    except ValueError as error:
        if str(needed) not in str(error):
            raise AssertionError(
                f"Your ValueError for 12 different-person pairs, {people} "
                f"people and target {target} says {str(error)!r}: say how "
                "many different-person pairs would be needed.") from None
    else:
        raise AssertionError(
            f"With 12 different-person pairs, {people} people and target "
            f"{target}, the pairs cannot measure a false-accept rate as "
            f"small as the target needs, but your function returned "
            f"{result!r}. Raise a ValueError that says how many "
            "different-person pairs would be needed.")
    passed("threshold_for_database")
