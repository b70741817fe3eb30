"""Mistakes learners make in notebook 05 (neural style transfer)."""

NOTEBOOK = "05_style_transfer"

PRELUDE = """
import numpy as np
import tensorflow as tf

STYLE_LAYERS = [
    ("block1_conv1", 0.2),
    ("block2_conv1", 0.2),
    ("block3_conv1", 0.2),
    ("block4_conv1", 0.2),
    ("block5_conv1", 0.2),
]
"""


def run_check(exercise, namespace):
    """Run the public check of one exercise of notebook 05."""
    from helpers.checks import style

    check = getattr(style, f"check_{exercise}")
    if exercise == "compute_style_cost":
        check(namespace[exercise], namespace["compute_layer_style_cost"])
    else:
        check(namespace[exercise])


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
    """The right train_step with one piece of text replaced."""
    assert old in _STEP, old
    return _STEP.replace(old, new)


_TV = """
def total_variation_cost(image):
    down = image[:, 1:, :, :] - image[:, :-1, :, :]
    right = image[:, :, 1:, :] - image[:, :, :-1, :]
    return tf.reduce_mean(tf.square(down)) + tf.reduce_mean(tf.square(right))
"""


def _tv(old, new):
    """The right total_variation_cost with one piece of text replaced."""
    assert old in _TV, old
    return _TV.replace(old, new)


_LAYER = """
def compute_layer_style_cost(a_S, a_G):
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    A_S = tf.transpose(tf.reshape(a_S, (n_H * n_W, n_C)))
    A_G = tf.transpose(tf.reshape(a_G, (n_H * n_W, n_C)))
    difference = gram_matrix(A_S) - gram_matrix(A_G)
    return tf.reduce_sum(tf.square(difference)) / (2 * n_H * n_W * n_C) ** 2
"""


def _layer(old, new):
    """The right compute_layer_style_cost with one piece of text replaced."""
    assert old in _LAYER, old
    return _LAYER.replace(old, new)


_CONTENT = """
def compute_content_cost(a_C, a_G):
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    return tf.reduce_sum(tf.square(a_C - a_G)) / (4 * n_H * n_W * n_C)
"""


def _content(old, new):
    """The right compute_content_cost with one piece of text replaced."""
    assert old in _CONTENT, old
    return _CONTENT.replace(old, new)


_STYLE = """
def compute_style_cost(style_activations, generated_activations, style_layers):
    J_style = 0.0
    for layer, weight in style_layers:
        J_style += weight * compute_layer_style_cost(
            style_activations[layer], generated_activations[layer])
    return J_style
"""


def _style(old, new):
    """The right compute_style_cost with one piece of text replaced."""
    assert old in _STYLE, old
    return _STYLE.replace(old, new)


_WEIGHTS = """
def deep_style_layers(layer_names):
    raw = [2.0 ** depth for depth in range(len(layer_names))]
    total = sum(raw)
    return [(name, weight / total) for name, weight in zip(layer_names, raw)]
"""


def _weights(old, new):
    """The right deep_style_layers with one piece of text replaced."""
    assert old in _WEIGHTS, old
    return _WEIGHTS.replace(old, new)


RAW = "raw = [2.0 ** depth for depth in range(len(layer_names))]"
PAIRS = "[(name, weight / total) for name, weight in zip(layer_names, raw)]"

SUM = "tf.reduce_sum(tf.square(a_C - a_G))"
NORM = "/ (4 * n_H * n_W * n_C)"
LAYER_NORM = "/ (2 * n_H * n_W * n_C) ** 2"
TV_SUM = "tf.reduce_mean(tf.square(down)) + tf.reduce_mean(tf.square(right))"

