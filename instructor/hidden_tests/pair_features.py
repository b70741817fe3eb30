"""Hidden tests of 04_binary_verification."""

import numpy as np

from instructor.grading.harness import hidden_test
from instructor.hidden_tests import _expect as expect
from instructor.reference import pair_features as reference

ASSIGNMENT = "04_binary_verification"
PRELUDE = "import numpy as np"
CALL_TIMEOUT = 120.0


def _features(student, name, rng, **kwargs):
    """Compare a pair-feature function with the reference on several inputs."""
    a, b = rng.normal(scale=0.2, size=(2, 9, 40))
    a[0, :5] = b[0, :5] = 0.0
    b[1] = -a[1]
    function = getattr(reference, name)
    for x, y, what in [(a, b, "9 pairs of 40-d encodings"),
                       (a[3], b[3], "one pair of (40,) encodings"),
                       (b, a, "the swapped pairs")]:
        expect.close(getattr(student, name)(x, y, **kwargs),
                     function(x, y, **kwargs), f"{name} of {what}",
                     rtol=1e-4, atol=1e-6)


@hidden_test("test_absolute_difference_features")
def test_absolute_difference_features(student):
    _features(student, "absolute_difference_features",
              np.random.default_rng(11))
    for first, second in [((7, 5), (7, 6)), ((2, 4), (4,))]:
        assert student.raises("ValueError", "absolute_difference_features",
                              np.zeros(first), np.zeros(second)), \
            f"no ValueError for shapes {first} and {second}"


@hidden_test("test_chi_square_features")
def test_chi_square_features(student):
    rng = np.random.default_rng(12)
    for epsilon in (1e-6, 1e-3, 0.01):
        _features(student, "chi_square_features", rng, epsilon=epsilon)
    a, b = rng.normal(size=(2, 3, 8))
    expect.close(student.chi_square_features(a, b),
                 reference.chi_square_features(a, b),
                 "chi_square_features with the default epsilon", rtol=1e-4)


@hidden_test("test_concatenation_features")
def test_concatenation_features(student):
    rng = np.random.default_rng(13)
    a, b = rng.normal(size=(2, 5, 17))
    expect.close(student.concatenation_features(a, b),
                 np.concatenate([a, b], axis=-1), "[f1, f2] of 5 pairs")
    expect.close(student.concatenation_features(a[2], b[2]),
                 np.concatenate([a[2], b[2]]), "[f1, f2] of one pair")


CLASSIFIER = """
import keras

model = build_pair_classifier(128)
facts = {
    "input_shape": list(model.input_shape),
    "output_shape": list(model.output_shape),
    "parameters": model.count_params(),
    "functional": isinstance(model, keras.Model)
                  and not isinstance(model, keras.Sequential),
    "optimizer": type(model.optimizer).__name__,
    "learning_rate": float(np.asarray(model.optimizer.learning_rate)),
    "loss": model.loss if isinstance(model.loss, str)
            else type(model.loss).__name__,
    "dense": [(layer.units, layer.activation.__name__)
              for layer in model.layers
              if isinstance(layer, keras.layers.Dense)],
}
model = build_pair_classifier(128, learning_rate=0.05)
facts["learning_rate_given"] = float(np.asarray(
    model.optimizer.learning_rate))
history = model.fit(features, labels, epochs=10, batch_size=25, verbose=0)
facts["history"] = sorted(history.history)
facts["predicted"] = model.predict(features, verbose=0).ravel()
result = facts
"""


@hidden_test("test_build_pair_classifier")
def test_build_pair_classifier(student):
    rng = np.random.default_rng(14)
    labels = np.repeat([1.0, 0.0], 50)
    features = rng.normal(size=(100, 128)).astype("float32")
    features[:, 0] = np.where(labels == 1, -2.0, 2.0)
    facts = student.run(CLASSIFIER, timeout=120, features=features,
                        labels=labels)
    assert facts["input_shape"] == [None, 128], \
        f"input shape {facts['input_shape']}, expected (None, 128)"
    assert facts["output_shape"] == [None, 1], \
        f"output shape {facts['output_shape']}, expected (None, 1)"
    assert facts["parameters"] == 129, \
        f"{facts['parameters']} parameters, expected 128 weights and a bias"
    assert facts["functional"], "build the model with the functional API"
    assert [tuple(d) for d in facts["dense"]] == [(1, "sigmoid")], \
        "the model must be one Dense(1, activation='sigmoid')"
    assert facts["optimizer"] == "Adam", "compile with the Adam optimizer"
    loss = str(facts["loss"]).lower().replace("_", "")
    assert loss in ("binarycrossentropy", "bce"), \
        "compile with loss='binary_crossentropy'"
    assert np.isclose(facts["learning_rate"], 0.01), \
        "the default learning rate should be 0.01"
    assert np.isclose(facts["learning_rate_given"], 0.05), \
        "use the learning_rate argument"
    assert "accuracy" in facts["history"], \
        "compile with metrics=['accuracy'] (training reports it)"
    predicted = expect.array(facts["predicted"], "the predictions")
    assert np.all((predicted >= 0) & (predicted <= 1)), \
        "the outputs must be probabilities"
    assert np.mean((predicted > 0.5) == (labels == 1)) > 0.95, \
        "the classifier does not learn an easy separation"


@hidden_test("test_best_distance_threshold")
def test_best_distance_threshold(student):
    rng = np.random.default_rng(15)
    labels = rng.integers(0, 2, size=70)
    distances = np.round(rng.normal(0.8 - 0.3 * labels, 0.15), 2)
    for d, y, what in [
        (distances, labels, "70 pairs with tied distances"),
        (np.array([0.9, 0.3, 0.7, 0.5]), np.array([0, 1, 0, 1]),
         "four separable pairs"),
        (np.array([0.4, 0.2]), np.array([0, 0]), "different people only"),
        (np.array([0.9, 0.3, 0.7, 0.5]), np.ones(4), "one person only"),
        (np.array([0.2, 0.4, 0.6, 0.8]), np.array([1, 0, 1, 0]),
         "a tie between thresholds"),
    ]:
        got = expect.scalar(student.best_distance_threshold(d, y),
                            "the threshold")
        expect.close(got, reference.best_distance_threshold(d, y),
                     f"the threshold for {what}")
