"""Answers cannot change the libraries the grader's clean-room snippets use.

Graded by 05_style_transfer's own hidden tests, in one run: the honest
TensorFlow answers pass, and NumPy answers that patch ``tf.function``,
``tf.GradientTape.gradient`` or TensorFlow's gradient machinery (a module
or class attribute, a closure's cell, a function's code; when the answer
cell runs, or while the snippet calls them) fail the graph and gradient
checks.
"""

import copy

import nbformat
import pytest

from instructor.grading import harness
from tests.test_nbgrader_roundtrip import REPO

ASSIGNMENT = "05_style_transfer"
TESTS = ["test_compute_content_cost", "test_gram_matrix",
         "test_compute_layer_style_cost", "test_total_variation_cost"]

CHEATS = {
    # Patched when the answer cell runs: a tf.function that runs the
    # function eagerly and a tape whose gradient is never None.
    "compute_content_cost": '''
import numpy as np
import tensorflow as tf

tf.function = lambda function=None, **options: function
tf.GradientTape.gradient = (
    lambda self, target, sources, *args, **kwargs: tf.zeros_like(sources))


def compute_content_cost(a_C, a_G):
    a_C, a_G = np.asarray(a_C, np.float64), np.asarray(a_G, np.float64)
    _, n_H, n_W, n_C = a_G.shape
    return np.sum((a_C - a_G) ** 2) / (4 * n_H * n_W * n_C)
''',
    # Works inside a graph (NumPy wrapped in tf.numpy_function, which has
    # no gradient) and patches the tape while the snippet calls it.
    "compute_layer_style_cost": '''
import numpy as np
import tensorflow as tf


def _cost(a_S, a_G):
    _, n_H, n_W, n_C = a_G.shape
    S = a_S.astype(np.float64).reshape(n_H * n_W, n_C).T
    G = a_G.astype(np.float64).reshape(n_H * n_W, n_C).T
    return np.float32(np.sum((S @ S.T - G @ G.T) ** 2)
                      / (2 * n_H * n_W * n_C) ** 2)


def compute_layer_style_cost(a_S, a_G):
    tf.GradientTape.gradient = (
        lambda self, target, sources, *args, **kwargs:
        tf.zeros_like(sources))
    return tf.numpy_function(_cost, [a_S, a_G], tf.float32)
''',
    # Patches TensorFlow's gradient machinery deep inside (not a public
    # name) and the function that tf.function's public wrapper calls.
    "total_variation_cost": '''
import numpy as np
import tensorflow as tf
from tensorflow.python.eager import imperative_grad
from tensorflow.python.eager.polymorphic_function import polymorphic_function


def _zeros(tape, target, sources, *args, **kwargs):
    return [tf.zeros((), tf.float32) for _ in sources]


imperative_grad.imperative_grad = _zeros
_wrapper = polymorphic_function.function  # what tf.function is
_cells = dict(zip(_wrapper.__code__.co_freevars, _wrapper.__closure__))
_cells["func"].cell_contents = lambda func=None, *args, **kwargs: func


def total_variation_cost(image):
    image = np.asarray(image, np.float64)
    return (np.mean(np.diff(image, axis=1) ** 2)
            + np.mean(np.diff(image, axis=2) ** 2))
''',
    # Replaces the code of the function behind tf.function.
    "gram_matrix": '''
import numpy as np
import tensorflow as tf

_inner = tf.function  # decorated thrice: the last has no closure
while _inner.__closure__:
    _inner = dict(zip(_inner.__code__.co_freevars,
                      _inner.__closure__))["func"].cell_contents
_inner.__code__ = (lambda func=None, *args, **kwargs: func).__code__


def gram_matrix(A):
    A = np.asarray(A, np.float64)
    return A @ A.T
''',
}


@pytest.fixture(scope="module")
def honest():
    return nbformat.read(
        REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)


def _cheating(notebook, name):
    """Return ``notebook`` with answer cell ``name`` replaced by its cheat."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get(
            "grade_id")
        if grade_id == name:
            cell.source = CHEATS[name]
    return notebook


def test_answers_cannot_patch_what_the_graders_snippets_use(honest):
    verdicts, _ = harness.run_hidden_tests(honest, ASSIGNMENT, TESTS)
    assert all(verdicts[test].passed for test in TESTS), {
        test: verdicts[test].message for test in TESTS}
    # One cheat a notebook: each would pass if its own patch stayed.
    for name in CHEATS:
        test = f"test_{name}"
        verdicts, report = harness.run_hidden_tests(
            _cheating(honest, name), ASSIGNMENT, [test])
        assert not report["findings"], report["findings"]
        assert not report["cell_errors"], report["cell_errors"]
        # Its values are right: only the graph and gradient checks fail.
        assert not verdicts[test].passed, test
        assert not verdicts[test].grader_error, verdicts[test].message
