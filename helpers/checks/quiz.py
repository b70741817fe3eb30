"""Public check of notebook 06's quiz: the answer's format, then feedback.

A self-learner sees at once whether an answer is right, without a readable
answer key in the notebook or in this package: ``expected/quiz.json`` holds
per question a salt, the salted hash of the correct answer and the
explanation encrypted under a key derived from that answer.  A right answer
recreates the hash and unlocks its explanation; a wrong one gets a hint
toward the concept.  The hidden tests grade the answers on submission.
"""

import functools
import json
import textwrap

from helpers.checks.common import EXPECTED_DIR
from helpers.quiz import answer_digest, describe_answer, normalise_answer
from helpers.quiz import unseal

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

#: Shown after a wrong answer: a pointer to the concept, not the answer.
HINTS = {
    "Q1": ("Ask what each system is given besides the photo (a claimed "
           "name, or nothing) and how many stored people it must compare "
           "the photo with."),
    "Q2": ("Go through the options one by one: which describe the data a "
           "face system really has (photos per person, people who join "
           "later), and which describe a design with one output unit per "
           "person?"),
    "Q3": ("Write down one triplet for this training set: which two of its "
           "three photos must show the same person?"),
    "Q4": ("The loss must be zero once the negative is farther from the "
           "anchor than the positive by at least the margin. Write that "
           "condition as an inequality, move every term to one side and "
           "put it inside max(., 0)."),
    "Q5": ("What makes a network 'Siamese'? Think of what comparing "
           "f1(x1) with f2(x2) would mean if the two branches had "
           "different weights."),
    "Q6": ("Recall what the units of a ConvNet respond to at different "
           "depths: how large is the part of the image a unit of the first "
           "layer sees, and what can it detect there?"),
    "Q7": ("Ask what is optimised in neural style transfer, and whether "
           "there is any data set of labelled (input, output) examples."),
    "Q8": ("Write one entry G[k, k'] of the style matrix as a sum over the "
           "positions of the image. When is that sum large?"),
    "Q9": ("Which variable is the gradient of J(G) taken with respect to? "
           "Which quantities stay fixed while the optimisation runs?"),
    "Q10": ("Apply n' = floor((n + 2p - f) / s) + 1 to each spatial axis, "
            "and remember how many input channels each filter spans and "
            "how many output channels the layer makes."),
}


@functools.lru_cache(maxsize=None)
def _feedback_data():
    """Return the salts, answer hashes and sealed explanations."""
    return json.loads((EXPECTED_DIR / "quiz.json").read_text(
        encoding="utf-8"))


def feedback(question, answer):
    """Return (right, text): the explanation if right, else a hint."""
    entry = _feedback_data()[question]
    if answer_digest(question, answer, entry["salt"]) != entry["digest"]:
        return False, HINTS[question]
    return True, unseal(entry["explanation"], question, answer,
                        entry["salt"])


def check_quiz_answer(question, answer):
    """Check the format of one answer, print feedback, return the answer."""
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
    right, text = feedback(question, value)
    recorded = f"{question}: answer recorded as {describe_answer(value)}."
    if right:
        print(f"{recorded} Right. Why:\n{text}")
    else:
        hint = textwrap.fill(f"Hint: {text}", width=79)
        print(f"{recorded} Not the expected answer yet.\n{hint}\n"
              "Change your answer and run both cells again; the grader "
              "scores the answer you submit.")
    return value
