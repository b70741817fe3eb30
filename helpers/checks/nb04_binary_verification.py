"""Public tests for notebook 04 (face verification as binary classification).

Inputs, expected values and the signatures of recognised mistakes come from
``expected/nb04_binary_verification.json`` (``python -m
instructor.exercises``); the tiny encoder and head of the step's check are
built here.
"""

import numpy as np

from helpers.checks.common import (
    assert_close,
    assert_own_function,
    assert_returned,
    assert_shape,
    learner_check,
    passed,
    same_values,
    shipped_cases,
    to_numpy,
)

@learner_check("chi_square_features")
def check_chi_square_features(chi_square_features):
    """Check the learner's ``chi_square_features`` by its requirements."""
    chi_square_features = assert_own_function(chi_square_features)
    cases = shipped_cases(__name__, "chi_square_features")
    F1, F2, epsilon = cases.inputs("signed")
    result = to_numpy(cases.call(chi_square_features, "signed"))
    if result.shape in ((2,), (2, 1)):
        raise AssertionError(
            f"Two pairs gave shape {result.shape}: you summed over the "
            "dimensions. Return one feature per dimension, shape (2, 4)."
        )
    assert_shape(result, (2, 4), "the features of two pairs")
    if np.any(np.isnan(result)):
        raise AssertionError(
            "The result contains NaN: where both entries are 0 you divide "
            "0 by 0. The feature must be finite for every input; epsilon "
            "is there for that."
        )
    if np.any(result < 0):
        raise AssertionError(
            "Some features are negative (where both entries are negative): "
            "a feature that is smaller for a bigger difference would tell "
            "the unit the opposite. Keep the denominator positive."
        )
    bound = np.abs(F1 - F2) + 1e-6
    if np.any(~np.isfinite(result)) or np.any(result > bound):
        finite = result[np.isfinite(result)]
        largest = np.max(finite) if finite.size else np.inf
        mistake = cases.mistake(result, "signed")
        if mistake:
            raise AssertionError(
                cases.messages[mistake].format(largest=largest))
        raise AssertionError(
            f"A feature is larger than |f1 - f2| (up to {largest:.3g}), "
            "which requirement 4 rules out: for (f1 - f2)**2 / D it means "
            "D < |f1 - f2| somewhere, as happens to a denominator built "
            "from f1 + f2 where the entries have opposite signs. Choose a "
            "denominator that is at least |f1 - f2| for every sign."
        )
    case = "non-negative, epsilon=0.0137"
    positive = to_numpy(cases.call(chi_square_features, case))
    assert_shape(positive, (2, 4), "the features of two pairs")
    cases.name_mistake(positive, case)
    assert_close(positive, cases.expected(case),
                 "the features of non-negative entries", rtol=1e-4,
                 hint="For entries >= 0 they must equal the classic "
                 "(f1 - f2)**2 / (f1 + f2 + epsilon).")
    case = "non-negative, epsilon=3.1e-07"
    small = to_numpy(cases.call(chi_square_features, case))
    cases.name_mistake(small, case)
    assert_close(small, cases.expected(case),
                 "the features of non-negative entries with epsilon=3.1e-07",
                 rtol=1e-4, hint="Use the epsilon argument instead of a "
                 "fixed number.")
    swapped = to_numpy(chi_square_features(F2, F1, epsilon))
    assert_close(swapped, result, "the features of the swapped pairs",
                 rtol=1e-5, hint="They must not depend on the order of the "
                 "two faces.")
    negated = to_numpy(chi_square_features(-F1, -F2, epsilon))
    assert_close(negated, result, "the features after negating both "
                 "encodings", rtol=1e-5, hint="A coordinate's sign means "
                 "nothing by itself: changing the sign of both entries must "
                 "not change the feature.")
    single = to_numpy(chi_square_features(F1[1], F2[1], epsilon))
    assert_shape(single, (4,), "the features of one pair of (4,) encodings")
    passed("chi_square_features")


def _logits(kernel, bias, squared_differences):
    return squared_differences @ kernel + bias


