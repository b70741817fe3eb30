"""Notebook 02 (one-shot learning): distance, error rates, a threshold.

One section per graded exercise: the reference, the public cases, the
mistakes learners make and the hidden test.  Everything works on encodings
(arrays of shape ``(n,)`` or ``(k, n)``) or on pair distances with labels
(1 same person, 0 different); a pair "matches" when its distance is
strictly below the threshold.  Parameters in the cases (thresholds, people,
targets) are values nobody types in, so that a function with constants
fails.
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


# --- error_rates -------------------------------------------------------------


def error_rates(distances, labels, threshold):
    """Return ``(false_accept_rate, false_reject_rate)`` at ``threshold``.

    A pair is accepted when its distance is strictly below the threshold.
    A rate of a kind of pair the labels do not hold is NaN.
    """
    distances = np.asarray(distances, dtype=np.float64).ravel()
    labels = np.asarray(labels).ravel()
    if len(distances) != len(labels) or not len(labels):
        raise ValueError(
            f"Give one label per distance (got {len(distances)} distances "
            f"and {len(labels)} labels, at least one of each).")
    if not np.all(np.isin(labels, (0, 1))):
        raise ValueError("labels must be 1 (same person) or 0 (different).")
    accepted = distances < threshold
    rates = []
    for kind, counted in ((0, accepted), (1, ~accepted)):
        chosen = counted[labels == kind]
        rates.append(float(np.mean(chosen)) if len(chosen) else float("nan"))
    return rates[0], rates[1]


#: 4 same-person pairs, 2 different; 0.613 is a same-person distance.
_RATE_DISTANCES = np.array([0.112, 0.247, 0.305, 0.613, 0.419, 0.874])
_RATE_LABELS = np.array([1, 1, 1, 1, 0, 0])
#: Thresholds nobody would type in: one between the distances, one equal
#: to a distance, one low and one above every distance.
RATE_THRESHOLDS = (0.537, 0.613, 0.271, 7.31)

ERROR_RATES = Exercise(
    "error_rates", error_rates,
    cases=tuple(Case(f"6 pairs, threshold {threshold}",
                     (_RATE_DISTANCES, _RATE_LABELS, threshold))
                for threshold in RATE_THRESHOLDS),
    mistakes=(
    Mistake('rates swapped', """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    return np.mean(~accepted[same]), np.mean(accepted[~same])
""", 'false-accept rate comes first',
            message="You returned (false_reject_rate, false_accept_rate); "
                    "the false-accept rate comes first."),
    Mistake('divided by all pairs', """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
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
    return np.mean(accepted[~same]), 1 - np.mean(accepted[~same])
""", 'not 1 - false-accept rate',
            message="The false-reject rate is not 1 - false-accept rate: "
                    "the two rates are fractions of different sets of "
                    "pairs."),
    Mistake('a pair at the threshold accepted', """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) <= threshold
    same = np.asarray(labels) == 1
    return np.mean(accepted[~same]), np.mean(~accepted[same])
""", 'exactly 0.613'),
    Mistake('hard-coded threshold', """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < 0.537
    same = np.asarray(labels) == 1
    return np.mean(accepted[~same]), np.mean(~accepted[same])
""", 'threshold you were given'),
    Mistake('labels as a list compared with 1', """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = labels == 1
    return np.mean(accepted[~same]), np.mean(~accepted[same])
""", 'Python list'),
    Mistake('zero for an undefined rate', """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    accepts = np.sum(accepted[~same]) / max(np.sum(~same), 1)
    rejects = np.sum(~accepted[same]) / max(np.sum(same), 1)
    return accepts, rejects
""", 'no different-person pair'),
    Mistake('rates as percentages', """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    return 100 * np.mean(accepted[~same]), 100 * np.mean(~accepted[same])
""", 'fraction'),
    Mistake('no return', """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    rates = np.mean(accepted[~same]), np.mean(~accepted[same])
