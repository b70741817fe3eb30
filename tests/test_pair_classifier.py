"""Tests of notebook 04's engine (helpers.faces.pair_classifier,
helpers.faces.pair_training, helpers.faces.equal_error), its
references (instructor.exercises.nb04_binary_verification, which also holds
the mistake catalogue) and its public checks."""

import numpy as np
import pytest

from helpers.checks import nb04_binary_verification as checks
from helpers.faces import pair_classifier as pc
from helpers.faces import pair_training as pt
from helpers.faces import metrics
from helpers.faces.equal_error import equal_error_threshold
from instructor.exercises import nb04_binary_verification as ref

RNG = np.random.default_rng(0)
A = RNG.normal(scale=0.1, size=(6, 128))
B = RNG.normal(scale=0.1, size=(6, 128))


def test_engine_features_compare_per_dimension():
    assert np.allclose(pc.absolute_difference_features(A, B), np.abs(A - B))
    squared = pc.squared_difference_features(A, B)
    assert np.allclose(squared.sum(axis=1), np.sum((A - B) ** 2, axis=1),
                       rtol=1e-5)
    joined = pc.concatenation_features(A, B)
    assert joined.shape == (6, 256)
    assert not np.allclose(joined, pc.concatenation_features(B, A))
    assert pc.absolute_difference_features(A[0], B[0]).shape == (128,)


@pytest.mark.parametrize("function", [
    pc.absolute_difference_features, pc.squared_difference_features,
    pc.concatenation_features, ref.chi_square_features])
def test_features_reject_mismatched_shapes(function):
    with pytest.raises(ValueError, match="same shape"):
        function(A, B[0])


def test_chi_square_meets_the_exercise_requirements():
    f1 = np.concatenate([A, [[0.0] * 128], -np.abs(A[:1])])
    f2 = np.concatenate([B, [[0.0] * 128], -np.abs(B[:1])])
    features = ref.chi_square_features(f1, f2, epsilon=1e-3)
    assert np.all(np.isfinite(features)) and np.all(features >= 0)
    assert np.all(features <= np.abs(f1 - f2) + 1e-6)
    assert np.allclose(features, ref.chi_square_features(f2, f1, 1e-3))
    assert np.allclose(features, ref.chi_square_features(-f1, -f2, 1e-3))
    a, b = np.abs(A), np.abs(B)
    assert np.allclose(ref.chi_square_features(a, b, 1e-3),
                       (a - b) ** 2 / (a + b + 1e-3), rtol=1e-5)
    with pytest.raises(ValueError, match="epsilon"):
        ref.chi_square_features(A, B, epsilon=0)


def test_threshold_unit_decides_like_the_threshold():
    tau = 0.418
    kernel, bias = ref.threshold_unit_weights(tau, 128, sharpness=10.0)
    unit = pc.build_pair_classifier(128)
    unit.layers[-1].set_weights([kernel, bias])
    f1 = RNG.normal(size=(200, 128))
    f1 /= np.linalg.norm(f1, axis=1, keepdims=True)
    f2 = f1 + RNG.normal(scale=RNG.uniform(0.01, 0.07, size=(200, 1)),
                         size=f1.shape)
    f2 /= np.linalg.norm(f2, axis=1, keepdims=True)
    distances = np.linalg.norm(f1 - f2, axis=1)
    assert 0.2 < np.mean(distances < tau) < 0.8
    probability = unit.predict(pc.squared_difference_features(f1, f2),
                               verbose=0).ravel()
    assert np.array_equal(probability > 0.5, distances < tau)
    with pytest.raises(ValueError, match="tau"):
        ref.threshold_unit_weights(0.0, 3)


def test_logistic_unit_learns_a_separable_problem():
    labels = np.repeat([1, 0], 100)
    features = np.where(labels[:, None] == 1, 0.1, 0.5)
    features = features + RNG.normal(scale=0.05, size=(200, 4))
    model = pc.build_pair_classifier(4, learning_rate=0.05)
    assert model.count_params() == 5
    pc.train_pair_classifier(model, features, labels, epochs=60,
                             progress=False)
    predicted = model.predict(features, verbose=0).ravel() > 0.5
    assert metrics.accuracy(predicted, labels) > 0.95
    with pytest.raises(ValueError, match="feature_dim"):
        pc.build_pair_classifier(0)
    with pytest.raises(ValueError, match="labels"):
        pc.train_pair_classifier(model, np.zeros((4, 4)), [1, 0],
                                 progress=False)


