"""Notebook 01 (verification and recognition): verify and identify.

One section per graded exercise: the reference, the public cases, the
mistakes learners make and the hidden test.  A database is a plain dict
``{name: encodings (k, n)}``; the distance to a person is the smallest
Euclidean distance to any of their stored encodings, and two faces match
when it is strictly below the threshold (as in ``helpers.faces``).
"""

import warnings

import numpy as np

from helpers.checks.nb01_verification_recognition import rates_table
from instructor.exercises import expect
from instructor.exercises.spec import Case, Exercise, Mistake
from instructor.grading.harness import fixture, hidden_test

NOTEBOOK = "01_verification_recognition"
#: What answer cells may rely on (the clean room and the catalogue).
PRELUDE = "import numpy as np\nimport warnings"

#: A 4-d database whose distances are whole numbers or simple roots.
TOY = {
    "ada": np.array([[0.0, 0.0, 0.0, 0.0], [3.0, 0.0, 0.0, 0.0]]),
    "bob": np.array([[0.0, 5.0, 0.0, 0.0]]),
    "cy": np.array([[0.0, 0.0, 6.0, 0.0], [0.0, 0.0, 9.0, 0.0]]),
}


def _distance_returned(inputs, index):
    """Return a case's ``run``: the distance at ``index`` of the result."""
    def run(function):
        return function(*inputs)[index]
    return run


def _case(name, inputs, index):
    """Return a case comparing the distance a function returns."""
    return Case(name, inputs, run=_distance_returned(inputs, index))


# --- verify ------------------------------------------------------------------


def verify(encoding, database, name, threshold):
    """Return ``(distance, match)`` for the claim "``encoding`` is ``name``".

    ``distance`` is the smallest distance between ``encoding`` and the
    stored encodings of ``name``; ``match`` is ``distance < threshold``.
    An unknown name raises KeyError.
    """
    if not np.isfinite(float(threshold)) or float(threshold) <= 0:
        raise ValueError(f"threshold must be positive, got {threshold!r}.")
    if name not in database:
        raise KeyError(
            f"{name!r} is not in the database; known people: "
            f"{', '.join(sorted(database))}.")
    stored = np.atleast_2d(np.asarray(database[name], dtype=np.float64))
    encoding = np.asarray(encoding, dtype=np.float64)
    if encoding.ndim == 0 or stored.shape[-1] != encoding.shape[-1]:
        raise ValueError(
            f"Encodings of shapes {encoding.shape} and {stored.shape} cannot "
            "be compared: their last axes (the encoding size) must be equal.")
    distances = np.sqrt(np.sum((stored - encoding) ** 2, axis=-1))
    distance = float(np.min(distances))
    return distance, distance < float(threshold)


#: ada's second encoding is at distance 5 from it, her first at sqrt(34).
VERIFY_QUERY = np.array([3.0, 3.0, 4.0, 0.0])

