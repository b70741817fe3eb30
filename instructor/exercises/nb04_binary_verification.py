"""Notebook 04 (binary verification): pair features, unit, BCE step.

One section per graded exercise: the reference, the public cases, the
mistakes learners make and the hidden test.  The chi-square pair feature
for signed encodings, the weights that make a logistic unit on squared
differences a distance threshold, and one end-to-end Siamese training
step with binary cross-entropy.  References that need TensorFlow import it
inside (the grader loads this module without it).
"""

import numpy as np

from instructor.exercises import expect
from instructor.exercises.spec import Case, Exercise, Mistake
from instructor.grading.harness import fixture, hidden_test, trusted_run

NOTEBOOK = "04_binary_verification"
#: What answer cells may rely on (the clean room and the catalogue).
PRELUDE = "import numpy as np\nimport tensorflow as tf"
CALL_TIMEOUT = 120.0


# --- chi_square_features -----------------------------------------------------


def chi_square_features(f1, f2, epsilon=1e-6):
    """Return one sign-proof chi-square feature per dimension."""
    f1 = np.asarray(f1, dtype=np.float64)
    f2 = np.asarray(f2, dtype=np.float64)
    if f1.shape != f2.shape:
        raise ValueError(
            f"the two encodings must have the same shape, got {f1.shape} "
            f"and {f2.shape}"
        )
    if not epsilon > 0:
        raise ValueError(f"epsilon must be positive, got {epsilon}")
    denominator = np.abs(f1) + np.abs(f2) + epsilon
    return ((f1 - f2) ** 2 / denominator).astype(np.float32)


# Two pairs of 4-d encodings: zeros, opposite signs (one summing to 0),
# both negative, both positive.
_F1 = np.array([[0.2, -0.1, 0.0, 0.3], [0.05, 0.4, -0.2, -0.1]])
_F2 = np.array([[0.1, 0.1, 0.0, -0.3], [0.05, 0.1, -0.3, 0.2]])
# Non-negative entries only: the classic chi-square form applies.
_P1 = np.array([[0.2, 0.0, 0.7, 0.05], [0.3, 0.1, 0.0, 0.6]])
_P2 = np.array([[0.1, 0.4, 0.7, 0.0], [0.0, 0.2, 0.0, 0.9]])

_IGNORED_EPSILON = (
    "Your features do not follow the epsilon argument (a fixed number in "
    "its place?): the caller chooses epsilon, and for entries >= 0 the "
    "denominator must hold the epsilon argument, added once.")

CHI_SQUARE_FEATURES = Exercise(
    "chi_square_features", chi_square_features,
    cases=(Case("signed", (_F1, _F2, 0.0137)),
           Case("non-negative, epsilon=0.0137", (_P1, _P2, 0.0137)),
           Case("non-negative, epsilon=3.1e-07", (_P1, _P2, 3.1e-7))),
    mistakes=(
    Mistake("literal f1 + f2 denominator", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    return (f1 - f2) ** 2 / (f1 + f2 + epsilon)
""", "negative"),
    Mistake("|f1 + f2| denominator", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    return (f1 - f2) ** 2 / (np.abs(f1 + f2) + epsilon)
""", "absolute value around the sum",
            message="You divided by |f1 + f2| + epsilon. For entries of "
                    "opposite signs f1 + f2 is close to 0 and the feature "
                    "explodes (here to {largest:.0f}, far above |f1 - f2|): "
                    "the sign problem is not solved by an absolute value "
                    "around the sum."),
    Mistake("no epsilon", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (f1 - f2) ** 2 / (np.abs(f1) + np.abs(f2))
""", "NaN"),
    Mistake("epsilon hard-coded to the check's value", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    return (f1 - f2) ** 2 / (np.abs(f1) + np.abs(f2) + 0.0137)
""", "epsilon argument", message=_IGNORED_EPSILON),
    Mistake("default epsilon hard-coded", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    return (f1 - f2) ** 2 / (np.abs(f1) + np.abs(f2) + 1e-6)
""", "epsilon argument", message=_IGNORED_EPSILON),
    Mistake("absolute numerator", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    return np.abs(f1 - f2) / (np.abs(f1) + np.abs(f2) + epsilon)
""", "SQUARED difference",
            message="For non-negative entries the feature must be the "
                    "classic (f1 - f2)**2 / (f1 + f2 + epsilon): the "
                    "numerator is the SQUARED difference, not |f1 - f2|."),
    Mistake("epsilon added twice", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    return (f1 - f2) ** 2 / (np.abs(f1) + epsilon + np.abs(f2) + epsilon)
""", "epsilon added once",
            message="epsilon is added more than once: for non-negative "
                    "entries the denominator must be f1 + f2 + epsilon, "
                    "epsilon added once."),
    Mistake("summed over the dimensions", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    return np.sum((f1 - f2) ** 2 / (np.abs(f1) + np.abs(f2) + epsilon),
                  axis=-1)
""", "summed over the dimensions"),
    Mistake("depends on the sign", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    denominator = np.maximum(f1 + f2, np.abs(f1 - f2)) + epsilon
    return (f1 - f2) ** 2 / denominator
""", "changing the sign of both entries"),
    Mistake("forgot the return", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    features = (f1 - f2) ** 2 / (np.abs(f1) + np.abs(f2) + epsilon)
""", "returned None"),
    ))


