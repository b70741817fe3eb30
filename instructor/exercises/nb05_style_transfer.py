"""Notebook 05 (neural style transfer): the costs and the optimisation step.

One section per graded exercise: the reference, the public cases, the
mistakes learners make; the hidden tests at the end.  Activations are
shaped ``(1, n_H, n_W, n_C)``, as a Keras model returns them for one image;
the references accept NumPy arrays or tensors and return scalar tensors,
so they can be differentiated.  TensorFlow is imported inside the
functions: the grader loads this module without it.
"""

import numpy as np

from instructor.exercises import expect
from instructor.exercises.spec import Case, Exercise, Mistake
from instructor.grading.harness import fixture, hidden_test, trusted_run
from instructor.grading.protocol import Tensor

NOTEBOOK = "05_style_transfer"
#: What answer cells may rely on (the clean room and the catalogue).  The
#: notebook's STYLE_LAYERS is defined in an answer cell, which the clean
#: room runs; the catalogue's mistakes that read it are rejected before
#: they run.
PRELUDE = "import numpy as np\nimport tensorflow as tf"
#: Seconds one call of a learner's function may take in the clean room.
CALL_TIMEOUT = 120.0


def _activations(seed, shape=(1, 3, 5, 6)):
    """ReLU-like activations (non-negative float32) of a given shape.

    The default shape has n_H = 3, n_W = 5, n_C = 6: no size equals
    another, so mixed-up axes show.
    """
    rng = np.random.default_rng(seed)
    values = rng.uniform(-0.5, 2.0, size=shape)
    return np.maximum(values, 0.0).astype(np.float32)


def _as_tensors(value):
    """Arrays (also inside dicts) as TensorFlow constants, as checks pass."""
    import tensorflow as tf

    if isinstance(value, np.ndarray):
        return tf.constant(value)
    if isinstance(value, dict):
        return {key: _as_tensors(item) for key, item in value.items()}
    return value


def _tensor_case(name, inputs, extra=None):
    """A case whose arrays the check passes to the function as tensors."""
    def run(function):
        return function(*(_as_tensors(value) for value in inputs))
    return Case(name, inputs, run=run, extra=extra)


def _variant(template, old, new):
    """The right answer ``template`` with one piece of text replaced."""
    if old not in template:
        raise ValueError(f"{old!r} is not in the template")
    return template.replace(old, new)


def _said(exercise, text):
    """The message a check shows: prefixed with the exercise's name."""
    return text if text.startswith(exercise) else f"{exercise}: {text}"


NUMPY_IN_GRAPH = "fails inside a tf.function"


# --- compute_content_cost ----------------------------------------------------


def compute_content_cost(a_C, a_G):
    """J_content = 1/(4 n_H n_W n_C) * sum((a_C - a_G)**2).

    ``a_C``: content image's activations, ``a_G``: generated image's, both
    shaped (1, n_H, n_W, n_C).  Returns a scalar tensor.
    """
    import tensorflow as tf

    a_C = tf.convert_to_tensor(a_C, dtype=tf.float32)
    a_G = tf.convert_to_tensor(a_G, dtype=tf.float32)
    for name, a in (("a_C", a_C), ("a_G", a_G)):
        if a.shape.rank != 4 or (a.shape[0] is not None
                                 and a.shape[0] != 1):
            raise ValueError(f"{name} must be shaped (1, n_H, n_W, n_C), "
                             f"got {tuple(a.shape)}.")
    if (a_C.shape != a_G.shape and a_C.shape.is_fully_defined()
            and a_G.shape.is_fully_defined()):
        raise ValueError(
            f"a_C and a_G must have the same shape, got {tuple(a_C.shape)} "
            f"and {tuple(a_G.shape)}.")
    shape = tf.shape(a_G)
    norm = tf.cast(4 * shape[1] * shape[2] * shape[3], tf.float32)
    return tf.reduce_sum(tf.square(a_C - a_G)) / norm


_CONTENT = """
def compute_content_cost(a_C, a_G):
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    return tf.reduce_sum(tf.square(a_C - a_G)) / (4 * n_H * n_W * n_C)
"""
_SQUARES = "tf.reduce_sum(tf.square(a_C - a_G))"
_NORM = "/ (4 * n_H * n_W * n_C)"


def _content(old, new):
    return _variant(_CONTENT, old, new)


def _content_said(text):
    return _said("compute_content_cost", text)


COMPUTE_CONTENT_COST = Exercise(
    "compute_content_cost", compute_content_cost,
    cases=(_tensor_case("seeds 1, 2", (_activations(1), _activations(2))),
           _tensor_case("seeds 8, 9, shape (1, 4, 2, 7)", (
               _activations(8, (1, 4, 2, 7)),
               _activations(9, (1, 4, 2, 7))))),
    mistakes=(
        Mistake("the lecture's one half", _content(_NORM, "/ 2"),
                "the constant is absorbed into alpha",
                message=_content_said(
                    "you computed the lecture's 1/2 * ||a_C - a_G||^2. That "
                    "cost has the same minimum (the constant is absorbed "
                    "into alpha), but it grows with the layer's size: this "
                    "notebook's contract asks for a cost that does not.")),
        Mistake("no normalisation", _content(_NORM, ""),
                "normalisation is missing",
                message=_content_said(
                    "the normalisation is missing: you returned the plain "
                    "sum of squares, which grows with the layer's size.")),
        Mistake("mean of the squares",
                _content(_SQUARES + " " + _NORM,
                         "tf.reduce_mean(tf.square(a_C - a_G))"),
                "mean of the squares",
                message=_content_said(
                    "you took the mean of the squares: right in size, but "
                    "a uniform gap d then costs d**2, and the contract "
                    "says d**2 / 4.")),
        Mistake("factor 2", _content(_NORM, "/ (2 * n_H * n_W * n_C)"),
                "twice too large",
                message=_content_said(
                    "your cost is twice too large: a uniform gap d costs "
                    "d**2 / 2, the contract says d**2 / 4.")),
        Mistake("not squared", _content(_SQUARES,
                                        "tf.reduce_sum(a_C - a_G)"),
                "square the differences",
                message=_content_said(
                    "square the differences before summing.")),
        Mistake("without n_C", _content(_NORM, "/ (4 * n_H * n_W)"),
                "grows with the number of channels",
                message=_content_said(
                    "your cost grows with the number of channels n_C: it "
                    "must not depend on any of the layer's sizes.")),
        Mistake("hard-coded sizes", _content(_NORM, "/ (4 * 3 * 5 * 6)"),
                "sizes typed in",
                message=_content_said(
                    "right for activations shaped (1, 3, 5, 6) only: the "
                    "sizes typed in. Read them from a_G's shape.")),
        Mistake("absolute values",
                _content(_SQUARES, "tf.reduce_sum(tf.abs(a_C - a_G))"),
                "not absolute values",
                message=_content_said(
                    "use squared differences, not absolute values.")),
        Mistake("square root", _content(_SQUARES, f"tf.sqrt({_SQUARES})"),
                "SQUARED norm",
                message=_content_said(
                    "do not take the square root: the cost uses the SQUARED "
                    "norm.")),
        Mistake("NumPy on symbolic tensors", _content(
            _SQUARES, "np.sum(np.square(a_C.numpy() - a_G.numpy()))"),
            NUMPY_IN_GRAPH),
        Mistake("KeyError in own code", """
def compute_content_cost(a_C, a_G):
    sizes = dict(zip(("m", "n_H", "n_W", "n_C"), a_G.shape))
    count = sizes["n_H"] * sizes["n_W"] * sizes["channels"]
    return tf.reduce_sum(tf.square(a_C - a_G)) / (4 * count)
""", "KeyError: 'channels'"),
    ))


