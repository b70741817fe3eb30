"""Public tests for notebook 05 (neural style transfer).

Each check runs the learner's function on small activations shaped
``(1, n_H, n_W, n_C)`` (with n_H, n_W and n_C all different, so that
mixed-up axes show), compares the result with the lecture's definition (the
values in helpers/checks/expected/style.json), recognises the classic wrong
versions by their stored values and names the mistake, and runs the function
inside a ``tf.function`` so that NumPy calls on symbolic tensors are caught.
"""

import inspect

import numpy as np

from helpers.checks.common import (
    assert_close,
    assert_own_function,
    assert_returned,
    expected_values,
    find_mistake,
    learner_check,
    passed,
    same_values,
    to_numpy,
)

SHAPE = (1, 3, 5, 6)  # n_H = 3, n_W = 5, n_C = 6: no size equals another

NUMPY_IN_GRAPH = (
    "{name} works on eager tensors but fails inside a tf.function with\n"
    "{error}\n"
    "The optimiser traces your costs into a graph of symbolic tensors, "
    "where .numpy(), Python float() and NumPy functions (np.sum, np.dot, "
    "np.reshape, ...) do not work: use TensorFlow ops only (tf.reduce_sum, "
    "tf.square, tf.reshape, tf.transpose, tf.matmul)."
)

FIX_LAYER_COST = (
    "compute_style_cost combines the layers correctly, but your "
    "compute_layer_style_cost gives wrong values: fix it first."
)

