"""The projected L-BFGS of helpers.style.lbfgs on problems with known minima."""

import numpy as np
import pytest
import tensorflow as tf

from helpers.style.lbfgs import BoxLBFGS


def scaled_quadratic(centre, weights):
    """sum(w * (x - c)**2): badly scaled, minimum at clip(c, 0, 1) in the box."""
    centre = tf.constant(centre, tf.float32)
    weights = tf.constant(weights, tf.float32)

    def value_and_grad(x):
        diff = x - centre
        return tf.reduce_sum(weights * diff * diff), 2.0 * weights * diff

    return value_and_grad


def problem(seed=0, shape=(1, 6, 5, 3), decades=2):
    """About half the pixels' optima outside [0, 1]; condition number 10**decades."""
    rng = np.random.default_rng(seed)
    centre = rng.uniform(-0.5, 1.5, shape)
    weights = 10.0 ** rng.uniform(-decades / 2, decades / 2, shape)
    return centre, weights


def test_reaches_the_box_constrained_minimum():
    centre, weights = problem()
    optimizer = BoxLBFGS(scaled_quadratic(centre, weights), np.full(centre.shape, 0.5))
    steps = 0
    while steps < 200 and optimizer.step():
        steps += 1
    x = optimizer.x.numpy()
    assert x.min() >= 0.0 and x.max() <= 1.0
    np.testing.assert_allclose(x, np.clip(centre, 0, 1), atol=2e-3)
    assert steps < 200, "it should stop by itself at the minimum"


def test_memory_learns_the_curvature():
    # Optimum inside the box, three curvatures (0.1, 1, 10): with enough
    # memory L-BFGS is exact after a few steps; with one pair it is not.
    rng = np.random.default_rng(1)
    shape = (1, 6, 5, 3)
    centre = rng.uniform(0.1, 0.9, shape)
    weights = 10.0 ** rng.integers(-1, 2, shape).astype(float)

    def loss_after(memory, steps=10):
        optimizer = BoxLBFGS(scaled_quadratic(centre, weights), np.full(shape, 0.5),
                             memory=memory)
        for _ in range(steps):
            if not optimizer.step():
                break
        return optimizer.loss

    assert loss_after(20) < 1e-6
    assert loss_after(1) > 1e-3


def test_every_accepted_step_lowers_the_cost_and_counts_evaluations():
    centre, weights = problem(seed=2)
    optimizer = BoxLBFGS(scaled_quadratic(centre, weights), np.zeros(centre.shape))
    losses = [optimizer.loss]
    for _ in range(15):
        optimizer.step()
        losses.append(optimizer.loss)
    assert all(b <= a for a, b in zip(losses, losses[1:]))
    assert optimizer.evaluations >= 16


def test_switching_the_function_keeps_the_memory():
    centre, weights = problem(seed=3)
    optimizer = BoxLBFGS(scaled_quadratic(centre, weights), np.full(centre.shape, 0.5))
    for _ in range(5):
        optimizer.step()
    remembered = optimizer.remembered
    shifted = scaled_quadratic(centre + 0.01, weights)
    optimizer.use_function(shifted)
    assert optimizer.remembered == remembered > 0
    assert optimizer.loss == pytest.approx(float(shifted(optimizer.x)[0]))


def test_bad_memory_and_non_finite_costs_are_named():
    centre, weights = problem()
    with pytest.raises(ValueError, match="memory must be an integer >= 1"):
        BoxLBFGS(scaled_quadratic(centre, weights), centre, memory=0)

    def broken(x):
        return tf.constant(np.nan, tf.float32), tf.zeros_like(x)

    with pytest.raises(FloatingPointError, match="the cost is nan"):
        BoxLBFGS(broken, np.zeros((1, 2, 2, 3)))
