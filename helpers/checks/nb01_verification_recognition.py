"""Public tests for notebook 01 (verification and recognition).

The toy database, the queries, the expected distances and the signatures
of recognised mistakes come from ``expected/nb01_verification_recognition
.json`` (``python -m instructor.exercises``).
"""

import warnings

import numpy as np

from helpers.checks.common import (
    assert_own_function,
    cases_check,
    learner_check,
    passed,
    shipped_cases,
)

NOT_RECOGNIZED = "not recognized"


def _copy(database):
    """Return a deep copy of a dict database."""
    return {name: np.array(value) for name, value in database.items()}


def _unpack_pair(result, function, first, second):
    """Return the two items of a function's result or fail with a hint."""
    if result is None:
        raise AssertionError(
            f"Your {function} returned None: did you forget the return "
            "statement at its end?")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(
            f"{function} should return a pair ({first}, {second}), "
            f"got {result!r}.")
    return result


def _number(distance, call):
    """Return a returned distance as a float, or fail naming the problem."""
    if distance is None:
        raise AssertionError(
            f"{call} returned None as the distance. Return the smallest "
            "distance as a number with every answer, also with "
            f"{NOT_RECOGNIZED!r}.")
    if isinstance(distance, (str, bytes, bool, np.bool_)):
        raise AssertionError(
            f"{call} returned {distance!r} as the distance; return the "
            "smallest distance as a number.")
    try:
        return float(distance)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{call} returned {distance!r} as the distance; it should be "
            "one number: the smallest distance.") from None


def _is_bool(value):
    """Return True for Python or NumPy booleans."""
    return isinstance(value, (bool, np.bool_))


def _check_distance(distance, cases, case, function):
    """Fail unless a returned distance is the case's, naming a mistake."""
    if distance is None or isinstance(distance, (str, bytes)):
        _number(distance, function)
    if np.ndim(distance) != 0:
        raise AssertionError(
            f"{function} returned a distance of shape {np.shape(distance)}; "
            "it should be one number: the smallest distance over the "
            "stored encodings (np.min of the per-encoding distances, "
            "computed along axis=-1).")
    expected = cases.expected(case)
    if not np.isclose(float(distance), expected, atol=1e-6):
        mistake = cases.mistake(float(distance), case)
        hint = cases.messages[mistake] if mistake else ""
        raise AssertionError(
            f"{function} returned distance {float(distance):.4g}, expected "
            f"{expected:.4g}. {hint}".strip())


@learner_check("verify")
def check_verify(verify, database=None, probes=None, threshold=None,
                 expected=()):
    """Check the learner's ``verify`` on toy encodings, then on photos.

    With ``database`` (name -> encodings), ``probes`` (name -> encoding of a
    photo of that person) and ``threshold``, ``expected`` lists
    ``(photo_of, claimed_name, match)`` outcomes that must come out on the
    real encodings (the hidden tests compare distances with the reference).
    """
    verify = assert_own_function(verify)
    cases = shipped_cases(__name__, "verify")
    case = "ada, threshold 5.37"
    query, toy, _, _ = cases.inputs(case)
    kept = _copy(toy)
    # ada's second encoding is at distance 5, her first at sqrt(34).
    result = _unpack_pair(verify(query, toy, "ada", 5.37), "verify",
                          "distance", "match")
    distance, match = result
    _check_distance(distance, cases, case,
                    "verify(query, database, 'ada', 5.37)")
    if not _is_bool(match):
        raise AssertionError(
            f"match should be a boolean (True/False), got {match!r} of type "
            f"{type(match).__name__}.")
    decisions = [bool(verify(query, toy, "ada", tau)[1])
                 for tau in (5.37, 4.81, 0.418, 11.9)]
    if len(set(decisions)) == 1:
        raise AssertionError(
            "verify gave the same decision for distance 5 with thresholds "
            "5.37, 4.81, 0.418 and 11.9: use the threshold argument, do not "
            "write a number in.")
    if not match:
        raise AssertionError(
            "Distance 5 with threshold 5.37 should be a match: a small "
            "distance means the same person (distance < threshold). Did "
            "you compare the wrong way round?")
    if verify(query, toy, "ada", 4.81)[1]:
        raise AssertionError(
            "Distance 5 with threshold 4.81 should NOT be a match. Did you "
            "compare the wrong way round (distance > threshold)?")
    if verify(query, toy, "ada", 5.0)[1]:
        raise AssertionError(
            "A distance exactly equal to the threshold (5 and 5) should NOT "
            "be a match: use a strict 'distance < threshold'.")
    # The query is closest to ada, but the claim is about bob.
    distance, match = _unpack_pair(verify(query, toy, "bob", 9.63),
                                   "verify", "distance", "match")
    if np.isclose(_number(distance, "verify"), cases.expected(case)):
        raise AssertionError(
            "verify(query, database, 'bob', ...) returned ada's distance: "
            "compare only with the encodings of the CLAIMED person.")
    _check_distance(distance, cases, "bob, threshold 9.63",
                    "verify(query, database, 'bob', 9.63)")
    try:
        verify(query, toy, "zoe", 1.0)
    except KeyError:
        pass
    else:
        raise AssertionError(
            "A name that is not in the database ('zoe') should raise "
            "KeyError (database[name] does that for you).")
    if any(not np.array_equal(toy[name], kept[name]) for name in kept) \
            or set(toy) != set(kept):
        raise AssertionError("verify must not change the database.")
    if database is not None:
        _check_verify_on_photos(verify, database, probes, threshold,
                                expected)
    passed("verify")