#: Messages for the known wrong versions (instructor/mistakes/style.py).
MESSAGES = {
    "compute_content_cost": {
        "no normalisation": (
            "the normalisation factor is missing: divide the sum of "
            "squares by 4 * n_H * n_W * n_C."),
        "one half": (
            "you computed the lecture's 1/2 * ||a_C - a_G||^2. That cost "
            "has the same minimum; this notebook's version divides by "
            "4 * n_H * n_W * n_C instead, so that alpha means the same "
            "whatever the layer and the image size (the constant is "
            "absorbed into alpha): use that normalisation here."),
        "mean": (
            "you took the mean of the squares; divide by "
            "4 * n_H * n_W * n_C (four times the number of entries)."),
        "factor 2": "the factor is 4 * n_H * n_W * n_C, not 2 * ...",
        "not squared": "square the differences before summing.",
        "absolute values": "use squared differences, not absolute values.",
        "square root": (
            "do not take the square root: the cost uses the SQUARED norm."),
        "no n_C": (
            "the normalisation must include n_C: divide by "
            "4 * n_H * n_W * n_C."),
    },
    "gram_matrix": {
        "divided by n_H * n_W": (
            "gram_matrix divided by n_H * n_W: the Gram matrix is the plain "
            "product A A^T; the normalisation belongs to the style cost."),
        "divided by n_C * n_H * n_W": (
            "gram_matrix divided by n_C * n_H * n_W: the Gram matrix is the "
            "plain product A A^T; the normalisation belongs to the style "
            "cost."),
    },
    "compute_layer_style_cost": {
        "reshaped directly": (
            "you reshaped (1, n_H, n_W, n_C) directly to (n_C, n_H * n_W). "
            "That mixes channels and positions: reshape to "
            "(n_H * n_W, n_C) first, then transpose to (n_C, n_H * n_W)."),
        "A^T A": (
            "your Gram matrices are A^T A (positions x positions); the "
            "style matrix is A A^T, shaped (n_C, n_C). Check gram_matrix."),
        "no normalisation": (
            "the normalisation factor is missing: divide by "
            "(2 * n_H * n_W * n_C)**2."),
        "factor not squared": (
            "the factor must be SQUARED: divide by "
            "(2 * n_H * n_W * n_C)**2, not 2 * n_H * n_W * n_C."),
        "4 n": (
            "the factor must be (2 * n_H * n_W * n_C)**2 = "
            "4 * (n_H * n_W * n_C)**2."),
        "no 2": (
            "the factor is (2 * n_H * n_W * n_C)**2: the 2 is missing."),
        "mean over the Gram entries": (
            "you took the mean over the (n_C, n_C) entries; divide by "
            "(2 * n_H * n_W * n_C)**2."),
        "wrong dimensions": (
            "the normalisation uses the wrong dimensions: read "
            "m, n_H, n_W, n_C = a_G.shape (n_C is the LAST axis)."),
    },
    "compute_style_cost": {
        "no weights": (
            "the weights lambda are missing: multiply each layer's cost by "
            "its weight from style_layers."),
        "average": (
            "you averaged the layer costs; use the weighted sum with the "
            "weights lambda from style_layers."),
        "last layer only": (
            "only the last layer counts: accumulate with J_style += ... "
            "instead of overwriting J_style in the loop."),
        "all keys": (
            "you summed over every key of the activation dicts; loop over "
            "style_layers: the dicts may hold other layers (e.g. the "
            "content layer)."),
        "weights paired wrongly": (
            "the weights are paired with the wrong layers: use the (layer, "
            "weight) pairs of style_layers together."),
    },
    "total_variation_cost": {
        "vertical only": (
            "only the vertical differences (along the height) count: add "
            "the horizontal ones, image[:, :, 1:, :] - image[:, :, :-1, :]."),
        "horizontal only": (
            "only the horizontal differences (along the width) count: add "
            "the vertical ones, image[:, 1:, :, :] - image[:, :-1, :, :]."),
        "absolute differences": (
            "you used absolute differences; the cost uses SQUARED "
            "differences (smooth, so its gradient exists everywhere)."),
        "batch and height axes": (
            "wrong axes: you took differences along axis 0, the batch. "
            "Neighbouring pixels differ along axes 1 (height) and 2 "
            "(width) of (m, H, W, C)."),
        "width and channel axes": (
            "wrong axes: you took differences along axis 3, the colour "
            "channels. Neighbouring pixels differ along axes 1 (height) "
            "and 2 (width) of (m, H, W, C)."),
        "sums": (
            "you summed the squared differences; take the MEAN of each "
            "direction's squares (tf.reduce_mean), so the weight does not "
            "depend on the image size."),
        "summed over the batch": (
            "you summed the images' costs over the batch; the cost of a "
            "batch is the MEAN over its images (tf.reduce_mean over every "
            "axis, the batch included)."),
        "one mean": (
            "you divided both sums by the number of entries of the image; "
            "take the mean of each direction's squared differences "
            "separately (they have one row or column fewer)."),
    },
    "train_step": {
        "ignores alpha and beta": (
            "train_step ignores its alpha and beta: J has the value of "
            "total_cost's defaults. Pass alpha and beta on to total_cost."),
        "gradient ascent": (
            "The image moved UP the gradient: pass the gradient of J itself "
            "to optimizer.apply_gradients, which subtracts it (we minimise "
            "J)."),
    },
}
#: A right combination of a wrong layer cost gives these values too.
MESSAGES["compute_style_cost"].update({
    f"wrong layer cost ({mistake})": FIX_LAYER_COST
    for mistake in MESSAGES["compute_layer_style_cost"]})


# --------------------------------------------------------------------------
# Fixtures: the fixed inputs the expected values were computed on
# --------------------------------------------------------------------------


