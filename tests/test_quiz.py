"""Reading quiz answers and the quiz checks of notebook 06: format, the
practice questions' feedback from salted hashes and sealed explanations,
and the graded questions, of which the learner's package holds nothing
that gives an answer away."""

import contextlib
import io
import itertools
import json

import numpy as np
import pytest

from helpers.checks.nb06_quiz_and_convolutions import (
    check_practice_answer,
    record_quiz_answer,
)
from helpers.quiz import answer_digest, describe_answer, normalise_answer
from helpers.quiz import unseal
from instructor.exercises import generate
from instructor.exercises.nb06_quiz_and_convolutions import (
    HINTS,
    KEY,
    PRACTICE,
    PRACTICE_HINTS,
    PRACTICE_KEY,
    QUESTIONS,
    quiz_feedback,
)


def test_true_false():
    assert normalise_answer("Q1", True, "true_false") is True
    assert normalise_answer("Q1", np.bool_(False), "true_false") is False
    with pytest.raises(ValueError, match="remove the quotes"):
        normalise_answer("Q1", "True", "true_false")
    with pytest.raises(ValueError, match="True or False"):
        normalise_answer("Q1", 1, "true_false")


def test_one_letter():
    assert normalise_answer("Q4", " B ", "one_letter") == "b"
    with pytest.raises(ValueError, match="one letter such as 'a'"):
        normalise_answer("Q4", {"b"}, "one_letter")
    with pytest.raises(ValueError, match="'a', 'b', 'c' or 'd'"):
        normalise_answer("Q4", "e", "one_letter")


def test_select_all():
    assert normalise_answer("Q2", ["C", "a", "a"], "select_all") == {"a", "c"}
    with pytest.raises(ValueError, match=r"set of letters such as \{'a', 'd'\}"):
        normalise_answer("Q2", "ac", "select_all")
    with pytest.raises(ValueError, match="'x' is not"):
        normalise_answer("Q2", {"a", "x"}, "select_all")
    with pytest.raises(ValueError, match="non-empty"):
        normalise_answer("Q2", set(), "select_all")


def test_no_answer_and_bad_kind():
    with pytest.raises(ValueError, match="no answer yet"):
        normalise_answer("Q3", None, "true_false")
    with pytest.raises(ValueError, match="kind must be"):
        normalise_answer("Q3", True, "essay")


def test_describe_answer_is_stable():
    assert describe_answer(frozenset({"c", "a"})) == "{'a', 'c'}"
    assert describe_answer("b") == "'b'"
    assert describe_answer(False) == "False"


def _kind(question):
    """Return (kind, options) of a practice or graded question."""
    return {**PRACTICE, **QUESTIONS}[question]


def candidates(kind, options):
    """Return every well-formed answer of a question, first option first."""
    if kind == "true_false":
        return [True, False]
    if kind == "one_letter":
        return list(options)
    return [set(letters) for size in range(1, len(options) + 1)
            for letters in itertools.combinations(options, size)]


def _wrong(question, correct):
    """Return a well-formed answer to ``question`` other than ``correct``."""
    kind, options = _kind(question)
    canonical = normalise_answer(question, correct, kind, options)
    return next(answer for answer in candidates(kind, options)
                if normalise_answer(question, answer, kind, options)
                != canonical)


def test_right_practice_answer_unlocks_its_explanation(capsys):
    for question, (answer, explanation) in PRACTICE_KEY.items():
        assert check_practice_answer(question, answer) == normalise_answer(
            question, answer, *PRACTICE[question])
        out = capsys.readouterr().out
        assert out.startswith(f"{question}: ")
        assert "Right." in out and explanation in out


def test_wrong_practice_answer_gets_a_hint_and_no_explanation(capsys):
    for question, (answer, explanation) in PRACTICE_KEY.items():
        check_practice_answer(question, _wrong(question, answer))
        out = capsys.readouterr().out
        assert "Not yet" in out
        assert PRACTICE_HINTS[question].split()[0] in out
        first_line = explanation.splitlines()[0]
        assert first_line not in out and "Right." not in out


def test_unanswered_practice_question_says_so(capsys):
    assert check_practice_answer("P1", ...) is None
    assert "no answer yet" in capsys.readouterr().out