""", 'forget the return'),
    ))


# --- threshold_for_database --------------------------------------------------


def threshold_for_database(distances, labels, people, target):
    """Return the largest threshold that keeps impostors out of a database.

    A stranger compared with each of ``people`` enrolled persons must be
    accepted as one of them with probability at most ``target``, at the
    false-accept rate measured on the labelled pairs.
    """
    distances = np.asarray(distances, dtype=np.float64).ravel()
    labels = np.asarray(labels).ravel()
    if len(distances) != len(labels) or not len(labels):
        raise ValueError(
            f"Give one label per distance (got {len(distances)} distances "
            f"and {len(labels)} labels, at least one of each).")
    if not np.all(np.isin(labels, (0, 1))):
        raise ValueError("labels must be 1 (same person) or 0 (different).")
    if isinstance(people, bool) or not float(people).is_integer() \
            or people < 1:
        raise ValueError(f"people must be a whole number >= 1, got {people}.")
    if not 0 < target < 1:
        raise ValueError(f"target must lie strictly between 0 and 1, got "
                         f"{target}.")
    impostors = np.sort(distances[labels == 0])
    per_comparison = 1.0 - (1.0 - target) ** (1.0 / people)
    allowed = int(np.floor(per_comparison * len(impostors)))
    if allowed == 0:
        needed = int(np.ceil(1.0 / per_comparison))
        raise ValueError(
            f"{len(impostors)} different-person pairs cannot measure a "
            f"false-accept rate of {per_comparison:.3g} per comparison: "
            f"at least {needed} are needed.")
    return float(impostors[allowed])


def database_pairs(impostors, genuine, seed, decimals=None):
    """Return shuffled (distances, labels) of a check's database case."""
    rng = np.random.default_rng(seed)
    distances = np.concatenate([rng.normal(0.72, 0.09, impostors),
                                rng.normal(0.41, 0.08, genuine)])
    labels = np.concatenate([np.zeros(impostors, int), np.ones(genuine, int)])
    order = rng.permutation(len(labels))
    distances, labels = distances[order], labels[order]
    if decimals is not None:
        distances = np.round(distances, decimals)
    return distances, labels


#: The public cases: 230 different-person pairs, 3 people, target 0.287
#: (24 may be accepted; 22 with target / people, 66 ignoring people), and
#: 700 with tied distances, 13 people, target 0.173 (10, 9 and 121).
DATABASE_CASES = {
    "230 impostor pairs, 3 people": (*database_pairs(230, 90, 5), 3, 0.287),
    "700 tied impostor pairs, 13 people": (
        *database_pairs(700, 150, 6, decimals=2), 13, 0.173),
}
#: A case the pairs cannot measure: 60 different-person pairs, 29 people.
UNMEASURABLE = (*database_pairs(60, 40, 7), 29, 0.0137)

_IMPOSTORS = """
    distances = np.asarray(distances, dtype=float)
    impostors = np.sort(distances[np.asarray(labels) == 0])
"""

