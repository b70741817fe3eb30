"""Reading quiz answers and the format-only public check of notebook 06."""

import numpy as np
import pytest

from helpers.checks.quiz import QUESTIONS, check_quiz_answer
from helpers.quiz import describe_answer, normalise_answer


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


def test_check_accepts_every_format_and_reveals_nothing(capsys):
    examples = {"true_false": False, "one_letter": "a",
                "select_all": {"a", "b"}}
    for question, (kind, _) in QUESTIONS.items():
        check_quiz_answer(question, examples[kind])
        out = capsys.readouterr().out
        assert out.startswith(f"{question}: answer recorded as")
        assert "correct" not in out.lower()


def test_check_turns_format_errors_into_assertions():
    with pytest.raises(AssertionError, match="Q2 is select-all"):
        check_quiz_answer("Q2", "b")
    with pytest.raises(ValueError, match="unknown question"):
        check_quiz_answer("Q11", True)
