"""Reading quiz answers and the public quiz check of notebook 06: format,
then feedback from salted hashes and sealed explanations."""

import json

import numpy as np
import pytest

from helpers.checks.nb06_quiz_and_convolutions import check_quiz_answer
from helpers.quiz import describe_answer, normalise_answer, unseal
from instructor.exercises import generate
from instructor.exercises.nb06_quiz_and_convolutions import (
    HINTS,
    KEY,
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


def _wrong(question, correct):
    """Return a well-formed answer to ``question`` other than ``correct``."""
    kind, options = QUESTIONS[question]
    if kind == "true_false":
        return not correct
    if kind == "one_letter":
        return next(letter for letter in options if letter != correct)
    return {"a"} if set(correct) != {"a"} else {"a", "b"}


def test_right_answer_unlocks_its_explanation(capsys):
    for question, (answer, explanation) in KEY.items():
        assert check_quiz_answer(question, answer) == normalise_answer(
            question, answer, *QUESTIONS[question])
        out = capsys.readouterr().out
        assert out.startswith(f"{question}: answer recorded as")
        assert "Right." in out and explanation in out


def test_wrong_answer_gets_a_hint_and_no_explanation(capsys):
    for question, (answer, explanation) in KEY.items():
        check_quiz_answer(question, _wrong(question, answer))
        out = capsys.readouterr().out
        assert "Not the expected answer yet" in out
        assert HINTS[question].split()[0] in out
        first_line = explanation.splitlines()[0]
        assert first_line not in out and "Right." not in out


def test_hints_do_not_quote_the_explanations():
    for question, (_, explanation) in KEY.items():
        for line in explanation.splitlines():
            if len(line.strip()) >= 20:
                assert line.strip() not in HINTS[question], (question, line)


def test_feedback_file_is_fresh_and_holds_no_readable_key():
    path = generate.path_of("06_quiz_and_convolutions")
    text = path.read_text()
    assert json.loads(text)["quiz"] == quiz_feedback(), (
        f"the quiz feedback in {path.name} is stale: run "
        "'python -m instructor.exercises 06_quiz_and_convolutions'")
    for question, (answer, explanation) in KEY.items():
        for line in explanation.splitlines():
            if len(line.strip()) >= 20:
                assert line.strip() not in text
        entry = json.loads(text)["quiz"]["questions"][question]
        assert "answer" not in entry
        wrong = normalise_answer(question, _wrong(question, answer),
                                 *QUESTIONS[question])
        assert unseal(entry["explanation"], question, wrong,
                      entry["salt"]) != explanation


def test_check_turns_format_errors_into_assertions():
    with pytest.raises(AssertionError, match="Q2 is select-all"):
        check_quiz_answer("Q2", "b")
    with pytest.raises(ValueError, match="unknown question"):
        check_quiz_answer("Q11", True)
