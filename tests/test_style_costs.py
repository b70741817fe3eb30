"""The reference costs (instructor.exercises.nb05_style_transfer) against
plain NumPy, classic mistakes, and the engine's own formulation
(helpers.style.costs)."""

import numpy as np
import pytest
import tensorflow as tf

from helpers.style import costs as engine
from instructor.exercises import nb05_style_transfer as costs

SHAPES = [(1, 4, 4, 3), (1, 5, 7, 8), (1, 11, 6, 16), (1, 3, 9, 1)]


def _rand(shape, seed):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def np_content_cost(a_C, a_G):
    _, n_H, n_W, n_C = a_G.shape
    return np.sum((a_C.astype(np.float64) - a_G) ** 2) / (4 * n_H * n_W * n_C)


def np_unroll(a):
    _, n_H, n_W, n_C = a.shape
    # channel c, position p = h * n_W + w
    return np.stack([a[0, :, :, c].ravel() for c in range(n_C)]).astype(np.float64)


def np_layer_style_cost(a_S, a_G):
    _, n_H, n_W, n_C = a_G.shape
    G_S = np_unroll(a_S) @ np_unroll(a_S).T
    G_G = np_unroll(a_G) @ np_unroll(a_G).T
    return np.sum((G_S - G_G) ** 2) / (2 * n_H * n_W * n_C) ** 2


@pytest.mark.parametrize("shape", SHAPES)
def test_content_cost_matches_numpy(shape):
    a_C, a_G = _rand(shape, 1), _rand(shape, 2)
    got = float(costs.compute_content_cost(a_C, a_G))
    assert got == pytest.approx(np_content_cost(a_C, a_G), rel=1e-5)
    assert float(costs.compute_content_cost(a_C, a_C)) == 0.0


