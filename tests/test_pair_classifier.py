"""Tests of the pair features and logistic verifier (references in
instructor.reference.pair_features), the engine in
helpers.faces.pair_classifier and the checks of notebook 04."""

import numpy as np
import pytest

from helpers.checks import pair_features as checks
from helpers.faces import pair_classifier as pc
from instructor.reference import pair_features as ref

RNG = np.random.default_rng(0)
A = RNG.normal(scale=0.1, size=(6, 128))
B = RNG.normal(scale=0.1, size=(6, 128))


def learner_functions(source):
    """Return the functions defined by ``source`` as if typed in a notebook."""
    namespace = {"__name__": "__main__", "np": np}
    exec(source, namespace)
    return namespace


CORRECT = '''
import numpy as np
import keras

def absolute_difference_features(f1, f2):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    if f1.shape != f2.shape:
        raise ValueError("shapes differ")
    return np.abs(f1 - f2)

def chi_square_features(f1, f2, epsilon=1e-6):
    return (f1 - f2) ** 2 / (np.abs(f1) + np.abs(f2) + epsilon)

def concatenation_features(f1, f2):
    return np.concatenate([f1, f2], axis=-1)

def build_pair_classifier(feature_dim, learning_rate=0.01):
    inputs = keras.Input(shape=(feature_dim,))
    outputs = keras.layers.Dense(1, activation="sigmoid")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model

def best_distance_threshold(distances, labels):
    values = np.unique(distances)
    candidates = np.concatenate([[values[0] - 1],
                                 (values[:-1] + values[1:]) / 2,
                                 [values[-1] + 1]])
    scores = [np.mean((distances < t) == (labels == 1)) for t in candidates]
    return candidates[int(np.argmax(scores))]
'''


def test_absolute_difference_is_symmetric_and_per_dimension():
    features = ref.absolute_difference_features(A, B)
    assert features.shape == (6, 128)
    assert np.allclose(features, np.abs(A - B))
    assert np.allclose(features, ref.absolute_difference_features(B, A))
    assert ref.absolute_difference_features(A[0], B[0]).shape == (128,)


def test_chi_square_is_bounded_by_the_absolute_difference():
    features = ref.chi_square_features(A, B)
    assert np.all(features >= 0)
    assert np.all(features <= np.abs(A - B) + 1e-6)
    assert np.allclose(features, ref.chi_square_features(B, A))


def test_chi_square_handles_zero_and_opposite_signs():
    f1 = np.array([0.0, 0.5, 2.0])
    f2 = np.array([0.0, -0.5, 1.0])
    features = ref.chi_square_features(f1, f2, epsilon=1e-3)
    assert np.all(np.isfinite(features))
    assert features[0] == 0
    assert np.isclose(features[1], 1.0 / 1.001)
    assert np.isclose(features[2], 1.0 / 3.001)


def test_concatenation_depends_on_order():
    features = ref.concatenation_features(A, B)
    assert features.shape == (6, 256)
    assert not np.allclose(features, ref.concatenation_features(B, A))


@pytest.mark.parametrize("function", list(ref.PAIR_FEATURES.values()))
def test_features_reject_mismatched_shapes(function):
    with pytest.raises(ValueError, match="same shape"):
        function(A, B[0])
    with pytest.raises(ValueError, match="shape"):
        function(A[None], B[None])


def test_chi_square_rejects_non_positive_epsilon():
    with pytest.raises(ValueError, match="epsilon"):
        ref.chi_square_features(A, B, epsilon=0)


def test_logistic_verifier_learns_a_separable_problem():
    labels = np.repeat([1, 0], 100)
    features = np.where(labels[:, None] == 1, 0.1, 0.5)
    features = features + RNG.normal(scale=0.05, size=(200, 4))
    model = ref.build_pair_classifier(4, learning_rate=0.05)
    assert model.count_params() == 5
    pc.train_pair_classifier(model, features, labels, epochs=60,
                             progress=False)
    predicted = model.predict(features, verbose=0).ravel() > 0.5
    assert pc.accuracy(predicted, labels) > 0.95


def test_build_pair_classifier_rejects_bad_dimension():
    with pytest.raises(ValueError, match="feature_dim"):
        ref.build_pair_classifier(0)