def test_equal_error_threshold_and_roc():
    # 0.3 and 0.7 accept one of two same pairs and one of two others.
    assert equal_error_threshold([0.2, 0.4, 0.6, 0.8],
                                 [1, 0, 1, 0]) == pytest.approx(0.5)
    assert equal_error_threshold([0.9, 0.3, 0.7, 0.5],
                                 [0, 1, 0, 1]) == pytest.approx(0.6)
    distances = RNG.random(400)
    labels = RNG.random(400) < 1 - distances
    tau = equal_error_threshold(distances, labels)
    false_accepts = np.mean(distances[~labels] < tau)
    false_rejects = np.mean(distances[labels] >= tau)
    gaps = [abs(np.mean(distances[~labels] < t)
                - np.mean(distances[labels] >= t))
            for t in np.append(distances, [2.0])]
    assert abs(false_accepts - false_rejects) == pytest.approx(min(gaps))
    false_positive, true_positive, area = metrics.roc([0.1, 0.2, 0.8, 0.9],
                                                      [0, 0, 1, 1])
    assert area == 1.0
    assert false_positive[0] == 0 and true_positive[-1] == 1
    with pytest.raises(ValueError, match="both"):
        metrics.roc([0.1, 0.2], [1, 1])
    with pytest.raises(ValueError, match="different-person"):
        equal_error_threshold([1.0, 2.0], [1, 1])
    with pytest.raises(ValueError, match="labels"):
        equal_error_threshold([0.1], [1, 0])
    with pytest.raises(ValueError, match="NaN"):
        equal_error_threshold([0.1, np.nan], [1, 0])


def test_batch_pairs_are_balanced_and_valid():
    labels = np.repeat(np.arange(8), 4)
    first, second, same = pt.batch_pairs(labels, rng=0)
    assert len(first) == 96 and same.sum() == 48
    assert np.array_equal(labels[first] == labels[second], same == 1)
    assert np.all(first < second)
    with pytest.raises(ValueError, match="two people"):
        pt.batch_pairs(np.zeros(4, int), rng=0)


def test_batch_all_triplet_loss_counts_every_valid_triplet():
    embeddings = np.array([[0.0, 0.0], [0.0, 0.1], [1.0, 0.0]], np.float32)
    labels = np.array([0, 0, 1])
    # Triplets (0, 1, 2) and (1, 0, 2): 0.01 - 1 + alpha and 0.01 - 1.01 +
    # alpha, with alpha = 1.5.
    loss = float(pt.batch_all_triplet_loss(embeddings, labels, alpha=1.5))
    assert loss == pytest.approx(((0.51) + (0.5)) / 2, rel=1e-5)


def test_pair_head_becomes_a_threshold_with_the_unit_weights():
    head = pt.build_pair_head(4)
    head.get_layer("same_person_logit").set_weights(
        ref.threshold_unit_weights(0.7, 4, sharpness=4.0))
    a = np.zeros((2, 4), np.float32)
    b = np.array([[0.6, 0, 0, 0], [0.8, 0, 0, 0]], np.float32)
    logits = np.asarray(head([a, b])).ravel()
    assert logits[0] > 0 > logits[1]
    assert head.count_params() == 5


def test_training_arms_run_and_measure_held_out_people():
    from helpers.faces import siamese

    rng = np.random.default_rng(3)
    labels = np.repeat(np.arange(12), 5)
    images = (rng.normal(size=(60, 8, 6, 1)) + labels[:, None, None, None]
              * 0.3).astype(np.float32)
    split = siamese.IdentitySplit(images[:40], labels[:40], images[40:],
                                  labels[40:], np.arange(12).astype(str))
    encoder = siamese.build_encoder(split.image_shape, 8, seed=0)
    head = pt.build_pair_head(8)
    losses = pt.train_pairs_bce(encoder, head, split.train_images,
                                split.train_labels, 3, ref.siamese_bce_step,
                                people=4, images_per_person=3,
                                progress=False)
    assert losses.shape == (3,) and np.all(np.isfinite(losses))
    other = siamese.build_encoder(split.image_shape, 8, seed=0)
    triplet = pt.train_triplets_batch_all(other, split.train_images,
                                          split.train_labels, 3, people=4,
                                          images_per_person=3,
                                          progress=False)
    assert triplet.shape == (3,)
    result = pt.held_out_verification(encoder, split, head, pair_count=40)
    assert {"threshold", "train_accuracy", "test_accuracy",
            "head_test_accuracy"} <= set(result)
    with pytest.raises(ValueError, match="siamese_bce_step"):
        pt.train_pairs_bce(encoder, head, images, labels, 1, None)


def test_checks_reject_the_reference_implementation():
    with pytest.raises(AssertionError, match="course module"):
        checks.check_chi_square_features(ref.chi_square_features)


def test_time_per_query_measures_seconds():
    seconds = pc.time_per_query(lambda query: sum(range(1000)), range(5))
    assert 0 < seconds < 1
    with pytest.raises(ValueError, match="query"):
        pc.time_per_query(len, [])


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
    distances = np.linalg.norm(f1 - f2, axis=1)
    assert distances[0] < 0.418 < distances[1]
    cached = list((tmp_path / "encodings").glob("unit_test_flip1_norm1_*"))
    assert len(cached) == 1
    again = pc.encode_pairs(encoder, pairs, "unit_test", data_home=tmp_path)
    assert np.array_equal(again[0], f1)