# --- gram_matrix -------------------------------------------------------------


def gram_matrix(A):
    """Gram matrix A A^T of an unrolled activation A (n_C, n_H*n_W)."""
    import tensorflow as tf

    A = tf.convert_to_tensor(A, dtype=tf.float32)
    if A.shape.rank != 2:
        raise ValueError(
            f"gram_matrix expects a 2-D matrix (n_C, n_H*n_W), got shape "
            f"{tuple(A.shape)}.")
    return tf.matmul(A, A, transpose_b=True)


def unroll(a):
    """(1, n_H, n_W, n_C) -> (n_C, n_H*n_W): reshape, then transpose."""
    import tensorflow as tf

    shape = tf.shape(a)
    return tf.transpose(tf.reshape(a, (shape[1] * shape[2], shape[3])))


_GRAM_NOT_NORMALISED = (": the Gram matrix is the plain sum of products over "
                        "positions; the "
                        "normalisation belongs to the style cost.")

GRAM_MATRIX = Exercise(
    "gram_matrix", gram_matrix,
    cases=(_tensor_case("A (3, 7)", (np.random.default_rng(3).normal(
        size=(3, 7)).astype(np.float32),)),),
    mistakes=(
        Mistake("A^T A", """
def gram_matrix(A):
    return tf.matmul(A, A, transpose_a=True)
""", "you computed A^T A"),
        Mistake("element by element", """
def gram_matrix(A):
    return A * A
""", "element by element"),
        Mistake("divided by n_H * n_W", """
def gram_matrix(A):
    return tf.matmul(A, tf.transpose(A)) / A.shape[1]
""", "divided by n_H * n_W",
                message="gram_matrix divided by n_H * n_W"
                        + _GRAM_NOT_NORMALISED),
        Mistake("divided by the size of A", """
def gram_matrix(A):
    return tf.matmul(A, tf.transpose(A)) / (A.shape[0] * A.shape[1])
""", "divided by n_C * n_H * n_W",
                message="gram_matrix divided by n_C * n_H * n_W"
                        + _GRAM_NOT_NORMALISED),
        Mistake("a scalar", """
def gram_matrix(A):
    return tf.reduce_sum(A * A)
""", "expected (3, 3)"),
        Mistake("no return", """
def gram_matrix(A):
    G = tf.matmul(A, tf.transpose(A))
""", "returned None"),
        Mistake("NumPy on symbolic tensors", """
def gram_matrix(A):
    A = A.numpy()
    return tf.constant(A @ A.T)
""", NUMPY_IN_GRAPH),
    ))


# --- compute_layer_style_cost ------------------------------------------------


def compute_layer_style_cost(a_S, a_G):
    """J_style_layer = 1/(2 n_H n_W n_C)**2 * sum((G_S - G_G)**2).

    ``a_S``: style image's activations, ``a_G``: generated image's, both
    shaped (1, n_H, n_W, n_C) (the spatial sizes may differ only if they
    have the same n_C; the normalisation uses the generated image's size).
    """
    import tensorflow as tf

    unrolled = []
    for name, a in (("a_S", a_S), ("a_G", a_G)):
        a = tf.convert_to_tensor(a, dtype=tf.float32)
        if a.shape.rank != 4 or (a.shape[0] is not None
                                 and a.shape[0] != 1):
            raise ValueError(f"{name} must be shaped (1, n_H, n_W, n_C), "
                             f"got {tuple(a.shape)}.")
        shape = tf.shape(a)
        unrolled.append(tf.transpose(tf.reshape(
            a, (shape[1] * shape[2], shape[3]))))
    shape = tf.shape(a_G)
    difference = gram_matrix(unrolled[0]) - gram_matrix(unrolled[1])
    norm = tf.cast(2 * shape[1] * shape[2] * shape[3], tf.float32)
    return tf.reduce_sum(tf.square(difference)) / (norm * norm)


_LAYER = """
def compute_layer_style_cost(a_S, a_G):
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    A_S = tf.transpose(tf.reshape(a_S, (n_H * n_W, n_C)))
    A_G = tf.transpose(tf.reshape(a_G, (n_H * n_W, n_C)))
    difference = gram_matrix(A_S) - gram_matrix(A_G)
    return tf.reduce_sum(tf.square(difference)) / (2 * n_H * n_W * n_C) ** 2
"""
_LAYER_NORM = "/ (2 * n_H * n_W * n_C) ** 2"


def _layer(old, new):
    return _variant(_LAYER, old, new)


def _layer_said(text):
    return _said("compute_layer_style_cost", text)