def activations(seed, shape=SHAPE):
    """ReLU-like activations (non-negative floats) of a given shape."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(-0.5, 2.0, size=shape)
    return np.maximum(values, 0.0).astype(np.float32)


def gram_input():
    """An unrolled activation A shaped (n_C, n_H * n_W) = (3, 7)."""
    return np.random.default_rng(3).normal(size=(3, 7)).astype(np.float32)


#: The engine's weights, which the exercises' defaults repeat.
ALPHA = 1e5
BETA = 1


def tv_input():
    """A batch of two images shaped (2, 4, 5, 3), values in [0, 1]."""
    return np.random.default_rng(7).uniform(
        0, 1, size=(2, 4, 5, 3)).astype(np.float32)


STYLE_CHECK_LAYERS = [("conv_a", 0.5), ("conv_b", 0.3), ("conv_c", 0.2)]
STYLE_CHECK_SHAPES = {"conv_a": (1, 6, 4, 2), "conv_b": (1, 3, 2, 5),
                      "conv_c": (1, 2, 3, 7), "content": (1, 3, 2, 5)}


def style_dicts(seed):
    """Style and generated activations keyed by layer (one extra layer)."""
    layers = STYLE_CHECK_SHAPES.items()
    style = {layer: activations(seed + k, shape)
             for k, (layer, shape) in enumerate(layers)}
    generated = {layer: activations(seed + 10 + k, shape)
                 for k, (layer, shape) in enumerate(layers)}
    return style, generated


def tiny_extractor(seed=0, channels=(4, 6, 8)):
    """A small fixed ConvNet standing in for VGG16: image -> {layer: act}.

    Layers ``conv1``, ``conv2`` (after 2x2 average pooling) and ``conv3``;
    3x3 kernels with fixed random weights, ReLU.  Fast and deterministic.
    """
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    kernels, previous = [], 3
    for count in channels:
        kernels.append(tf.constant(rng.normal(
            0, 0.5, size=(3, 3, previous, count)).astype(np.float32)))
        previous = count

    def extractor(image):
        outputs = {}
        x = tf.convert_to_tensor(image, tf.float32)
        for index, kernel in enumerate(kernels):
            if index == 1:
                x = tf.nn.avg_pool2d(x, 2, 2, "VALID")
            x = tf.nn.relu(tf.nn.conv2d(x, kernel, 1, "SAME"))
            outputs[f"conv{index + 1}"] = x
        return outputs

    return extractor


TINY_CONTENT_LAYER = "conv3"
TINY_STYLE_LAYERS = [("conv1", 0.4), ("conv2", 0.3), ("conv3", 0.3)]
STEP_RATE = 0.5


def step_problem(seed=0, shape=(1, 12, 10, 3)):
    """Content and style targets for the tiny extractor, and a start image."""
    import tensorflow as tf

    extractor = tiny_extractor(seed)
    rng = np.random.default_rng(seed + 100)
    content = rng.uniform(0, 1, size=shape).astype(np.float32)
    style = rng.uniform(0, 1, size=shape).astype(np.float32)
    start = np.clip(content + rng.normal(0, 0.2, size=shape), 0.02, 0.98)
    a_C = tf.constant(extractor(content)[TINY_CONTENT_LAYER])
    a_S = {k: tf.constant(v) for k, v in extractor(style).items()}
    return extractor, a_C, a_S, start.astype(np.float32)


# --------------------------------------------------------------------------
# Calling the learner's functions
# --------------------------------------------------------------------------


def _tensors(args):
    """Turn NumPy arrays among ``args`` into TensorFlow constants."""
    import tensorflow as tf

    return [tf.constant(a) if isinstance(a, np.ndarray) else a for a in args]


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


def _diagnose(value, case, name, hint):
    """Fail with the named mistake or the hint unless ``value`` is right."""
    if same_values(value, case["expected"], rtol=1e-4, atol=1e-9):
        return
    mistake = find_mistake(value, case.get("mistakes", {}), rtol=1e-4,
                           atol=1e-9)
    if mistake:
        message = MESSAGES[name][mistake]
        raise AssertionError(message if message.startswith(name)
                             else f"{name}: {message}")
    assert_close(value, case["expected"], name, rtol=1e-4, hint=hint)


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
    case = expected_values("style")[name]["seeds 1, 2"]
    a_C, a_G = activations(1), activations(2)
    value = _scalar(_call(compute_content_cost, a_C, a_G), name)
    _diagnose(value, case, name,
              "J_content = sum((a_C - a_G)**2) / (4 n_H n_W n_C).")
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
    case = expected_values("style")[name]["A (3, 7)"]
    A = gram_input()
    result = to_numpy(_call(gram_matrix, A))
    if result.shape == (7, 7):
        raise AssertionError(
            "gram_matrix of an A shaped (3, 7) returned (7, 7): you computed "
            "A^T A. The Gram matrix is A A^T, shaped (n_C, n_C): "
            "tf.matmul(A, A, transpose_b=True) or "
            "tf.matmul(A, tf.transpose(A))."
        )
    if result.shape == (3, 7):
        raise AssertionError(
            "gram_matrix returned the shape of A: you multiplied element by "
            "element. Use a matrix product, tf.matmul(A, tf.transpose(A))."
        )
    if result.shape != (3, 3):
        raise AssertionError(
            f"gram_matrix of an A shaped (3, 7) returned shape "
            f"{result.shape}; expected (3, 3), i.e. (n_C, n_C)."
        )
    mistake = find_mistake(result, case["mistakes"], rtol=1e-4)
    if mistake:
        raise AssertionError(MESSAGES[name][mistake])
    assert_close(result, case["expected"], name, rtol=1e-4,
                 hint="G[k, k'] = sum over positions of A[k, p] * A[k', p].")
    graph = to_numpy(_call_in_graph(gram_matrix, A))
    assert_close(graph, case["expected"], f"{name} inside a tf.function",
                 rtol=1e-4)
    passed(name)


@learner_check("compute_layer_style_cost")
def check_compute_layer_style_cost(compute_layer_style_cost):
    """Check the learner's ``compute_layer_style_cost(a_S, a_G)``."""
    compute_layer_style_cost = assert_own_function(compute_layer_style_cost)
    name = "compute_layer_style_cost"
    case = expected_values("style")[name]["seeds 4, 5"]
    a_S, a_G = activations(4), activations(5)
    value = _scalar(_call(compute_layer_style_cost, a_S, a_G), name)
    _diagnose(value, case, name,
              "J = sum((G_S - G_G)**2) / (2 n_H n_W n_C)**2 with G = A A^T, "
              "A the unrolled (n_C, n_H*n_W) activation.")
    if _scalar(_call(compute_layer_style_cost, a_S, a_S), name) != 0.0:
        raise AssertionError(
            f"{name}(a, a) must be 0 for identical activations.")
    graph = _scalar(_call_in_graph(compute_layer_style_cost, a_S, a_G), name)
    assert_close(graph, value, f"{name} inside a tf.function", rtol=1e-4)
    _assert_differentiable(compute_layer_style_cost, (a_S, a_G), 1, name)
    passed(name)


