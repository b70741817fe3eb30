"""Tests of the verification references, the error figures in
helpers.faces.metrics and the public checks of notebooks 01 and 02."""

import textwrap

import numpy as np
import pytest

from helpers.checks import nb01_verification_recognition as checks
from helpers.faces import metrics
from instructor.exercises import nb01_verification_recognition as nb01
from instructor.exercises import nb02_one_shot as nb02

RNG = np.random.default_rng(11)


def learner_function(source, name):
    """Define ``source`` as if typed in a notebook; return function ``name``."""
    namespace = {"__name__": "__main__", "np": np}
    exec(textwrap.dedent(source), namespace)
    return namespace[name]


# --- reference implementations -------------------------------------------

def test_embedding_distance_shapes_and_values():
    a, b = RNG.normal(size=(2, 5, 7))
    rows = nb02.embedding_distance(a, b)
    assert rows.shape == (5,)
    assert np.allclose(rows, [np.linalg.norm(x - y) for x, y in zip(a, b)])
    assert np.ndim(nb02.embedding_distance(a[0], b[0])) == 0
    one_to_many = nb02.embedding_distance(a[0], b)
    assert np.allclose(one_to_many, np.linalg.norm(b - a[0], axis=1))
    assert nb02.embedding_distance([0, 3], [4, 0]) == pytest.approx(5.0)


def test_embedding_distance_rejects_mismatched_sizes():
    with pytest.raises(ValueError, match="last axes"):
        nb02.embedding_distance(np.zeros(4), np.zeros(5))
    with pytest.raises(ValueError, match="numbers"):
        nb02.embedding_distance(np.array(["a"]), np.array(["b"]))


def test_verify_uses_closest_stored_encoding_and_strict_threshold():
    database = {"ada": np.array([[0.0, 0.0], [3.0, 0.0]]),
                "bob": np.array([[0.0, 5.0]])}
    assert nb01.verify([3.0, 4.0], database, "ada", 4.5) == (4.0, True)
    assert nb01.verify([3.0, 4.0], database, "ada", 4.0) == (4.0, False)
    distance, match = nb01.verify([3.0, 4.0], database, "bob", 2.0)
    assert distance == pytest.approx(np.sqrt(10.0)) and not match
    with pytest.raises(KeyError, match="ada, bob"):
        nb01.verify([0.0, 0.0], database, "zoe", 1.0)
    with pytest.raises(ValueError, match="positive"):
        nb01.verify([0.0, 0.0], database, "ada", 0.0)


def test_identify_nearest_person_or_not_recognized():
    database = {"ada": np.array([[0.0, 0.0]]), "bob": np.array([[10.0, 0.0]])}
    assert nb01.identify([9.0, 0.0], database, 2.0) == ("bob", 1.0)
    assert nb01.identify([5.0, 0.0], database, 2.0) == ("not recognized", 5.0)
    assert nb01.identify([1.0, 0.0], database, 1.0)[0] == "not recognized"
    with pytest.raises(ValueError, match="empty"):
        nb01.identify([0.0, 0.0], {}, 1.0)


def brute_force_database_threshold(distances, labels, people, target):
    """The largest distance tau whose measured 1:K risk meets the target."""
    impostors = distances[labels == 0]
    best = None
    for tau in np.unique(distances):
        rate = np.mean(impostors < tau)
        if 1 - (1 - rate) ** people <= target + 1e-12:
            best = tau
    return best


def test_threshold_for_database_is_the_largest_that_meets_the_target():
    for seed, people, target in [(1, 3, 0.287), (2, 13, 0.173),
                                 (3, 41, 0.311), (4, 1, 0.0437)]:
        distances, labels = nb02.database_pairs(400, 100, seed, decimals=2)
        tau = nb02.threshold_for_database(distances, labels, people, target)
        assert tau == brute_force_database_threshold(distances, labels,
                                                     people, target)
        assert nb02.threshold_for_database(distances, list(labels), people,
                                           target) == tau


def test_threshold_for_database_refuses_what_it_cannot_measure():
    distances, labels = nb02.database_pairs(60, 40, 7)
    with pytest.raises(ValueError, match="at least 2103 are needed"):
        nb02.threshold_for_database(distances, labels, 29, 0.0137)
    for people, target in [(0, 0.1), (2.5, 0.1), (3, 0.0), (3, 1.0)]:
        with pytest.raises(ValueError, match="people|target"):
            nb02.threshold_for_database(distances, labels, people, target)
    with pytest.raises(ValueError, match="one label per distance"):
        nb02.threshold_for_database([0.1, 0.2], [0], 3, 0.1)


