"""Public tests for notebook 04 (face verification as binary classification).
"""

import numpy as np

from helpers.checks.common import (
    assert_close,
    assert_own_function,
    assert_shape,
    expected_values,
    learner_check,
    passed,
    same_values,
    to_numpy,
)

F1 = np.array([[0.2, -0.1, 0.0, 0.3], [0.05, 0.4, -0.2, -0.1]])
F2 = np.array([[0.1, 0.1, 0.0, -0.3], [0.05, 0.1, -0.3, 0.2]])

#: Messages for the known wrong versions (instructor/mistakes/pair_features).
MESSAGES = {
    "absolute_difference_features": {
        "squared": ("You squared the difference; this feature is the "
                    "absolute value |f1 - f2|."),
    },
    "chi_square_features": {
        "|f1 + f2| denominator": (
            "You divided by |f1 + f2| + epsilon. For encodings of opposite "
            "signs f1 + f2 is close to 0 and the feature explodes (here to "
            "{largest:.0f}); use |f1| + |f2| + epsilon."
        ),
        "absolute numerator": (
            "The numerator should be the SQUARED difference (f1 - f2)**2."
        ),
    },
    "concatenation_features": {
        "reversed order": (
            "The order is reversed: the first n features are f1, then f2."
        ),
    },
}


def _expect_value_error(call, reason):
    try:
        call()
    except ValueError:
        return
    raise AssertionError(f"{reason} should raise ValueError.")


@learner_check("absolute_difference_features")
def check_absolute_difference_features(absolute_difference_features):
    """Check the learner's ``absolute_difference_features``."""
    absolute_difference_features = assert_own_function(
        absolute_difference_features)
    case = expected_values("pair_features")[
        "absolute_difference_features"]["F1, F2"]
    result = to_numpy(absolute_difference_features(F1, F2))
    if result.shape in ((2,), (2, 1)):
        raise AssertionError(
            f"Two pairs of 4-dimensional encodings gave shape {result.shape}: "
            "you summed over the dimensions. Keep one feature per dimension "
            "- the logistic unit learns its own weight for each."
        )
    assert_shape(result, (2, 4), "the features of two pairs")
    if np.any(result < 0):
        raise AssertionError(
            "Some features are negative: take the absolute value of the "
            "difference, |f1 - f2|."
        )
    if same_values(result, case["mistakes"]["squared"]):
        raise AssertionError(
            MESSAGES["absolute_difference_features"]["squared"])
    assert_close(result, case["expected"], "|f1 - f2|")
    single = to_numpy(absolute_difference_features(F1[0], F2[0]))
    assert_shape(single, (4,), "the features of one pair of (4,) encodings")
    swapped = to_numpy(absolute_difference_features(F2, F1))
    assert_close(swapped, result, "features of the swapped pair",
                 hint="They should not depend on the order of the two faces.")
    _expect_value_error(
        lambda: absolute_difference_features(F1, F2[0]),
        "Encodings of shapes (2, 4) and (4,) (NumPy would broadcast them)",
    )
    passed("absolute_difference_features")


