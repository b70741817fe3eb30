"""Hidden tests of 01_verification_recognition."""

import numpy as np

from instructor.grading.harness import fixture, hidden_test
from instructor.exercises import expect
from instructor.reference import verification as reference

ASSIGNMENT = "01_verification_recognition"
PRELUDE = "import numpy as np"
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
    want = reference.verify(query, database, claimed, tau)
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
        want = reference.identify(query, database, tau)
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
