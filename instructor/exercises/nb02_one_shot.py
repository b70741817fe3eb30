"""Notebook 02 (one-shot learning): distance, threshold and error rates.

One section per graded exercise: the reference, the public cases, the
mistakes learners make and the hidden test.  Everything works on encodings
(arrays of shape ``(n,)`` or ``(k, n)``); a pair "matches" when its
distance is strictly below the threshold.
"""

import numpy as np

from instructor.exercises import expect
from instructor.exercises.spec import Case, Exercise, Mistake
from instructor.grading.harness import hidden_test

NOTEBOOK = "02_one_shot"
#: What answer cells may rely on (the clean room and the catalogue).
PRELUDE = "import numpy as np"


# --- embedding_distance ------------------------------------------------------


def embedding_distance(encoding_a, encoding_b):
    """Return the Euclidean distance between encodings along the last axis.

    Shapes ``(n,)`` and ``(n,)`` give a number; ``(k, n)`` and ``(k, n)``
    give ``k`` distances, row by row; ``(n,)`` and ``(k, n)`` compare one
    encoding with each of ``k`` others.
    """
    arrays = []
    for values, what in ((encoding_a, "encoding_a"),
                         (encoding_b, "encoding_b")):
        array = np.asarray(values)
        if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
            raise ValueError(
                f"{what} must be numbers, got dtype {array.dtype}.")
        arrays.append(array.astype(np.float64))
    a, b = arrays
    if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"Encodings of shapes {a.shape} and {b.shape} cannot be "
            "compared: their last axes (the encoding size) must be equal.")
    return np.sqrt(np.sum((a - b) ** 2, axis=-1))


#: The check's first pair: distance 5, squared 25, L1 7.
_A, _ZEROS = np.array([0.0, 3.0, 0.0, 4.0]), np.zeros(4)
_ROWS_A = np.array([[1.0, 2.0, 2.0], [0.0, 0.0, 0.0]])
_ROWS_B = np.array([[0.0, 0.0, 0.0], [3.0, 4.0, 0.0]])
_MANY = np.array([[0.0, 0.0, 0.0, 0.0], [0.0, 3.0, 0.0, 0.0],
                  [6.0, 3.0, 0.0, 12.0]])

EMBEDDING_DISTANCE = Exercise(
    "embedding_distance", embedding_distance,
    cases=(Case("(4,) and zeros", (_A, _ZEROS)),
           Case("2 pairs of (3,)", (_ROWS_A, _ROWS_B)),
           Case("(4,) against (3, 4)", (_A, _MANY))),
    mistakes=(
    Mistake('squared distance', """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"shapes {a.shape} and {b.shape}")
    return np.sum((a - b) ** 2, axis=-1)
""", 'squared distance',
            message="You returned the squared distance (25 instead of 5): "
                    "take the square root. Verification in this course uses "
                    "the plain Euclidean distance d, with 'same person' when "
                    "d < tau; the squared distance appears only inside the "
                    "training losses of notebook 03."),
    Mistake('L1 distance', """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"shapes {a.shape} and {b.shape}")
    return np.sum(np.abs(a - b), axis=-1)
""", 'absolute differences',
            message="You summed absolute differences (7 instead of 5); the "
                    "distance is the Euclidean norm sqrt(sum of squared "
                    "differences)."),
    Mistake('norm over everything', """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"shapes {a.shape} and {b.shape}")
    return np.linalg.norm(a - b)
""", 'last axis only'),
    Mistake('sum along axis 0', """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"shapes {a.shape} and {b.shape}")
    return np.sqrt(np.sum((a - b) ** 2, axis=0))
""", 'axis=0'),
    Mistake('no size check: (1,) broadcast', """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    return np.sqrt(np.sum((a - b) ** 2, axis=-1))
""", 'silently broadcast'),
    Mistake('size check on the whole shape', """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    if a.shape != b.shape:
        raise ValueError(f"shapes {a.shape} and {b.shape}")
    return np.sqrt(np.sum((a - b) ** 2, axis=-1))
""", 'not the whole shapes'),
    Mistake('error without the shapes', """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError("the encodings have different sizes")
    return np.sqrt(np.sum((a - b) ** 2, axis=-1))
""", 'name both shapes'),
    Mistake('wrong exception type', """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    if a.shape[-1] != b.shape[-1]:
        raise TypeError(f"shapes {a.shape} and {b.shape}")
    return np.sqrt(np.sum((a - b) ** 2, axis=-1))
""", 'TypeError'),
    Mistake('no return', """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"shapes {a.shape} and {b.shape}")
    distance = np.sqrt(np.sum((a - b) ** 2, axis=-1))
""", 'forget the return'),
    ))