def _check_unit_case(threshold_unit_weights, cases, case):
    """Check the unit's weights on one shipped case."""
    tau, dimension, sharpness = cases.inputs(case)
    result = cases.call(threshold_unit_weights, case)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(
            "Return two things, (kernel, bias), as Dense.set_weights "
            f"expects; got {type(result).__name__}."
        )
    kernel, bias = (to_numpy(value).astype(np.float64) for value in result)
    if kernel.shape == (dimension,):
        raise AssertionError(
            f"The kernel has shape {kernel.shape}; a Dense(1) layer's "
            f"kernel is (inputs, units) = ({dimension}, 1)."
        )
    assert_shape(kernel, (dimension, 1), "the kernel of Dense(1) on "
                 f"{dimension} features")
    assert_shape(bias, (1,), "the bias of Dense(1)")
    for mistake, wrong in cases[case].get("mistakes", {}).items():
        if same_values(kernel, wrong[0]) and same_values(bias, wrong[1]):
            raise AssertionError(cases.messages[mistake])
    # Pairs at distances below, at and above tau.
    distances = tau * np.array([0.0, 0.3, 0.98, 1.0, 1.02, 1.7])
    squared = np.zeros((len(distances), dimension))
    squared[:, 0] = distances ** 2 / 2
    squared[:, -1] += distances ** 2 / 2
    logits = _logits(kernel, bias, squared).ravel()
    off_tau = distances != tau
    calls = logits[off_tau] > 0
    if not np.array_equal(calls, distances[off_tau] < tau):
        raise AssertionError(
            f"With tau = {tau} the unit calls the pairs at distances "
            f"{np.round(distances[off_tau], 4).tolist()} 'same' = "
            f"{calls.tolist()}; it must say 'same' (logit > 0) exactly "
            "when d < tau."
        )
    assert_close(logits[3], 0.0, "the logit of a pair at distance tau",
                 atol=1e-5, hint="At d = tau the probability is exactly 0.5.")
    expected_kernel, expected_bias = cases.expected(case)
    assert_close(kernel, expected_kernel, f"the kernel ({case})", rtol=1e-5,
                 hint="z must fall by `sharpness` when d² grows by 1.")
    assert_close(bias, expected_bias, f"the bias ({case})", rtol=1e-5)


@learner_check("threshold_unit_weights")
def check_threshold_unit_weights(threshold_unit_weights):
    """Check the learner's ``threshold_unit_weights``."""
    threshold_unit_weights = assert_own_function(threshold_unit_weights)
    cases = shipped_cases(__name__, "threshold_unit_weights")
    for case in ("tau=0.537, dimension=7, sharpness=3.7",
                 "tau=1.21, dimension=2, sharpness=0.83"):
        _check_unit_case(threshold_unit_weights, cases, case)
    tau, dimension, sharpness = cases.inputs(
        "tau=0.537, dimension=7, sharpness=3.7")
    for bad in (0.0, -0.5):
        try:
            threshold_unit_weights(bad, dimension, sharpness)
        except ValueError:
            continue
        raise AssertionError(
            f"tau = {bad} should raise ValueError: a distance threshold "
            "must be positive."
        )
    passed("threshold_unit_weights")


def tiny_encoder(seed):
    """A small dense encoder (6 -> 4) whose weights depend only on seed."""
    import keras

    inputs = keras.Input(shape=(6,))
    outputs = keras.layers.Dense(4)(inputs)
    model = keras.Model(inputs, outputs, name="tiny_encoder")
    rng = np.random.default_rng(seed)
    model.set_weights([rng.uniform(-0.6, 0.6, size=(6, 4)),
                       rng.uniform(-0.1, 0.1, size=4)])
    return model


def tiny_head(seed):
    """A pair head (4-d, 4-d) -> logit on squared differences."""
    import keras

    first, second = keras.Input(shape=(4,)), keras.Input(shape=(4,))
    difference = keras.layers.Subtract()([first, second])
    squared = keras.layers.Multiply()([difference, difference])
    logit = keras.layers.Dense(1)(squared)
    model = keras.Model([first, second], logit, name="tiny_head")
    rng = np.random.default_rng(seed)
    model.set_weights([rng.uniform(-1.5, -0.5, size=(4, 1)),
                       np.array([1.0])])
    return model


#: Per case: encoder and head seeds, optimizer, learning rate, data seed,
#: number of pairs.
STEP_CASES = {
    "SGD(0.37), 6 pairs": (1, 2, "SGD", 0.37, 6, 6),
    "Adam(0.023), 5 pairs": (3, 4, "Adam", 0.023, 11, 5),
}


