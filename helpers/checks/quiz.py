"""Public tests for the quiz of notebook 06: answer formats only.

These checks never reveal whether an answer is right; the hidden tests,
run when the notebook is graded, do that and print an explanation.
"""

from helpers.quiz import describe_answer, normalise_answer

# question -> (kind, option letters); the correct answers are not here.
QUESTIONS = {
    "Q1": ("true_false", ""),
    "Q2": ("select_all", "abcd"),
    "Q3": ("true_false", ""),
    "Q4": ("one_letter", "abcd"),
    "Q5": ("true_false", ""),
    "Q6": ("true_false", ""),
    "Q7": ("true_false", ""),
    "Q8": ("true_false", ""),
    "Q9": ("one_letter", "abcd"),
    "Q10": ("one_letter", "abcd"),
}


def check_quiz_answer(question, answer):
    """Check the format of one answer and return it in canonical form."""
    if question not in QUESTIONS:
        raise ValueError(
            f"unknown question {question!r}; the quiz has "
            f"{', '.join(QUESTIONS)}"
        )
    kind, options = QUESTIONS[question]
    try:
        value = normalise_answer(question, answer, kind, options)
    except ValueError as error:
        raise AssertionError(str(error)) from None
    print(f"{question}: answer recorded as {describe_answer(value)}. "
          "It is graded when you submit; the feedback explains it.")
    return value