def roc_points(distances, labels):
    """Return (false-accept rates, true-accept rates, thresholds), one point
    per candidate threshold, from nothing accepted to everything."""
    thresholds = metrics.candidate_thresholds(distances)
    accepted = np.greater.outer(thresholds, distances)
    return (accepted[:, labels == 0].mean(axis=1),
            accepted[:, labels == 1].mean(axis=1), thresholds)


def test_error_rates_and_roc():
    distances = np.array([0.1, 0.2, 0.5, 0.3, 0.6, 0.8])
    labels = np.array([1, 1, 1, 0, 0, 0])
    far, frr = nb02.error_rates(distances, labels, 0.4)
    assert far == pytest.approx(1 / 3) and frr == pytest.approx(1 / 3)
    false_accept, true_accept, thresholds = roc_points(distances, labels)
    assert false_accept[0] == 0 and true_accept[0] == 0
    assert false_accept[-1] == 1 and true_accept[-1] == 1
    assert np.all(np.diff(thresholds) > 0)
    assert np.all(np.diff(false_accept) >= 0)
    for threshold, x, y in zip(thresholds, false_accept, true_accept):
        assert nb02.error_rates(distances, labels, threshold) == (
            pytest.approx(x), pytest.approx(1 - y))
    area = metrics.area_under_curve(false_accept, true_accept)
    assert area == pytest.approx(8 / 9)
    far, frr = nb02.error_rates([0.1, 0.2, 0.7], [1, 1, 1], 0.5)
    assert np.isnan(far) and frr == pytest.approx(1 / 3)


def test_monte_carlo_agrees_with_the_impostor_reference():
    """01's reference for 1 - (1 - p)^K matches a simulated database."""
    from instructor.exercises import exercise

    reference = exercise("01_verification_recognition",
                         "impostor_acceptance_rate").reference
    p, people, trials = 0.02, 30, 20000
    passes = RNG.random((trials, people)) < p
    assert passes.any(axis=1).mean() == pytest.approx(
        reference(p, people), abs=0.01)


# --- public checks of notebook 01 --------------------------------------------

VERIFY = """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.min(np.linalg.norm(stored - encoding, axis=-1)))
    return distance, distance < threshold
"""

IDENTIFY = """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("the database is empty")
    best, name = np.inf, None
    for person, stored in database.items():
        d = np.min(np.linalg.norm(np.asarray(stored) - encoding, axis=-1))
        if d < best:
            best, name = d, person
    return (name if best < threshold else "not recognized"), best
"""


def test_check_verify_accepts_a_correct_solution(capsys):
    checks.check_verify(learner_function(VERIFY, "verify"))
    assert "verify: all public tests passed." in capsys.readouterr().out


@pytest.mark.parametrize("mistake, message", [
    ("distance = float(np.min(np.sum((stored - encoding) ** 2, axis=-1)))",
     "squared distance"),
    ("distance = float(np.linalg.norm(stored[0] - encoding))", "FIRST"),
    ("distance = float(np.max(np.linalg.norm(stored - encoding, axis=-1)))",
     "largest"),
    ("distance = float(np.linalg.norm(stored - encoding))", "one norm"),
    ("distance = np.linalg.norm(stored - encoding, axis=-1)", "one number"),
])
def test_check_verify_names_distance_mistakes(mistake, message):
    source = VERIFY.replace(
        "distance = float(np.min(np.linalg.norm(stored - encoding, "
        "axis=-1)))", mistake)
    with pytest.raises(AssertionError, match=message):
        checks.check_verify(learner_function(source, "verify"))


@pytest.mark.parametrize("decision, message", [
    ("distance <= threshold", "strict"),
    ("distance > threshold", "wrong way round"),
])
def test_check_verify_names_threshold_mistakes(decision, message):
    source = VERIFY.replace("distance < threshold", decision)
    with pytest.raises(AssertionError, match=message):
        checks.check_verify(learner_function(source, "verify"))


