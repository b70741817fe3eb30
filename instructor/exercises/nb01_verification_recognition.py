"""Notebook 01 (verification and recognition): verify and identify.

One section per graded exercise: the reference, the public cases, the
mistakes learners make and the hidden test.  A database is a plain dict
``{name: encodings (k, n)}``; the distance to a person is the smallest
Euclidean distance to any of their stored encodings, and two faces match
when it is strictly below the threshold (as in ``helpers.faces``).
"""

import numpy as np

from instructor.exercises import expect
from instructor.exercises.spec import Case, Exercise, Mistake
from instructor.grading.harness import fixture, hidden_test

NOTEBOOK = "01_verification_recognition"
#: What answer cells may rely on (the clean room and the catalogue).
PRELUDE = "import numpy as np"

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
    cases=(_case("ada, threshold 5.5", (VERIFY_QUERY, TOY, "ada", 5.5), 0),
           # The query is closest to ada, but the claim is about bob.
           _case("bob, threshold 10", (VERIFY_QUERY, TOY, "bob", 10.0), 0)),
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
        _case("near ada, threshold 100",
              (np.array([3.0, 1.0, 0.0, 0.0]), TOY, 100.0), 1),
        # bob at sqrt(5); ada (listed first) at sqrt(20).
        _case("near bob, threshold 3",
              (np.array([0.0, 4.0, 2.0, 0.0]), TOY, 3.0), 1),
        # bob and ada both at 2.5; bob comes first.
        _case("tie, bob first",
              (np.array([0.0, 2.5, 0.0, 0.0]),
               {"bob": TOY["bob"], "ada": TOY["ada"]}, 3.0), 1),
        # cy's second encoding is the nearest: [20, 20, 11, 20] away.
        _case("far from everyone, threshold 2",
              (np.full(4, 20.0), TOY, 2.0), 1)),
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

EXERCISES = (VERIFY, IDENTIFY)


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
    for claimed, tau in [("eve", 5.5), ("eve", 5.0), ("eve", 4.0),
                         ("fay", 10.0), ("gus", 6.0)]:
        _check_verify(student, query, toy, claimed, tau,
                      "a toy database")
    assert student.raises("KeyError", "verify", query, toy, "hal", 1.0), \
        "a name that is not in the database should raise KeyError"
    rng = np.random.default_rng(33)
    people = {"p": rng.normal(size=(3, 16)), "q": rng.normal(size=(1, 16))}
    query = people["p"][1] + 0.01
    for claimed in people:
        for tau in (0.05, 1.0, 100.0):
            _check_verify(student, query, people, claimed, tau,
                          "random 16-d encodings")
    database, probes = _real()
    for probe in probes.values():
        for claimed in database:
            _check_verify(student, probe, database, claimed, THRESHOLD,
                          "encodings of real photos")
    kept = student.run(
        "db = {k: np.array(v) for k, v in toy.items()}\n"
        "verify(query, db, 'eve', 5.5)\n"
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
    for query, tau in [(np.array([0.0, 0, 0, 3]), 100.0),
                       (np.array([0.0, 0, 0, 3]), 1.0),
                       (np.array([0.0, 6, 2, 0]), 3.0),
                       (np.array([-20.0, 20, -20, 20]), 2.0)]:
        check(query, toy, tau, "a toy database")
    check(np.array([0.0, 6, 2, 0]), {"fay": toy["fay"]}, 3.0,
          "a database of one person")
    check(np.array([0.0, 3.5, 0, 0]), {"fay": toy["fay"], "eve": toy["eve"]},
          5.0, "a tie between two people (the one first in the database "
          "must win)")
    assert student.raises("ValueError", "identify", np.zeros(4), {}, 1.0), \
        "an empty database should raise ValueError"
    rng = np.random.default_rng(55)
    people = {f"person_{index}": rng.normal(size=(int(rng.integers(1, 4)),
                                                  8))
              for index in range(6)}
    for query in rng.normal(size=(12, 8)):
        for tau in (0.5, 3.0, 50.0):
            check(query, people, tau, "random 8-d encodings")
    database, probes = _real()
    for probe in probes.values():
        check(probe, database, THRESHOLD, "encodings of real photos")
