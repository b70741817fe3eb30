"""The engine paints with a learner's cost functions (real VGG16, no mocks)."""

import math

import numpy as np
import pytest
import tensorflow as tf

from helpers.style import learner_adapter as adapter
from helpers.style import objective, transfer
from instructor.exercises import nb05_style_transfer as reference

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


def test_learner_costs_give_the_engine_painting():
    """The engine's terms are normalised differently (4 times the course's
    content and style costs, its own TV): with the TV scaled to match, the
    learner's J is a quarter of the engine's, and the painting the same."""
    from helpers.style import costs as engine_costs

    def quarter_engine_tv(image):
        return engine_costs.total_variation_loss(image) / 4

    mine = run(learner_costs(tv=quarter_engine_tv))
    engine = run(None)
    assert mine.config["costs"] == "learner"
    assert engine.config["costs"] == "engine"
    np.testing.assert_allclose(4 * mine.final_loss, engine.final_loss,
                               rtol=1e-3)
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

    with pytest.raises(adapter.MissingExercise,
                       match="compute_content_cost is not written yet"):
        run(learner_costs(content=compute_content_cost))


@pytest.mark.parametrize("function, message", [
    (lambda image: None, "returned None"),
    (lambda image: image[0, 0, 0, 0] / {}["key"], "raised KeyError"),
    (lambda image: tf.square(image), "must return one number"),
])
def test_broken_learner_cost_is_named(function, message):
    with pytest.raises(adapter.MissingExercise, match=message):
        adapter.learner_costs(learner_costs(tv=function))


def test_costs_must_name_the_three_functions():
    with pytest.raises(ValueError, match="missing \\['total'\\]"):
        adapter.learner_costs({"content": reference.compute_content_cost,
                                "style": reference.compute_style_cost})


NOTEBOOK = '''
def scale(x):
    return x


def compute_content_cost(a_C, a_G):
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    return scale(tf.reduce_sum(tf.square(a_C - a_G))) / (4 * n_H * n_W * n_C)


def compute_style_cost(style_activations, generated_activations, style_layers):
    J_style = 0.0
    for layer, weight in style_layers:
        a_S, a_G = style_activations[layer], generated_activations[layer]
        J_style += weight * tf.reduce_mean(tf.square(a_S - a_G))
    return J_style
'''


def notebook():
    """Cost functions defined as a notebook defines them (one namespace)."""
    namespace = {"tf": tf}
    exec(NOTEBOOK, namespace)
    return namespace


def graph_of(result_costs):
    """The shared traced cost graphs that use these cost functions."""
    return [graph for graph in objective._GRAPHS.values()
            if graph.costs == adapter.learner_costs(result_costs)]


def test_paintings_with_other_weights_share_one_trace():
    cells = notebook()
    costs = learner_costs(content=cells["compute_content_cost"],
                          style=cells["compute_style_cost"])
    first = run(costs, alpha=1e5)
    second = transfer.fast_transfer(
        "china", "starry_night", size=64, levels=(64,), iterations=(3,),
        content_layer="block2_conv2", alpha=1e3, tv_weight=0.0,
        style_layers=(("block1_conv1", 0.9), ("block2_conv1", 0.1)),
        precision="float32", progress=False, costs=costs)
    (graph,) = graph_of(costs)
    assert graph.value_and_grad.experimental_get_tracing_count() == 1
    assert first.final_loss != pytest.approx(second.final_loss)


def test_a_redefined_helper_is_traced_again():
    cells = notebook()
    costs = learner_costs(content=cells["compute_content_cost"])
    before = run(costs)
    exec("def scale(x):\n    return 1e3 * x\n", cells)
    after = run(costs)
    assert len(graph_of(costs)) == 2
    assert after.history[-1]["content"] > 100 * before.history[-1]["content"]


def test_python_number_weights_still_work():
    def total_cost(J_content, J_style, alpha=1e5, beta=1):
        return 10 ** math.log10(alpha) * J_content + beta * J_style

    result = run(learner_costs(total=total_cost))
    assert np.isfinite(result.final_loss)
    assert not objective._takes_tensor_weights(total_cost, "total")
    assert objective._takes_tensor_weights(reference.total_cost, "total")