# --- threshold_unit_weights --------------------------------------------------


def threshold_unit_weights(tau, dimension, sharpness=10.0):
    """Return (kernel, bias) of the unit on squared differences."""
    if not tau > 0:
        raise ValueError(f"tau must be positive, got {tau}")
    kernel = np.full((int(dimension), 1), -float(sharpness), np.float32)
    bias = np.array([sharpness * tau ** 2], np.float32)
    return kernel, bias


_UNIT = """
def threshold_unit_weights(tau, dimension, sharpness=10.0):
    if tau <= 0:
        raise ValueError(f"tau must be positive, got {{tau}}")
    return {returned}
"""


def _unit(returned):
    return _UNIT.format(returned=returned)


THRESHOLD_UNIT_WEIGHTS = Exercise(
    "threshold_unit_weights", threshold_unit_weights,
    cases=(Case("tau=0.537, dimension=7, sharpness=3.7", (0.537, 7, 3.7)),
           Case("tau=1.21, dimension=2, sharpness=0.83", (1.21, 2, 0.83))),
    mistakes=(
    Mistake("tau not squared", _unit(
        "(np.full((dimension, 1), -sharpness),\n"
        "            np.array([sharpness * tau]))"), "sqrt(tau)",
            message="The unit switches at d = sqrt(tau), not at d = tau: "
                    "remember that its features are SQUARED differences."),
    Mistake("signs inverted", _unit(
        "(np.full((dimension, 1), sharpness),\n"
        "            np.array([-sharpness * tau ** 2]))"), "FARTHER than tau",
            message="The unit says 'same' for pairs FARTHER than tau: a "
                    "larger distance must lower the logit."),
    Mistake("sharpness ignored", _unit(
        "np.full((dimension, 1), -1.0), np.array([tau ** 2])"),
            "sharpness is ignored",
            message="The decisions are right but the sharpness is ignored: "
                    "z must change by `sharpness` when d² changes by 1."),
    Mistake("weights averaged over dimensions", _unit(
        "(np.full((dimension, 1), -sharpness / dimension),\n"
        "            np.array([sharpness * tau ** 2]))"),
            "SUM of the squared differences",
            message="Your unit switches at d = tau * sqrt(dimension), not "
                    "at tau: d² is the SUM of the squared differences, not "
                    "their mean."),
    Mistake("kernel of shape (dimension,)", _unit(
        "np.full(dimension, -sharpness), np.array([sharpness * tau ** 2])"),
            "(inputs, units)"),
    Mistake("bias of the wrong sign", _unit(
        "(np.full((dimension, 1), -sharpness),\n"
        "            np.array([-sharpness * tau ** 2]))"),
            "exactly when d < tau"),
    Mistake("no check of tau", """
def threshold_unit_weights(tau, dimension, sharpness=10.0):
    return (np.full((dimension, 1), -sharpness),
            np.array([sharpness * tau ** 2]))
""", "should raise ValueError"),
    Mistake("kernel and bias swapped", _unit(
        "np.array([sharpness * tau ** 2]), np.full((dimension, 1),\n"
        "                                                 -sharpness)"),
            "has shape (1,), expected (7, 1)"),
    Mistake("tau hard-coded to the check's value", _unit(
        "(np.full((dimension, 1), -sharpness),\n"
        "            np.array([sharpness * 0.537 ** 2]))"), "tau argument",
            message="The unit ignores the tau argument (a fixed threshold "
                    "in its place?): with another tau it still switches "
                    "at the same distance. Build the bias from the tau you "
                    "are given."),
    Mistake("sharpness hard-coded to the check's value", _unit(
        "(np.full((dimension, 1), -3.7),\n"
        "            np.array([3.7 * tau ** 2]))"), "sharpness argument",
            message="The decisions are right but the sharpness argument is "
                    "ignored (a fixed number in its place?): z must fall by "
                    "the given sharpness when d² grows by 1."),
    Mistake("default sharpness hard-coded", _unit(
        "(np.full((dimension, 1), -10.0),\n"
        "            np.array([10.0 * tau ** 2]))"), "sharpness argument",
            message="The decisions are right but the sharpness argument is "
                    "ignored (the default 10 in its place?): z must fall by "
                    "the given sharpness when d² grows by 1."),
    Mistake("dimension hard-coded to the check's value", _unit(
        "(np.full((7, 1), -sharpness),\n"
        "            np.array([sharpness * tau ** 2]))"),
            "has shape (7, 1), expected (2, 1)"),
    ))


