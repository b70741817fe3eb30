"""The engine paints with a learner's cost functions (real VGG16, no mocks)."""

import numpy as np
import pytest
import tensorflow as tf

from helpers.style import transfer
from instructor.reference import style as reference

LAYERS = (("block1_conv1", 0.5), ("block2_conv1", 0.5))


def learner_costs(**replaced):
    """The reference functions, as a learner's notebook would pass them."""
    costs = {"content": reference.compute_content_cost,
             "style": reference.compute_style_cost,
             "total": reference.total_cost,
             "tv": reference.total_variation_cost}
    costs.update(replaced)
    return costs


def run(costs, **kwargs):
    return transfer.fast_transfer(
        "china", "starry_night", size=64, levels=(64,), iterations=(3,),
        content_layer="block2_conv2", style_layers=LAYERS, tv_weight=10.0,
        precision="float32", progress=False, costs=costs, **kwargs)


def test_learner_costs_give_the_engine_costs():
    mine = run(learner_costs())
    engine = run(None)
    assert mine.config["costs"] == "learner"
    assert engine.config["costs"] == "engine"
    np.testing.assert_allclose(mine.final_loss, engine.final_loss, rtol=1e-3)
    np.testing.assert_allclose(mine.image, engine.image, atol=1e-3)
    last = mine.history[-1]
    assert {"content", "style", "tv"} <= set(last)
    assert last["content"] > 0 and last["style"] > 0 and last["tv"] > 0


def test_wrong_learner_cost_changes_the_painting():
    def total_cost(J_content, J_style, alpha=1e5, beta=1):
        return alpha * J_content  # the style forgotten

    wrong = run(learner_costs(total=total_cost))
    right = run(learner_costs())
    assert np.abs(wrong.image - right.image).max() > 1e-2


def test_adam_runs_on_learner_costs():
    result = transfer.adam_transfer(
        "china", "starry_night", size=64, steps=2, style_layers=LAYERS,
        progress=False, costs=learner_costs())
    assert result.config["costs"] == "learner"
    assert np.isfinite(result.final_loss)


def test_skipped_exercise_is_named():
    def compute_content_cost(a_C, a_G):
        # YOUR CODE HERE
        raise NotImplementedError()

    with pytest.raises(transfer.MissingExercise,
                       match="compute_content_cost is not written yet"):
        run(learner_costs(content=compute_content_cost))


@pytest.mark.parametrize("function, message", [
    (lambda image: None, "returned None"),
    (lambda image: image[0, 0, 0, 0] / {}["key"], "raised KeyError"),
    (lambda image: tf.square(image), "must return one number"),
])
def test_broken_learner_cost_is_named(function, message):
    with pytest.raises(transfer.MissingExercise, match=message):
        transfer.learner_costs(learner_costs(tv=function))


def test_costs_must_name_the_three_functions():
    with pytest.raises(ValueError, match="missing \\['total'\\]"):
        transfer.learner_costs({"content": reference.compute_content_cost,
                                "style": reference.compute_style_cost})
