"""Public tests for notebook 05 (neural style transfer).

Each check runs the learner's function on small activations shaped
``(1, n_H, n_W, n_C)`` (with n_H, n_W and n_C all different, so that
mixed-up axes show), compares the result with the lecture's definition,
recognises the classic wrong versions by their values and names the
mistake, and runs the function inside a ``tf.function`` so that NumPy calls
on symbolic tensors are caught.  Inputs, expected values and the mistakes'
values and messages come from ``expected/nb05_style_transfer.json``
(``python -m instructor.exercises``).
"""

import inspect

import numpy as np

from helpers.checks import nb05_style_transfer_weights as weights
from helpers.checks.common import (
    assert_close,
    assert_own_function,
    assert_returned,
    learner_check,
    passed,
    same_values,
    shipped_cases,
    to_numpy,
)
from helpers.checks.nb05_style_transfer_models import (
    OTHER_STEP_WEIGHTS,
    STEP_WEIGHTS,
    step_arguments,
)

__all__ = [
    "check_compute_content_cost", "check_gram_matrix",
    "check_compute_layer_style_cost", "check_compute_style_cost",
    "check_deep_style_layers", "check_total_cost",
    "check_total_variation_cost", "check_train_step",
]

NUMPY_IN_GRAPH = (
    "{name} works on eager tensors but fails inside a tf.function with\n"
    "{error}\n"
    "The optimiser traces your costs into a graph of symbolic tensors, "
    "where .numpy(), Python float() and NumPy functions (np.sum, np.dot, "
    "np.reshape, ...) do not work: use TensorFlow ops only (tf.reduce_sum, "
    "tf.square, tf.reshape, tf.matmul, ...)."
)

#: The engine's weights, which the exercises' defaults repeat.
ALPHA = 1e5
BETA = 1


def _cases(exercise):
    """The shipped public cases of one exercise."""
    return shipped_cases(__name__, exercise)


# --------------------------------------------------------------------------
# Calling the learner's functions
# --------------------------------------------------------------------------


def _tensors(args):
    """Turn NumPy arrays among ``args`` (and in dicts) into constants."""
    import tensorflow as tf

    def convert(value):
        if isinstance(value, np.ndarray):
            return tf.constant(value)
        if isinstance(value, dict):
            return {key: convert(item) for key, item in value.items()}
        return value

    return [convert(a) for a in args]


def _call(function, *args, name=None):
    """Call the learner's function eagerly on tensors.

    Its exceptions reach ``learner_check``, which reports them whole.
    """
    return assert_returned(function(*_tensors(args)),
                           name or function.__name__)


def _call_in_graph(function, *args, name=None, **kwargs):
    """Call the function inside a tf.function; explain graph-only errors.

    Called after the function has run eagerly on the same inputs, so an
    error here comes from tracing (NumPy on symbolic tensors); its text
    is reported in full.
    """
    import tensorflow as tf

    name = name or function.__name__
    try:
        return function.call(tf.function(function.function),
                             *_tensors(args), **kwargs)
    except AssertionError:
        raise
    except Exception as error:
        raise AssertionError(NUMPY_IN_GRAPH.format(
            name=name, error=f"{type(error).__name__}: {error}")
        ) from error


def _scalar(value, name):
    """Return a one-number result as a float, or fail with a hint."""
    array = to_numpy(value)
    if array.size != 1:
        raise AssertionError(
            f"{name} returned an array of shape {array.shape}; it must "
            "return one number (a scalar tensor): sum over all entries."
        )
    return float(array.reshape(()))


def _diagnose(value, cases, case, name, hint):
    """Fail with the named mistake or the hint unless ``value`` is right."""
    expected = cases.expected(case)
    if same_values(value, expected, rtol=1e-4, atol=1e-9):
        return
    cases.name_mistake(value, case, rtol=1e-4, atol=1e-9)
    assert_close(value, expected, name, rtol=1e-4, hint=hint)


def _assert_differentiable(function, args, wrt, name):
    """The gradient of the result with respect to ``args[wrt]`` must exist."""
    import tensorflow as tf

    variables = [tf.constant(a) for a in args]
    with tf.GradientTape() as tape:
        tape.watch(variables[wrt])
        result = function(*variables)
    if tape.gradient(result, variables[wrt]) is None:
        raise AssertionError(
            f"{name} is not differentiable: TensorFlow cannot compute its "
            "gradient. Use TensorFlow ops only (no .numpy(), no NumPy "
            "functions, no Python float())."
        )


# --------------------------------------------------------------------------
# Exercise checks
# --------------------------------------------------------------------------