#: (name, source, fragment, message) of the wrong layer costs recognised by
#: value; compute_style_cost's check recognises each of them underneath a
#: right weighted sum too.
_WRONG_LAYER_COSTS = (
    ("reshaped directly",
     _layer("tf.transpose(tf.reshape(a_S, (n_H * n_W, n_C)))",
            "tf.reshape(a_S, (n_C, n_H * n_W))").replace(
         "tf.transpose(tf.reshape(a_G, (n_H * n_W, n_C)))",
         "tf.reshape(a_G, (n_C, n_H * n_W))"),
     "mixes channels and positions",
     "you reshaped (1, n_H, n_W, n_C) directly to (n_C, n_H * n_W). That "
     "mixes channels and positions: a reshape keeps the memory order, in "
     "which the channel index changes fastest, so row 0 holds the first "
     "channels of several positions. Each row must hold ONE channel at "
     "every position."),
    ("Gram of positions",
     _layer("gram_matrix(A_S) - gram_matrix(A_G)",
            "tf.matmul(A_S, A_S, transpose_a=True)"
            " - tf.matmul(A_G, A_G, transpose_a=True)"),
     "A^T A (positions x positions)",
     "your Gram matrices are A^T A (positions x positions); the style "
     "matrix has one entry per pair of channels, shaped (n_C, n_C). Check "
     "gram_matrix."),
    ("no normalisation", _layer(_LAYER_NORM, ""),
     "normalisation factor is missing",
     "the normalisation factor is missing: divide by "
     "(2 * n_H * n_W * n_C)**2."),
    ("factor not squared", _layer(_LAYER_NORM, "/ (2 * n_H * n_W * n_C)"),
     "must be SQUARED",
     "the factor must be SQUARED: divide by (2 * n_H * n_W * n_C)**2, not "
     "2 * n_H * n_W * n_C."),
    ("4 n instead of (2 n)^2",
     _layer(_LAYER_NORM, "/ (4 * n_H * n_W * n_C)"),
     "4 * (n_H * n_W * n_C)**2",
     "the factor must be (2 * n_H * n_W * n_C)**2 = "
     "4 * (n_H * n_W * n_C)**2."),
    ("no 2", _layer(_LAYER_NORM, "/ (n_H * n_W * n_C) ** 2"),
     "the 2 is missing",
     "the factor is (2 * n_H * n_W * n_C)**2: the 2 is missing."),
    ("mean over the Gram entries",
     _layer("tf.reduce_sum(tf.square(difference)) " + _LAYER_NORM,
            "tf.reduce_mean(tf.square(difference))"),
     "mean over the (n_C, n_C) entries",
     "you took the mean over the (n_C, n_C) entries; divide by "
     "(2 * n_H * n_W * n_C)**2."),
    ("wrong dimensions", """
def compute_layer_style_cost(a_S, a_G):
    n_C, n_H, n_W, _ = a_G.get_shape().as_list()
    A_S = tf.transpose(tf.reshape(a_S, (-1, a_S.shape[-1])))
    A_G = tf.transpose(tf.reshape(a_G, (-1, a_G.shape[-1])))
    difference = gram_matrix(A_S) - gram_matrix(A_G)
    return tf.reduce_sum(tf.square(difference)) / (2 * n_H * n_W * n_C) ** 2
""", "n_C is the LAST axis",
     "the normalisation uses the wrong dimensions: read "
     "m, n_H, n_W, n_C = a_G.shape (n_C is the LAST axis)."),
    ("hard-coded sizes", _layer(_LAYER_NORM, "/ (2 * 3 * 5 * 6) ** 2"),
     "sizes typed in",
     "right for activations shaped (1, 3, 5, 6) only: the sizes typed in. "
     "Read them from a_G's shape."),
)

COMPUTE_LAYER_STYLE_COST = Exercise(
    "compute_layer_style_cost", compute_layer_style_cost,
    cases=(_tensor_case("seeds 4, 5", (_activations(4), _activations(5))),
           _tensor_case("seeds 6, 7, shape (1, 2, 4, 3)", (
               _activations(6, (1, 2, 4, 3)),
               _activations(7, (1, 2, 4, 3))))),
    mistakes=tuple(
        Mistake(name, source, fragment, message=_layer_said(message))
        for name, source, fragment, message in _WRONG_LAYER_COSTS) + (
        Mistake("Python sum over the tensor", _layer(
            "tf.reduce_sum(tf.square(difference))",
            "sum(float(x) for x in tf.reshape(tf.square(difference), "
            "[-1]))"), NUMPY_IN_GRAPH),
    ))


# --- compute_style_cost ------------------------------------------------------


def compute_style_cost(style_activations, generated_activations,
                       style_layers):
    """J_style = sum over layers of lambda_l * J_style_layer(a_S, a_G).

    ``style_layers`` is a list of ``(layer_name, lambda)`` pairs.  The two
    activation collections are either dicts keyed by layer name or
    lists/tuples in the same order as ``style_layers``.
    """
    import tensorflow as tf

    style_layers = list(style_layers)
    if not style_layers:
        raise ValueError(
            "style_layers is empty: give (layer_name, weight) pairs.")
    collections = (("style_activations", style_activations),
                   ("generated_activations", generated_activations))
    for what, acts in collections:
        if not isinstance(acts, dict) and len(acts) != len(style_layers):
            raise ValueError(
                f"{what} has {len(acts)} entries but style_layers has "
                f"{len(style_layers)}; lists must follow style_layers' "
                "order.")
    J_style = tf.constant(0.0, dtype=tf.float32)
    for index, (name, weight) in enumerate(style_layers):
        pair = []
        for what, acts in collections:
            if not isinstance(acts, dict):
                pair.append(acts[index])
            elif name in acts:
                pair.append(acts[name])
            else:
                raise ValueError(
                    f"{what} has no activation for layer {name!r}; it has "
                    f"{sorted(acts)}.")
        J_style += float(weight) * compute_layer_style_cost(*pair)
    return J_style


#: Layers and weights of the public case; its activations hold one more
#: layer (the content layer), which the cost must leave out.
STYLE_CHECK_LAYERS = [("conv_a", 0.37), ("conv_b", 0.91), ("conv_c", 0.13)]
#: The second public case: other layers, order and weights, so that pairs
#: typed in from the first case show.
STYLE_CHECK_LAYERS_2 = [("conv_c", 0.58), ("conv_a", 0.07)]
_STYLE_CHECK_SHAPES = {"conv_a": (1, 6, 4, 2), "conv_b": (1, 3, 2, 5),
                       "conv_c": (1, 2, 3, 7), "content": (1, 3, 2, 5)}