MISTAKES = [
    # ---- compute_content_cost
    ("compute_content_cost", "the lecture's one half",
     _content(NORM, "/ 2"), "the constant is absorbed into alpha"),
    ("compute_content_cost", "no normalisation",
     _content(NORM, ""), "normalisation factor is missing"),
    ("compute_content_cost", "mean of the squares",
     _content(SUM + " " + NORM, "tf.reduce_mean(tf.square(a_C - a_G))"),
     "mean of the squares"),
    ("compute_content_cost", "without n_C",
     _content(NORM, "/ (4 * n_H * n_W)"), "must include n_C"),
    ("compute_content_cost", "absolute values",
     _content(SUM, "tf.reduce_sum(tf.abs(a_C - a_G))"),
     "not absolute values"),
    ("compute_content_cost", "square root",
     _content(SUM, "tf.sqrt(" + SUM + ")"), "SQUARED norm"),
    ("compute_content_cost", "NumPy on symbolic tensors",
     _content(SUM, "np.sum(np.square(a_C.numpy() - a_G.numpy()))"),
     "fails inside a tf.function"),
    ("compute_content_cost", "KeyError in own code", """
def compute_content_cost(a_C, a_G):
    sizes = dict(zip(("m", "n_H", "n_W", "n_C"), a_G.shape))
    count = sizes["n_H"] * sizes["n_W"] * sizes["channels"]
    return tf.reduce_sum(tf.square(a_C - a_G)) / (4 * count)
""", "KeyError: 'channels'"),
    # ---- gram_matrix
    ("gram_matrix", "A^T A", """
def gram_matrix(A):
    return tf.matmul(A, A, transpose_a=True)
""", "you computed A^T A"),
    ("gram_matrix", "element by element", """
def gram_matrix(A):
    return A * A
""", "element by element"),
    ("gram_matrix", "divided by n_H * n_W", """
def gram_matrix(A):
    return tf.matmul(A, tf.transpose(A)) / A.shape[1]
""", "divided by n_H * n_W"),
    ("gram_matrix", "divided by the size of A", """
def gram_matrix(A):
    return tf.matmul(A, tf.transpose(A)) / (A.shape[0] * A.shape[1])
""", "divided by n_C * n_H * n_W"),
    ("gram_matrix", "a scalar", """
def gram_matrix(A):
    return tf.reduce_sum(A * A)
""", "expected (3, 3)"),
    ("gram_matrix", "no return", """
def gram_matrix(A):
    G = tf.matmul(A, tf.transpose(A))
""", "returned None"),
    ("gram_matrix", "NumPy on symbolic tensors", """
def gram_matrix(A):
    A = A.numpy()
    return tf.constant(A @ A.T)
""", "fails inside a tf.function"),
    # ---- compute_layer_style_cost
    ("compute_layer_style_cost", "reshaped directly",
     _layer("tf.transpose(tf.reshape(a_S, (n_H * n_W, n_C)))",
            "tf.reshape(a_S, (n_C, n_H * n_W))").replace(
         "tf.transpose(tf.reshape(a_G, (n_H * n_W, n_C)))",
         "tf.reshape(a_G, (n_C, n_H * n_W))"),
     "reshape to (n_H * n_W, n_C) first"),
    ("compute_layer_style_cost", "factor not squared",
     _layer(LAYER_NORM, "/ (2 * n_H * n_W * n_C)"), "must be SQUARED"),
    ("compute_layer_style_cost", "no 2",
     _layer(LAYER_NORM, "/ (n_H * n_W * n_C) ** 2"), "the 2 is missing"),
    ("compute_layer_style_cost", "no normalisation",
     _layer(LAYER_NORM, ""), "normalisation factor is missing"),
    ("compute_layer_style_cost", "4 n instead of (2 n)^2",
     _layer(LAYER_NORM, "/ (4 * n_H * n_W * n_C)"),
     "4 * (n_H * n_W * n_C)**2"),
    ("compute_layer_style_cost", "mean over the Gram entries",
     _layer("tf.reduce_sum(tf.square(difference)) " + LAYER_NORM,
            "tf.reduce_mean(tf.square(difference))"),
     "mean over the (n_C, n_C) entries"),
    ("compute_layer_style_cost", "Gram of positions",
     _layer("gram_matrix(A_S) - gram_matrix(A_G)",
            "tf.matmul(A_S, A_S, transpose_a=True)"
            " - tf.matmul(A_G, A_G, transpose_a=True)"),
     "A^T A (positions x positions)"),
    ("compute_layer_style_cost", "Python sum over the tensor", _layer(
        "tf.reduce_sum(tf.square(difference))",
        "sum(float(x) for x in tf.reshape(tf.square(difference), [-1]))"),
     "fails inside a tf.function"),
    # ---- compute_style_cost
    ("compute_style_cost", "global STYLE_LAYERS",
     _style("for layer, weight in style_layers:",
            "for layer, weight in STYLE_LAYERS:"),
     "reads the global STYLE_LAYERS"),
    ("compute_style_cost", "no weights",
     _style("J_style += weight * ", "J_style += "),
     "weights lambda are missing"),
    ("compute_style_cost", "last layer only",
     _style("J_style += weight * ", "J_style = weight * "),
     "only the last layer counts"),
    ("compute_style_cost", "average", """
def compute_style_cost(style_activations, generated_activations, style_layers):
    costs = [compute_layer_style_cost(style_activations[layer],
                                      generated_activations[layer])
             for layer, _ in style_layers]
    return tf.add_n(costs) / len(costs)
""", "you averaged the layer costs"),
    ("compute_style_cost", "every key of the dicts", """
def compute_style_cost(style_activations, generated_activations, style_layers):
    weights = dict(style_layers)
    J_style = 0.0
    for layer in style_activations:
        J_style += weights.get(layer, 0.2) * compute_layer_style_cost(
            style_activations[layer], generated_activations[layer])
    return J_style
""", "loop over style_layers"),
    ("compute_style_cost", "weights paired wrongly", """
def compute_style_cost(style_activations, generated_activations, style_layers):
    layers = [layer for layer, _ in style_layers]
    weights = [weight for _, weight in style_layers][::-1]
    J_style = 0.0
    for layer, weight in zip(layers, weights):
        J_style += weight * compute_layer_style_cost(
            style_activations[layer], generated_activations[layer])
    return J_style
""", "paired with the wrong layers"),
    ("compute_style_cost", "no return",
     _style("    return J_style\n", ""), "returned None"),
    # ---- deep_style_layers
    ("deep_style_layers", "not normalised", _weights(
        "weight / total", "weight"), "sum to 31, not 1"),
    ("deep_style_layers", "normalised by the count", _weights(
        "weight / total", "weight / len(layer_names)"),
        "the same as multiplying beta by 6.2"),
    ("deep_style_layers", "negative weights (a centred ramp)", _weights(
        RAW, "raw = [depth - 1 for depth in range(len(layer_names))]"),
        "negative weights"),
    ("deep_style_layers", "decreasing weights", _weights(
        RAW, "raw = [2.0 ** -depth for depth in range(len(layer_names))]"),
        "decrease with depth"),
    ("deep_style_layers", "equal weights", _weights(
        RAW, "raw = [1.0 for _ in layer_names]"), "same weight"),
    ("deep_style_layers", "a ramp from zero", _weights(
        RAW, "raw = [depth for depth in range(len(layer_names))]"),
        "the weight 0"),
    ("deep_style_layers", "a dict", _weights(
        "return " + PAIRS,
        "return dict(zip(layer_names, [w / total for w in raw]))"),
        "returned a dict"),
    ("deep_style_layers", "a zip object", _weights(
        "return " + PAIRS,
        "return zip(layer_names, [w / total for w in raw])"),
        "returned a zip"),
    ("deep_style_layers", "weights only", _weights(
        "return " + PAIRS, "return [w / total for w in raw]"),
        "must be a pair"),
    ("deep_style_layers", "names reversed", _weights(
        "zip(layer_names, raw)", "zip(layer_names[::-1], raw)"),
        "in another order"),
    ("deep_style_layers", "global STYLE_LAYERS", _weights(
        "zip(layer_names, raw)",
        "zip([name for name, _ in STYLE_LAYERS], raw)"),
        "reads the global STYLE_LAYERS"),
    ("deep_style_layers", "integer division", _weights(
        "weight / total", "weight // total").replace("2.0 **", "2 **"),
        "integer arithmetic"),
    ("deep_style_layers", "fails for one layer", _weights(
        RAW, "raw = [1 + depth / (len(layer_names) - 1)\n"
             "           for depth in range(len(layer_names))]"),
        "ZeroDivisionError"),
    ("deep_style_layers", "sorts the argument in place", _weights(
        RAW, "layer_names.sort(reverse=True)\n    " + RAW),
        "changed the list layer_names"),
    ("deep_style_layers", "no return", _weights(
        "return " + PAIRS, "pairs = " + PAIRS), "returned None"),
    # ---- total_cost
    ("total_cost", "alpha and beta swapped", """
def total_cost(J_content, J_style, alpha=1e5, beta=1):
    return beta * J_content + alpha * J_style
""", "swapped"),
    ("total_cost", "no weights", """
def total_cost(J_content, J_style, alpha=1e5, beta=1):
    return J_content + J_style
""", "multiply J_content by alpha"),
    ("total_cost", "other programme's defaults", """
def total_cost(J_content, J_style, alpha=10, beta=40):
    return alpha * J_content + beta * J_style
""", "keep the defaults alpha=1e5 and beta=1"),
    ("total_cost", "ignores the given weights", """
def total_cost(J_content, J_style, alpha=1e5, beta=1):
    return 1e5 * J_content + 1 * J_style
""", "ignores the alpha and beta it is given"),
    ("total_cost", "no return", """
def total_cost(J_content, J_style, alpha=1e5, beta=1):
    J = alpha * J_content + beta * J_style
""", "returned None"),
    ("total_cost", "weights squared", """
def total_cost(J_content, J_style, alpha=1e5, beta=1):
    return alpha ** 2 * J_content + beta ** 2 * J_style
""", "total_cost(3.0, 5.0) is wrong"),
    # ---- total_variation_cost
    ("total_variation_cost", "one direction only",
     _tv(TV_SUM, "tf.reduce_mean(tf.square(down))"), "only the vertical"),
    ("total_variation_cost", "the other direction only",
     _tv(TV_SUM, "tf.reduce_mean(tf.square(right))"),
     "only the horizontal"),
    ("total_variation_cost", "absolute differences",
     _tv(TV_SUM, "tf.reduce_mean(tf.abs(down)) + tf.reduce_mean(tf.abs(right))"),
     "absolute differences"),
    ("total_variation_cost", "batch axis instead of width", _tv(
        "right = image[:, :, 1:, :] - image[:, :, :-1, :]",
        "right = image[1:, :, :, :] - image[:-1, :, :, :]"),
     "along axis 0, the batch"),
    ("total_variation_cost", "channel axis instead of height", _tv(
        "down = image[:, 1:, :, :] - image[:, :-1, :, :]",
        "down = image[:, :, :, 1:] - image[:, :, :, :-1]"),
     "along axis 3, the colour channels"),
    ("total_variation_cost", "sums instead of means",
     _tv(TV_SUM, "tf.reduce_sum(tf.square(down)) + tf.reduce_sum(tf.square(right))"),
     "take the MEAN of each direction"),
    ("total_variation_cost", "summed over the batch", _tv(
        TV_SUM, "tf.reduce_sum(tf.reduce_mean(tf.square(down), axis=[1, 2, 3])"
                " + tf.reduce_mean(tf.square(right), axis=[1, 2, 3]))"),
     "summed the images' costs over the batch"),
    ("total_variation_cost", "one mean for both directions", _tv(
        TV_SUM, "(tf.reduce_sum(tf.square(down)) + tf.reduce_sum("
                "tf.square(right))) / tf.cast(tf.size(image), tf.float32)"),
     "separately"),
    ("total_variation_cost", "NumPy on symbolic tensors", _tv(
        TV_SUM, "np.mean(down.numpy() ** 2) + np.mean(right.numpy() ** 2)"),
     "fails inside a tf.function"),
    # ---- train_step
    ("train_step", "ignores alpha and beta",
     _step("total_cost(J_content, J_style, alpha, beta)",
           "total_cost(J_content, J_style)"),
     "ignores its alpha and beta"),
    ("train_step", "other programme's defaults",
     _step("alpha=1e5, beta=1", "alpha=10, beta=40"),
     "keep the defaults alpha=1e5 and beta=1"),
    ("train_step", "gradient ascent",
     _step("[(gradient, generated_image)]", "[(-gradient, generated_image)]"),
     "moved UP the gradient"),
    ("train_step", "no clipping",
     _step("    generated_image.assign(tf.clip_by_value(generated_image, "
           "0.0, 1.0))\n", ""), "clip it back"),
    ("train_step", "no update",
     _step("    optimizer.apply_gradients([(gradient, generated_image)])\n",
           ""), "did not change"),
    ("train_step", "cost after the update", _step(
        "    return J\n",
        "    a_G = extractor(generated_image)\n"
        "    return total_cost(compute_content_cost(a_C, a_G[content_layer]),\n"
        "                      compute_style_cost(a_S, a_G, style_layers),\n"
        "                      alpha, beta)\n"),
     "the cost J returned by train_step"),
    ("train_step", "extractor outside the tape", _step(
        "    with tf.GradientTape() as tape:\n"
        "        a_G = extractor(generated_image)\n",
        "    a_G = extractor(generated_image)\n"
        "    with tf.GradientTape() as tape:\n"),
     "Your train_step raised"),
    ("train_step", "no return", _step("    return J\n", ""), "returned None"),
]