# --- siamese_bce_step --------------------------------------------------------


def siamese_bce_step(encoder, head, optimizer, first_images, second_images,
                     same):
    """One step on encoder and head together; return the BCE before it."""
    import tensorflow as tf

    labels = tf.reshape(tf.cast(same, tf.float32), (-1, 1))
    with tf.GradientTape() as tape:
        logits = head([encoder(first_images, training=True),
                       encoder(second_images, training=True)])
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
            labels=labels, logits=logits))
    variables = encoder.trainable_variables + head.trainable_variables
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
    return loss


def _one_step(case):
    """Return a case's ``run``: loss and weights after one step."""
    def run(siamese_bce_step):
        from helpers.checks.nb04_binary_verification import step_result

        return step_result(siamese_bce_step, case)
    return run


_SGD, _ADAM = "SGD(0.37), 6 pairs", "Adam(0.023), 5 pairs"


_STEP = """
def siamese_bce_step(encoder, head, optimizer, first_images, second_images,
                     same):
    import tensorflow as tf

    labels = tf.reshape(tf.cast(same, tf.float32), (-1, 1))
    {before}
    with tf.GradientTape() as tape:
        {inside}
    variables = {variables}
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
    return {returned}
"""
_ENCODE = ("logits = head([encoder(first_images, training=True),\n"
           "                       encoder(second_images, training=True)])")
_LOSS = ("loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(\n"
         "            labels=labels, logits=logits))")
_BOTH = "encoder.trainable_variables + head.trainable_variables"


def _step(before="", inside=None, variables=_BOTH, returned="loss"):
    return _STEP.format(before=before,
                        inside=inside or f"{_ENCODE}\n        {_LOSS}",
                        variables=variables, returned=returned)