THRESHOLD_FOR_DATABASE = Exercise(
    "threshold_for_database", threshold_for_database,
    cases=tuple(Case(name, inputs) for name, inputs in DATABASE_CASES.items()),
    mistakes=(
    Mistake('target / people', """
def threshold_for_database(distances, labels, people, target):""" + _IMPOSTORS
            + """
    allowed = int(np.floor(target / people * len(impostors)))
    if allowed == 0:
        raise ValueError(f"need {int(np.ceil(people / target))} pairs")
    return impostors[allowed]
""", 'K times',
            message="Your threshold keeps strangers out, but it is not the "
                    "largest that does: you split the target evenly between "
                    "the people (target / people). The chance that a "
                    "stranger passes at least one of K independent "
                    "comparisons is smaller than K times the rate of one "
                    "comparison; solve for that rate exactly (notebook 01, "
                    "section on 1:K errors)."),
    Mistake('people ignored', """
def threshold_for_database(distances, labels, people, target):""" + _IMPOSTORS
            + """
    allowed = int(np.floor(target * len(impostors)))
    if allowed == 0:
        raise ValueError(f"need {int(np.ceil(1 / target))} pairs")
    return impostors[allowed]
""", 'every one of the',
            message="Your threshold lets a stranger in with the target "
                    "probability on ONE comparison, but the stranger is "
                    "compared with every one of the enrolled people: the "
                    "per-comparison rate must be much smaller than the "
                    "target."),
    Mistake('rate over all pairs', """
def threshold_for_database(distances, labels, people, target):
    distances = np.asarray(distances, dtype=float)
    rate = 1 - (1 - target) ** (1 / people)
    impostors = np.sort(distances[np.asarray(labels) == 0])
    allowed = int(np.floor(rate * len(distances)))
    if allowed == 0:
        raise ValueError(f"need {int(np.ceil(1 / rate))} pairs")
    return impostors[allowed]
""", 'different-person pairs only',
            message="You measured the false-accept rate as a fraction of "
                    "ALL pairs: it is a fraction of the different-person "
                    "pairs only (same-person pairs cannot be falsely "
                    "accepted)."),
    Mistake('last accepted distance', """
def threshold_for_database(distances, labels, people, target):""" + _IMPOSTORS
            + """
    rate = 1 - (1 - target) ** (1 / people)
    allowed = int(np.floor(rate * len(impostors)))
    if allowed == 0:
        raise ValueError(f"need {int(np.ceil(1 / rate))} pairs")
    return impostors[allowed - 1]
""", 'strictly below',
            message="Your threshold is the distance of the last "
                    "different-person pair that may be accepted; but a pair "
                    "is accepted only when its distance is strictly below "
                    "the threshold, so that pair is rejected and a larger "
                    "threshold would still meet the target."),
    Mistake('midpoint', """
def threshold_for_database(distances, labels, people, target):""" + _IMPOSTORS
            + """
    rate = 1 - (1 - target) ** (1 / people)
    allowed = int(np.floor(rate * len(impostors)))
    if allowed == 0:
        raise ValueError(f"need {int(np.ceil(1 / rate))} pairs")
    return (impostors[allowed - 1] + impostors[allowed]) / 2
""", 'midway'),
    Mistake('np.quantile', """
def threshold_for_database(distances, labels, people, target):""" + _IMPOSTORS
            + """
    rate = 1 - (1 - target) ** (1 / people)
    if rate * len(impostors) < 1:
        raise ValueError(f"need {int(np.ceil(1 / rate))} pairs")
    return np.quantile(impostors, rate)
""", 'largest'),
    Mistake('hard-coded people and target', """
def threshold_for_database(distances, labels, people, target):""" + _IMPOSTORS
            + """
    rate = 1 - (1 - 0.287) ** (1 / 3)
    allowed = int(np.floor(rate * len(impostors)))
    if allowed == 0:
        raise ValueError(f"need {int(np.ceil(1 / rate))} pairs")
    return impostors[allowed]
""", 'arguments you were given',
            message="Your function gives the right threshold for 3 people "
                    "and target 0.287 but not for 13 people and target "
                    "0.173: it must use the arguments you were given, not "
                    "constants."),
    Mistake('labels as a list compared with 0', """
def threshold_for_database(distances, labels, people, target):
    distances = np.asarray(distances, dtype=float)
    impostors = np.sort(distances[labels == 0])
    rate = 1 - (1 - target) ** (1 / people)
    allowed = int(np.floor(rate * len(impostors)))
    if allowed == 0:
        raise ValueError(f"need {int(np.ceil(1 / rate))} pairs")
    return impostors[allowed]
""", 'Python list'),
    Mistake('no error when the pairs cannot measure the rate', """
def threshold_for_database(distances, labels, people, target):""" + _IMPOSTORS
            + """
    rate = 1 - (1 - target) ** (1 / people)
    allowed = int(np.floor(rate * len(impostors)))
    return impostors[allowed]
""", 'cannot measure'),
    Mistake('error without the number of pairs needed', """
def threshold_for_database(distances, labels, people, target):""" + _IMPOSTORS
            + """
    rate = 1 - (1 - target) ** (1 / people)
    allowed = int(np.floor(rate * len(impostors)))
    if allowed == 0:
        raise ValueError("too few pairs")
    return impostors[allowed]
""", 'how many'),
    Mistake('no return', """
def threshold_for_database(distances, labels, people, target):""" + _IMPOSTORS
            + """
    rate = 1 - (1 - target) ** (1 / people)
    threshold = impostors[int(np.floor(rate * len(impostors)))]
""", 'forget the return'),
    ))