VERIFY = Exercise(
    "verify", verify,
    cases=(_case("ada, threshold 5.37", (VERIFY_QUERY, TOY, "ada", 5.37), 0),
           # The query is closest to ada, but the claim is about bob.
           _case("bob, threshold 9.63", (VERIFY_QUERY, TOY, "bob", 9.63), 0)),
    mistakes=(
    Mistake('squared distance', """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.min(np.sum((stored - encoding) ** 2, axis=-1)))
    return distance, distance < threshold
""", 'squared distance',
            message="You returned the squared distance: take the square root "
                    "(np.linalg.norm or np.sqrt of the sum of squares). "
                    "Verification uses the plain Euclidean distance d, with a "
                    "match when d < threshold."),
    Mistake('L1 distance', """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.min(np.sum(np.abs(stored - encoding), axis=-1)))
    return distance, distance < threshold
""", 'absolute differences',
            message="You summed absolute differences (L1); the distance is "
                    "the Euclidean (L2) norm of the difference."),
    Mistake('first stored encoding only', """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.linalg.norm(stored[0] - encoding))
    return distance, distance < threshold
""", 'FIRST stored encoding',
            message="You compared with the FIRST stored encoding only, or "
                    "took the largest distance; use the smallest distance "
                    "over all of the person's encodings (np.min)."),
    Mistake('largest distance', """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.max(np.linalg.norm(stored - encoding, axis=-1)))
    return distance, distance < threshold
""", 'took the largest distance'),
    Mistake('mean of the distances', """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.mean(np.linalg.norm(stored - encoding, axis=-1)))
    return distance, distance < threshold
""", 'averaged the distances',
            message="You averaged the distances; use the smallest one "
                    "(np.min)."),
    Mistake('mean encoding', """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.linalg.norm(stored.mean(axis=0) - encoding))
    return distance, distance < threshold
""", 'mean encoding',
            message="You compared with the mean encoding; use the smallest "
                    "distance to any stored encoding."),
    Mistake('one norm over all encodings', """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.linalg.norm(stored - encoding))
    return distance, distance < threshold
""", 'one norm over all stored encodings',
            message="You computed one norm over all stored encodings "
                    "together: compute one distance per stored encoding "
                    "(axis=-1), then the smallest."),
    Mistake('a distance per encoding', """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distances = np.linalg.norm(stored - encoding, axis=-1)
    return distances, bool(np.min(distances) < threshold)
""", 'one number'),
    Mistake('<= threshold', """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.min(np.linalg.norm(stored - encoding, axis=-1)))
    return distance, distance <= threshold
""", 'strict'),
    Mistake('wrong way round', """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.min(np.linalg.norm(stored - encoding, axis=-1)))
    return distance, distance > threshold
""", 'wrong way round'),
    Mistake('match as a string', """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.min(np.linalg.norm(stored - encoding, axis=-1)))
    return distance, "yes" if distance < threshold else "no"
""", 'boolean'),
    Mistake('unknown name gives no match', """
def verify(encoding, database, name, threshold):
    if name not in database:
        return np.inf, False
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.min(np.linalg.norm(stored - encoding, axis=-1)))
    return distance, distance < threshold
""", 'KeyError'),
    Mistake('hard-coded threshold', """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.min(np.linalg.norm(stored - encoding, axis=-1)))
    return distance, distance < 5.37
""", 'use the threshold argument'),
    Mistake('course threshold written in', """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.min(np.linalg.norm(stored - encoding, axis=-1)))
    return distance, distance < 0.418
""", 'use the threshold argument'),
    Mistake('no return', """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.min(np.linalg.norm(stored - encoding, axis=-1)))
    match = distance < threshold
""", 'forget the return'),
    ))


# --- identify ----------------------------------------------------------------


def identify(encoding, database, threshold):
    """Return ``(name, distance)`` of the nearest person in ``database``.

    When even the nearest person is at ``threshold`` or farther, the name
    is ``"not recognized"`` (the distance is still the smallest one).  On
    a tie the person first in the database wins.
    """
    if not database:
        raise ValueError("The database is empty: add people first.")
    best_name, best_distance = None, np.inf
    for name in database:
        distance, _ = verify(encoding, database, name, threshold)
        if distance < best_distance:
            best_name, best_distance = name, distance
    if best_distance >= threshold:
        return "not recognized", best_distance
    return best_name, best_distance