def _wrong_layer_costs(compute_layer_style_cost, style, generated, case):
    """Return the style layers whose cost differs from the stored one."""
    return [layer for layer, _ in STYLE_CHECK_LAYERS
            if not same_values(
                _scalar(compute_layer_style_cost(style[layer],
                                                 generated[layer]),
                        "compute_layer_style_cost"),
                case["layer costs"][layer], rtol=1e-4, atol=1e-9)]


@learner_check("compute_style_cost")
def check_compute_style_cost(compute_style_cost, compute_layer_style_cost):
    """Check ``compute_style_cost(style_acts, generated_acts, layers)``."""
    import tensorflow as tf

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
    case = expected_values("style")[name]["seed 20"]
    style, generated = style_dicts(20)
    tensors_S = {k: tf.constant(v) for k, v in style.items()}
    tensors_G = {k: tf.constant(v) for k, v in generated.items()}
    value = _scalar(_call(compute_style_cost, tensors_S, tensors_G,
                          STYLE_CHECK_LAYERS), name)
    if find_mistake(value, case["mistakes"], rtol=1e-4, atol=1e-9) is None \
            and not same_values(value, case["expected"], rtol=1e-4,
                                atol=1e-9) \
            and _wrong_layer_costs(compute_layer_style_cost, tensors_S,
                                   tensors_G, case):
        raise AssertionError(
            "Your compute_layer_style_cost gives wrong values for these "
            "layers, so compute_style_cost cannot be right: fix "
            "compute_layer_style_cost first.")
    _diagnose(value, case, name,
              "J_style = sum over (layer, lambda) in style_layers of lambda "
              "* compute_layer_style_cost(a_S[layer], a_G[layer]).")
    in_graph = _scalar(_call_in_graph(compute_style_cost, tensors_S,
                                      tensors_G, STYLE_CHECK_LAYERS), name)
    assert_close(in_graph, value, f"{name} inside a tf.function", rtol=1e-4)
    passed(name)