@learner_check("chi_square_features")
def check_chi_square_features(chi_square_features):
    """Check the learner's ``chi_square_features``."""
    chi_square_features = assert_own_function(chi_square_features)
    cases = expected_values("pair_features")["chi_square_features"]
    mistakes = cases["epsilon=1e-3"]["mistakes"]
    messages = MESSAGES["chi_square_features"]
    epsilon = 1e-3
    result = to_numpy(chi_square_features(F1, F2, epsilon))
    if result.shape in ((2,), (2, 1)):
        raise AssertionError(
            f"Two pairs gave shape {result.shape}: you summed over the "
            "dimensions. Return one feature per dimension, shape (2, 4)."
        )
    assert_shape(result, (2, 4), "the features of two pairs")
    if np.any(np.isnan(result)):
        raise AssertionError(
            "The result contains NaN: where both encodings are 0 you divide "
            "0 by 0. Add epsilon to the denominator."
        )
    if np.any(result < 0):
        raise AssertionError(
            "Some features are negative: the denominator must be positive, "
            "|f1| + |f2| + epsilon (raw encodings can be negative)."
        )
    no_abs = mistakes["|f1 + f2| denominator"]
    if same_values(result, no_abs, rtol=1e-4):
        raise AssertionError(messages["|f1 + f2| denominator"].format(
            largest=np.max(no_abs)))
    if np.max(result) > 10:
        raise AssertionError(
            f"A feature is as large as {np.max(result):.0f}: a denominator "
            "built from f1 + f2 nearly vanishes for encodings of opposite "
            "signs. Use |f1| + |f2| + epsilon."
        )
    if same_values(result, mistakes["absolute numerator"], rtol=1e-4):
        raise AssertionError(messages["absolute numerator"])
    assert_close(result, cases["epsilon=1e-3"]["expected"],
                 "(f1 - f2)^2 / (|f1| + |f2| + epsilon)",
                 rtol=1e-4, hint="Check where epsilon goes: only in the "
                 "denominator, added once.")
    small = to_numpy(chi_square_features(F1, F2, 1e-9))
    assert_close(small, cases["epsilon=1e-9"]["expected"],
                 "the features with epsilon=1e-9", rtol=1e-4,
                 hint="Use the epsilon argument instead of a fixed number.")
    single = to_numpy(chi_square_features(F1[1], F2[1], epsilon))
    assert_shape(single, (4,), "the features of one pair of (4,) encodings")
    swapped = to_numpy(chi_square_features(F2, F1, epsilon))
    assert_close(swapped, result, "features of the swapped pair", rtol=1e-5,
                 hint="They should not depend on the order of the faces.")
    passed("chi_square_features")


@learner_check("concatenation_features")
def check_concatenation_features(concatenation_features):
    """Check the learner's ``concatenation_features``."""
    concatenation_features = assert_own_function(concatenation_features)
    case = expected_values("pair_features")[
        "concatenation_features"]["F1, F2"]
    result = to_numpy(concatenation_features(F1, F2))
    if result.shape == (4, 4):
        raise AssertionError(
            "Two pairs gave shape (4, 4): you joined the encodings along "
            "axis 0 (more rows). Join them along the LAST axis so each pair "
            "stays one row of length 2n: shape (2, 8)."
        )
    if result.shape in ((2, 2, 4), (2, 4, 2)):
        raise AssertionError(
            f"Two pairs gave shape {result.shape}: you stacked the encodings "
            "on a new axis. Concatenate them along the last axis: (2, 8)."
        )
    assert_shape(result, (2, 8), "the features of two pairs")
    if same_values(result, case["mistakes"]["reversed order"]):
        raise AssertionError(
            MESSAGES["concatenation_features"]["reversed order"])
    assert_close(result, case["expected"], "[f1, f2]",
                 hint="Put f1 first, then f2, and do not change the values.")
    single = to_numpy(concatenation_features(F1[0], F2[0]))
    if single.shape == (2, 4):
        raise AssertionError(
            "Two (4,) encodings gave shape (2, 4); concatenate along the last "
            "axis (axis=-1) so one pair gives shape (8,)."
        )
    assert_shape(single, (8,), "the features of one pair of (4,) encodings")
    passed("concatenation_features")


def _dense_layers(model):
    import keras

    return [layer for layer in model.layers
            if isinstance(layer, keras.layers.Dense)]


