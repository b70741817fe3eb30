"""The quiz of notebook 06 graded for real: trying every option earns nothing.

An honest submission and a cheating one are autograded in one run
(``instructor.course.manage.autograde``, sandboxed, with the hidden
tests).  The cheater did in their own kernel what the learner's package
allows: tried every well-formed answer of every graded question against
the shipped data and every quiz check (``tests.test_quiz.brute_force``),
kept what was confirmed and guessed the first option elsewhere.  The
graded questions ship nothing to confirm, so the cheater scores what the
blind guess scores; with the old design (salted hashes of the graded
answers in the package) the search found all ten.
"""

import re
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from instructor.course import manage, scratch
from instructor.exercises.nb06_quiz_and_convolutions import KEY, QUESTIONS
from helpers.quiz import normalise_answer
from tests.test_quiz import brute_force, candidates

ASSIGNMENT = "06_quiz_and_convolutions"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"


def _cheat():
    """Return {question: answer}: confirmed by searching, else guessed."""
    answers = {}
    for question, (kind, options) in QUESTIONS.items():
        found = brute_force(question)
        answers[question] = (found if found is not None
                             else candidates(kind, options)[0])
    return answers


def _with_answers(notebook, answers):
    """Return ``notebook`` with every ANSWER_Qn line set to ``answers``."""
    for cell in notebook.cells:
        if not cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        lines = []
        for line in cell.source.splitlines():
            match = re.match(r"ANSWER_(Q\d+) = ", line)
            lines.append(f"ANSWER_{match[1]} = {answers[match[1]]!r}"
                         if match else line)
        cell.source = "\n".join(lines)
    return notebook


def _quiz_scores(root, student):
    """Return {question: score} of the graded quiz cells of ``student``."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student)
        return {grade.name.rsplit("_", 1)[1].upper(): grade.score
                for notebook in submission.notebooks
                for grade in notebook.grades
                if grade.name.startswith("test_quiz_")}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = Path(tmp_path_factory.mktemp("quiz_class"))
    scratch.temporary_course(root, [ASSIGNMENT])
    release = nbformat.read(root / "notebooks" / ASSIGNMENT / NOTEBOOK, 4)
    source = nbformat.read(root / "solutions" / ASSIGNMENT / NOTEBOOK, 4)
    cheat = _cheat()
    for student, answers in [("honest", {q: a for q, (a, _) in KEY.items()}),
                             ("cheater", cheat)]:
        notebook = _with_answers(scratch.fill_in_answers(release, source),
                                 answers)
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / NOTEBOOK)
    manage.autograde([ASSIGNMENT], root=root, workers=2)
    return cheat, {student: _quiz_scores(root, student)
                   for student in ("honest", "cheater")}


def test_honest_answers_get_every_quiz_point(graded):
    _, scores = graded
    assert set(scores["honest"]) == set(QUESTIONS)
    assert sum(scores["honest"].values()) == len(QUESTIONS)


def test_trying_every_option_scores_no_more_than_a_blind_guess(graded):
    cheat, scores = graded
    right = {question for question, answer in cheat.items()
             if normalise_answer(question, answer, *QUESTIONS[question])
             == normalise_answer(question, KEY[question][0],
                                 *QUESTIONS[question])}
    guess = {question for question, (kind, options) in QUESTIONS.items()
             if normalise_answer(question, candidates(kind, options)[0],
                                 kind, options)
             == normalise_answer(question, KEY[question][0], kind, options)}
    assert right == guess, "the search confirmed a graded answer"
    assert {question for question, score in scores["cheater"].items()
            if score > 0} == right
    assert sum(scores["cheater"].values()) < len(QUESTIONS)