# --- choose_threshold --------------------------------------------------------


def accuracy_at(distances, labels, threshold):
    """Return the fraction of pairs classified correctly at ``threshold``."""
    same = np.asarray(labels).ravel() == 1
    accepted = np.asarray(distances, dtype=np.float64).ravel() < threshold
    return float(np.mean(accepted == same))


def choose_threshold(distances, labels):
    """Return ``(threshold, accuracy)`` maximising accuracy on the pairs.

    Candidates are the midpoints between consecutive distinct sorted
    distances, plus one below the smallest and one above the largest; a
    pair is "same" when its distance is strictly below the threshold.  On a
    tie the smallest such threshold wins.
    """
    distances = np.asarray(distances, dtype=np.float64).ravel()
    labels = np.asarray(labels).ravel()
    if len(distances) != len(labels) or not len(labels):
        raise ValueError(
            f"Give one label per distance (got {len(distances)} distances "
            f"and {len(labels)} labels, at least one of each).")
    if not np.all(np.isin(labels, (0, 1))):
        raise ValueError("labels must be 1 (same person) or 0 (different).")
    values = np.unique(distances)
    candidates = np.concatenate([
        [values[0] - 1.0], (values[:-1] + values[1:]) / 2, [values[-1] + 1.0]])
    accepted = distances[None, :] < candidates[:, None]
    accuracies = np.mean(accepted == (labels[None, :] == 1), axis=1)
    best = int(np.argmax(accuracies))
    return float(candidates[best]), float(accuracies[best])


def overlapping_pairs():
    """Return the check's 60 overlapping pairs: (distances, labels)."""
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 2, size=60)
    distances = np.round(rng.normal(0.8 - 0.3 * labels, 0.15), 3)
    return distances, labels


def _accuracy_the_wrong_way_round(distances, labels, threshold):
    """Accuracy when 'same person' is taken to mean distance > threshold."""
    same = np.asarray(labels) == 1
    return float(np.mean((np.asarray(distances) > threshold) == same))


def _accuracy_tables(reference):
    """Return the accuracies of thresholds between sorted distances.

    Accuracy only changes when the threshold passes a distance: entry k of
    a table holds for thresholds in (edges[k - 1], edges[k]].  The check
    reads the accuracy of a learner's threshold from ``accuracy_between``
    and the accuracy it has with the comparison the wrong way round from
    ``wrong_way_between``.
    """
    distances, labels = overlapping_pairs()
    edges = np.unique(distances)
    inside = np.concatenate([[edges[0] - 1.0], (edges[:-1] + edges[1:]) / 2,
                             [edges[-1] + 1.0]])
    return {"edges": edges,
            "accuracy_between": [accuracy_at(distances, labels, threshold)
                                 for threshold in inside],
            "wrong_way_between": [
                _accuracy_the_wrong_way_round(distances, labels, threshold)
                for threshold in inside]}


#: The candidates of a right answer, inside the mistakes' sources.
_CANDIDATES = """
    values = np.unique(distances)
    candidates = np.concatenate([[values[0] - 1],
                                 (values[:-1] + values[1:]) / 2,
                                 [values[-1] + 1]])
"""