def _style_dicts(seed):
    """Style and generated activations keyed by layer (one extra layer)."""
    layers = _STYLE_CHECK_SHAPES.items()
    style = {layer: _activations(seed + k, shape)
             for k, (layer, shape) in enumerate(layers)}
    generated = {layer: _activations(seed + 10 + k, shape)
                 for k, (layer, shape) in enumerate(layers)}
    return style, generated


_STYLE_S, _STYLE_G = _style_dicts(20)


def _layer_costs(reference):
    """The right cost of each layer of the case (the check shows which)."""
    return {"layer costs": {
        layer: compute_layer_style_cost(_STYLE_S[layer], _STYLE_G[layer])
        for layer, _ in STYLE_CHECK_LAYERS}}


_STYLE = """
def compute_style_cost(style_activations, generated_activations, style_layers):
    J_style = 0.0
    for layer, weight in style_layers:
        J_style += weight * compute_layer_style_cost(
            style_activations[layer], generated_activations[layer])
    return J_style
"""


def _style(old, new):
    return _variant(_STYLE, old, new)


def _style_said(text):
    return _said("compute_style_cost", text)


FIX_LAYER_COST = (
    "compute_style_cost combines the layers correctly, but your "
    "compute_layer_style_cost gives wrong values: fix it first.")

COMPUTE_STYLE_COST = Exercise(
    "compute_style_cost", compute_style_cost,
    cases=(_tensor_case("seed 20", (_STYLE_S, _STYLE_G, STYLE_CHECK_LAYERS),
                        extra=_layer_costs),
           _tensor_case("seed 20, two layers",
                        (_STYLE_S, _STYLE_G, STYLE_CHECK_LAYERS_2),
                        extra=_layer_costs)),
    check_args=("compute_layer_style_cost",),
    mistakes=(
        Mistake("global STYLE_LAYERS",
                _style("for layer, weight in style_layers:",
                       "for layer, weight in STYLE_LAYERS:"),
                "reads the global STYLE_LAYERS"),
        Mistake("no weights", _style("J_style += weight * ", "J_style += "),
                "weights lambda are missing",
                message=_style_said(
                    "the weights lambda are missing: multiply each layer's "
                    "cost by its weight from style_layers.")),
        Mistake("last layer only",
                _style("J_style += weight * ", "J_style = weight * "),
                "only the last layer counts",
                message=_style_said(
                    "only the last layer counts: accumulate with "
                    "J_style += ... instead of overwriting J_style in the "
                    "loop.")),
        Mistake("average", """
def compute_style_cost(style_activations, generated_activations, style_layers):
    costs = [compute_layer_style_cost(style_activations[layer],
                                      generated_activations[layer])
             for layer, _ in style_layers]
    return tf.add_n(costs) / len(costs)
""", "you averaged the layer costs",
                message=_style_said(
                    "you averaged the layer costs; use the weighted sum with "
                    "the weights lambda from style_layers.")),
        Mistake("every key of the dicts", """
def compute_style_cost(style_activations, generated_activations, style_layers):
    weights = dict(style_layers)
    J_style = 0.0
    for layer in style_activations:
        J_style += weights.get(layer, 0.2) * compute_layer_style_cost(
            style_activations[layer], generated_activations[layer])
    return J_style
""", "loop over style_layers",
                message=_style_said(
                    "you summed over every key of the activation dicts; loop "
                    "over style_layers: the dicts may hold other layers "
                    "(e.g. the content layer).")),
        Mistake("weights paired wrongly", """
def compute_style_cost(style_activations, generated_activations, style_layers):
    layers = [layer for layer, _ in style_layers]
    weights = [weight for _, weight in style_layers][::-1]
    J_style = 0.0
    for layer, weight in zip(layers, weights):
        J_style += weight * compute_layer_style_cost(
            style_activations[layer], generated_activations[layer])
    return J_style
""", "paired with the wrong layers",
                message=_style_said(
                    "the weights are paired with the wrong layers: use the "
                    "(layer, weight) pairs of style_layers together.")),
        Mistake("no return", _style("    return J_style\n", ""),
                "returned None"),
        Mistake("pairs typed in", _style(
            "for layer, weight in style_layers:",
            "for layer, weight in [(\"conv_a\", 0.37), (\"conv_b\", 0.91),"
            "\n                          (\"conv_c\", 0.13)]:"),
            "typed in",
            message=_style_said(
                "right for the first case's layers and weights only: the "
                "(layer, weight) pairs typed in. Loop over the style_layers "
                "argument.")),
    ) + tuple(
        # A right weighted sum of each wrong layer cost above.
        Mistake(f"wrong layer cost ({name})", source + _STYLE,
                "combines the layers correctly", message=FIX_LAYER_COST)
        for name, source, _, _ in _WRONG_LAYER_COSTS))


# --- deep_style_layers -------------------------------------------------------
# Many answers are right: the check tests the properties the exercise asks
# for and ships no case.


def deep_style_layers(layer_names):
    """(layer, lambda) pairs doubling with depth, summing to 1.

    One of many right answers: the exercise asks for weights >= 0 (every
    layer above 0) that never decrease with depth, are not all equal and
    sum to 1, for any number of layers >= 1.
    """
    names = list(layer_names)
    if not names:
        raise ValueError("layer_names is empty: give at least one layer.")
    raw = [2.0 ** depth for depth in range(len(names))]
    total = sum(raw)
    return [(name, weight / total) for name, weight in zip(names, raw)]


_WEIGHTS = """
def deep_style_layers(layer_names):
    raw = [2.0 ** depth for depth in range(len(layer_names))]
    total = sum(raw)
    return [(name, weight / total) for name, weight in zip(layer_names, raw)]
"""
_RAW = "raw = [2.0 ** depth for depth in range(len(layer_names))]"
_PAIRS = ("[(name, weight / total) for name, weight in "
          "zip(layer_names, raw)]")


def _weights(old, new):
    return _variant(_WEIGHTS, old, new)


