"""The public checks of notebook 05 on right and wrong learner functions."""

import textwrap

import numpy as np
import pytest
import tensorflow as tf

from helpers.checks import nb05_style_transfer as checks

COSTS = """
def compute_content_cost(a_C, a_G):
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    return tf.reduce_sum(tf.square(a_C - a_G)) / (4 * n_H * n_W * n_C)

def gram_matrix(A):
    return tf.matmul(A, tf.transpose(A))

def compute_layer_style_cost(a_S, a_G):
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    S = tf.transpose(tf.reshape(a_S, (n_H * n_W, n_C)))
    G = tf.transpose(tf.reshape(a_G, (n_H * n_W, n_C)))
    gap = gram_matrix(S) - gram_matrix(G)
    return tf.reduce_sum(tf.square(gap)) / (2 * n_H * n_W * n_C) ** 2

def compute_style_cost(style_activations, generated_activations,
                       style_layers):
    J = 0.0
    for layer, weight in style_layers:
        J += weight * compute_layer_style_cost(style_activations[layer],
                                               generated_activations[layer])
    return J

def total_cost(J_content, J_style, alpha=1e5, beta=1):
    return alpha * J_content + beta * J_style

def total_variation_cost(image):
    dy = image[:, 1:, :, :] - image[:, :-1, :, :]
    dx = image[:, :, 1:, :] - image[:, :, :-1, :]
    return tf.reduce_mean(tf.square(dy)) + tf.reduce_mean(tf.square(dx))

def train_step(generated_image, extractor, a_C, a_S, optimizer,
               content_layer, style_layers, alpha=1e5, beta=1):
    with tf.GradientTape() as tape:
        a_G = extractor(generated_image)
        J = total_cost(compute_content_cost(a_C, a_G[content_layer]),
                       compute_style_cost(a_S, a_G, style_layers),
                       alpha, beta)
    gradient = tape.gradient(J, generated_image)
    optimizer.apply_gradients([(gradient, generated_image)])
    generated_image.assign(tf.clip_by_value(generated_image, 0.0, 1.0))
    return J
"""


def notebook(source=COSTS, **replacements):
    """Run ``source`` (with text replaced) as a notebook cell."""
    for old, new in replacements.items():
        assert old in source, old
        source = source.replace(old, new)
    namespace = {"__name__": "__main__", "np": np, "tf": tf}
    exec(textwrap.dedent(source), namespace)
    return namespace


def test_right_functions_pass(capsys):
    cell = notebook()
    checks.check_compute_content_cost(cell["compute_content_cost"])
    checks.check_gram_matrix(cell["gram_matrix"])
    checks.check_compute_layer_style_cost(cell["compute_layer_style_cost"])
    checks.check_compute_style_cost(cell["compute_style_cost"],
                                    cell["compute_layer_style_cost"])
    checks.check_total_cost(cell["total_cost"])
    checks.check_total_variation_cost(cell["total_variation_cost"])
    checks.check_train_step(cell["train_step"])
    assert capsys.readouterr().out.count("all public tests passed") == 7


@pytest.mark.parametrize("old, new, message", [
    ("/ (4 * n_H * n_W * n_C)", "", "normalisation is missing"),
    ("/ (4 * n_H * n_W * n_C)", "/ 2", "1/2"),
    ("/ (4 * n_H * n_W * n_C)", "/ (n_H * n_W * n_C)", "mean of the squares"),
    ("/ (4 * n_H * n_W * n_C)", "/ (4 * n_H * n_W)",
     "grows with the number of channels"),
    ("tf.reduce_sum(tf.square(a_C - a_G))",
     "tf.reduce_sum(tf.abs(a_C - a_G))", "not absolute values"),
    ("tf.reduce_sum(tf.square(a_C - a_G))",
     "tf.sqrt(tf.reduce_sum(tf.square(a_C - a_G)))", "square root"),
])
def test_content_cost_mistakes_are_named(old, new, message):
    cell = notebook(**{old: new})
    with pytest.raises(AssertionError, match=message):
        checks.check_compute_content_cost(cell["compute_content_cost"])


