"""The graded exercises: one instructor module per notebook.

``instructor/exercises/nbNN_<notebook>.py`` (for ``solutions/NN_<notebook>``)
holds everything about its notebook's graded exercises, in one section per
exercise: the reference implementation, the public cases (the inputs the
shipped check uses), the catalogue of mistakes (each one's source, written
once, the message a learner sees and the fragment its public check must
produce) and the hidden tests that grade it.

One module per notebook, not per exercise: a notebook is nbgrader's unit
(one assignment, one prelude, one grading run) and its exercises build on
each other (a mistake in one calls the learner's answer to another).

``python -m instructor.exercises`` writes what the learner bundle needs
from these modules (``helpers/checks/expected/nbNN_<notebook>.json``).
"""

import importlib

#: The graded notebooks, in course order (the folders under solutions/).
NOTEBOOKS = (
    "00_setup",
    "01_verification_recognition",
    "02_one_shot",
    "03_siamese_triplet",
    "04_binary_verification",
    "05_style_transfer",
    "06_quiz_and_convolutions",
)


def module_name(notebook):
    """Return the exercise module's short name of a notebook ('nb00_setup')."""
    if notebook not in NOTEBOOKS:
        raise ValueError(
            f"{notebook!r} is not a graded notebook; add it to "
            f"instructor.exercises.NOTEBOOKS (known: {', '.join(NOTEBOOKS)})")
    return f"nb{notebook}"


def load(notebook):
    """Import and return the exercise module of ``notebook``."""
    return importlib.import_module(f"{__name__}.{module_name(notebook)}")


def modules():
    """Return {notebook: exercise module} for every graded notebook."""
    return {notebook: load(notebook) for notebook in NOTEBOOKS}


def exercise(notebook, name):
    """Return the :class:`~instructor.exercises.spec.Exercise` ``name``."""
    for item in load(notebook).EXERCISES:
        if item.name == name:
            return item
    raise KeyError(f"{notebook} has no exercise {name!r}")