DEEP_STYLE_LAYERS = Exercise(
    "deep_style_layers", deep_style_layers,
    mistakes=(
        Mistake("not normalised", _weights("weight / total", "weight"),
                "sum to 31, not 1"),
        Mistake("normalised by the count", _weights(
            "weight / total", "weight / len(layer_names)"),
            "the same as multiplying beta by 6.2"),
        Mistake("negative weights (a centred ramp)", _weights(
            _RAW, "raw = [depth - 1 for depth in range(len(layer_names))]"),
            "negative weights"),
        Mistake("decreasing weights", _weights(
            _RAW,
            "raw = [2.0 ** -depth for depth in range(len(layer_names))]"),
            "decrease with depth"),
        Mistake("equal weights", _weights(
            _RAW, "raw = [1.0 for _ in layer_names]"), "same weight"),
        Mistake("a ramp from zero", _weights(
            _RAW, "raw = [depth for depth in range(len(layer_names))]"),
            "the weight 0"),
        Mistake("a dict", _weights(
            "return " + _PAIRS,
            "return dict(zip(layer_names, [w / total for w in raw]))"),
            "returned a dict"),
        Mistake("a zip object", _weights(
            "return " + _PAIRS,
            "return zip(layer_names, [w / total for w in raw])"),
            "returned a zip"),
        Mistake("weights only", _weights(
            "return " + _PAIRS, "return [w / total for w in raw]"),
            "must be a pair"),
        Mistake("names reversed", _weights(
            "zip(layer_names, raw)", "zip(layer_names[::-1], raw)"),
            "in another order"),
        Mistake("global STYLE_LAYERS", _weights(
            "zip(layer_names, raw)",
            "zip([name for name, _ in STYLE_LAYERS], raw)"),
            "reads the global STYLE_LAYERS"),
        Mistake("integer division", _weights(
            "weight / total", "weight // total").replace("2.0 **", "2 **"),
            "integer arithmetic"),
        Mistake("fails for one layer", _weights(
            _RAW, "raw = [1 + depth / (len(layer_names) - 1)\n"
                  "           for depth in range(len(layer_names))]"),
            "ZeroDivisionError"),
        Mistake("sorts the argument in place", _weights(
            _RAW, "layer_names.sort(reverse=True)\n    " + _RAW),
            "changed the list layer_names"),
        Mistake("no return", _weights(
            "return " + _PAIRS, "pairs = " + _PAIRS), "returned None"),
    ))


# --- total_cost --------------------------------------------------------------


def total_cost(J_content, J_style, alpha=1e5, beta=1):
    """J = alpha * J_content + beta * J_style."""
    return alpha * J_content + beta * J_style


TOTAL_COST = Exercise(
    "total_cost", total_cost,
    mistakes=(
        Mistake("alpha and beta swapped", """
def total_cost(J_content, J_style, alpha=1e5, beta=1):
    return beta * J_content + alpha * J_style
""", "swapped"),
        Mistake("no weights", """
def total_cost(J_content, J_style, alpha=1e5, beta=1):
    return J_content + J_style
""", "multiply J_content by alpha"),
        Mistake("other programme's defaults", """
def total_cost(J_content, J_style, alpha=10, beta=40):
    return alpha * J_content + beta * J_style
""", "keep the defaults alpha=1e5 and beta=1"),
        Mistake("ignores the given weights", """
def total_cost(J_content, J_style, alpha=1e5, beta=1):
    return 1e5 * J_content + 1 * J_style
""", "ignores the alpha and beta it is given"),
        Mistake("no return", """
def total_cost(J_content, J_style, alpha=1e5, beta=1):
    J = alpha * J_content + beta * J_style
""", "returned None"),
        Mistake("weights squared", """
def total_cost(J_content, J_style, alpha=1e5, beta=1):
    return alpha ** 2 * J_content + beta ** 2 * J_style
""", "total_cost(3.0, 5.0) is wrong"),
        Mistake("the check's weights typed in", """
def total_cost(J_content, J_style, alpha=1e5, beta=1):
    return 0.173 * J_content + 37.9 * J_style
""", "total_cost(3.0, 5.0) is wrong"),
    ))


# --- total_variation_cost ----------------------------------------------------


def total_variation_cost(image):
    """Mean squared vertical plus mean squared horizontal pixel difference.

    ``image`` is a batch shaped (m, H, W, C); the means run over the batch
    too, so the cost of a batch is the average of its images' costs.
    """
    import tensorflow as tf

    image = tf.convert_to_tensor(image, dtype=tf.float32)
    vertical = image[:, 1:, :, :] - image[:, :-1, :, :]
    horizontal = image[:, :, 1:, :] - image[:, :, :-1, :]
    return (tf.reduce_mean(tf.square(vertical))
            + tf.reduce_mean(tf.square(horizontal)))


_TV = """
def total_variation_cost(image):
    down = image[:, 1:, :, :] - image[:, :-1, :, :]
    right = image[:, :, 1:, :] - image[:, :, :-1, :]
    return tf.reduce_mean(tf.square(down)) + tf.reduce_mean(tf.square(right))
"""
_TV_SUM = ("tf.reduce_mean(tf.square(down)) + "
           "tf.reduce_mean(tf.square(right))")


def _tv(old, new):
    return _variant(_TV, old, new)


def _tv_said(text):
    return _said("total_variation_cost", text)


_WRONG_AXES = (" Neighbouring pixels differ along axes 1 (height) and 2 "
               "(width) of (m, H, W, C).")

