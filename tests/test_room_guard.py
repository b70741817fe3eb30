"""Answers cannot change the libraries the grader's clean-room snippets use.

Graded by 05_style_transfer's own hidden tests, in one run: the honest
TensorFlow answers pass, and NumPy answers that patch ``tf.function``,
``tf.GradientTape.gradient`` or TensorFlow's gradient machinery (when the
answer cell runs, or while the snippet calls them) fail the graph and
gradient checks.
"""

import copy

import nbformat
import pytest

from instructor.grading import harness
from tests.test_nbgrader_roundtrip import REPO

ASSIGNMENT = "05_style_transfer"
TESTS = ["test_compute_content_cost", "test_compute_layer_style_cost",
         "test_total_variation_cost", "test_gram_matrix"]

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
}


@pytest.fixture(scope="module")
def honest():
    return nbformat.read(
        REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)


def _cheating(notebook):
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get(
            "grade_id")
        if grade_id in CHEATS:
            cell.source = CHEATS[grade_id]
    return notebook


def test_answers_cannot_patch_what_the_graders_snippets_use(honest):
    graded = {name: harness.run_hidden_tests(notebook, ASSIGNMENT, TESTS)
              for name, notebook in (("honest", honest),
                                     ("cheat", _cheating(honest)))}
    verdicts = graded["honest"][0]
    assert all(verdicts[test].passed for test in TESTS), {
        test: verdicts[test].message for test in TESTS}
    verdicts, report = graded["cheat"]
    assert not report["findings"], report["findings"]
    # Their values are right: only the graph and gradient checks fail.
    for test in TESTS[:3]:
        assert not verdicts[test].passed, test
        assert not verdicts[test].grader_error, verdicts[test].message
    # The patches are undone before the next snippet, not only once.
    assert verdicts["test_gram_matrix"].passed, (
        verdicts["test_gram_matrix"].message)