def test_hints_do_not_quote_the_explanations():
    for hints, key in [(PRACTICE_HINTS, PRACTICE_KEY),
                       (HINTS, KEY)]:
        for question, (_, explanation) in key.items():
            for line in explanation.splitlines():
                if len(line.strip()) >= 20:
                    assert line.strip() not in hints[question], (
                        question, line)


def test_practice_and_graded_questions_are_different():
    assert not set(PRACTICE) & set(QUESTIONS)
    for question, (_, explanation) in PRACTICE_KEY.items():
        for graded, (_, other) in KEY.items():
            assert explanation[:40] not in other, (question, graded)


def test_feedback_file_is_fresh_and_holds_no_readable_key():
    path = generate.path_of("06_quiz_and_convolutions")
    text = path.read_text()
    assert json.loads(text)["quiz"] == quiz_feedback(), (
        f"the quiz feedback in {path.name} is stale: run "
        "'python -m instructor.exercises 06_quiz_and_convolutions'")
    for question, (answer, explanation) in {**KEY, **PRACTICE_KEY}.items():
        for line in explanation.splitlines():
            if len(line.strip()) >= 20:
                assert line.strip() not in text
    for question, (answer, explanation) in PRACTICE_KEY.items():
        entry = json.loads(text)["quiz"]["practice"][question]
        assert "answer" not in entry
        wrong = normalise_answer(question, _wrong(question, answer),
                                 *PRACTICE[question])
        assert unseal(entry["explanation"], question, wrong,
                      entry["salt"]) != explanation


def _shipped_strings(value):
    """Yield every string anywhere in shipped JSON data."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _shipped_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _shipped_strings(item)
    elif isinstance(value, str):
        yield value


def test_graded_questions_ship_their_format_only():
    quiz = json.loads(generate.path_of("06_quiz_and_convolutions")
                      .read_text())["quiz"]
    assert quiz["graded"] == {
        question: {"kind": kind, "options": options}
        for question, (kind, options) in QUESTIONS.items()}
    assert not set(QUESTIONS) & set(quiz["practice"])


def brute_force(question):
    """Search the learner's package for the answer to ``question``.

    What a learner can do in their own kernel: try every well-formed
    answer with every check the package offers and against every salted
    hash it ships.  Return the confirmed answer, or None.
    """
    data = json.loads(generate.path_of("06_quiz_and_convolutions")
                      .read_text())
    salts = [text for text in _shipped_strings(data)
             if len(text) == 32 and all(c in "0123456789abcdef"
                                        for c in text)]
    digests = set(_shipped_strings(data))
    kind, options = _kind(question)
    outputs = {}
    for answer in candidates(kind, options):
        value = normalise_answer(question, answer, kind, options)
        for salt in salts:
            if answer_digest(question, value, salt) in digests:
                return answer
        for check in (check_practice_answer, record_quiz_answer):
            buffer = io.StringIO()
            try:
                with contextlib.redirect_stdout(buffer):
                    check(question, answer)
            except (AssertionError, ValueError):
                continue
            if "Right." in buffer.getvalue():
                return answer
            outputs[repr(answer)] = buffer.getvalue().replace(
                describe_answer(value), "")
    # A check whose output depends on more than the answer's own text
    # would tell the answers apart.
    assert len(set(outputs.values())) <= 1, outputs
    return None


def test_brute_force_finds_every_practice_answer():
    # The search works: where the package holds a key, trying finds it.
    for question, (answer, _) in PRACTICE_KEY.items():
        found = brute_force(question)
        kind, options = PRACTICE[question]
        assert normalise_answer(question, found, kind, options) == (
            normalise_answer(question, answer, kind, options))


def test_brute_force_finds_no_graded_answer():
    for question in QUESTIONS:
        assert brute_force(question) is None, question


def test_record_checks_the_format_only(capsys):
    assert record_quiz_answer("Q4", " B ") == "b"
    out = capsys.readouterr().out
    assert "recorded as 'b'" in out and "graded when you submit" in out
    with pytest.raises(AssertionError, match="Q2 is select-all"):
        record_quiz_answer("Q2", "b")
    with pytest.raises(ValueError, match="unknown question"):
        record_quiz_answer("Q11", True)
    with pytest.raises(ValueError, match="unknown question"):
        record_quiz_answer("P1", "c")
    with pytest.raises(ValueError, match="unknown question"):
        check_practice_answer("Q1", True)