CHOOSE_THRESHOLD = Exercise(
    "choose_threshold", choose_threshold,
    cases=(Case("60 pairs", overlapping_pairs(), extra=_accuracy_tables),),
    mistakes=(
    Mistake('no end candidates', """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), np.asarray(labels) == 1
    values = np.unique(distances)
    candidates = (values[:-1] + values[1:]) / 2
    scores = [np.mean((distances < t) == same) for t in candidates]
    best = int(np.argmax(scores))
    return candidates[best], scores[best]
""", 'end candidates'),
    Mistake('end candidates 0.1 away', """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), np.asarray(labels) == 1
    values = np.unique(distances)
    candidates = np.concatenate([[values[0] - 0.1],
                                 (values[:-1] + values[1:]) / 2,
                                 [values[-1] + 0.1]])
    scores = [np.mean((distances < t) == same) for t in candidates]
    best = int(np.argmax(scores))
    return candidates[best], scores[best]
""", 'minus 1'),
    Mistake('labels as a list compared with 1', """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), labels == 1
""" + _CANDIDATES + """
    scores = [np.mean((distances < t) == same) for t in candidates]
    best = int(np.argmax(scores))
    return candidates[best], scores[best]
""", 'Python list'),
    Mistake('wrong way round', """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), np.asarray(labels) == 1
""" + _CANDIDATES + """
    scores = [np.mean((distances > t) == same) for t in candidates]
    best = int(np.argmax(scores))
    return candidates[best], scores[best]
""", 'wrong way round',
            message="Your threshold works the wrong way round: a pair is "
                    "'same person' when its distance is BELOW the threshold."),
    Mistake('(accuracy, threshold)', """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), np.asarray(labels) == 1
""" + _CANDIDATES + """
    scores = [np.mean((distances < t) == same) for t in candidates]
    best = int(np.argmax(scores))
    return scores[best], candidates[best]
""", '(threshold, accuracy)'),
    Mistake('a count instead of a fraction', """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), np.asarray(labels) == 1
""" + _CANDIDATES + """
    scores = [np.sum((distances < t) == same) for t in candidates]
    best = int(np.argmax(scores))
    return candidates[best], scores[best]
""", 'fraction'),
    Mistake('distances as candidates', """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), np.asarray(labels) == 1
    candidates = np.unique(distances)
    scores = [np.mean((distances <= t) == same) for t in candidates]
    best = int(np.argmax(scores))
    return candidates[best], scores[best]
""", 'edge'),
    Mistake('accuracy of another threshold', """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), np.asarray(labels) == 1
""" + _CANDIDATES + """
    scores = [np.mean((distances < t) == same) for t in candidates]
    best = int(np.argmax(scores))
    return candidates[best], scores[0]
""", 'the accuracy is 1.0'),
    Mistake('no return', """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), np.asarray(labels) == 1
""" + _CANDIDATES + """
    scores = [np.mean((distances < t) == same) for t in candidates]
    best = int(np.argmax(scores))
""", 'forget the return'),
    ))


# --- error_rates -------------------------------------------------------------


def error_rates(distances, labels, threshold):
    """Return ``(false_accept_rate, false_reject_rate)`` at ``threshold``.

    False-accept rate: the fraction of different-person pairs (label 0)
    whose distance is below the threshold.  False-reject rate: the
    fraction of same-person pairs (label 1) at or above it.
    """
    distances = np.asarray(distances, dtype=np.float64).ravel()
    labels = np.asarray(labels).ravel()
    if len(distances) != len(labels) or not len(labels):
        raise ValueError(
            f"Give one label per distance (got {len(distances)} distances "
            f"and {len(labels)} labels, at least one of each).")
    if not np.all(np.isin(labels, (0, 1))):
        raise ValueError("labels must be 1 (same person) or 0 (different).")
    if labels.min() == labels.max():
        raise ValueError("Error rates need both same and different pairs.")
    accepted = distances < threshold
    false_accept = float(np.mean(accepted[labels == 0]))
    false_reject = float(np.mean(~accepted[labels == 1]))
    return false_accept, false_reject


#: 4 same-person pairs (1 rejected at 0.5), 2 different (1 accepted).
_RATE_DISTANCES = np.array([0.1, 0.2, 0.3, 0.6, 0.4, 0.8])
_RATE_LABELS = np.array([1, 1, 1, 1, 0, 0])