# --------------------------------------------------------------------------
# Choosing the style weights: many answers are right, so the check tests
# the properties the exercise asks for; it stores no answer.
# --------------------------------------------------------------------------

#: Layer lists (shallow to deep) that the deep_style_layers check tries.
WEIGHT_CHECK_LAYERS = (
    ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1",
     "block5_conv1"),
    ("conv_a", "conv_b", "conv_c"),
    ("shallow", "deep"),
    ("only_layer",),
)
#: Tolerance on the sum of the weights and on "equal" weights.
WEIGHT_TOLERANCE = 1e-6


def _weighting(function, names):
    """Call ``function`` on a copy of ``names``; note the input on errors."""
    given = list(names)
    try:
        result = function(given)
    except Exception as error:
        error.add_note(f"(deep_style_layers was called with layer_names = "
                       f"{list(names)!r}, {_count(names)}.)")
        raise
    if given != list(names):
        raise AssertionError(
            "deep_style_layers changed the list layer_names it was given "
            f"(now {given!r}); build a new list and leave the argument "
            "as it is: the caller still uses it.")
    return assert_returned(result, "deep_style_layers")


def _count(names):
    """'one layer' or 'N layers'."""
    return "one layer" if len(names) == 1 else f"{len(names)} layers"


def _weight_pairs(result, names):
    """The result as a list of (name, weight) pairs, or a named failure."""
    if isinstance(result, dict):
        raise AssertionError(
            "deep_style_layers returned a dict; return a LIST of (layer "
            "name, weight) pairs, like STYLE_LAYERS. compute_style_cost "
            "and the engine unpack each item into a name and a weight, "
            "and a dict gives its keys only. list(weights.items()) turns "
            "your dict into pairs.")
    if not isinstance(result, list):
        raise AssertionError(
            f"deep_style_layers returned a {type(result).__name__}; return "
            "a list of (layer name, weight) pairs, like STYLE_LAYERS (e.g. "
            "list(zip(layer_names, weights))).")
    for item in result:
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise AssertionError(
                f"deep_style_layers({list(names)!r}) returned the item "
                f"{item!r}; every item must be a pair (layer name, weight), "
                "like ('block1_conv1', 0.2) in STYLE_LAYERS.")
    return result


def _check_weight_names(pairs, names):
    """The pairs must name the given layers, all of them, in their order."""
    got = [layer for layer, _ in pairs]
    names = list(names)
    if got == names:
        return
    call = f"deep_style_layers({names!r})"
    if sorted(map(repr, got)) == sorted(map(repr, names)):
        raise AssertionError(
            f"{call} returned the layers in another order: {got!r}. Keep "
            "the order of layer_names (shallow to deep), so that each "
            "weight goes with its layer.")
    missing = [name for name in names if name not in got]
    unknown = [name for name in got if name not in names]
    if unknown:
        raise AssertionError(
            f"{call} returned layer names it was not given: {unknown!r}. "
            "Pair each weight with the name from layer_names, unchanged "
            "(the engine looks the activations up by these names).")
    raise AssertionError(
        f"{call} returned {len(got)} pairs for {len(names)} layers"
        + (f"; {missing!r} got no weight" if missing else "")
        + ": return exactly one (name, weight) pair per layer of "
        "layer_names.")