@pytest.mark.parametrize("check, old, new, message", [
    ("compute_content_cost", "/ (4 * n_H * n_W * n_C)", "/ (4 * 3 * 5 * 6)",
     "sizes typed in"),
    ("compute_layer_style_cost", "/ (2 * n_H * n_W * n_C) ** 2",
     "/ (2 * 3 * 5 * 6) ** 2", "sizes typed in"),
    ("compute_style_cost", "for layer, weight in style_layers:",
     'for layer, weight in [("conv_a", 0.37), ("conv_b", 0.91), '
     '("conv_c", 0.13)]:', "typed in"),
    ("train_step", "alpha, beta)", "13.7, 52.9)", "typed in"),
])
def test_values_typed_in_from_the_first_case_are_caught(check, old, new,
                                                        message):
    """A function whose constants are the first case's passes that case;
    the second case (other sizes, layers or weights) catches it."""
    from helpers.checks.common import shipped_cases

    cell = notebook(**{old: new})
    function = cell[check]
    if check != "train_step":
        cases = shipped_cases(checks.__name__, check)
        first = next(iter(cases.cases))
        inputs = checks._tensors(cases.inputs(first))
        if check == "compute_style_cost":
            inputs[2] = [tuple(pair) for pair in inputs[2]]
        assert float(function(*inputs)) == pytest.approx(
            cases.expected(first), rel=1e-4)
    arguments = ((cell["compute_style_cost"], cell["compute_layer_style_cost"])
                 if check == "compute_style_cost" else (function,))
    with pytest.raises(AssertionError, match=message):
        getattr(checks, f"check_{check}")(*arguments)


@pytest.mark.parametrize("old, new, message", [
    ("tf.matmul(A, tf.transpose(A))", "tf.matmul(tf.transpose(A), A)",
     "A\\^T A"),
    ("tf.matmul(A, tf.transpose(A))",
     "tf.matmul(A, tf.transpose(A)) / A.shape[1]", "divided by n_H \\* n_W"),
])
def test_gram_mistakes_are_named(old, new, message):
    cell = notebook(**{old: new})
    with pytest.raises(AssertionError, match=message):
        checks.check_gram_matrix(cell["gram_matrix"])


@pytest.mark.parametrize("old, new, message", [
    ("tf.transpose(tf.reshape(a_S, (n_H * n_W, n_C)))",
     "tf.reshape(a_S, (n_C, n_H * n_W))", None),
    ("/ (2 * n_H * n_W * n_C) ** 2", "/ (2 * n_H * n_W * n_C)",
     "must be SQUARED"),
    ("/ (2 * n_H * n_W * n_C) ** 2", "/ (n_H * n_W * n_C) ** 2",
     "the 2 is missing"),
])
def test_layer_style_cost_mistakes_are_named(old, new, message):
    replacements = {old: new}
    if message is None:
        replacements["tf.transpose(tf.reshape(a_G, (n_H * n_W, n_C)))"] = \
            "tf.reshape(a_G, (n_C, n_H * n_W))"
        message = "reshaped .* directly.*mixes channels and positions"
    cell = notebook(**replacements)
    with pytest.raises(AssertionError, match=message):
        checks.check_compute_layer_style_cost(
            cell["compute_layer_style_cost"])


@pytest.mark.parametrize("old, new, message", [
    ("J += weight *", "J += ", "weights lambda are missing"),
    ("J += weight *", "J = weight *", "only the last layer"),
    ("/ (2 * n_H * n_W * n_C) ** 2", "/ (2 * n_H * n_W * n_C)",
     "combines the layers correctly, but your compute_layer_style_cost"),
    ("return tf.reduce_sum(tf.square(gap)) /",
     "return 2 * tf.reduce_sum(tf.square(gap)) /", "fix "
     "compute_layer_style_cost first"),
])
def test_style_cost_mistakes_are_named(old, new, message):
    cell = notebook(**{old: new})
    with pytest.raises(AssertionError, match=message):
        checks.check_compute_style_cost(cell["compute_style_cost"],
                                        cell["compute_layer_style_cost"])