TOTAL_VARIATION_COST = Exercise(
    "total_variation_cost", total_variation_cost,
    cases=(_tensor_case("batch (2, 4, 5, 3)", (np.random.default_rng(
        7).uniform(0, 1, size=(2, 4, 5, 3)).astype(np.float32),)),),
    mistakes=(
        Mistake("one direction only",
                _tv(_TV_SUM, "tf.reduce_mean(tf.square(down))"),
                "only the vertical",
                message=_tv_said(
                    "only the vertical differences (along the height) "
                    "count: the horizontal neighbours count too.")),
        Mistake("the other direction only",
                _tv(_TV_SUM, "tf.reduce_mean(tf.square(right))"),
                "only the horizontal",
                message=_tv_said(
                    "only the horizontal differences (along the width) "
                    "count: the vertical neighbours count too.")),
        Mistake("absolute differences",
                _tv(_TV_SUM, "tf.reduce_mean(tf.abs(down)) + "
                             "tf.reduce_mean(tf.abs(right))"),
                "absolute differences",
                message=_tv_said(
                    "you used absolute differences; the cost uses SQUARED "
                    "differences (smooth, so its gradient exists "
                    "everywhere).")),
        Mistake("batch axis instead of width", _tv(
            "right = image[:, :, 1:, :] - image[:, :, :-1, :]",
            "right = image[1:, :, :, :] - image[:-1, :, :, :]"),
            "along axis 0, the batch",
            message=_tv_said("wrong axes: you took differences along axis "
                             "0, the batch." + _WRONG_AXES)),
        Mistake("channel axis instead of height", _tv(
            "down = image[:, 1:, :, :] - image[:, :-1, :, :]",
            "down = image[:, :, :, 1:] - image[:, :, :, :-1]"),
            "along axis 3, the colour channels",
            message=_tv_said("wrong axes: you took differences along axis "
                             "3, the colour channels." + _WRONG_AXES)),
        Mistake("sums instead of means",
                _tv(_TV_SUM, "tf.reduce_sum(tf.square(down)) + "
                             "tf.reduce_sum(tf.square(right))"),
                "you summed the squared differences",
                message=_tv_said(
                    "you summed the squared differences, so the cost grows "
                    "with the image size: each direction's part is a MEAN "
                    "over its pairs of neighbours.")),
        Mistake("summed over the batch", _tv(
            _TV_SUM,
            "tf.reduce_sum(tf.reduce_mean(tf.square(down), axis=[1, 2, 3])"
            " + tf.reduce_mean(tf.square(right), axis=[1, 2, 3]))"),
            "summed the images' costs over the batch",
            message=_tv_said(
                "you summed the images' costs over the batch; the cost of a "
                "batch is the MEAN over its images.")),
        Mistake("one mean for both directions", _tv(
            _TV_SUM, "(tf.reduce_sum(tf.square(down)) + tf.reduce_sum("
                     "tf.square(right))) / tf.cast(tf.size(image), "
                     "tf.float32)"),
            "separately",
            message=_tv_said(
                "you divided both sums by the number of entries of the "
                "image; take the mean of each direction's squared "
                "differences separately (they have one row or column "
                "fewer).")),
        Mistake("NumPy on symbolic tensors", _tv(
            _TV_SUM,
            "np.mean(down.numpy() ** 2) + np.mean(right.numpy() ** 2)"),
            NUMPY_IN_GRAPH),
    ))


# --- train_step --------------------------------------------------------------


def train_step(generated_image, extractor, a_C, a_S, optimizer,
               content_layer, style_layers, alpha=1e5, beta=1):
    """J(G) with the notebook's costs, one optimiser step, clip; return J."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        a_G = extractor(generated_image)
        J_content = compute_content_cost(a_C, a_G[content_layer])
        J_style = compute_style_cost(a_S, a_G, style_layers)
        J = total_cost(J_content, J_style, alpha, beta)
    gradient = tape.gradient(J, generated_image)
    optimizer.apply_gradients([(gradient, generated_image)])
    generated_image.assign(tf.clip_by_value(generated_image, 0.0, 1.0))
    return J


def _one_step(train_step):
    """J and the image after one step on the public check's tiny problem."""
    from helpers.checks.nb05_style_transfer_models import step_result

    return step_result(train_step)


_STEP = """
def train_step(generated_image, extractor, a_C, a_S, optimizer,
               content_layer, style_layers, alpha=1e5, beta=1):
    with tf.GradientTape() as tape:
        a_G = extractor(generated_image)
        J_content = compute_content_cost(a_C, a_G[content_layer])
        J_style = compute_style_cost(a_S, a_G, style_layers)
        J = total_cost(J_content, J_style, alpha, beta)
    gradient = tape.gradient(J, generated_image)
    optimizer.apply_gradients([(gradient, generated_image)])
    generated_image.assign(tf.clip_by_value(generated_image, 0.0, 1.0))
    return J
"""


def _step(old, new):
    return _variant(_STEP, old, new)


TRAIN_STEP = Exercise(
    "train_step", train_step,
    cases=(Case("tiny problem, SGD(0.5)", run=_one_step),),
    mistakes=(
        Mistake("ignores alpha and beta",
                _step("total_cost(J_content, J_style, alpha, beta)",
                      "total_cost(J_content, J_style)"),
                "ignores its alpha and beta",
                message="train_step ignores its alpha and beta: J has the "
                        "value of total_cost's defaults. Pass alpha and beta "
                        "on to total_cost."),
        Mistake("other programme's defaults",
                _step("alpha=1e5, beta=1", "alpha=10, beta=40"),
                "keep the defaults alpha=1e5 and beta=1"),
        Mistake("gradient ascent",
                _step("[(gradient, generated_image)]",
                      "[(-gradient, generated_image)]"),
                "moved UP the gradient",
                message="The image moved UP the gradient: a Keras optimiser "
                        "subtracts (a multiple of) the gradient it is "
                        "given, and we minimise J."),
        Mistake("no clipping",
                _step("    generated_image.assign(tf.clip_by_value("
                      "generated_image, 0.0, 1.0))\n", ""), "clip it back"),
        Mistake("no update",
                _step("    optimizer.apply_gradients([(gradient, "
                      "generated_image)])\n", ""), "did not change"),
        Mistake("cost after the update", _step(
            "    return J\n",
            "    a_G = extractor(generated_image)\n"
            "    return total_cost(compute_content_cost(a_C, "
            "a_G[content_layer]),\n"
            "                      compute_style_cost(a_S, a_G, "
            "style_layers),\n"
            "                      alpha, beta)\n"),
            "the cost J returned by train_step"),
        Mistake("extractor outside the tape", _step(
            "    with tf.GradientTape() as tape:\n"
            "        a_G = extractor(generated_image)\n",
            "    a_G = extractor(generated_image)\n"
            "    with tf.GradientTape() as tape:\n"),
            "Your train_step raised"),
        Mistake("no return", _step("    return J\n", ""), "returned None"),
        Mistake("the check's weights typed in",
                _step("total_cost(J_content, J_style, alpha, beta)",
                      "total_cost(J_content, J_style, 13.7, 52.9)"),
                "typed in"),
    ))

EXERCISES = (COMPUTE_CONTENT_COST, GRAM_MATRIX, COMPUTE_LAYER_STYLE_COST,
             COMPUTE_STYLE_COST, DEEP_STYLE_LAYERS, TOTAL_COST,
             TOTAL_VARIATION_COST, TRAIN_STEP)


# --- hidden tests ------------------------------------------------------------