def _weight_numbers(pairs, names):
    """The weights as floats; fail on anything that is not one number."""
    weights = []
    for layer, weight in pairs:
        value = to_numpy(weight)
        if isinstance(weight, (bool, np.bool_)) or value.size != 1 \
                or value.dtype.kind not in "iuf":
            raise AssertionError(
                f"deep_style_layers gave {layer!r} the weight {weight!r}; "
                "each weight must be one number.")
        weights.append(float(value.reshape(())))
    if not all(np.isfinite(weights)):
        raise AssertionError(
            f"deep_style_layers({list(names)!r}) gave the weights "
            f"{weights}: every weight must be a finite number (did you "
            "divide by zero?).")
    return weights


def _integer_weights(pairs):
    """True when every weight is an integer type (integer arithmetic)."""
    return all(isinstance(weight, (int, np.integer))
               and not isinstance(weight, bool) for _, weight in pairs)


def _describe(names, weights):
    """'name w, name w, ...' for a message."""
    return ", ".join(f"{name} {weight:.3g}"
                     for name, weight in zip(names, weights))


def _check_weight_values(pairs, names):
    """Non-negative, every layer counted, sum 1, growing with depth."""
    weights = _weight_numbers(pairs, names)
    names = list(names)
    shown = _describe(names, weights)
    total = float(np.sum(weights))
    if _integer_weights(pairs) and abs(total - 1) > WEIGHT_TOLERANCE:
        raise AssertionError(
            f"deep_style_layers gave integer weights ({shown}): integer "
            "arithmetic (// or int()) rounds the fractions of a weighting "
            "down, often to 0. Divide with / so that the weights are "
            "floats.")
    negative = [name for name, w in zip(names, weights) if w < 0]
    if negative:
        raise AssertionError(
            f"deep_style_layers gave negative weights ({shown}). A "
            f"negative lambda for {negative[0]} makes J_style SMALLER when "
            "G's Gram matrix at that layer moves AWAY from the painting's: "
            "the optimiser would be rewarded for destroying that layer's "
            "style. Every weight must be >= 0.")
    if abs(total - 1) > WEIGHT_TOLERANCE:
        effect = ("the style would take over the content"
                  if total > 1 else "the content would take over")
        raise AssertionError(
            f"deep_style_layers' weights sum to {total:.6g}, not 1 "
            f"({shown}). If every layer had the same style cost c, J_style "
            f"would be {total:.6g} * c, where STYLE_LAYERS' equal weights "
            f"give c: the same as multiplying beta by {total:.6g}, so "
            f"{effect} (beta = 1 was tuned for weights summing to 1). "
            "Divide each weight by their sum.")
    zero = [name for name, w in zip(names, weights) if w == 0]
    if zero:
        raise AssertionError(
            f"deep_style_layers gave {zero[0]} the weight 0 ({shown}): "
            "that layer no longer counts at all, and with it the colours "
            "and strokes it holds. Give every layer a positive share, "
            "smaller for the shallow layers.")
    if len(weights) == 1:
        return
    for (a, w_a), (b, w_b) in zip(zip(names, weights),
                                  zip(names[1:], weights[1:])):
        if w_b < w_a - WEIGHT_TOLERANCE:
            raise AssertionError(
                f"deep_style_layers' weights decrease with depth ({shown}): "
                f"{b} weighs less than the shallower {a}. The deeper layers "
                "(larger motifs) must weigh more; decreasing weights favour "
                "the shallow layers' fine strokes.")
    if max(weights) - min(weights) <= WEIGHT_TOLERANCE:
        raise AssertionError(
            f"deep_style_layers gives every layer the same weight ({shown}): "
            "the equal weighting of STYLE_LAYERS. Make the deeper layers "
            "weigh more than the shallow ones.")


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
    for names in WEIGHT_CHECK_LAYERS:
        pairs = _weight_pairs(_weighting(deep_style_layers, names), names)
        _check_weight_names(pairs, names)
        _check_weight_values(pairs, names)
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
    value = float(to_numpy(total_cost(2.0, 0.5, alpha=1, beta=100)))
    if np.isclose(value, ALPHA * 2 + BETA * 0.5):
        raise AssertionError(
            "total_cost ignores the alpha and beta it is given.")
    assert_close(value, 52.0, "total_cost(2.0, 0.5, alpha=1, beta=100)")
    tensor = total_cost(tf.constant(1.5), tf.constant(0.25), alpha=2.0,
                        beta=4.0)
    assert_close(tensor, 4.0, "total_cost on tensors")
    passed(name)