@learner_check("compute_content_cost")
def check_compute_content_cost(compute_content_cost):
    """Check the learner's ``compute_content_cost(a_C, a_G)``."""
    compute_content_cost = assert_own_function(compute_content_cost)
    name = "compute_content_cost"
    cases = _cases(name)
    for case in cases.cases:
        a_C, a_G = cases.inputs(case)
        value = _scalar(_call(compute_content_cost, a_C, a_G), name)
        _diagnose(value, cases, case, name,
                  f"wrong value for activations shaped {a_G.shape}: see the "
                  "contract in section 3 (0 for equal activations; a "
                  "uniform gap d costs d**2 / 4 whatever the layer's "
                  "sizes).")
    if _scalar(_call(compute_content_cost, a_C, a_C), name) != 0.0:
        raise AssertionError(
            f"{name}(a, a) must be 0 for identical activations.")
    graph = _scalar(_call_in_graph(compute_content_cost, a_C, a_G), name)
    assert_close(graph, value, f"{name} inside a tf.function", rtol=1e-4)
    _assert_differentiable(compute_content_cost, (a_C, a_G), 1, name)
    passed(name)


@learner_check("gram_matrix")
def check_gram_matrix(gram_matrix):
    """Check the learner's ``gram_matrix(A)`` for A shaped (n_C, n_H*n_W)."""
    gram_matrix = assert_own_function(gram_matrix)
    name = "gram_matrix"
    cases, case = _cases(name), "A (3, 7)"
    (A,) = cases.inputs(case)
    result = to_numpy(_call(gram_matrix, A))
    if result.shape == (7, 7):
        raise AssertionError(
            "gram_matrix of an A shaped (3, 7) returned (7, 7): you computed "
            "A^T A, one entry per pair of POSITIONS. The Gram matrix has one "
            "entry per pair of channels (rows of A), shaped (n_C, n_C)."
        )
    if result.shape == (3, 7):
        raise AssertionError(
            "gram_matrix returned the shape of A: you multiplied element by "
            "element. Each entry is a sum over positions: a matrix product."
        )
    if result.shape != (3, 3):
        raise AssertionError(
            f"gram_matrix of an A shaped (3, 7) returned shape "
            f"{result.shape}; expected (3, 3), i.e. (n_C, n_C)."
        )
    cases.name_mistake(result, case, rtol=1e-4)
    assert_close(result, cases.expected(case), name, rtol=1e-4,
                 hint="G[k, k'] = sum over positions of A[k, p] * A[k', p].")
    graph = to_numpy(_call_in_graph(gram_matrix, A))
    assert_close(graph, cases.expected(case),
                 f"{name} inside a tf.function",
                 rtol=1e-4)
    passed(name)


@learner_check("compute_layer_style_cost")
def check_compute_layer_style_cost(compute_layer_style_cost):
    """Check the learner's ``compute_layer_style_cost(a_S, a_G)``."""
    compute_layer_style_cost = assert_own_function(compute_layer_style_cost)
    name = "compute_layer_style_cost"
    cases = _cases(name)
    for case in cases.cases:
        a_S, a_G = cases.inputs(case)
        value = _scalar(_call(compute_layer_style_cost, a_S, a_G), name)
        _diagnose(value, cases, case, name,
                  f"wrong value for activations shaped {a_G.shape}: "
                  "J = sum((G_S - G_G)**2) / (2 n_H n_W n_C)**2, G the "
                  "(n_C, n_C) Gram matrix of each activation.")
    if _scalar(_call(compute_layer_style_cost, a_S, a_S), name) != 0.0:
        raise AssertionError(
            f"{name}(a, a) must be 0 for identical activations.")
    graph = _scalar(_call_in_graph(compute_layer_style_cost, a_S, a_G), name)
    assert_close(graph, value, f"{name} inside a tf.function", rtol=1e-4)
    _assert_differentiable(compute_layer_style_cost, (a_S, a_G), 1, name)
    passed(name)


def _wrong_layer_costs(compute_layer_style_cost, style, generated, layers,
                      right):
    """Return the style layers whose cost differs from the stored one."""
    return [layer for layer, _ in layers
            if not same_values(
                _scalar(compute_layer_style_cost(style[layer],
                                                 generated[layer]),
                        "compute_layer_style_cost"),
                right[layer], rtol=1e-4, atol=1e-9)]