IDENTIFY = Exercise(
    "identify", identify,
    cases=(
        # ada's second encoding is at distance 1, bob at 5, cy at sqrt(46).
        _case("near ada, threshold 97.3",
              (np.array([3.0, 1.0, 0.0, 0.0]), TOY, 97.3), 1),
        # bob at sqrt(5); ada (listed first) at sqrt(20).
        _case("near bob, threshold 2.71",
              (np.array([0.0, 4.0, 2.0, 0.0]), TOY, 2.71), 1),
        # bob and ada both at 2.5; bob comes first.
        _case("tie, bob first",
              (np.array([0.0, 2.5, 0.0, 0.0]),
               {"bob": TOY["bob"], "ada": TOY["ada"]}, 2.93), 1),
        # cy's second encoding is the nearest: [20, 20, 11, 20] away.
        _case("far from everyone, threshold 2.13",
              (np.full(4, 20.0), TOY, 2.13), 1)),
    mistakes=(
    Mistake('first person under the threshold', """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name in database:
        distance, match = verify(encoding, database, name, threshold)
        if match:
            return name, distance
        if distance < best_distance:
            best_name, best_distance = name, distance
    return "not recognized", best_distance
""", 'FIRST person under the threshold'),
    Mistake('None as the distance', """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name in database:
        distance, _ = verify(encoding, database, name, threshold)
        if distance < best_distance:
            best_name, best_distance = name, distance
    if best_distance >= threshold:
        return "not recognized", None
    return best_name, best_distance
""", 'None as the distance'),
    Mistake('farthest person', """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    names = list(database)
    distances = [verify(encoding, database, name, threshold)[0]
                 for name in names]
    best = int(np.argmax(distances))
    if distances[best] >= threshold:
        return "not recognized", distances[best]
    return names[best], distances[best]
""", 'FARTHEST'),
    Mistake('last person on a tie', """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name in database:
        distance, _ = verify(encoding, database, name, threshold)
        if distance <= best_distance:
            best_name, best_distance = name, distance
    if best_distance >= threshold:
        return "not recognized", best_distance
    return best_name, best_distance
""", 'On a tie'),
    Mistake('names sorted', """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name in sorted(database):
        distance, _ = verify(encoding, database, name, threshold)
        if distance < best_distance:
            best_name, best_distance = name, distance
    if best_distance >= threshold:
        return "not recognized", best_distance
    return best_name, best_distance
""", 'do not sort the names'),
    Mistake('empty database not recognized', """
def identify(encoding, database, threshold):
    best_name, best_distance = None, np.inf
    for name in database:
        distance, _ = verify(encoding, database, name, threshold)
        if distance < best_distance:
            best_name, best_distance = name, distance
    if best_distance >= threshold:
        return "not recognized", best_distance
    return best_name, best_distance
""", 'EMPTY database'),
    Mistake('None for a stranger', """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name in database:
        distance, _ = verify(encoding, database, name, threshold)
        if distance < best_distance:
            best_name, best_distance = name, distance
    if best_distance >= threshold:
        return None, best_distance
    return best_name, best_distance
""", 'not None'),
    Mistake('<= threshold', """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name in database:
        distance, _ = verify(encoding, database, name, threshold)
        if distance < best_distance:
            best_name, best_distance = name, distance
    if best_distance > threshold:
        return "not recognized", best_distance
    return best_name, best_distance
""", 'exactly equal to the threshold'),
    Mistake('(distance, name)', """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name in database:
        distance, _ = verify(encoding, database, name, threshold)
        if distance < best_distance:
            best_name, best_distance = name, distance
    if best_distance >= threshold:
        return best_distance, "not recognized"
    return best_distance, best_name
""", 'return (name, distance)'),
    Mistake('first encoding of each person', """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name, stored in database.items():
        distance = float(np.linalg.norm(np.asarray(stored)[0] - encoding))
        if distance < best_distance:
            best_name, best_distance = name, distance
    if best_distance >= threshold:
        return "not recognized", best_distance
    return best_name, best_distance
""", 'FIRST encoding only',
            message="You compared with each person's FIRST encoding only; "
                    "use the smallest distance over all of the person's "
                    "encodings."),
    Mistake('hard-coded threshold', """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name in database:
        distance, _ = verify(encoding, database, name, threshold)
        if distance < best_distance:
            best_name, best_distance = name, distance
    if best_distance >= 2.71:
        return "not recognized", best_distance
    return best_name, best_distance
""", 'use the threshold argument'),
    Mistake('no return', """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name in database:
        distance, _ = verify(encoding, database, name, threshold)
        if distance < best_distance:
            best_name, best_distance = name, distance
""", 'forget the return'),
    ))


# --- impostor_acceptance_rate -------------------------------------------------


def impostor_acceptance_rate(false_accept_rate, database_size):
    """Return P(a stranger is accepted) against ``database_size`` people.

    Each comparison with a different person passes with probability
    ``false_accept_rate``, independently; both arguments broadcast.
    """
    p = np.asarray(false_accept_rate, dtype=np.float64)
    size = np.asarray(database_size, dtype=np.float64)
    return 1.0 - (1.0 - p) ** size


_RATES = np.array([0.00213, 0.0419, 0.0, 1.0])

IMPOSTOR_ACCEPTANCE_RATE = Exercise(
    "impostor_acceptance_rate", impostor_acceptance_rate,
    cases=(Case("p 0.0137, 7 people", (0.0137, 7)),
           Case("p 0.0137, 263 people", (0.0137, 263)),
           Case("four rates, 31 people", (_RATES, 31)),
           Case("p 0.0419, 2 people", (0.0419, 2))),
    mistakes=(
    Mistake('K times p', """
def impostor_acceptance_rate(false_accept_rate, database_size):
    return np.asarray(database_size) * np.asarray(false_accept_rate)
""", 'approximation',
            message="You returned K*p: that is only the approximation for "
                    "K*p much smaller than 1 (it even exceeds 1 for large "
                    "K). Count the ways a stranger can get through all K "
                    "comparisons without being accepted."),
    Mistake('all K must pass', """
def impostor_acceptance_rate(false_accept_rate, database_size):
    return np.asarray(false_accept_rate) ** np.asarray(database_size)
""", 'every one',
            message="You computed the probability that EVERY one of the K "
                    "comparisons passes; a stranger is let in when ANY one "
                    "of them passes."),
    Mistake('probability of being rejected', """
def impostor_acceptance_rate(false_accept_rate, database_size):
    p = np.asarray(false_accept_rate)
    return (1 - p) ** np.asarray(database_size)
""", 'rejected by all',
            message="You returned the probability that the stranger is "
                    "rejected by all K people, the complement of what is "
                    "asked."),
    Mistake('1 - K(1 - p)', """
def impostor_acceptance_rate(false_accept_rate, database_size):
    p = np.asarray(false_accept_rate)
    return 1 - (1 - p) * np.asarray(database_size)
""", 'multiplied',
            message="You multiplied (1 - p) by K; independent events "
                    "combine by multiplying their probabilities, K times."),
    Mistake('1 - p^K', """
def impostor_acceptance_rate(false_accept_rate, database_size):
    p = np.asarray(false_accept_rate)
    return 1 - p ** np.asarray(database_size)
""", 'every comparison rejects',
            message="You raised p, the probability that one comparison "
                    "PASSES, to the power K; the stranger stays out only "
                    "when every comparison rejects."),
    Mistake('hard-coded database size', """
def impostor_acceptance_rate(false_accept_rate, database_size):
    p = np.asarray(false_accept_rate)
    return 1 - (1 - p) ** 7
""", 'database_size argument',
            message="Your function gives the same rate whatever the "
                    "database size: use the database_size argument, do not "
                    "write a number in."),
    Mistake('no return', """
def impostor_acceptance_rate(false_accept_rate, database_size):
    p = np.asarray(false_accept_rate)
    rate = 1 - (1 - p) ** np.asarray(database_size)
""", 'forget the return'),
    ))