def _check_verify_on_photos(verify, database, probes, threshold, expected):
    """Check the expected outcomes of ``verify`` on real encodings."""
    for photo_of, claimed, match in expected:
        got = bool(verify(probes[photo_of], database, claimed, threshold)[1])
        if got != match:
            raise AssertionError(
                f"A photo of {photo_of} claimed to be {claimed} should give "
                f"match={match}, got {got}.")


@learner_check("identify")
def check_identify(identify, database=None, probes=None, threshold=None,
                   expected=()):
    """Check the learner's ``identify`` on toy encodings, then on photos.

    ``expected`` lists ``(photo_of, name)`` outcomes on the real ``probes``
    (``name`` may be "not recognized").
    """
    identify = assert_own_function(identify)
    cases = shipped_cases(__name__, "identify")
    query, toy, _ = cases.inputs("near ada, threshold 97.3")
    kept = _copy(toy)
    # ada's second encoding is at distance 1, bob at 5, cy at sqrt(46).
    result = _unpack_pair(identify(query, toy, 97.3), "identify", "name",
                          "distance")
    name, distance = result
    if not isinstance(name, str) and isinstance(distance, str):
        raise AssertionError(
            "identify returned (distance, name); return (name, distance).")
    if name == "cy":
        raise AssertionError(
            "identify picked the FARTHEST person; pick the one with the "
            "smallest distance (np.argmin, not np.argmax).")
    if name != "ada":
        raise AssertionError(
            f"The query is closest to ada (distance 1) but identify "
            f"returned {name!r}.")
    _check_distance(distance, cases, "near ada, threshold 97.3",
                    "identify(query, database, 97.3)")
    names = [identify(query, toy, tau)[0] for tau in (97.3, 2.71, 0.83)]
    if names[0] == names[2]:
        raise AssertionError(
            f"identify answered {names[2]!r} for a query at distance 1 from "
            "ada both with threshold 97.3 and with threshold 0.83: with "
            f"0.83 nobody is close enough, so the answer is "
            f"{NOT_RECOGNIZED!r}. If you wrote a threshold in, use the "
            "threshold argument instead.")
    if identify(query, toy, 2.13)[0] != "ada":
        raise AssertionError(
            "With threshold 2.13 the query (distance 1 from ada) should still be "
            "identified as ada: a match needs distance < threshold.")
    case = "near bob, threshold 2.71"
    near_bob = cases.inputs(case)[0]
    name, distance = _unpack_pair(identify(near_bob, toy, 2.71), "identify",
                                  "name", "distance")
    distance = _number(distance, "identify(near_bob, database, 2.71)")
    nearest = cases.expected(case)
    if name != "bob" or not np.isclose(distance, nearest):
        raise AssertionError(
            f"A query at distance sqrt(5) from bob (and farther from the "
            f"others) gave ({name!r}, {distance:.4g}); expected "
            f"('bob', {nearest:.4g}).")
    # ada (listed first) is at sqrt(20) < 5 too, but bob is nearer.
    name, distance = _unpack_pair(identify(near_bob, toy, 4.83), "identify",
                                  "name", "distance")
    if name == "ada":
        raise AssertionError(
            "With threshold 4.83 both ada (distance 4.472, listed first) and "
            "bob (distance 2.236) are under the threshold, and identify "
            "returned ada: the FIRST person under the threshold. Return the "
            "NEAREST person: look at everyone before deciding.")
    if name != "bob":
        raise AssertionError(
            f"With threshold 4.83 the query is nearest to bob (2.236) but "
            f"identify returned {name!r}.")
    _check_tie(identify, cases)
    case = "far from everyone, threshold 2.13"
    far = cases.inputs(case)[0]
    name, distance = _unpack_pair(identify(far, toy, 2.13), "identify",
                                  "name", "distance")
    if name is None:
        raise AssertionError(
            "For a face nobody in the database is close to, return the "
            f"string {NOT_RECOGNIZED!r} as the name, not None.")
    if name != NOT_RECOGNIZED:
        raise AssertionError(
            f"A query far from everyone (nearest distance > threshold) "
            f"should give {NOT_RECOGNIZED!r}, got {name!r}.")
    nearest = cases.expected(case)
    distance = _number(distance, "identify(far, database, 2.13)")
    if not np.isclose(distance, nearest):
        raise AssertionError(
            f"With 'not recognized', still return the smallest distance "
            f"({nearest:.4g}), got {distance:.4g}.")
    name, _ = identify(query, toy, 1.0)
    if name != NOT_RECOGNIZED:
        raise AssertionError(
            "A nearest distance exactly equal to the threshold (1 and 1) "
            f"should give {NOT_RECOGNIZED!r}: a match needs distance < "
            "threshold.")
    name, _ = identify(near_bob, {"bob": toy["bob"]}, 2.71)
    if name != "bob":
        raise AssertionError(
            "A database with a single person should work too.")
    try:
        result = identify(near_bob, {}, 2.71)
    except ValueError:
        pass
    else:
        raise AssertionError(
            f"identify(query, {{}}, 2.71) returned {result!r}: an EMPTY "
            "database has nobody to compare with and should raise "
            "ValueError.")
    if any(not np.array_equal(toy[key], kept[key]) for key in kept) \
            or set(toy) != set(kept):
        raise AssertionError("identify must not change the database.")
    if database is not None:
        _check_identify_on_photos(identify, database, probes, threshold,
                                  expected)
    passed("identify")