def test_training_rejects_mismatched_labels():
    model = ref.build_pair_classifier(3)
    with pytest.raises(ValueError, match="labels"):
        pc.train_pair_classifier(model, np.zeros((4, 3)), [1, 0],
                                 progress=False)


def test_distance_threshold_and_roc():
    distances = pc.pair_distances(A, B)
    assert np.allclose(distances, np.linalg.norm(A - B, axis=1))
    assert ref.best_distance_threshold([0.9, 0.3, 0.7, 0.5],
                                      [0, 1, 0, 1]) == pytest.approx(0.6)
    assert ref.best_distance_threshold([1.0, 2.0], [1, 1]) == 3.0
    false_positive, true_positive, area = pc.roc([0.1, 0.2, 0.8, 0.9],
                                                 [0, 0, 1, 1])
    assert area == 1.0
    assert false_positive[0] == 0 and true_positive[-1] == 1
    with pytest.raises(ValueError, match="both"):
        pc.roc([0.1, 0.2], [1, 1])
    with pytest.raises(ValueError, match="labels"):
        ref.best_distance_threshold([0.1], [1, 0])


def test_time_per_query_measures_seconds():
    seconds = pc.time_per_query(lambda query: sum(range(1000)), range(5))
    assert 0 < seconds < 1
    with pytest.raises(ValueError, match="query"):
        pc.time_per_query(len, [])


def test_checks_pass_a_correct_solution(capsys):
    learner = learner_functions(CORRECT)
    checks.check_absolute_difference_features(
        learner["absolute_difference_features"])
    checks.check_chi_square_features(learner["chi_square_features"])
    checks.check_concatenation_features(learner["concatenation_features"])
    checks.check_build_pair_classifier(learner["build_pair_classifier"])
    checks.check_best_distance_threshold(learner["best_distance_threshold"])
    assert capsys.readouterr().out.count("all public tests passed") == 5


def test_checks_reject_the_reference_implementation():
    with pytest.raises(AssertionError, match="course module"):
        checks.check_chi_square_features(ref.chi_square_features)


@pytest.mark.parametrize("check, source, message", [
    (checks.check_absolute_difference_features,
     "def absolute_difference_features(f1, f2):\n"
     "    return np.abs(f1 - f2).sum(axis=-1)\n", "summed"),
    (checks.check_absolute_difference_features,
     "def absolute_difference_features(f1, f2):\n"
     "    return f1 - f2\n", "absolute value"),
    (checks.check_chi_square_features,
     "def chi_square_features(f1, f2, epsilon=1e-6):\n"
     "    return (f1 - f2) ** 2 / (f1 + f2)\n", "|f1| \\+ |f2|"),
    (checks.check_chi_square_features,
     "def chi_square_features(f1, f2, epsilon=1e-6):\n"
     "    return (f1 - f2) ** 2 / np.abs(f1 + f2 + epsilon)\n", "f1 \\+ f2"),
    (checks.check_chi_square_features,
     "def chi_square_features(f1, f2, epsilon=1e-6):\n"
     "    return (f1 - f2) ** 2 / (np.abs(f1) + np.abs(f2))\n", "NaN"),
    (checks.check_concatenation_features,
     "def concatenation_features(f1, f2):\n"
     "    return np.concatenate([f1, f2])\n", "LAST axis"),
    (checks.check_concatenation_features,
     "def concatenation_features(f1, f2):\n"
     "    return np.stack([f1, f2], axis=1)\n", "stacked"),
    (checks.check_best_distance_threshold,
     "def best_distance_threshold(distances, labels):\n"
     "    return 1.0\n", "ACCURACY"),
    (checks.check_best_distance_threshold,
     "def best_distance_threshold(distances, labels):\n"
     "    return 0.5\n", "midpoint"),
])
def test_checks_name_the_classic_mistakes(check, source, message):
    learner = learner_functions(source)
    function = next(value for value in learner.values()
                    if callable(value) and getattr(value, "__module__", "")
                    == "__main__")
    with pytest.raises(AssertionError, match=message):
        check(function)