ERROR_RATES = Exercise(
    "error_rates", error_rates,
    cases=tuple(Case(f"6 pairs, threshold {threshold}",
                     (_RATE_DISTANCES, _RATE_LABELS, threshold))
                for threshold in (0.5, 0.6, 10.0)),
    mistakes=(
    Mistake('rates swapped', """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    if same.all() or not same.any():
        raise ValueError("need both kinds of pair")
    return np.mean(~accepted[same]), np.mean(accepted[~same])
""", 'false-accept rate comes first',
            message="You returned (false_reject_rate, false_accept_rate); "
                    "the false-accept rate comes first."),
    Mistake('divided by all pairs', """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    if same.all() or not same.any():
        raise ValueError("need both kinds of pair")
    return np.mean(accepted & ~same), np.mean(~accepted & same)
""", 'ALL pairs',
            message="You divided by the number of ALL pairs. The "
                    "false-accept rate is a fraction of the different-person "
                    "pairs, the false-reject rate a fraction of the "
                    "same-person pairs."),
    Mistake('false reject as 1 - false accept', """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    if same.all() or not same.any():
        raise ValueError("need both kinds of pair")
    return np.mean(accepted[~same]), 1 - np.mean(accepted[~same])
""", 'not 1 - false-accept rate',
            message="The false-reject rate is not 1 - false-accept rate; it "
                    "is the fraction of same-person pairs with distance >= "
                    "threshold."),
    Mistake('<= threshold', """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) <= threshold
    same = np.asarray(labels) == 1
    if same.all() or not same.any():
        raise ValueError("need both kinds of pair")
    return np.mean(accepted[~same]), np.mean(~accepted[same])
""", 'exactly 0.6'),
    Mistake('labels as a list compared with 1', """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = labels == 1
    if np.all(same) or not np.any(same):
        raise ValueError("need both kinds of pair")
    return np.mean(accepted[~same]), np.mean(~accepted[same])
""", 'Python list'),
    Mistake('list labels with a loop over 0/1 masks', """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    if isinstance(labels, np.ndarray):
        same = labels == 1
    else:
        same = np.array([label == "1" for label in labels])
    if same.all() or not same.any():
        raise ValueError("need both kinds of pair")
    return np.mean(accepted[~same]), np.mean(~accepted[same])
""", 'Python list'),
    Mistake('no check for one kind of pair', """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    return np.mean(accepted[~same]), np.mean(~accepted[same])
""", 'only one kind of pair'),
    Mistake('rates as percentages', """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    if same.all() or not same.any():
        raise ValueError("need both kinds of pair")
    return 100 * np.mean(accepted[~same]), 100 * np.mean(~accepted[same])
""", 'false-accept rate is 0.5'),
    Mistake('no return', """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    if same.all() or not same.any():
        raise ValueError("need both kinds of pair")
    rates = np.mean(accepted[~same]), np.mean(~accepted[same])
""", 'forget the return'),
    ))

EXERCISES = (EMBEDDING_DISTANCE, CHOOSE_THRESHOLD, ERROR_RATES)


# --- hidden tests ------------------------------------------------------------


@hidden_test("test_embedding_distance")
def test_embedding_distance(student):
    first = np.array([6.0, 0.0, 8.0, 0.0])
    expect.close(expect.scalar(student.embedding_distance(first, np.zeros(4)),
                               "the distance of two (4,) encodings"),
                 10.0, "the distance between a (4,) encoding and zeros")
    rng = np.random.default_rng(21)
    first, second = rng.normal(size=(2, 6, 128))
    for x, y, what in [(first, second, "a batch of (6, 128) pairs"),
                       (first[2], second, "one encoding against six"),
                       (first[0], first[0], "an encoding with itself"),
                       (first[:, :5], second[:, :5], "(6, 5) pairs")]:
        expect.close(student.embedding_distance(x, y),
                     embedding_distance(x, y), what, atol=1e-5)
    assert student.raises("ValueError", "embedding_distance", np.zeros(4),
                          np.zeros(5)), \
        "encodings of sizes 4 and 5 should raise ValueError"
    assert student.raises("ValueError", "embedding_distance",
                          np.zeros((3, 128)), np.zeros((3, 127))), \
        "encodings of sizes 128 and 127 should raise ValueError"
    assert student.raises("ValueError", "embedding_distance", np.ones(1),
                          np.zeros(128)), \
        "a (1,) encoding against a (128,) one should raise ValueError"
    assert student.raises("ValueError", "embedding_distance",
                          np.zeros((2, 64)), np.ones((2, 1))), \
        "(2, 64) against (2, 1) encodings should raise ValueError"