# --- audit_error_rates ---------------------------------------------------------


def audit_error_rates(genuine_distances, impostor_distances, genuine_groups,
                      impostor_groups, threshold):
    """Return ``{group: (false_match_rate, false_non_match_rate)}``.

    A pair counts once for every group one of its two photos is in.
    """
    import warnings

    def measured_rate(errors, group, kind):
        if errors.size == 0:
            warnings.warn(f"group {group!r} has no {kind} pairs: its rate "
                          "cannot be measured.", RuntimeWarning)
            return float("nan")
        return float(np.mean(errors))

    genuine = np.asarray(genuine_distances, dtype=np.float64)
    impostor = np.asarray(impostor_distances, dtype=np.float64)
    genuine_groups = np.asarray(genuine_groups).reshape(len(genuine), 2)
    impostor_groups = np.asarray(impostor_groups).reshape(len(impostor), 2)
    names = set(genuine_groups.ravel()) | set(impostor_groups.ravel())
    rates = {}
    for group in sorted(str(name) for name in names):
        in_genuine = (genuine_groups == group).any(axis=1)
        in_impostor = (impostor_groups == group).any(axis=1)
        rates[group] = (
            measured_rate(impostor[in_impostor] < threshold, group,
                          "impostor"),
            measured_rate(genuine[in_genuine] >= threshold, group,
                          "genuine"))
    return rates


_F, _T, _P = "frontal", "turned", "profile"
_GENUINE = np.array([0.312, 0.537, 0.618, 0.447, 0.702, 0.205, 0.583,
                     0.391, 0.655])
_GENUINE_GROUPS = ([[_F, _F], [_F, _T], [_T, _T], [_F, _F],
                            [_T, _P], [_P, _P], [_F, _T], [_T, _F],
                            [_P, _F]])
_IMPOSTOR = np.array([0.811, 0.493, 0.537, 0.934, 0.521, 0.772, 0.664,
                      0.402, 0.887, 0.515, 0.598])
_IMPOSTOR_GROUPS = ([[_F, _F], [_F, _T], [_T, _T], [_F, _P],
                             [_T, _T], [_P, _P], [_F, _T], [_T, _P],
                             [_F, _F], [_T, _F], [_T, _T]])
#: No impostor pair holds a profile photo: its false-match rate is unknown.
_EMPTY = (np.array([0.44, 0.61, 0.58]),
          np.array([0.49, 0.83, 0.57, 0.61]),
          [[_F, _F], [_T, _P], [_P, _P]],
          [[_F, _T], [_T, _T], [_F, _F], [_T, _F]], 0.592)


def _audit_case(name, inputs):
    """Return a case comparing the rates as a table sorted by group."""
    return Case(name, inputs, run=lambda function: rates_table(
        function(*inputs)))