def _check_tie(identify, cases):
    """Fail unless a tie goes to the person first in the database."""
    # Both people are at distance 2.5 from the query; bob comes first.
    case = "tie, bob first"
    query, tied, _ = cases.inputs(case)
    name, distance = _unpack_pair(identify(query, tied, 2.93), "identify",
                                  "name", "distance")
    if name == "ada":
        raise AssertionError(
            "bob and ada are both at distance 2.5 (a tie) and bob comes "
            "first in the database, but identify returned ada. On a tie, "
            "return the person who comes FIRST in the database's order: "
            "replace the best person only when a distance is strictly "
            "smaller (<, not <=), and do not sort the names.")
    if name != "bob" or not np.isclose(_number(distance, "identify"),
                                       cases.expected(case)):
        raise AssertionError(
            f"A query at distance 2.5 from both bob and ada gave "
            f"({name!r}, {distance!r}); expected ('bob', 2.5).")


def _check_identify_on_photos(identify, database, probes, threshold,
                              expected):
    """Check the expected outcomes of ``identify`` on real encodings."""
    for photo_of, name in expected:
        got = identify(probes[photo_of], database, threshold)[0]
        if got != name:
            raise AssertionError(
                f"A photo of {photo_of} should be identified as {name!r}, "
                f"got {got!r}.")


#: One row per group, sorted by name: (false-match, false-non-match) rate;
#: -1 stands for a rate that could not be measured (NaN).
def rates_table(rates):
    """Return an audit's ``{group: (fmr, fnmr)}`` as rows sorted by group."""
    if rates is None:
        raise AssertionError(
            "Your audit_error_rates returned None: did you forget the "
            "return statement at its end?")
    if not isinstance(rates, dict):
        raise AssertionError(
            "audit_error_rates should return a dict {group: (false-match "
            f"rate, false-non-match rate)}}, got {type(rates).__name__}.")
    rows = []
    for group in sorted(rates, key=str):
        value = rates[group]
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise AssertionError(
                f"rates[{group!r}] should be a pair (false-match rate, "
                f"false-non-match rate), got {value!r}.")
        rows.append([-1.0 if np.isnan(float(rate)) else float(rate)
                     for rate in value])
    return rows


check_impostor_acceptance_rate = cases_check(__name__,
                                             "impostor_acceptance_rate")


@learner_check("audit_error_rates")
def check_audit_error_rates(audit_error_rates):
    """Check the learner's ``audit_error_rates`` on the shipped pairs."""
    audit_error_rates = assert_own_function(audit_error_rates)
    cases = shipped_cases(__name__, "audit_error_rates")
    for case in cases.cases:
        inputs = cases.inputs(case)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rates = audit_error_rates(*inputs)
        table = rates_table(rates)
        groups = sorted({str(name) for name in np.ravel(inputs[2])}
                        | {str(name) for name in np.ravel(inputs[3])})
        if sorted(str(name) for name in rates) != groups:
            raise AssertionError(
                f"On the case '{case}' the groups are {groups}, but your "
                f"dict has the keys {sorted(map(str, rates))}: give one "
                "entry per group found in the labels.")
        cases.check(table, case, f"audit_error_rates gives wrong rates on "
                    f"the case '{case}'.")
        empty = [group for group, row in zip(groups, table) if -1.0 in row]
        for group in empty:
            if not any(group in str(item.message) for item in caught):
                raise AssertionError(
                    f"On the case '{case}' the group {group!r} has no pairs "
                    "of one kind, and you returned nan without a warning "
                    "that names the group (NumPy's 'Mean of empty slice' "
                    "does not say which group). Warn with warnings.warn, in "
                    "a message that names the group.")
    passed("audit_error_rates")