@learner_check("compute_style_cost")
def check_compute_style_cost(compute_style_cost, compute_layer_style_cost):
    """Check ``compute_style_cost(style_acts, generated_acts, layers)``."""
    compute_style_cost = assert_own_function(compute_style_cost)
    compute_layer_style_cost = assert_own_function(compute_layer_style_cost)
    name = "compute_style_cost"
    code = getattr(compute_style_cost.function, "__code__", None)
    if code is not None and "STYLE_LAYERS" in code.co_names:
        raise AssertionError(
            "compute_style_cost reads the global STYLE_LAYERS: loop over "
            "its argument style_layers instead. The engine and the tests "
            "call it with other layers and weights (e.g. texture synthesis, "
            "or these tests' layers conv_a, conv_b, conv_c).")
    cases = _cases(name)
    for case in cases.cases:
        style, generated, layers = cases.inputs(case)
        layers = [tuple(pair) for pair in layers]
        tensors_S, tensors_G = _tensors([style, generated])
        value = _scalar(_call(compute_style_cost, tensors_S, tensors_G,
                              layers), name)
        if cases.mistake(value, case, rtol=1e-4, atol=1e-9) is None \
                and not same_values(value, cases.expected(case), rtol=1e-4,
                                    atol=1e-9) \
                and _wrong_layer_costs(compute_layer_style_cost, tensors_S,
                                       tensors_G, layers,
                                       cases[case]["layer costs"]):
            raise AssertionError(
                "Your compute_layer_style_cost gives wrong values for these "
                "layers, so compute_style_cost cannot be right: fix "
                "compute_layer_style_cost first.")
        _diagnose(value, cases, case, name,
                  f"wrong value for style_layers={layers}: J_style = sum "
                  "over (layer, lambda) in style_layers of lambda * "
                  "compute_layer_style_cost(a_S[layer], a_G[layer]).")
    in_graph = _scalar(_call_in_graph(compute_style_cost, tensors_S,
                                      tensors_G, layers), name)
    assert_close(in_graph, value, f"{name} inside a tf.function", rtol=1e-4)
    passed(name)


@learner_check("deep_style_layers")
def check_deep_style_layers(deep_style_layers):
    """Check ``deep_style_layers(layer_names)``: properties, no answer."""
    deep_style_layers = assert_own_function(deep_style_layers)
    code = getattr(deep_style_layers.function, "__code__", None)
    if code is not None and "STYLE_LAYERS" in code.co_names:
        raise AssertionError(
            "deep_style_layers reads the global STYLE_LAYERS: use its "
            "argument layer_names. The tests call it with other layers "
            "(e.g. conv_a, conv_b, conv_c, or a single layer).")
    for names in weights.WEIGHT_CHECK_LAYERS:
        pairs = weights.weight_pairs(
            weights.weighting(deep_style_layers, names), names)
        weights.check_weight_names(pairs, names)
        weights.check_weight_values(pairs, names)
    passed("deep_style_layers")


@learner_check("total_cost")
def check_total_cost(total_cost):
    """Check ``total_cost(J_content, J_style, alpha=1e5, beta=1)``."""
    import tensorflow as tf

    total_cost = assert_own_function(total_cost)
    name = "total_cost"
    defaults = {k: p.default
                for k, p in inspect.signature(total_cost).parameters.items()}
    if defaults.get("alpha") != ALPHA or defaults.get("beta") != BETA:
        raise AssertionError(
            "total_cost must keep the defaults alpha=1e5 and beta=1 of its "
            f"signature; found alpha={defaults.get('alpha')}, "
            f"beta={defaults.get('beta')}.")
    value = float(to_numpy(assert_returned(total_cost(3.0, 5.0), name)))
    if np.isclose(value, ALPHA * 5 + BETA * 3):
        raise AssertionError(
            "alpha and beta are swapped: alpha weighs J_content, beta "
            "J_style.")
    if np.isclose(value, 8.0):
        raise AssertionError(
            "multiply J_content by alpha and J_style by beta.")
    assert_close(value, ALPHA * 3 + BETA * 5, "total_cost(3.0, 5.0)",
                 hint="J = alpha * J_content + beta * J_style.")
    value = float(to_numpy(total_cost(2.0, 0.5, alpha=0.173, beta=37.9)))
    if np.isclose(value, ALPHA * 2 + BETA * 0.5):
        raise AssertionError(
            "total_cost ignores the alpha and beta it is given.")
    assert_close(value, 0.173 * 2.0 + 37.9 * 0.5,
                 "total_cost(2.0, 0.5, alpha=0.173, beta=37.9)")
    tensor = total_cost(tf.constant(1.5), tf.constant(0.25), alpha=0.61,
                        beta=7.3)
    assert_close(tensor, 0.61 * 1.5 + 7.3 * 0.25, "total_cost on tensors")
    passed(name)