EXERCISES = (EMBEDDING_DISTANCE, ERROR_RATES, THRESHOLD_FOR_DATABASE)


# --- hidden tests ------------------------------------------------------------


#: Grader code run beside the answers: the text of the ValueError raised.
_ERROR_TEXT = """
try:
    globals()[call](*arguments)
    result = ""
except ValueError as error:
    result = str(error)
"""


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
    message = str(student.run(_ERROR_TEXT, call="embedding_distance",
                              arguments=[np.zeros((3, 96)), np.zeros(71)]))
    assert "96" in message and "71" in message, \
        "the ValueError for encodings of different sizes should name both " \
        "shapes"


def _close_or_nan(got, want, what):
    """Fail unless ``got`` is ``want`` (both NaN counts as equal)."""
    got = expect.scalar(got, what)
    if np.isnan(want) and np.isnan(got):
        return
    expect.close(got, want, what)


@hidden_test("test_error_rates")
def test_error_rates(student):
    rng = np.random.default_rng(13)
    labels = rng.integers(0, 2, size=50)
    distances = np.round(rng.normal(0.9 - 0.4 * labels, 0.2), 3)
    cases = [(distances, labels, tau) for tau in
             (0.318, 0.571, 0.846, float(distances[3]), 13.7)]
    cases.append((distances, [int(label) for label in labels],
                  float(distances[7])))
    for distances, labels, tau in cases:
        got = expect.pair(student.error_rates(distances, labels, tau),
                          "error_rates")
        want = error_rates(distances, labels, tau)
        for value, expected, what in zip(got, want, ("false-accept rate",
                                                     "false-reject rate")):
            expect.close(expect.scalar(value, what), expected,
                         f"the {what} at one of the thresholds")
    distances = np.array([0.27, 0.44, 0.61, 0.83])
    for labels in ([1, 1, 1, 1], np.zeros(4, dtype=int)):
        if student.raises("ValueError", "error_rates", distances, labels,
                          0.529):
            continue
        got = expect.pair(student.error_rates(distances, labels, 0.529),
                          "error_rates")
        for value, expected, what in zip(
                got, error_rates(distances, labels, 0.529),
                ("false-accept rate", "false-reject rate")):
            _close_or_nan(value, expected,
                          f"the {what} when the labels hold one kind of pair")


@hidden_test("test_threshold_for_database")
def test_threshold_for_database(student):
    for impostors, genuine, seed, decimals, people, target in [
            (900, 200, 31, None, 17, 0.211), (300, 120, 32, None, 2, 0.0913),
            (640, 90, 33, 2, 9, 0.137)]:
        distances, labels = database_pairs(impostors, genuine, seed,
                                           decimals)
        want = threshold_for_database(distances, labels, people, target)
        got = expect.scalar(student.threshold_for_database(
            distances, labels, people, target), "threshold_for_database")
        expect.close(got, want, f"the threshold for {people} people",
                     rtol=1e-9, atol=1e-12)
    got = student.threshold_for_database(distances, list(labels), people,
                                         target)
    expect.close(expect.scalar(got, "threshold_for_database"), want,
                 "the threshold with labels as a list", rtol=1e-9,
                 atol=1e-12)
    distances, labels = database_pairs(80, 30, 34)
    assert student.raises("ValueError", "threshold_for_database", distances,
                          labels, 41, 0.0271), \
        "too few different-person pairs to measure the rate should raise " \
        "ValueError"
    message = student.run(_ERROR_TEXT, call="threshold_for_database",
                          arguments=[distances, labels, 41, 0.0271])
    needed = int(np.ceil(1 / (1 - (1 - 0.0271) ** (1 / 41))))
    assert str(needed) in str(message), \
        "the ValueError for too few different-person pairs should say how " \
        "many would be needed"