@pytest.mark.parametrize("shape", SHAPES)
def test_gram_matrix_matches_numpy(shape):
    A = np_unroll(_rand(shape, 3)).astype(np.float32)
    G = costs.gram_matrix(A).numpy()
    assert G.shape == (shape[-1], shape[-1])
    np.testing.assert_allclose(G, A.astype(np.float64) @ A.T, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(G, G.T, rtol=1e-6)


@pytest.mark.parametrize("shape", SHAPES)
def test_layer_style_cost_matches_numpy(shape):
    a_S, a_G = _rand(shape, 4), _rand(shape, 5)
    got = float(costs.compute_layer_style_cost(a_S, a_G))
    assert got == pytest.approx(np_layer_style_cost(a_S, a_G), rel=1e-4)


def test_unroll_is_transpose_of_reshape():
    a = _rand((1, 3, 5, 4), 6)
    np.testing.assert_array_equal(costs.unroll(a).numpy(), np_unroll(a).astype(np.float32))


# -- classic mistakes give different values, so notebook checks can catch them --

def _mistake_reshape_without_transpose(a_S, a_G):
    _, n_H, n_W, n_C = a_G.shape
    S = np.reshape(a_S, (n_C, n_H * n_W)).astype(np.float64)
    G = np.reshape(a_G, (n_C, n_H * n_W)).astype(np.float64)
    return np.sum((S @ S.T - G @ G.T) ** 2) / (2 * n_H * n_W * n_C) ** 2


def _mistake_wrong_matmul_order(a_S, a_G):
    _, n_H, n_W, n_C = a_G.shape
    S, G = np_unroll(a_S), np_unroll(a_G)
    return np.sum((S.T @ S - G.T @ G) ** 2) / (2 * n_H * n_W * n_C) ** 2


def _mistake_no_square_in_norm(a_S, a_G):
    _, n_H, n_W, n_C = a_G.shape
    return np_layer_style_cost(a_S, a_G) * (2 * n_H * n_W * n_C)


def _mistake_missing_norm(a_S, a_G):
    _, n_H, n_W, n_C = a_G.shape
    return np_layer_style_cost(a_S, a_G) * (2 * n_H * n_W * n_C) ** 2


@pytest.mark.parametrize("mistake", [_mistake_reshape_without_transpose,
                                     _mistake_wrong_matmul_order,
                                     _mistake_no_square_in_norm,
                                     _mistake_missing_norm])
@pytest.mark.parametrize("shape", [(1, 4, 4, 3), (1, 5, 7, 8)])
def test_style_cost_mistakes_are_detectable(mistake, shape):
    a_S, a_G = _rand(shape, 7), _rand(shape, 8)
    right = float(costs.compute_layer_style_cost(a_S, a_G))
    wrong = mistake(a_S, a_G)
    assert not np.isclose(right, wrong, rtol=1e-3), mistake.__name__


@pytest.mark.parametrize("shape", [(1, 4, 4, 3), (1, 5, 7, 8)])
def test_content_cost_mistakes_are_detectable(shape):
    a_C, a_G = _rand(shape, 9), _rand(shape, 10)
    right = float(costs.compute_content_cost(a_C, a_G))
    _, n_H, n_W, n_C = shape
    assert not np.isclose(right, np.sum((a_C - a_G) ** 2))           # no normalisation
    assert not np.isclose(right, np.sum((a_C - a_G) ** 2) / (n_H * n_W * n_C))  # no 4
    assert not np.isclose(right, np.sum(np.abs(a_C - a_G)) / (4 * n_H * n_W * n_C))


def test_gram_matrix_wrong_order_differs():
    A = np_unroll(_rand((1, 5, 7, 8), 11)).astype(np.float32)
    assert costs.gram_matrix(A).shape != (A.T @ A).shape


def test_style_cost_weights_layers_with_dicts_and_lists():
    shapes = {"block1_conv1": (1, 8, 8, 4), "block3_conv1": (1, 4, 4, 6)}
    layers = [("block1_conv1", 0.3), ("block3_conv1", 0.7)]
    a_S = {name: _rand(shape, i) for i, (name, shape) in enumerate(shapes.items())}
    a_G = {name: _rand(shape, 10 + i) for i, (name, shape) in enumerate(shapes.items())}
    expected = sum(w * np_layer_style_cost(a_S[n], a_G[n]) for n, w in layers)
    assert float(costs.compute_style_cost(a_S, a_G, layers)) == pytest.approx(expected, rel=1e-4)
    as_lists = float(costs.compute_style_cost([a_S[n] for n, _ in layers],
                                              [a_G[n] for n, _ in layers], layers))
    assert as_lists == pytest.approx(expected, rel=1e-4)
    # extra entries in a dict are ignored
    a_G["block5_conv2"] = _rand((1, 2, 2, 3), 99)
    assert float(costs.compute_style_cost(a_S, a_G, layers)) == pytest.approx(expected, rel=1e-4)


def test_total_cost_and_defaults():
    from helpers.style import DEFAULT_ALPHA, DEFAULT_BETA

    assert float(costs.total_cost(2.0, 3.0)) == pytest.approx(
        DEFAULT_ALPHA * 2 + DEFAULT_BETA * 3)
    assert float(costs.total_cost(2.0, 3.0, alpha=1, beta=2)) == pytest.approx(8)
    assert float(costs.total_cost(tf.constant(2.0), tf.constant(3.0))) == pytest.approx(200003)


def test_total_variation_loss():
    image = _rand((1, 6, 5, 3), 12)
    corner = image[:, :-1, :-1]
    steps = ((image[:, 1:, :-1] - corner) ** 2
             + (image[:, :-1, 1:] - corner) ** 2).sum(axis=-1)
    assert float(engine.total_variation_loss(image)) == pytest.approx(
        steps.mean(), rel=1e-5)
    flat = np.ones((1, 6, 5, 3), np.float32)
    assert float(engine.total_variation_loss(flat)) == 0.0


def test_engine_total_variation_is_not_the_exercise_s():
    images = _rand((1, 6, 5, 3), 13)
    assert float(engine.total_variation_loss(images)) != pytest.approx(
        float(costs.total_variation_cost(images)), rel=1e-3)


@pytest.mark.parametrize("shape", SHAPES)
def test_engine_content_distance_is_four_lecture_costs(shape):
    """Same minimum and gradient direction, another normalisation."""
    a_C, a_G = _rand(shape, 15), _rand(shape, 16)
    assert float(engine.content_distance(a_C, a_G)) == pytest.approx(
        4 * float(costs.compute_content_cost(a_C, a_G)), rel=1e-5)


@pytest.mark.parametrize("shape", SHAPES)
def test_engine_gram_statistics_are_gram_matrices_per_position(shape):
    a = _rand(shape, 17)
    gram = engine.gram_statistics(a).numpy()
    assert gram.shape == (1, shape[-1], shape[-1])
    positions = shape[1] * shape[2]
    np.testing.assert_allclose(gram[0] * positions,
                               np_unroll(a) @ np_unroll(a).T,
                               rtol=1e-5, atol=1e-4)


def test_engine_style_distance_is_four_lecture_costs():
    shapes = {"a": (1, 8, 8, 4), "b": (1, 4, 5, 6), "c": (1, 3, 2, 9)}
    layers = [("a", 0.5), ("c", 0.2), ("b", 0.3)]
    a_S = {name: _rand(shape, i)
           for i, (name, shape) in enumerate(shapes.items())}
    a_G = {name: _rand(shape, 20 + i)
           for i, (name, shape) in enumerate(shapes.items())}
    grams = {name: engine.gram_statistics(a) for name, a in a_S.items()}
    for name in shapes:
        assert float(engine.style_distance(grams[name], a_G[name])) == \
            pytest.approx(4 * float(costs.compute_layer_style_cost(
                a_S[name], a_G[name])), rel=1e-4)
    assert float(engine.weighted_style_distance(grams, a_G, layers)) == \
        pytest.approx(4 * float(costs.compute_style_cost(a_S, a_G, layers)),
                      rel=1e-4)


@pytest.mark.parametrize("call, message", [
    (lambda: engine.content_distance(np.zeros((4, 4, 3)), np.zeros((4, 4, 3))),
     "(batch, n_H, n_W, n_C)"),
    (lambda: engine.content_distance(np.zeros((1, 4, 4, 3)),
                                     np.zeros((1, 4, 5, 3))), "same shape"),
    (lambda: engine.weighted_style_distance({}, {}, []), "empty"),
    (lambda: engine.weighted_style_distance({}, {}, [("x", 1.0)]),
     "no Gram target"),
])
def test_engine_rejects_bad_inputs(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(
            ")", r"\)")):
        call()


def test_costs_are_differentiable():
    a_C, a_G = tf.constant(_rand((1, 4, 5, 3), 13)), tf.Variable(_rand((1, 4, 5, 3), 14))
    with tf.GradientTape() as tape:
        J = costs.total_cost(costs.compute_content_cost(a_C, a_G),
                             costs.compute_layer_style_cost(a_C, a_G))
    grad = tape.gradient(J, a_G)
    assert grad is not None and np.all(np.isfinite(grad.numpy()))


@pytest.mark.parametrize("call, message", [
    (lambda: costs.compute_content_cost(
        np.zeros((4, 4, 3)), np.zeros((4, 4, 3))), "(1, n_H, n_W, n_C)"),
    (lambda: costs.compute_content_cost(
        np.zeros((1, 4, 4, 3)), np.zeros((1, 4, 5, 3))), "same shape"),
    (lambda: costs.compute_layer_style_cost(
        np.zeros((2, 4, 4, 3)), np.zeros((2, 4, 4, 3))), "(1, n_H, n_W, n_C)"),
    (lambda: costs.gram_matrix(np.zeros((1, 4, 4, 3))), "2-D"),
    (lambda: costs.compute_style_cost({}, {}, []), "empty"),
    (lambda: costs.compute_style_cost({}, {"block1_conv1": np.zeros((1, 2, 2, 1))},
                                      [("block1_conv1", 1.0)]), "no activation"),
    (lambda: costs.compute_style_cost([np.zeros((1, 2, 2, 1))], [np.zeros((1, 2, 2, 1))],
                                      [("a", 1.0), ("b", 1.0)]), "style_layers' order"),
])
def test_bad_inputs_have_clear_messages(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()
