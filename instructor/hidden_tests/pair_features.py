"""Hidden tests of 04_binary_verification."""

import numpy as np

from instructor.grading.harness import fixture, hidden_test, trusted_run
from instructor.exercises import expect
from instructor.reference import pair_features as reference

ASSIGNMENT = "04_binary_verification"
PRELUDE = "import numpy as np\nimport tensorflow as tf"
CALL_TIMEOUT = 120.0


def _signed_pairs(rng):
    """Pairs with zeros, opposite signs summing to 0 and negative entries."""
    a, b = rng.normal(scale=0.2, size=(2, 9, 40))
    a[0, :5] = b[0, :5] = 0.0
    b[1] = -a[1]
    a[2], b[2] = -np.abs(a[2]), -np.abs(b[2])
    return a, b


@hidden_test("test_chi_square_features")
def test_chi_square_features(student):
    rng = np.random.default_rng(12)
    a, b = _signed_pairs(rng)
    for epsilon in (1e-6, 1e-3, 0.05):
        got = expect.array(student.chi_square_features(a, b, epsilon),
                           "the features")
        assert got.shape == a.shape, (
            "9 pairs of 40-d encodings must give (9, 40) features ("
            f"{expect.shape_difference(got.shape, a.shape)})")
        assert np.all(np.isfinite(got)), \
            "the features must be finite (zeros and opposite signs included)"
        assert np.all(got >= -1e-7), "the features must not be negative"
        assert np.all(got <= np.abs(a - b) * (1 + 1e-5) + 1e-6), \
            "a feature exceeds |f1 - f2|"
        expect.close(student.chi_square_features(b, a, epsilon), got,
                     "the features of the swapped pairs", rtol=1e-4,
                     atol=1e-6)
        expect.close(student.chi_square_features(-a, -b, epsilon), got,
                     "the features after negating both encodings",
                     rtol=1e-4, atol=1e-6)
        positive_a, positive_b = np.abs(a), np.abs(b)
        expect.close(student.chi_square_features(positive_a, positive_b,
                                                 epsilon),
                     reference.chi_square_features(positive_a, positive_b,
                                                   epsilon),
                     "the features of non-negative entries", rtol=1e-4,
                     atol=1e-6)
    single = expect.array(student.chi_square_features(a[3], b[3]),
                          "the features of one pair")
    assert single.shape == (40,), (
        "one pair of 40-d encodings must give 40 features ("
        f"{expect.shape_difference(single.shape, (40,))})")
    c, d = np.abs(rng.normal(size=(2, 3, 8)))
    expect.close(student.chi_square_features(c, d),
                 reference.chi_square_features(c, d),
                 "chi_square_features with the default epsilon", rtol=1e-4)


@hidden_test("test_threshold_unit_weights")
def test_threshold_unit_weights(student):
    rng = np.random.default_rng(13)
    for tau, dimension, sharpness in [(0.418, 128, 10.0), (1.3, 7, 2.5),
                                      (0.05, 1, 40.0)]:
        got = student.threshold_unit_weights(tau, dimension, sharpness)
        kernel, bias = expect.pair(got, "(kernel, bias)")
        kernel = expect.array(kernel, "the kernel")
        bias = expect.array(bias, "the bias")
        want_kernel, want_bias = reference.threshold_unit_weights(
            tau, dimension, sharpness)
        assert kernel.shape == (dimension, 1), (
            "the kernel must have shape (dimension, 1) ("
            f"{expect.shape_difference(kernel.shape, (dimension, 1))})")
        assert bias.shape == (1,), (
            "the bias must have shape (1,) ("
            f"{expect.shape_difference(bias.shape, (1,))})")
        expect.close(kernel, want_kernel, "the kernel", rtol=1e-5)
        expect.close(bias, want_bias, "the bias", rtol=1e-5)
        squared = rng.uniform(0, 2 * tau ** 2 / dimension,
                              size=(50, dimension))
        distances = np.sqrt(squared.sum(axis=1))
        logits = (squared @ kernel + bias).ravel()
        clear = np.abs(distances - tau) > 1e-6
        assert np.array_equal(logits[clear] > 0, distances[clear] < tau), \
            "the unit does not decide like d < tau"
    default = student.threshold_unit_weights(0.5, 4)
    expect.close(expect.array(expect.pair(default, "(kernel, bias)")[1],
                              "the bias"),
                 np.array([2.5]), "the bias with the default sharpness")
    for bad in (0.0, -1.0):
        assert student.raises("ValueError", "threshold_unit_weights", bad,
                              3, 1.0), \
            "no ValueError for a threshold tau that is not positive"


STEP = """
import keras

inputs = keras.Input(shape=(5,))
encoder = keras.Model(inputs, keras.layers.Dense(
    3, kernel_initializer=keras.initializers.GlorotUniform(seed),
    bias_initializer="zeros")(inputs))
left, right = keras.Input(shape=(3,)), keras.Input(shape=(3,))
gap = keras.layers.Subtract()([left, right])
head = keras.Model([left, right], keras.layers.Dense(
    1, kernel_initializer=keras.initializers.Constant(-1.0),
    bias_initializer=keras.initializers.Constant(0.5))(
        keras.layers.Multiply()([gap, gap])))
losses = []
for rate, (a, b, same) in [(0.2, (first_a, first_b, first_same)),
                           (0.05, (second_a, second_b, second_same))]:
    loss = siamese_bce_step(encoder, head, keras.optimizers.SGD(rate), a, b,
                            same)
    losses.append(loss)
result = {"losses": losses, "encoder": encoder.get_weights(),
          "head": head.get_weights()}
"""


def _step_inputs():
    rng = np.random.default_rng(78)
    inputs = {"seed": 4}
    for name, count in (("first", 8), ("second", 5)):
        a = rng.normal(size=(count, 5)).astype(np.float32)
        inputs[f"{name}_a"] = a
        inputs[f"{name}_b"] = (a + rng.normal(scale=0.7, size=a.shape)
                               ).astype(np.float32)
        inputs[f"{name}_same"] = (rng.random(count) < 0.5).astype(np.float32)
    return inputs


@fixture
def step_expected():
    """Two reference steps from the same start, computed by the grader."""
    result = trusted_run(STEP, {"siamese_bce_step":
                                reference.siamese_bce_step},
                         **_step_inputs())
    expected = {f"encoder{k}": w for k, w in enumerate(result["encoder"])}
    expected.update({f"head{k}": w for k, w in enumerate(result["head"])})
    expected["losses"] = np.array([float(loss) for loss in result["losses"]])
    return expected


@hidden_test("test_siamese_bce_step")
def test_siamese_bce_step(student):
    got = student.run(STEP, timeout=120, **_step_inputs())
    expected = step_expected()
    losses = [expect.scalar(loss, "the returned loss")
              for loss in got["losses"]]
    expect.close(np.array(losses), expected["losses"],
                 "the losses returned by two steps", rtol=1e-4, atol=1e-6)
    for part in ("encoder", "head"):
        weights = [value for key, value in sorted(expected.items())
                   if key.startswith(part)]
        if len(got[part]) != len(weights):
            raise AssertionError(f"the {part}'s weights changed in number")
        for mine, theirs in zip(got[part], weights):
            expect.close(mine, theirs, f"the {part}'s weights after two "
                         "optimizer steps", rtol=1e-4, atol=1e-5)