AUDIT_ERROR_RATES = Exercise(
    "audit_error_rates", audit_error_rates,
    cases=(_audit_case("9 + 11 pairs, threshold 0.537",
                       (_GENUINE, _IMPOSTOR, _GENUINE_GROUPS,
                        _IMPOSTOR_GROUPS, 0.537)),
           _audit_case("9 + 11 pairs, threshold 0.649",
                       (_GENUINE, _IMPOSTOR, _GENUINE_GROUPS,
                        _IMPOSTOR_GROUPS, 0.649)),
           _audit_case("no impostor pair for profile", _EMPTY)),
    mistakes=(
    Mistake('rates swapped', """
def audit_error_rates(genuine_distances, impostor_distances, genuine_groups,
                      impostor_groups, threshold):
    genuine, impostor = np.asarray(genuine_distances), np.asarray(impostor_distances)
    genuine_groups, impostor_groups = np.asarray(genuine_groups), np.asarray(impostor_groups)
    rates = {}
    for group in set(genuine_groups.ravel()) | set(impostor_groups.ravel()):
        g = (genuine_groups == group).any(axis=1)
        i = (impostor_groups == group).any(axis=1)
        rates[group] = (float(np.mean(genuine[g] >= threshold)),
                        float(np.mean(impostor[i] < threshold)))
    return rates
""", 'swapped',
            message="The two rates are swapped: the false-match rate is "
                    "measured on IMPOSTOR pairs (different people accepted), "
                    "the false-non-match rate on GENUINE pairs (the same "
                    "person rejected)."),
    Mistake('rates over all pairs', """
def audit_error_rates(genuine_distances, impostor_distances, genuine_groups,
                      impostor_groups, threshold):
    genuine, impostor = np.asarray(genuine_distances), np.asarray(impostor_distances)
    genuine_groups, impostor_groups = np.asarray(genuine_groups), np.asarray(impostor_groups)
    both = (float(np.mean(impostor < threshold)),
            float(np.mean(genuine >= threshold)))
    return {group: both for group in
            set(genuine_groups.ravel()) | set(impostor_groups.ravel())}
""", 'over all pairs',
            message="Every group got the rates over all pairs: select, for "
                    "each group, the pairs in which one of its photos took "
                    "part."),
    Mistake('both photos in the group', """
def audit_error_rates(genuine_distances, impostor_distances, genuine_groups,
                      impostor_groups, threshold):
    genuine, impostor = np.asarray(genuine_distances), np.asarray(impostor_distances)
    genuine_groups, impostor_groups = np.asarray(genuine_groups), np.asarray(impostor_groups)
    rates = {}
    for group in set(genuine_groups.ravel()) | set(impostor_groups.ravel()):
        g = (genuine_groups == group).all(axis=1)
        i = (impostor_groups == group).all(axis=1)
        rates[group] = (float(np.mean(impostor[i] < threshold)),
                        float(np.mean(genuine[g] >= threshold)))
    return rates
""", 'BOTH photos',
            message="You counted only the pairs whose BOTH photos are in "
                    "the group; a pair counts for every group one of its "
                    "photos is in (a frontal-turned pair counts for both)."),
    Mistake('first photo only', """
def audit_error_rates(genuine_distances, impostor_distances, genuine_groups,
                      impostor_groups, threshold):
    genuine, impostor = np.asarray(genuine_distances), np.asarray(impostor_distances)
    genuine_groups, impostor_groups = np.asarray(genuine_groups), np.asarray(impostor_groups)
    rates = {}
    for group in set(genuine_groups.ravel()) | set(impostor_groups.ravel()):
        g = genuine_groups[:, 0] == group
        i = impostor_groups[:, 0] == group
        rates[group] = (float(np.mean(impostor[i] < threshold)),
                        float(np.mean(genuine[g] >= threshold)))
    return rates
""", 'FIRST photo',
            message="You grouped each pair by its FIRST photo only; a pair "
                    "counts for the groups of both of its photos."),
    Mistake('pair counted twice', """
def audit_error_rates(genuine_distances, impostor_distances, genuine_groups,
                      impostor_groups, threshold):
    genuine, impostor = np.asarray(genuine_distances), np.asarray(impostor_distances)
    genuine_groups, impostor_groups = np.asarray(genuine_groups), np.asarray(impostor_groups)
    rates = {}
    for group in set(genuine_groups.ravel()) | set(impostor_groups.ravel()):
        g = (genuine_groups == group).sum(axis=1)
        i = (impostor_groups == group).sum(axis=1)
        rates[group] = (float(np.sum(i * (impostor < threshold)) / np.sum(i)),
                        float(np.sum(g * (genuine >= threshold)) / np.sum(g)))
    return rates
""", 'counted twice',
            message="A pair whose two photos are both in the group was "
                    "counted twice (once per photo); count each pair once."),
    Mistake('<= threshold', """
def audit_error_rates(genuine_distances, impostor_distances, genuine_groups,
                      impostor_groups, threshold):
    genuine, impostor = np.asarray(genuine_distances), np.asarray(impostor_distances)
    genuine_groups, impostor_groups = np.asarray(genuine_groups), np.asarray(impostor_groups)
    rates = {}
    for group in set(genuine_groups.ravel()) | set(impostor_groups.ravel()):
        g = (genuine_groups == group).any(axis=1)
        i = (impostor_groups == group).any(axis=1)
        rates[group] = (float(np.mean(impostor[i] <= threshold)),
                        float(np.mean(genuine[g] > threshold)))
    return rates
""", 'strict',
            message="A distance exactly equal to the threshold was counted "
                    "as a match; the course's rule is strict: a match "
                    "needs distance < threshold."),
    Mistake('hard-coded threshold', """
def audit_error_rates(genuine_distances, impostor_distances, genuine_groups,
                      impostor_groups, threshold):
    genuine, impostor = np.asarray(genuine_distances), np.asarray(impostor_distances)
    genuine_groups, impostor_groups = np.asarray(genuine_groups), np.asarray(impostor_groups)
    rates = {}
    for group in set(genuine_groups.ravel()) | set(impostor_groups.ravel()):
        g = (genuine_groups == group).any(axis=1)
        i = (impostor_groups == group).any(axis=1)
        rates[group] = (float(np.mean(impostor[i] < 0.537)),
                        float(np.mean(genuine[g] >= 0.537)))
    return rates
""", 'threshold argument',
            message="Your rates do not change with the threshold: use the "
                    "threshold argument, do not write a number in."),
    Mistake('counts instead of rates', """
def audit_error_rates(genuine_distances, impostor_distances, genuine_groups,
                      impostor_groups, threshold):
    genuine, impostor = np.asarray(genuine_distances), np.asarray(impostor_distances)
    genuine_groups, impostor_groups = np.asarray(genuine_groups), np.asarray(impostor_groups)
    rates = {}
    for group in set(genuine_groups.ravel()) | set(impostor_groups.ravel()):
        g = (genuine_groups == group).any(axis=1)
        i = (impostor_groups == group).any(axis=1)
        rates[group] = (float(np.sum(impostor[i] < threshold)),
                        float(np.sum(genuine[g] >= threshold)))
    return rates
""", 'counts',
            message="You returned counts of errors; a rate divides them by "
                    "the number of the group's pairs of that kind."),
    Mistake('empty group gives 0', """
def audit_error_rates(genuine_distances, impostor_distances, genuine_groups,
                      impostor_groups, threshold):
    genuine, impostor = np.asarray(genuine_distances), np.asarray(impostor_distances)
    genuine_groups, impostor_groups = np.asarray(genuine_groups), np.asarray(impostor_groups)
    rates = {}
    for group in set(genuine_groups.ravel()) | set(impostor_groups.ravel()):
        g = (genuine_groups == group).any(axis=1)
        i = (impostor_groups == group).any(axis=1)
        rates[group] = (
            float(np.mean(impostor[i] < threshold)) if i.any() else 0.0,
            float(np.mean(genuine[g] >= threshold)) if g.any() else 0.0)
    return rates
""", 'not 0',
            message="A group without pairs of one kind got the rate 0: a "
                    "rate nobody measured is not 0 (that would read as "
                    "'never wrong'). Return nan and warn."),
    Mistake('empty group: nan without naming it', """
def audit_error_rates(genuine_distances, impostor_distances, genuine_groups,
                      impostor_groups, threshold):
    genuine, impostor = np.asarray(genuine_distances), np.asarray(impostor_distances)
    genuine_groups, impostor_groups = np.asarray(genuine_groups), np.asarray(impostor_groups)
    rates = {}
    for group in set(genuine_groups.ravel()) | set(impostor_groups.ravel()):
        g = (genuine_groups == group).any(axis=1)
        i = (impostor_groups == group).any(axis=1)
        rates[group] = (float(np.mean(impostor[i] < threshold)),
                        float(np.mean(genuine[g] >= threshold)))
    return rates
""", 'names the group'),
    Mistake('empty group: nan, no warning', """
def audit_error_rates(genuine_distances, impostor_distances, genuine_groups,
                      impostor_groups, threshold):
    genuine, impostor = np.asarray(genuine_distances), np.asarray(impostor_distances)
    genuine_groups, impostor_groups = np.asarray(genuine_groups), np.asarray(impostor_groups)
    rates = {}
    for group in set(genuine_groups.ravel()) | set(impostor_groups.ravel()):
        g = (genuine_groups == group).any(axis=1)
        i = (impostor_groups == group).any(axis=1)
        rates[group] = (
            float(np.mean(impostor[i] < threshold)) if i.any() else np.nan,
            float(np.mean(genuine[g] >= threshold)) if g.any() else np.nan)
    return rates
""", 'names the group'),
    Mistake('no return', """
def audit_error_rates(genuine_distances, impostor_distances, genuine_groups,
                      impostor_groups, threshold):
    rates = {}
""", 'forget the return'),
    ))