def test_check_verify_rejects_the_reference_and_helpers():
    with pytest.raises(AssertionError, match="course module"):
        checks.check_verify(nb01.verify)
    wrapper = learner_function("""
        from helpers.faces.metrics import area_under_curve as v
        def verify(encoding, database, name, threshold):
            return v(encoding, database[name]), True
    """, "verify")
    with pytest.raises(AssertionError, match="helpers"):
        checks.check_verify(wrapper)


def test_check_verify_on_real_style_data():
    database = {name: RNG.normal(size=(2, 128)) for name in "abc"}
    probes = {"a": database["a"][0] + 0.01, "z": RNG.normal(size=128)}
    checks.check_verify(learner_function(VERIFY, "verify"), database,
                        probes, 1.0, expected=[("a", "a", True),
                                               ("z", "a", False)])
    with pytest.raises(AssertionError, match="should give match=True"):
        checks.check_verify(learner_function(VERIFY, "verify"), database,
                            probes, 1.0, expected=[("z", "a", True)])


def test_check_identify_accepts_a_correct_solution(capsys):
    checks.check_identify(learner_function(IDENTIFY, "identify"))
    assert "identify: all public tests passed." in capsys.readouterr().out


def test_check_identify_on_real_style_data(capsys):
    database = {name: RNG.normal(size=(2, 128)) for name in "abc"}
    probes = {"a": database["a"][0] + 0.01, "z": RNG.normal(size=128) + 9}
    identify = learner_function(IDENTIFY, "identify")
    checks.check_identify(identify, database, probes, 1.0, expected=[
        ("a", "a"), ("z", "not recognized")])
    assert "identify: all public tests passed." in capsys.readouterr().out
    with pytest.raises(AssertionError, match="should be identified as 'a'"):
        checks.check_identify(identify, database, probes, 1.0,
                              expected=[("z", "a")])


@pytest.mark.parametrize("old, new, message", [
    ("d < best", "d > best or name is None", "FARTHEST"),
    ("(name if best < threshold else \"not recognized\"), best",
     "name, best", "not recognized"),
    ("(name if best < threshold else \"not recognized\"), best",
     "(name if best < threshold else None), best", "not None"),
    ("(name if best < threshold else \"not recognized\"), best",
     "(name if best <= threshold else \"not recognized\"), best",
     "exactly equal"),
    ("(name if best < threshold else \"not recognized\"), best",
     "best, (name if best < threshold else \"not recognized\")",
     "return \\(name, distance\\)"),
    ("(name if best < threshold else \"not recognized\"), best",
     "(name, best) if best < threshold else (\"not recognized\", None)",
     "None as the distance"),
    ("d < best", "d <= best", "tie"),
    ("        if d < best:\n            best, name = d, person",
     "        if d < threshold:\n            return person, d\n"
     "        if d < best:\n            best, name = d, person",
     "FIRST person under the threshold"),
    ("    if not database:\n        raise ValueError(\"the database is empty\")\n",
     "", "EMPTY database"),
])
def test_check_identify_names_mistakes(old, new, message):
    source = IDENTIFY.replace(old, new)
    assert source != IDENTIFY
    with pytest.raises(AssertionError, match=message):
        checks.check_identify(learner_function(source, "identify"))


# --- public checks of notebook 02 --------------------------------------------

from helpers.checks import nb02_one_shot as one_shot  # noqa: E402

DISTANCE = """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"shapes {a.shape} and {b.shape}")
    return np.sqrt(np.sum((a - b) ** 2, axis=-1))
"""

DATABASE = """
def threshold_for_database(distances, labels, people, target):
    distances = np.asarray(distances, dtype=float)
    impostors = np.sort(distances[np.asarray(labels) == 0])
    rate = 1 - (1 - target) ** (1 / people)
    allowed = int(np.floor(rate * len(impostors)))
    if allowed == 0:
        raise ValueError(f"need {int(np.ceil(1 / rate))} pairs")
    return impostors[allowed]
"""

RATES = """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    if same.all() or not same.any():
        raise ValueError("need both kinds of pair")
    return np.mean(accepted[~same]), np.mean(~accepted[same])
"""

RATES_NAN = """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    far = np.mean(accepted[~same]) if (~same).any() else np.nan
    frr = np.mean(~accepted[same]) if same.any() else np.nan
    return far, frr
"""