@learner_check("total_variation_cost")
def check_total_variation_cost(total_variation_cost):
    """Check ``total_variation_cost(image)`` for a batch (m, H, W, C)."""
    total_variation_cost = assert_own_function(total_variation_cost)
    name = "total_variation_cost"
    case = expected_values("style")[name]["batch (2, 4, 5, 3)"]
    images = tv_input()
    value = _scalar(_call(total_variation_cost, images), name)
    _diagnose(value, case, name,
              "TV = mean of the squared vertical differences + mean of the "
              "squared horizontal differences, over the whole batch.")
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
    case = expected_values("style")[name]["tiny problem, SGD(0.5)"]
    expected_image = case["expected"]["image"]
    extractor, a_C, a_S, start = step_problem(0)
    args = (extractor, a_C, a_S)
    kwargs = dict(content_layer=TINY_CONTENT_LAYER,
                  style_layers=TINY_STYLE_LAYERS, alpha=10, beta=40)
    defaults = {key: parameter.default for key, parameter
                in inspect.signature(train_step.function).parameters.items()}
    if defaults.get("alpha") != ALPHA or defaults.get("beta") != BETA:
        raise AssertionError(
            "train_step must keep the defaults alpha=1e5 and beta=1 of its "
            f"signature; found alpha={defaults.get('alpha')}, "
            f"beta={defaults.get('beta')}.")

    learner_image = tf.Variable(start)
    J = train_step(learner_image, *args,
                   tf.keras.optimizers.SGD(learning_rate=STEP_RATE),
                   **kwargs)
    J = _scalar(assert_returned(J, name), name)
    for mistake in ("ignores alpha and beta",):
        if same_values(J, case["mistakes"][mistake]["J"], rtol=1e-4,
                       atol=0.0):
            raise AssertionError(MESSAGES[name][mistake])
    assert_close(J, case["expected"]["J"], "the cost J returned by "
                 "train_step", rtol=1e-4,
                 hint="Return total_cost(J_content, J_style, alpha, beta) "
                      "of the image BEFORE the update, computed inside the "
                      "GradientTape with a_G = extractor(generated_image) "
                      "and your cost functions (which must pass their own "
                      "tests first).")
    updated = learner_image.numpy()
    if np.allclose(updated, start):
        raise AssertionError(
            "generated_image did not change. Update the image variable "
            "itself: optimizer.apply_gradients([(gradient, "
            "generated_image)]) with the gradient of J with respect to "
            "generated_image (we optimise the pixels of G, not the "
            "network's weights).")
    if same_values(updated, case["mistakes"]["gradient ascent"]["image"],
                   rtol=0.0, atol=1e-5):
        raise AssertionError(MESSAGES[name]["gradient ascent"])
    if updated.min() < -1e-6 or updated.max() > 1 + 1e-6:
        raise AssertionError(
            f"The image has values in [{updated.min():.3f}, "
            f"{updated.max():.3f}]: after the update, clip it back to "
            "[0, 1] with generated_image.assign(tf.clip_by_value("
            "generated_image, 0.0, 1.0)).")
    assert_close(updated, expected_image, "the image after one train_step",
                 rtol=1e-4, atol=1e-5,
                 hint="One step: J and its gradient with respect to the "
                      "image (tf.GradientTape), optimizer.apply_gradients, "
                      "then clip.")

    graph_image = tf.Variable(start)
    optimizer = tf.keras.optimizers.SGD(learning_rate=STEP_RATE)
    _call_in_graph(train_step, graph_image, *args, optimizer, **kwargs)
    assert_close(graph_image.numpy(), expected_image,
                 "the image after train_step inside a tf.function",
                 rtol=1e-4, atol=1e-5)
    passed(name)