EXERCISES = (VERIFY, IDENTIFY, IMPOSTOR_ACCEPTANCE_RATE, AUDIT_ERROR_RATES)


# --- hidden tests ------------------------------------------------------------

THRESHOLD = 0.418
ENROLLED = ["Colin_Powell", "Serena_Williams", "Junichiro_Koizumi",
            "Vladimir_Putin"]
PROBES = {"Colin_Powell": 3, "Serena_Williams": 3, "Vladimir_Putin": 3,
          "Hugo_Chavez": 1, "Jacques_Chirac": 1}


@fixture
def photos():
    """Encodings of real LFW photos, computed by the grader's own encoder."""
    import helpers.data.lfw as lfw
    import helpers.faces as faces

    model = faces.load_encoder()
    result = {}
    for name in ENROLLED:
        result[f"database/{name}"] = model.encode(
            [lfw.image_path(name, k) for k in (1, 2)], choose="central")
    for name, number in PROBES.items():
        result[f"probe/{name}"] = model.encode(
            [lfw.image_path(name, number)], choose="central")[0]
    return result


def _real():
    data = photos()
    database = {key.split("/")[1]: value for key, value in data.items()
                if key.startswith("database/")}
    probes = {key.split("/")[1]: value for key, value in data.items()
              if key.startswith("probe/")}
    return database, probes