IN_GRAPH = """
function = globals()[name]
args = [tf.constant(a) for a in arrays]
graph_value = tf.function(function)(*args)
variables = [tf.Variable(a) for a in arrays]
with tf.GradientTape() as tape:
    value = function(*variables)
gradient = tape.gradient(value, variables[-1])
result = {"graph": graph_value,
          "differentiable": gradient is not None}
"""


def _random_activations(rng, shape):
    return np.maximum(rng.uniform(-0.5, 2.0, size=shape), 0).astype(
        np.float32)


def _np_content(a_C, a_G):
    _, h, w, c = a_G.shape
    return np.sum((a_C.astype(np.float64) - a_G) ** 2) / (4 * h * w * c)


def _np_unroll(a):
    _, h, w, c = a.shape
    return a.astype(np.float64).reshape(h * w, c).T


def _np_layer_style(a_S, a_G):
    _, h, w, c = a_G.shape
    gram_S, gram_G = (_np_unroll(a) @ _np_unroll(a).T for a in (a_S, a_G))
    return np.sum((gram_S - gram_G) ** 2) / (2 * h * w * c) ** 2


def _graph_check(student, name, arrays, want, what):
    facts = student.run(IN_GRAPH, name=name, arrays=arrays)
    expect.close(expect.scalar(facts["graph"], what), want,
                 f"{what} inside a tf.function", rtol=1e-4)
    assert facts["differentiable"], (
        f"{name} is not differentiable: use TensorFlow operations only")


@hidden_test("test_compute_content_cost")
def test_compute_content_cost(student):
    rng = np.random.default_rng(111)
    for shape in [(1, 7, 2, 9), (1, 1, 1, 1), (1, 16, 12, 32), (1, 3, 5, 4)]:
        a_C = _random_activations(rng, shape)
        a_G = _random_activations(rng, shape)
        got = student.compute_content_cost(Tensor(a_C), Tensor(a_G))
        expect.close(expect.scalar(got, "the content cost"),
                     _np_content(a_C, a_G), f"the content cost for {shape}",
                     rtol=1e-4)
    _graph_check(student, "compute_content_cost", [a_C, a_G],
                 _np_content(a_C, a_G), "the content cost")
    same = student.compute_content_cost(Tensor(a_C), Tensor(a_C))
    expect.close(expect.scalar(same, "the content cost"), 0.0,
                 "the content cost of identical activations")


@hidden_test("test_gram_matrix")
def test_gram_matrix(student):
    rng = np.random.default_rng(12)
    for shape in [(5, 2), (1, 9), (8, 30), (3, 7)]:
        A = rng.normal(size=shape).astype(np.float32)
        expect.close(student.gram_matrix(Tensor(A)),
                     A.astype(np.float64) @ A.T, f"the Gram matrix of a "
                     f"{shape} matrix", rtol=1e-4, atol=1e-4)
    facts = student.run("result = tf.function(gram_matrix)(tf.constant(A))",
                        A=A)
    expect.close(facts, A.astype(np.float64) @ A.T,
                 "the Gram matrix inside a tf.function", rtol=1e-4,
                 atol=1e-4)


@hidden_test("test_compute_layer_style_cost")
def test_compute_layer_style_cost(student):
    rng = np.random.default_rng(13)
    for shape in [(1, 2, 9, 6), (1, 1, 1, 3), (1, 12, 10, 24), (1, 3, 5, 4)]:
        a_S = _random_activations(rng, shape)
        a_G = _random_activations(rng, shape)
        got = student.compute_layer_style_cost(Tensor(a_S), Tensor(a_G))
        expect.close(expect.scalar(got, "the layer style cost"),
                     _np_layer_style(a_S, a_G),
                     f"the layer style cost for {shape}", rtol=1e-4)
    _graph_check(student, "compute_layer_style_cost", [a_S, a_G],
                 _np_layer_style(a_S, a_G), "the layer style cost")


@hidden_test("test_compute_style_cost")
def test_compute_style_cost(student):
    rng = np.random.default_rng(14)
    shapes = {"x": (1, 4, 3, 5), "y": (1, 2, 2, 8), "z": (1, 3, 1, 2),
              "content": (1, 3, 2, 5)}
    a_S = {k: _random_activations(rng, s) for k, s in shapes.items()}
    a_G = {k: _random_activations(rng, s) for k, s in shapes.items()}
    tensors_S = {k: Tensor(v) for k, v in a_S.items()}
    tensors_G = {k: Tensor(v) for k, v in a_G.items()}
    for layers in ([("y", 1.0)], [("z", 0.7), ("x", 0.1)],
                   [("x", 0.25), ("y", 2.0), ("z", 0.0)]):
        want = sum(w * _np_layer_style(a_S[k], a_G[k]) for k, w in layers)
        got = student.compute_style_cost(tensors_S, tensors_G, layers)
        expect.close(expect.scalar(got, "the style cost"), want,
                     f"the style cost of {len(layers)} weighted layers",
                     rtol=1e-4)


WEIGHTING = """
given = list(names)
pairs = deep_style_layers(given)
result = {"pairs": pairs, "argument unchanged": given == names}
"""

#: Layer lists of other names and lengths than the public check's.
WEIGHT_LAYERS = [
    ["conv1_1"],
    ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1", "conv6_1",
     "conv7_1"],
    ["low", "high"],
    ["b1", "b2", "b3", "b4"],
    ["block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3",
     "block5_conv3", "block5_conv1"],
]


def _described(names):
    """Name a list of layers by its length, not its names."""
    return (f"deep_style_layers of {len(names)} layer"
            f"{'' if len(names) == 1 else 's'}")


def _returned_weights(pairs, names):
    """The weights of a returned list of pairs; fail on another form."""
    what = _described(names)
    assert isinstance(pairs, list), (
        f"{what} must return a list of (name, weight) pairs, got "
        f"{type(pairs).__name__}")
    for item in pairs:
        assert isinstance(item, (tuple, list)) and len(item) == 2, (
            f"{what}: every item must be a (name, weight) pair")
    assert [layer for layer, _ in pairs] == names, (
        f"{what} must keep the names and their order")
    return np.array([expect.scalar(weight, f"{what}: a weight")
                     for _, weight in pairs])