@pytest.mark.parametrize("old, new, message", [
    ("[(gradient, generated_image)]", "[(-gradient, generated_image)]",
     "moved UP the gradient"),
    ("    generated_image.assign(tf.clip_by_value(generated_image, 0.0, "
     "1.0))\n", "", "clip it back"),
    ("    optimizer.apply_gradients([(gradient, generated_image)])\n", "",
     "did not change"),
    ("J = total_cost(", "J = 2 * total_cost(", "cost J returned"),
    ("compute_content_cost(a_C, a_G[content_layer])",
     "compute_content_cost(a_C, a_G[content_layer].numpy())",
     "raised"),
    ("compute_style_cost(a_S, a_G, style_layers),\n                       alpha, beta)",
     "compute_style_cost(a_S, a_G, style_layers))", "ignores its alpha and beta"),
])
def test_train_step_mistakes_are_named(old, new, message):
    cell = notebook(**{old: new})
    with pytest.raises(AssertionError, match=message):
        checks.check_train_step(cell["train_step"])


@pytest.mark.parametrize("old, new, message", [
    ("tf.reduce_mean(tf.square(dy)) + tf.reduce_mean(tf.square(dx))",
     "tf.reduce_mean(tf.square(dy))", "only the vertical"),
    ("tf.reduce_mean(tf.square(dy)) + tf.reduce_mean(tf.square(dx))",
     "tf.reduce_mean(tf.abs(dy)) + tf.reduce_mean(tf.abs(dx))",
     "absolute differences"),
    ("tf.reduce_mean(tf.square(dy)) + tf.reduce_mean(tf.square(dx))",
     "tf.reduce_sum(tf.square(dy)) + tf.reduce_sum(tf.square(dx))",
     "you summed the squared"),
    ("tf.reduce_mean(tf.square(dy)) + tf.reduce_mean(tf.square(dx))",
     "tf.reduce_sum(tf.reduce_mean(tf.square(dy), axis=[1, 2, 3])"
     " + tf.reduce_mean(tf.square(dx), axis=[1, 2, 3]))",
     "summed the images' costs over the batch"),
])
def test_total_variation_mistakes_are_named(old, new, message):
    cell = notebook(**{old: new})
    with pytest.raises(AssertionError, match=message):
        checks.check_total_variation_cost(cell["total_variation_cost"])


def test_learner_error_is_reported_whole():
    cell = notebook(**{"_, n_H, n_W, n_C = a_G.get_shape().as_list()\n"
                       "    return tf.reduce_sum":
                       "n_H = {}['rows_of_the_activation_map']\n"
                       "    return tf.reduce_sum"})
    with pytest.raises(AssertionError) as failure:
        checks.check_compute_content_cost(cell["compute_content_cost"])
    text = str(failure.value)
    assert "KeyError: 'rows_of_the_activation_map'" in text
    assert "TensorFlow ops" not in text


def test_numpy_inside_the_cost_is_caught_in_graph_mode():
    cell = notebook(**{
        "return tf.reduce_sum(tf.square(a_C - a_G)) / (4 * n_H * n_W * n_C)":
        "return np.sum(np.square(a_C.numpy() - a_G.numpy())) "
        "/ (4 * n_H * n_W * n_C)"})
    with pytest.raises(AssertionError, match="tf.function"):
        checks.check_compute_content_cost(cell["compute_content_cost"])


def test_course_code_in_a_cost_is_caught():
    from helpers.style import costs

    cell = notebook(**{
        "return tf.reduce_sum(tf.square(a_C - a_G)) / (4 * n_H * n_W * n_C)":
        "return content_distance(a_C, a_G)"})
    cell["compute_content_cost"].__globals__["content_distance"] = \
        costs.content_distance
    with pytest.raises(AssertionError, match="course package 'helpers'"):
        checks.check_compute_content_cost(cell["compute_content_cost"])