def test_one_shot_checks_accept_correct_solutions(capsys):
    one_shot.check_embedding_distance(
        learner_function(DISTANCE, "embedding_distance"))
    one_shot.check_threshold_for_database(
        learner_function(DATABASE, "threshold_for_database"))
    one_shot.check_error_rates(learner_function(RATES, "error_rates"))
    one_shot.check_error_rates(learner_function(RATES_NAN, "error_rates"))
    out = capsys.readouterr().out
    assert out.count("all public tests passed") == 4


@pytest.mark.parametrize("old, new, message", [
    ("np.sqrt(np.sum((a - b) ** 2, axis=-1))", "np.sum((a - b) ** 2, axis=-1)",
     "squared"),
    ("np.sqrt(np.sum((a - b) ** 2, axis=-1))", "np.sum(np.abs(a - b), axis=-1)",
     "absolute"),
    ("np.sqrt(np.sum((a - b) ** 2, axis=-1))", "np.sqrt(np.sum((a - b) ** 2))",
     "last axis"),
    ("np.sqrt(np.sum((a - b) ** 2, axis=-1))",
     "np.sqrt(np.sum((a - b) ** 2, axis=0))", "axis=0"),
    ("    if a.shape[-1] != b.shape[-1]:\n"
     "        raise ValueError(f\"shapes {a.shape} and {b.shape}\")\n", "",
     "silently broadcast"),
    ('raise ValueError(f"shapes {a.shape} and {b.shape}")',
     'raise ValueError("wrong sizes")', "name both shapes"),
])
def test_check_embedding_distance_names_mistakes(old, new, message):
    source = DISTANCE.replace(old, new)
    with pytest.raises(AssertionError, match=message):
        one_shot.check_embedding_distance(
            learner_function(source, "embedding_distance"))


@pytest.mark.parametrize("old, new, message", [
    ("1 - (1 - target) ** (1 / people)", "target / people", "K times"),
    ("1 - (1 - target) ** (1 / people)", "target", "every one of the"),
    ("rate * len(impostors)", "rate * len(distances)",
     "different-person pairs only"),
    ("return impostors[allowed]", "return impostors[allowed - 1]",
     "strictly below"),
    ("return impostors[allowed]",
     "return (impostors[allowed - 1] + impostors[allowed]) / 2", "midway"),
    ("(1 - target) ** (1 / people)", "(1 - 0.287) ** (1 / 3)",
     "arguments you were given"),
    ("np.asarray(labels) == 0", "labels == 0", "Python list"),
    ("    if allowed == 0:\n", "    if False:\n", "cannot measure"),
    ('f"need {int(np.ceil(1 / rate))} pairs"', '"too few pairs"',
     "how many"),
])
def test_check_threshold_for_database_names_mistakes(old, new, message):
    source = DATABASE.replace(old, new)
    assert source != DATABASE
    with pytest.raises(AssertionError, match=message):
        one_shot.check_threshold_for_database(
            learner_function(source, "threshold_for_database"))


@pytest.mark.parametrize("old, new, message", [
    ("np.mean(accepted[~same]), np.mean(~accepted[same])",
     "np.mean(~accepted[same]), np.mean(accepted[~same])", "comes first"),
    ("np.mean(accepted[~same]), np.mean(~accepted[same])",
     "np.mean(accepted & ~same), np.mean(~accepted & same)", "ALL pairs"),
    ("np.mean(accepted[~same]), np.mean(~accepted[same])",
     "np.mean(accepted[~same]), 1 - np.mean(accepted[~same])", "not 1 -"),
    ("np.asarray(distances) < threshold", "np.asarray(distances) <= threshold",
     "exactly 0.613"),
    ("np.asarray(distances) < threshold", "np.asarray(distances) < 0.537",
     "threshold you were given"),
    ("np.asarray(labels) == 1", "labels == 1", "Python list"),
    ("    if same.all() or not same.any():\n"
     "        raise ValueError(\"need both kinds of pair\")\n"
     "    return np.mean(accepted[~same]), np.mean(~accepted[same])",
     "    return (np.sum(accepted[~same]) / max(np.sum(~same), 1),\n"
     "            np.sum(~accepted[same]) / max(np.sum(same), 1))",
     "no different-person pair"),
])
def test_check_error_rates_names_mistakes(old, new, message):
    source = RATES.replace(old, new)
    assert source != RATES
    with pytest.raises(AssertionError, match=message):
        one_shot.check_error_rates(learner_function(source, "error_rates"))