def step_data(seed=6, count=6):
    """Return ``count`` fixed pairs of 6-d inputs and labels (pairs,)."""
    rng = np.random.default_rng(seed)
    first = rng.normal(size=(count, 6)).astype(np.float32)
    second = (first + rng.normal(scale=0.8, size=(count, 6))).astype(
        np.float32)
    same = np.resize(np.array([1, 0, 1, 0, 0, 1], np.float32), count)
    return first, second, same


def _step_setup(case):
    """Return (encoder, head, optimizer, data) of a shipped case."""
    import keras

    encoder_seed, head_seed, kind, rate, data_seed, count = STEP_CASES[case]
    optimizer = getattr(keras.optimizers, kind)(rate)
    return (tiny_encoder(encoder_seed), tiny_head(head_seed), optimizer,
            step_data(data_seed, count))


def step_result(siamese_bce_step, case="SGD(0.37), 6 pairs"):
    """Return the loss and weights after one step of a shipped case."""
    encoder, head, optimizer, data = _step_setup(case)
    loss = siamese_bce_step(encoder, head, optimizer, *data)
    return {"loss": loss, "encoder": encoder.get_weights(),
            "head": head.get_weights()}


def _same_weights(mine, theirs, atol=1e-5):
    return len(mine) == len(theirs) and all(
        np.allclose(a, np.asarray(b), atol=atol) for a, b in zip(mine, theirs))


def _check_step_case(siamese_bce_step, cases, name):
    """Check one optimizer step of a shipped case."""
    case, messages = cases[name], cases.messages
    encoder, head, optimizer, data = _step_setup(name)
    encoder_start = [w.copy() for w in encoder.get_weights()]
    head_start = [w.copy() for w in head.get_weights()]
    loss = assert_returned(
        siamese_bce_step(encoder, head, optimizer, *data),
        "siamese_bce_step")
    loss = to_numpy(loss)
    if loss.shape != ():
        raise AssertionError(
            f"siamese_bce_step returned shape {loss.shape}; return one "
            "number, the mean binary cross-entropy over the pairs."
        )
    learned = {"encoder": encoder.get_weights(), "head": head.get_weights()}
    moved = {"encoder": not _same_weights(learned["encoder"], encoder_start,
                                          1e-8),
             "head": not _same_weights(learned["head"], head_start, 1e-8)}
    if not moved["encoder"] and not moved["head"]:
        raise AssertionError(
            "No weight changed: the step must compute the loss where its "
            "gradient can be taken and update the weights with the "
            "optimizer it was given."
        )
    if not moved["encoder"]:
        raise AssertionError(messages["head only"])
    if not moved["head"]:
        raise AssertionError(messages["encoder only"])
    mistakes = case.get("mistakes", {})
    expected = case["expected"]
    for mistake, wrong in mistakes.items():
        if mistake not in messages or (
                _same_weights(wrong["encoder"], expected["encoder"], 1e-7)
                and _same_weights(wrong["head"], expected["head"], 1e-7)):
            continue  # this mistake is told apart by its loss below
        if _same_weights(learned["encoder"], wrong["encoder"]) and \
                _same_weights(learned["head"], wrong["head"]):
            raise AssertionError(messages[mistake])
    if not (_same_weights(learned["encoder"], expected["encoder"])
            and _same_weights(learned["head"], expected["head"])):
        raise AssertionError(
            f"With {name}, the weights after one step differ from one step "
            "of the given optimizer on the mean binary cross-entropy of "
            "the pairs, computed from the head's logits, with encoder and "
            "head updated together."
        )
    before = expected["loss"]
    if not np.isclose(loss, before, rtol=1e-4, atol=1e-6):
        after = mistakes.get("loss after the update", {}).get("loss")
        if after is not None and np.isclose(loss, after, rtol=1e-4,
                                            atol=1e-6):
            raise AssertionError(messages["loss after the update"])
        raise AssertionError(
            f"siamese_bce_step returned {float(loss):.5f}; the mean binary "
            f"cross-entropy of the batch before the update is {before:.5f}."
        )


@learner_check("siamese_bce_step")
def check_siamese_bce_step(siamese_bce_step):
    """Check the learner's ``siamese_bce_step``: one step per case."""
    siamese_bce_step = assert_own_function(siamese_bce_step)
    cases = shipped_cases(__name__, "siamese_bce_step")
    for name in STEP_CASES:
        _check_step_case(siamese_bce_step, cases, name)
    passed("siamese_bce_step")