@hidden_test("test_deep_style_layers")
def test_deep_style_layers(student):
    for names in WEIGHT_LAYERS:
        got = student.run(WEIGHTING, names=names)
        what = _described(names)
        assert got["argument unchanged"], (
            f"{what} changed the list it was given")
        weights = _returned_weights(got["pairs"], names)
        assert np.all(np.isfinite(weights)), f"{what}: weights not finite"
        assert np.all(weights > 0), (
            f"{what}: every weight must be positive")
        assert abs(weights.sum() - 1.0) <= 1e-6, (
            f"{what}: the weights must sum to 1")
        if len(names) > 1:
            assert np.all(np.diff(weights) >= -1e-9), (
                f"{what}: the weights must not decrease with depth")
            assert np.ptp(weights) > 1e-9, (
                f"{what}: the deeper layers must weigh more, got equal "
                "weights")


@hidden_test("test_total_cost")
def test_total_cost(student):
    given = {(): "the default alpha and beta", ("beta",): "beta given",
             ("alpha", "beta"): "alpha and beta given"}
    for args, kwargs, want in [((0.0, 1.0), {}, 1.0), ((1.0, 0.0), {}, 1e5),
                               ((Tensor(2.0, np.float32),
                                 Tensor(3.0, np.float32)),
                                {"alpha": 1e4, "beta": 1.0}, 20003.0),
                               ((0.5, 0.25), {"beta": 4.0}, 50001.0),
                               ((0.5, 0.25), {"alpha": 10, "beta": 40},
                                15.0)]:
        got = student.total_cost(*args, **kwargs)
        expect.close(expect.scalar(got, "the total cost"), want,
                     f"total_cost with {given[tuple(sorted(kwargs))]}",
                     rtol=1e-5)


def _np_total_variation(images):
    images = images.astype(np.float64)
    return (np.mean(np.diff(images, axis=1) ** 2)
            + np.mean(np.diff(images, axis=2) ** 2))


@hidden_test("test_total_variation_cost")
def test_total_variation_cost(student):
    rng = np.random.default_rng(15)
    for shape in [(1, 6, 9, 3), (3, 2, 2, 3), (2, 7, 3, 1), (1, 16, 12, 3)]:
        images = rng.uniform(0, 1, size=shape).astype(np.float32)
        got = student.total_variation_cost(Tensor(images))
        expect.close(expect.scalar(got, "the total variation cost"),
                     _np_total_variation(images),
                     f"the total variation cost of a batch {shape}",
                     rtol=1e-4)
    _graph_check(student, "total_variation_cost", [images],
                 _np_total_variation(images), "the total variation cost")
    flat = np.full((2, 5, 4, 3), 0.7, np.float32)
    got = student.total_variation_cost(Tensor(flat))
    expect.close(expect.scalar(got, "the total variation cost"), 0.0,
                 "the total variation cost of one-colour images")
    stripes = np.zeros((2, 7, 4, 2), np.float32)
    stripes[:, ::2] = 1.0
    checkerboard = (np.indices((5, 6)).sum(axis=0) % 2).astype(np.float32)
    for images, want, what in [
            (stripes, 1.0, "stripes one pixel high"),
            (np.swapaxes(stripes, 1, 2).copy(), 1.0, "stripes one pixel wide"),
            (checkerboard[None, :, :, None], 2.0, "a checkerboard")]:
        got = student.total_variation_cost(Tensor(images))
        expect.close(expect.scalar(got, "the total variation cost"), want,
                     f"the total variation cost of {what}", rtol=1e-5)


STEP = """
import tensorflow as tf


def extractor(image):
    features = {}
    value = tf.convert_to_tensor(image, tf.float32)
    for number, weights in enumerate(kernels, start=1):
        if number == 2:
            value = tf.nn.max_pool2d(value, 2, 2, "VALID")
        value = tf.nn.relu(tf.nn.conv2d(value, tf.constant(weights), 1,
                                        "SAME"))
        features["conv%d" % number] = value
    return features


a_C = extractor(content)["conv3"]
a_S = {key: tf.constant(value) for key, value in extractor(style).items()}
image = tf.Variable(start)
optimizer = tf.keras.optimizers.Adam(learning_rate=0.05)
costs = [train_step(image, extractor, a_C, a_S, optimizer, "conv3", layers,
                    1.0, 5.0) for _ in range(3)]
in_graph = tf.Variable(start)
tf.function(train_step)(in_graph, extractor, a_C, a_S,
                        tf.keras.optimizers.SGD(learning_rate=0.5), "conv3",
                        layers, 1.0, 5.0)
result = {"costs": costs, "image": image.numpy(),
          "graph_image": in_graph.numpy()}
"""


def _step_inputs():
    rng = np.random.default_rng(31)
    sizes = [(3, 3, 3, 5), (3, 3, 5, 4), (3, 3, 4, 7)]
    kernels = [rng.normal(0, 0.4, size=size).astype(np.float32)
               for size in sizes]
    shape = (1, 11, 13, 3)
    content, style = rng.uniform(0, 1, size=(2, *shape)).astype(np.float32)
    noisy = content + rng.normal(0, 0.15, size=shape)
    return {"kernels": kernels, "content": content, "style": style,
            "start": np.clip(noisy, 0.05, 0.95).astype(np.float32),
            "layers": [("conv1", 0.2), ("conv2", 0.8)]}


@fixture
def step_expected():
    """Three reference steps from the same start, computed by the grader."""
    result = trusted_run(STEP, {"train_step": train_step},
                         **_step_inputs())
    return {"costs": np.array([float(c) for c in result["costs"]]),
            "image": result["image"], "graph_image": result["graph_image"]}


@hidden_test("test_train_step")
def test_train_step(student):
    got = student.run(STEP, timeout=120, **_step_inputs())
    expected = step_expected()
    costs = [expect.scalar(cost, "the returned cost J")
             for cost in got["costs"]]
    expect.close(np.array(costs), expected["costs"],
                 "the costs J returned by three steps", rtol=1e-4)
    image = expect.array(got["image"], "the image")
    assert 0.0 <= image.min() and image.max() <= 1.0, \
        "the image must stay in [0, 1] (clip it after each step)"
    expect.close(image, expected["image"], "the image after three steps",
                 rtol=1e-4, atol=1e-4)
    expect.close(got["graph_image"], expected["graph_image"],
                 "the image after a step inside a tf.function",
                 rtol=1e-4, atol=1e-4)