def _toy():
    return {"eve": np.array([[0.0, 0, 0, 0], [0, 0, 0, 4.0]]),
            "fay": np.array([[0, 7.0, 0, 0]]),
            "gus": np.array([[2.0, 0, 5, 0], [0, 0, 8.0, 1]])}


def _check_verify(student, query, database, claimed, tau, what):
    got = expect.pair(student.verify(query, database, claimed, tau),
                      "verify")
    want = verify(query, database, claimed, tau)
    expect.close(expect.scalar(got[0], f"{what}: the distance"), want[0],
                 f"{what}: the distance", atol=1e-4)
    if expect.boolean(got[1], f"{what}: match") != want[1]:
        raise AssertionError(f"{what}: the match decision is wrong (the "
                             "distance is right: compare it with tau)")


@hidden_test("test_verify")
def test_verify(student):
    toy = _toy()
    query = np.array([0.0, 3.0, 0.0, 8.0])
    for claimed, tau in [("eve", 5.71), ("eve", 5.0), ("eve", 4.38),
                         ("fay", 9.17), ("gus", 6.23)]:
        _check_verify(student, query, toy, claimed, tau,
                      "a toy database")
    assert student.raises("KeyError", "verify", query, toy, "hal", 1.0), \
        "a name that is not in the database should raise KeyError"
    rng = np.random.default_rng(33)
    people = {"p": rng.normal(size=(3, 16)), "q": rng.normal(size=(1, 16))}
    query = people["p"][1] + 0.01
    for claimed in people:
        for tau in (0.0713, 1.17, 83.9):
            _check_verify(student, query, people, claimed, tau,
                          "random 16-d encodings")
    database, probes = _real()
    for probe in probes.values():
        for claimed in database:
            _check_verify(student, probe, database, claimed, THRESHOLD,
                          "encodings of real photos")
    kept = student.run(
        "db = {k: np.array(v) for k, v in toy.items()}\n"
        "verify(query, db, 'eve', 5.71)\n"
        "result = db\n", toy=toy, query=np.array([0.0, 3.0, 0.0, 8.0]))
    for name in toy:
        expect.close(kept[name], toy[name], "verify must not change the "
                     "database")


@hidden_test("test_identify")
def test_identify(student):
    def check(query, database, tau, what):
        got = expect.pair(student.identify(query, database, tau),
                          "identify")
        want = identify(query, database, tau)
        if got[0] != want[0]:
            raise AssertionError(f"{what}: the returned name (or None) is "
                                 "wrong")
        expect.close(expect.scalar(got[1], f"{what}: the distance"),
                     want[1], f"{what}: the distance", atol=1e-4)

    toy = _toy()
    for query, tau in [(np.array([0.0, 0, 0, 3]), 91.7),
                       (np.array([0.0, 0, 0, 3]), 1.0),
                       (np.array([0.0, 6, 2, 0]), 2.87),
                       (np.array([-20.0, 20, -20, 20]), 2.31)]:
        check(query, toy, tau, "a toy database")
    check(np.array([0.0, 6, 2, 0]), {"fay": toy["fay"]}, 2.87,
          "a database of one person")
    check(np.array([0.0, 3.5, 0, 0]), {"fay": toy["fay"], "eve": toy["eve"]},
          4.61, "a tie between two people (the one first in the database "
          "must win)")
    assert student.raises("ValueError", "identify", np.zeros(4), {}, 1.0), \
        "an empty database should raise ValueError"
    rng = np.random.default_rng(55)
    people = {f"person_{index}": rng.normal(size=(int(rng.integers(1, 4)),
                                                  8))
              for index in range(6)}
    for query in rng.normal(size=(12, 8)):
        for tau in (0.683, 2.77, 47.3):
            check(query, people, tau, "random 8-d encodings")
    database, probes = _real()
    for probe in probes.values():
        check(probe, database, THRESHOLD, "encodings of real photos")