@learner_check("build_pair_classifier")
def check_build_pair_classifier(build_pair_classifier):
    """Check the learner's ``build_pair_classifier``."""
    import keras

    build_pair_classifier = assert_own_function(build_pair_classifier)
    model = build_pair_classifier(7, learning_rate=0.05)
    if not isinstance(model, keras.Model):
        raise AssertionError(
            f"build_pair_classifier returned a {type(model).__name__}; "
            "return the keras.Model."
        )
    if isinstance(model, keras.Sequential):
        raise AssertionError(
            "This is a Sequential model; build it with the functional API: "
            "keras.Input(...), a layer called on it, keras.Model(inputs, "
            "outputs)."
        )
    if tuple(model.input_shape) != (None, 7):
        raise AssertionError(
            f"The input shape is {model.input_shape}; for feature_dim=7 it "
            "should be (None, 7): keras.Input(shape=(feature_dim,))."
        )
    dense = _dense_layers(model)
    if len(dense) != 1:
        raise AssertionError(
            f"The model has {len(dense)} Dense layers; logistic regression "
            "is exactly one Dense(1, activation='sigmoid')."
        )
    if dense[0].units != 1:
        raise AssertionError(
            f"The Dense layer has {dense[0].units} units; one unit gives the "
            "probability of 'same person'."
        )
    if dense[0].activation is not keras.activations.sigmoid:
        name = getattr(dense[0].activation, "__name__", dense[0].activation)
        raise AssertionError(
            f"The Dense layer's activation is {name}; use "
            "activation='sigmoid' so the output is a probability."
        )
    if model.count_params() != 8:
        raise AssertionError(
            f"The model has {model.count_params()} parameters; with 7 "
            "features it should have 7 weights and 1 bias."
        )
    if model.optimizer is None or model.loss is None:
        raise AssertionError(
            "The model is not compiled: call model.compile(optimizer=..., "
            "loss='binary_crossentropy', metrics=['accuracy'])."
        )
    loss = model.loss
    loss_name = loss if isinstance(loss, str) else type(loss).__name__
    if loss_name.lower().replace("_", "") not in (
        "binarycrossentropy", "bce"
    ):
        raise AssertionError(
            f"The loss is {loss_name}; use 'binary_crossentropy', the loss of "
            "logistic regression."
        )
    if not isinstance(model.optimizer, keras.optimizers.Adam):
        raise AssertionError(
            f"The optimizer is {type(model.optimizer).__name__}; use "
            "keras.optimizers.Adam(learning_rate)."
        )
    rate = float(to_numpy(model.optimizer.learning_rate))
    if not np.isclose(rate, 0.05):
        raise AssertionError(
            f"The learning rate is {rate:g}, not the 0.05 passed in: use the "
            "learning_rate argument."
        )
    probabilities = to_numpy(model(np.ones((3, 7), np.float32)))
    assert_shape(probabilities, (3, 1), "the output for 3 pairs")
    passed("build_pair_classifier")


@learner_check("best_distance_threshold")
def check_best_distance_threshold(best_distance_threshold):
    """Check the learner's ``best_distance_threshold``."""
    best_distance_threshold = assert_own_function(best_distance_threshold)
    distances = np.array([0.9, 0.3, 0.7, 0.5])
    labels = np.array([0, 1, 0, 1])
    threshold = best_distance_threshold(distances, labels)
    if np.ndim(threshold) != 0:
        raise AssertionError(
            f"Return one number, the threshold; got shape "
            f"{np.shape(threshold)}."
        )
    threshold = float(threshold)
    if np.isclose(threshold, 1.0):
        raise AssertionError(
            "You returned 1.0 - is that the best ACCURACY? Return the "
            "threshold that reaches it."
        )
    if threshold in (0.5, 0.7):
        raise AssertionError(
            f"You returned {threshold}, one of the distances. Use the "
            "midpoint between two consecutive sorted distances, here 0.6."
        )
    if threshold <= 0.3 or threshold >= 0.9:
        raise AssertionError(
            f"The threshold {threshold:g} classifies these pairs badly. Same "
            "person means distance < threshold: a small distance is a match."
        )
    assert_close(threshold, 0.6, "the threshold for distances "
                 "[0.9, 0.3, 0.7, 0.5] with labels [0, 1, 0, 1]")
    everyone_same = float(best_distance_threshold(distances, np.ones(4)))
    if everyone_same <= 0.9:
        raise AssertionError(
            f"When every pair is 'same' the best threshold is above the "
            f"largest distance (0.9 + 1 = 1.9), got {everyone_same:g}. "
            "Include the candidates below the smallest and above the largest."
        )
    assert_close(everyone_same, 1.9, "the threshold when all pairs match")
    ties = np.array([0.2, 0.4, 0.6, 0.8])
    tied = float(best_distance_threshold(ties, np.array([1, 0, 1, 0])))
    assert_close(tied, 0.3, "the threshold for a tie",
                 hint="When several thresholds reach the best accuracy, "
                 "return the smallest.")
    passed("best_distance_threshold")