SIAMESE_BCE_STEP = Exercise(
    "siamese_bce_step", siamese_bce_step,
    cases=(Case(_SGD, run=_one_step(_SGD)),
           Case(_ADAM, run=_one_step(_ADAM))),
    mistakes=(
    Mistake("head only", _step(variables="head.trainable_variables"),
            "Only the head",
            message="Only the head was trained: the encoder's weights did "
                    "not change. End-to-end training updates the encoder "
                    "AND the head: differentiate with respect to both sets "
                    "of trainable variables."),
    Mistake("encoder only", _step(variables="encoder.trainable_variables"),
            "Only the encoder",
            message="Only the encoder was trained: the head's weights did "
                    "not change. Differentiate with respect to the "
                    "encoder's AND the head's trainable variables."),
    Mistake("logits taken as probabilities", _step(inside=(
        f"{_ENCODE}\n"
        "        loss = tf.reduce_mean(tf.keras.losses.binary_crossentropy(\n"
        "            labels, logits))")), "LOGIT",
            message="The loss treats the head's output as a probability, "
                    "but the head outputs a LOGIT z (no sigmoid): P(same) = "
                    "sigmoid(z)."),
    Mistake("labels inverted", _step(before="labels = 1.0 - labels"),
            "label 1 means same",
            message="The step moved towards calling the different pairs "
                    "'same': label 1 means same person and must raise the "
                    "logit."),
    Mistake("labels not reshaped (TensorFlow refuses)", _step(
        before="labels = tf.cast(same, tf.float32)"),
            "must have the same shape"),
    Mistake("labels broadcast against logits", """
def siamese_bce_step(encoder, head, optimizer, first_images, second_images,
                     same):
    import tensorflow as tf

    same = tf.cast(same, tf.float32)
    with tf.GradientTape() as tape:
        z = head([encoder(first_images, training=True),
                  encoder(second_images, training=True)])
        loss = -tf.reduce_mean(same * tf.math.log(tf.sigmoid(z))
                               + (1 - same) * tf.math.log(1 - tf.sigmoid(z)))
    variables = encoder.trainable_variables + head.trainable_variables
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
    return loss
""", "(pairs, pairs)",
            message="The loss compares labels of shape (pairs,) with logits "
                    "of shape (pairs, 1): they broadcast to a (pairs, "
                    "pairs) table, so every pair is scored against every "
                    "label. Reshape the labels to (pairs, 1) (or the logits "
                    "to (pairs,))."),
    Mistake("loss after the update", """
def siamese_bce_step(encoder, head, optimizer, first_images, second_images,
                     same):
    import tensorflow as tf

    labels = tf.reshape(tf.cast(same, tf.float32), (-1, 1))

    def bce():
        logits = head([encoder(first_images, training=True),
                       encoder(second_images, training=True)])
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
            labels=labels, logits=logits))

    with tf.GradientTape() as tape:
        loss = bce()
    variables = encoder.trainable_variables + head.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables),
                                  variables))
    return bce()
""", "before it",
            message="You returned the loss computed after the update; "
                    "return the loss of the batch computed inside the tape, "
                    "before it."),
    Mistake("encodings outside the tape", """
def siamese_bce_step(encoder, head, optimizer, first_images, second_images,
                     same):
    import tensorflow as tf

    labels = tf.reshape(tf.cast(same, tf.float32), (-1, 1))
    logits = head([encoder(first_images, training=True),
                   encoder(second_images, training=True)])
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
            labels=labels, logits=logits))
    variables = encoder.trainable_variables + head.trainable_variables
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
    return loss
""", "No gradients provided"),
    Mistake("gradient ascent", """
def siamese_bce_step(encoder, head, optimizer, first_images, second_images,
                     same):
    import tensorflow as tf

    labels = tf.reshape(tf.cast(same, tf.float32), (-1, 1))
    with tf.GradientTape() as tape:
        logits = head([encoder(first_images, training=True),
                       encoder(second_images, training=True)])
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
            labels=labels, logits=logits))
    variables = encoder.trainable_variables + head.trainable_variables
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip([-g for g in gradients], variables))
    return loss
""", "INCREASED the loss",
            message="The step INCREASED the loss: apply the gradients as "
                    "they are (the optimizer subtracts them), do not negate "
                    "them."),
    Mistake("losses per pair returned", _step(
        inside=(f"{_ENCODE}\n"
                "        losses = tf.nn.sigmoid_cross_entropy_with_logits(\n"
                "            labels=labels, logits=logits)\n"
                "        loss = tf.reduce_mean(losses)"),
        returned="losses"), "return one number"),
    Mistake("forgot the return", _step(returned="None"), "returned None"),
    Mistake("own optimizer with the check's learning rate", _step(
        variables=f"{_BOTH}\n    optimizer = tf.keras.optimizers.SGD(0.37)"),
            "optimizer argument",
            message="The step does not use the optimizer it was given (an "
                    "optimizer of your own, with a fixed learning rate?): "
                    "the caller chooses the optimizer and its learning "
                    "rate; apply the gradients with the optimizer "
                    "argument."),
    Mistake("labels reshaped to the check's 6 pairs", _step(
        before="labels = tf.reshape(labels, (6, 1))"), "5 values"),
    ))

EXERCISES = (CHI_SQUARE_FEATURES, THRESHOLD_UNIT_WEIGHTS, SIAMESE_BCE_STEP)


# --- hidden tests ------------------------------------------------------------
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
    for epsilon in (2.3e-6, 0.0041, 0.057):
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
                     chi_square_features(positive_a, positive_b,
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
                 chi_square_features(c, d),
                 "chi_square_features with the default epsilon", rtol=1e-4)


@hidden_test("test_threshold_unit_weights")
def test_threshold_unit_weights(student):
    rng = np.random.default_rng(13)
    for tau, dimension, sharpness in [(0.447, 128, 6.3), (1.3, 11, 2.45),
                                      (0.061, 1, 37.0)]:
        got = student.threshold_unit_weights(tau, dimension, sharpness)
        kernel, bias = expect.pair(got, "(kernel, bias)")
        kernel = expect.array(kernel, "the kernel")
        bias = expect.array(bias, "the bias")
        want_kernel, want_bias = threshold_unit_weights(
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
    default = student.threshold_unit_weights(0.613, 4)
    expect.close(expect.array(expect.pair(default, "(kernel, bias)")[1],
                              "the bias"),
                 np.array([10.0 * 0.613 ** 2]),
                 "the bias with the default sharpness")
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
for optimizer, (a, b, same) in [
        (keras.optimizers.SGD(0.173), (first_a, first_b, first_same)),
        (keras.optimizers.RMSprop(0.0061), (second_a, second_b,
                                             second_same))]:
    losses.append(siamese_bce_step(encoder, head, optimizer, a, b, same))
result = {"losses": losses, "encoder": encoder.get_weights(),
          "head": head.get_weights()}
"""


def _step_inputs():
    rng = np.random.default_rng(78)
    inputs = {"seed": 4}
    for name, count in (("first", 9), ("second", 7)):
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
                                siamese_bce_step},
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