@learner_check("total_variation_cost")
def check_total_variation_cost(total_variation_cost):
    """Check ``total_variation_cost(image)`` for a batch (m, H, W, C)."""
    total_variation_cost = assert_own_function(total_variation_cost)
    name = "total_variation_cost"
    cases, case = _cases(name), "batch (2, 4, 5, 3)"
    (images,) = cases.inputs(case)
    value = _scalar(_call(total_variation_cost, images), name)
    _diagnose(value, cases, case, name,
              "see the contract in section 5: stripes one pixel wide give "
              "1, a checkerboard 2, whatever the sizes, and a batch costs "
              "the mean of its images.")
    flat = np.full((1, 4, 5, 3), 0.3, np.float32)
    if _scalar(_call(total_variation_cost, flat), name) != 0.0:
        raise AssertionError(
            f"{name} of an image of one colour must be 0.")
    graph = _scalar(_call_in_graph(total_variation_cost, images), name)
    assert_close(graph, value, f"{name} inside a tf.function", rtol=1e-4)
    _assert_differentiable(total_variation_cost, (images,), 0, name)
    passed(name)


# --------------------------------------------------------------------------
# The optimisation step
# --------------------------------------------------------------------------


@learner_check("train_step")
def check_train_step(train_step_function):
    """Check the learner's ``train_step`` on a tiny ConvNet with plain SGD."""
    import tensorflow as tf

    train_step = assert_own_function(train_step_function)
    name = "train_step"
    cases, case = _cases(name), "tiny problem, SGD(0.5)"
    expected, mistakes = cases.expected(case), cases[case]["mistakes"]
    expected_image = expected["image"]
    defaults = {key: parameter.default for key, parameter
                in inspect.signature(train_step.function).parameters.items()}
    if defaults.get("alpha") != ALPHA or defaults.get("beta") != BETA:
        raise AssertionError(
            "train_step must keep the defaults alpha=1e5 and beta=1 of its "
            f"signature; found alpha={defaults.get('alpha')}, "
            f"beta={defaults.get('beta')}.")

    start, args, kwargs = step_arguments()
    learner_image = tf.Variable(start)
    J = train_step(learner_image, *args, **kwargs)
    J = _scalar(assert_returned(J, name), name)
    for mistake in ("ignores alpha and beta",):
        if same_values(J, mistakes[mistake]["J"], rtol=1e-4, atol=0.0):
            raise AssertionError(cases.messages[mistake])
    assert_close(J, expected["J"], "the cost J returned by "
                 "train_step", rtol=1e-4,
                 hint="Return J of the image BEFORE the update, with the "
                      "alpha and beta given and your cost functions (which "
                      "must pass their own tests first).")
    start, args, kwargs = step_arguments()
    kwargs.update(OTHER_STEP_WEIGHTS)
    other = _scalar(train_step(tf.Variable(start), *args, **kwargs), name)
    if not same_values(other, expected["J other weights"], rtol=1e-4,
                       atol=0.0):
        raise AssertionError(
            f"train_step returns the right J for {STEP_WEIGHTS} but not for "
            f"{OTHER_STEP_WEIGHTS}: weights typed in? Pass its own alpha "
            "and beta on.")
    updated = learner_image.numpy()
    if np.allclose(updated, start):
        raise AssertionError(
            "generated_image did not change. The optimiser must update the "
            "image variable itself, with the gradient of J with respect to "
            "it (we optimise the pixels of G, not the network's weights).")
    if same_values(updated, mistakes["gradient ascent"]["image"],
                   rtol=0.0, atol=1e-5):
        raise AssertionError(cases.messages["gradient ascent"])
    if updated.min() < -1e-6 or updated.max() > 1 + 1e-6:
        raise AssertionError(
            f"The image has values in [{updated.min():.3f}, "
            f"{updated.max():.3f}]: after the update, clip it back to "
            "[0, 1], in the variable itself.")
    assert_close(updated, expected_image, "the image after one train_step",
                 rtol=1e-4, atol=1e-5,
                 hint="One step: J and its gradient with respect to the "
                      "image, the optimiser's update, then back into [0, "
                      "1].")

    start, args, kwargs = step_arguments()   # a fresh optimiser
    graph_image = tf.Variable(start)
    _call_in_graph(train_step, graph_image, *args, **kwargs)
    assert_close(graph_image.numpy(), expected_image,
                 "the image after train_step inside a tf.function",
                 rtol=1e-4, atol=1e-5)
    passed(name)