def _check_choice(student, distances, labels, what):
    threshold, accuracy = expect.pair(
        student.choose_threshold(distances, labels), "choose_threshold")
    threshold = expect.scalar(threshold, f"{what}: the threshold")
    accuracy = expect.scalar(accuracy, f"{what}: the accuracy")
    best = choose_threshold(distances, labels)[1]
    achieved = accuracy_at(distances, labels, threshold)
    if not np.isclose(achieved, best):
        raise AssertionError(f"{what}: the threshold does not reach the "
                             "best accuracy possible on these pairs")
    if abs(accuracy - achieved) > 1e-9:
        raise AssertionError(f"{what}: the returned accuracy is not the "
                             "accuracy of the returned threshold")


@hidden_test("test_choose_threshold")
def test_choose_threshold(student):
    _check_choice(student, np.array([0.2, 0.9, 0.3, 0.7]),
                  np.array([1, 0, 1, 0]), "four separable pairs")
    rng = np.random.default_rng(8)
    for trial in range(5):
        labels = rng.integers(0, 2, size=41)
        distances = rng.normal(0.9 - 0.4 * labels, 0.2)
        _check_choice(student, distances, labels, "41 overlapping pairs")
    labels = rng.integers(0, 2, size=64)
    distances = np.round(rng.normal(0.8 - 0.3 * labels, 0.15), 2)
    _check_choice(student, distances, list(labels),
                  "64 pairs with tied distances, labels as a list")
    for labels in ([1, 1, 1], [0, 0, 0]):
        threshold, _ = expect.pair(
            student.choose_threshold(np.array([0.3, 0.5, 0.9]), labels),
            "choose_threshold")
        want = choose_threshold(np.array([0.3, 0.5, 0.9]), labels)
        expect.close(expect.scalar(threshold, "the threshold"), want[0],
                     "the end candidate when every pair has the same label")
    _check_choice(student, np.array([0.4, 0.6, 0.8]), np.array([1, 1, 1]),
                  "pairs of one person only")
    _check_choice(student, np.array([0.4, 0.6, 0.8]), np.array([0, 0, 0]),
                  "pairs of different people only")


@hidden_test("test_error_rates")
def test_error_rates(student):
    rng = np.random.default_rng(13)
    labels = rng.integers(0, 2, size=50)
    distances = rng.normal(0.9 - 0.4 * labels, 0.2)
    cases = [(distances, labels, tau) for tau in
             (0.3, 0.55, 0.8, float(distances[3]), 10.0)]
    cases.append((np.array([0.1, 0.2, 0.3, 0.6, 0.4, 0.8]),
                  [1, 1, 1, 1, 0, 0], 0.6))
    for labels in ([1, 1, 1, 1], np.zeros(4, dtype=int)):
        assert student.raises("ValueError", "error_rates",
                              np.array([0.2, 0.4, 0.6, 0.8]), labels, 0.5), \
            "labels of one kind only should raise ValueError"
    for distances, labels, tau in cases:
        got = expect.pair(student.error_rates(distances, labels, tau),
                          "error_rates")
        want = error_rates(distances, labels, tau)
        for value, expected, what in zip(got, want, ("false-accept rate",
                                                     "false-reject rate")):
            expect.close(expect.scalar(value, what), expected,
                         f"the {what} at one of the thresholds")