def test_check_rejects_a_sequential_model():
    learner = learner_functions(
        "import keras\n"
        "def build_pair_classifier(feature_dim, learning_rate=0.01):\n"
        "    model = keras.Sequential([keras.Input(shape=(feature_dim,)),\n"
        "        keras.layers.Dense(1, activation='sigmoid')])\n"
        "    model.compile(optimizer='adam', loss='binary_crossentropy')\n"
        "    return model\n"
    )
    with pytest.raises(AssertionError, match="functional API"):
        checks.check_build_pair_classifier(learner["build_pair_classifier"])


def test_cached_encodings_encode_once(tmp_path):
    calls = []

    def encode(paths):
        calls.append(list(paths))
        return np.array([[len(path), 1.0] for path in paths])

    paths = [f"person_{index}.jpg" for index in range(5)]
    first = pc.cached_encodings(paths, encode, "demo", batch_size=2,
                                data_home=tmp_path)
    assert first.shape == (5, 2) and first.dtype == np.float32
    assert len(calls) == 3
    again = pc.cached_encodings(paths, encode, "demo", data_home=tmp_path)
    assert len(calls) == 3 and np.array_equal(first, again)
    pc.cached_encodings(paths[:4], encode, "demo", data_home=tmp_path)
    assert len(calls) == 4
    with pytest.raises(ValueError, match="at least one"):
        pc.cached_encodings([], encode, "demo", data_home=tmp_path)


def test_a_truncated_encodings_cache_is_encoded_again(tmp_path):
    calls = []

    def encode(paths):
        calls.append(list(paths))
        return np.ones((len(paths), 3))

    paths = [f"person_{index}.jpg" for index in range(4)]
    pc.cached_encodings(paths, encode, "demo", data_home=tmp_path)
    cache = pc.encodings_cache_path(paths, "demo", tmp_path)
    cache.write_bytes(cache.read_bytes()[:100])  # cut short
    again = pc.cached_encodings(paths, encode, "demo", data_home=tmp_path)
    assert len(calls) == 2 and np.array_equal(again, np.ones((4, 3)))
    assert not list(cache.parent.glob("*.part.npy"))


@pytest.fixture(scope="module")
def encoder():
    from helpers.faces import load_encoder

    return load_encoder()


def test_encode_faces_marks_an_image_without_a_face(encoder, tmp_path):
    from PIL import Image

    from helpers.data.lfw import person_images

    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((200, 200, 3), 128, np.uint8)).save(blank)
    photo = person_images("Colin_Powell")[0]
    encodings = pc.encode_faces(encoder, [photo, blank, photo])
    assert encodings.shape == (3, 128) and encodings.dtype == np.float32
    assert np.all(np.isnan(encodings[1]))
    assert np.allclose(encodings[0], encodings[2])
    assert np.isclose(np.linalg.norm(encodings[0]), 1.0, atol=1e-4)
    assert np.allclose(encodings[0],
                       encoder.encode([photo], choose="central")[0],
                       atol=1e-5)
    with pytest.raises(ValueError, match="at least one"):
        pc.encode_faces(encoder, [])


def test_encode_pairs_drops_pairs_without_a_face(encoder, tmp_path):
    from PIL import Image

    from helpers.data.lfw import Pairs, person_images

    blank = tmp_path / "blank.png"
    Image.fromarray(np.zeros((120, 120, 3), np.uint8)).save(blank)
    powell = person_images("Colin_Powell")[:2]
    serena = person_images("Serena_Williams")[0]
    pairs = Pairs([powell[0], powell[0], blank], [powell[1], serena, serena],
                  np.array([1, 0, 0]), np.zeros(3, int),
                  ["Colin_Powell"] * 2 + ["blank"],
                  ["Colin_Powell", "Serena_Williams", "Serena_Williams"])
    f1, f2, labels, kept = pc.encode_pairs(encoder, pairs, "unit_test",
                                           data_home=tmp_path)
    assert f1.shape == f2.shape == (2, 128)
    assert list(labels) == [1, 0] and len(kept) == 2
    distances = pc.pair_distances(f1, f2)
    assert distances[0] < 0.418 < distances[1]
    cached = list((tmp_path / "encodings").glob("unit_test_flip1_norm1_*"))
    assert len(cached) == 1
    again = pc.encode_pairs(encoder, pairs, "unit_test", data_home=tmp_path)
    assert np.array_equal(again[0], f1)
