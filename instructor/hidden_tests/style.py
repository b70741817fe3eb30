"""Hidden tests of 05_style_transfer."""

import numpy as np

from instructor.grading.harness import fixture, hidden_test, trusted_run
from instructor.grading.protocol import Tensor
from instructor.exercises import expect

ASSIGNMENT = "05_style_transfer"
PRELUDE = "import numpy as np\nimport tensorflow as tf"
CALL_TIMEOUT = 120.0

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


def _activations(rng, shape):
    return np.maximum(rng.uniform(-0.5, 2.0, size=shape), 0).astype(
        np.float32)


def _content(a_C, a_G):
    _, h, w, c = a_G.shape
    return np.sum((a_C.astype(np.float64) - a_G) ** 2) / (4 * h * w * c)


def _unroll(a):
    _, h, w, c = a.shape
    return a.astype(np.float64).reshape(h * w, c).T


def _layer_style(a_S, a_G):
    _, h, w, c = a_G.shape
    gram_S, gram_G = (_unroll(a) @ _unroll(a).T for a in (a_S, a_G))
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
        a_C, a_G = _activations(rng, shape), _activations(rng, shape)
        got = student.compute_content_cost(Tensor(a_C), Tensor(a_G))
        expect.close(expect.scalar(got, "the content cost"),
                     _content(a_C, a_G), f"the content cost for {shape}",
                     rtol=1e-4)
    _graph_check(student, "compute_content_cost", [a_C, a_G],
                 _content(a_C, a_G), "the content cost")
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
        a_S, a_G = _activations(rng, shape), _activations(rng, shape)
        got = student.compute_layer_style_cost(Tensor(a_S), Tensor(a_G))
        expect.close(expect.scalar(got, "the layer style cost"),
                     _layer_style(a_S, a_G),
                     f"the layer style cost for {shape}", rtol=1e-4)
    _graph_check(student, "compute_layer_style_cost", [a_S, a_G],
                 _layer_style(a_S, a_G), "the layer style cost")


@hidden_test("test_compute_style_cost")
def test_compute_style_cost(student):
    rng = np.random.default_rng(14)
    shapes = {"x": (1, 4, 3, 5), "y": (1, 2, 2, 8), "z": (1, 3, 1, 2),
              "content": (1, 3, 2, 5)}
    a_S = {k: _activations(rng, s) for k, s in shapes.items()}
    a_G = {k: _activations(rng, s) for k, s in shapes.items()}
    tensors_S = {k: Tensor(v) for k, v in a_S.items()}
    tensors_G = {k: Tensor(v) for k, v in a_G.items()}
    for layers in ([("y", 1.0)], [("z", 0.7), ("x", 0.1)],
                   [("x", 0.25), ("y", 2.0), ("z", 0.0)]):
        want = sum(w * _layer_style(a_S[k], a_G[k]) for k, w in layers)
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


def _weights(pairs, names):
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
        weights = _weights(got["pairs"], names)
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


def _total_variation(images):
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
                     _total_variation(images),
                     f"the total variation cost of a batch {shape}",
                     rtol=1e-4)
    _graph_check(student, "total_variation_cost", [images],
                 _total_variation(images), "the total variation cost")
    flat = np.full((2, 5, 4, 3), 0.7, np.float32)
    got = student.total_variation_cost(Tensor(flat))
    expect.close(expect.scalar(got, "the total variation cost"), 0.0,
                 "the total variation cost of one-colour images")


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
    from instructor.reference import style as reference

    result = trusted_run(STEP, {"train_step": reference.train_step},
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