@hidden_test("test_impostor_acceptance_rate")
def test_impostor_acceptance_rate(student):
    for rate, size in [(0.0083, 17), (0.0261, 409), (0.0617, 1), (0.37, 0),
                       (0.0, 58), (1.0, 3), (2.9e-5, 120_000)]:
        got = expect.scalar(student.impostor_acceptance_rate(rate, size),
                            f"the rate for p={rate}, K={size}")
        expect.close(got, float(impostor_acceptance_rate(rate, size)),
                     f"the rate for p={rate}, K={size}", atol=1e-9)
    rates = np.array([0.0047, 0.0193, 0.113])
    sizes = np.array([3, 77, 1_250])
    for what, args in [("an array of rates, K=23", (rates, 23)),
                       ("p=0.0113 and an array of sizes", (0.0113, sizes)),
                       ("arrays of rates and sizes", (rates, sizes))]:
        got = student.impostor_acceptance_rate(*args)
        expect.close(expect.array(got, what), impostor_acceptance_rate(*args),
                     what, atol=1e-9)


_AUDIT_RUN = """
import warnings as _warnings
with _warnings.catch_warnings(record=True) as _caught:
    _warnings.simplefilter("always")
    _rates = audit_error_rates(genuine, impostor, genuine_groups,
                               impostor_groups, tau)
# NaN travels as None (an unmeasured rate).
result = {"rates": {str(k): [None if float(x) != float(x) else float(x)
                             for x in v] for k, v in _rates.items()},
          "warnings": [str(w.message) for w in _caught]}
"""


def _audit_inputs(seed, pairs, groups, tau):
    """Return random distances and pair groups, as plain data."""
    rng = np.random.default_rng(seed)
    genuine = np.round(rng.uniform(0.1, 0.8, pairs), 3)
    impostor = np.round(rng.uniform(0.3, 1.0, 2 * pairs), 3)
    genuine[0] = impostor[0] = tau
    return dict(genuine=genuine, impostor=impostor,
                genuine_groups=rng.choice(groups, (pairs, 2)).tolist(),
                impostor_groups=rng.choice(groups, (2 * pairs, 2)).tolist(),
                tau=tau)


def _check_audit(student, inputs, what):
    """Compare a learner's audit with the reference's on ``inputs``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = audit_error_rates(inputs["genuine"], inputs["impostor"],
                                 inputs["genuine_groups"],
                                 inputs["impostor_groups"], inputs["tau"])
    got = student.run(_AUDIT_RUN, **inputs)
    rates = got["rates"]
    if sorted(rates) != sorted(want):
        raise AssertionError(f"{what}: the dict's keys are not the group "
                             "names found in the labels")
    for group, values in want.items():
        expected = np.array(values, dtype=np.float64)
        actual = np.array([np.nan if x is None else x
                           for x in rates[group]], dtype=np.float64)
        if actual.shape != (2,) or not np.allclose(
                actual, expected, atol=1e-9, equal_nan=True):
            raise AssertionError(f"{what}: the rates of one of the groups "
                                 "are wrong")
        if np.isnan(expected).any() and not any(
                group in message for message in got["warnings"]):
            raise AssertionError(f"{what}: a group has a rate that cannot "
                                 "be measured, and no warning names that "
                                 "group")


@hidden_test("test_audit_error_rates")
def test_audit_error_rates(student):
    for seed, pairs, groups, tau in [
            (7, 40, ["near", "far"], 0.463),
            (8, 60, ["dim", "lit", "glare"], 0.618),
            (9, 25, ["a", "b", "c", "d"], 0.371)]:
        _check_audit(student, _audit_inputs(seed, pairs, groups, tau),
                     f"random pairs, {len(groups)} groups, tau {tau}")
    # "masked" appears in genuine pairs only: no impostor pair measures it.
    _check_audit(student, dict(
        genuine=np.array([0.29, 0.47, 0.52, 0.33]),
        impostor=np.array([0.44, 0.71, 0.36]),
        genuine_groups=[["plain", "masked"], ["masked", "masked"],
                        ["plain", "plain"], ["plain", "masked"]],
        impostor_groups=[["plain", "plain"], ["plain", "plain"],
                         ["plain", "plain"]], tau=0.407),
        "a group without impostor pairs")
