"""Hidden tests of 02_one_shot."""

import numpy as np

from instructor.grading.harness import hidden_test
from instructor.exercises import expect
from instructor.reference import verification as reference

ASSIGNMENT = "02_one_shot"
PRELUDE = "import numpy as np"


@hidden_test("test_embedding_distance")
def test_embedding_distance(student):
    first = np.array([6.0, 0.0, 8.0, 0.0])
    expect.close(expect.scalar(student.embedding_distance(first, np.zeros(4)),
                               "the distance of two (4,) encodings"),
                 10.0, "the distance between a (4,) encoding and zeros")
    rng = np.random.default_rng(21)
    first, second = rng.normal(size=(2, 6, 128))
    for x, y, what in [(first, second, "a batch of (6, 128) pairs"),
                       (first[2], second, "one encoding against six"),
                       (first[0], first[0], "an encoding with itself"),
                       (first[:, :5], second[:, :5], "(6, 5) pairs")]:
        expect.close(student.embedding_distance(x, y),
                     reference.embedding_distance(x, y), what, atol=1e-5)
    assert student.raises("ValueError", "embedding_distance", np.zeros(4),
                          np.zeros(5)), \
        "encodings of sizes 4 and 5 should raise ValueError"
    assert student.raises("ValueError", "embedding_distance",
                          np.zeros((3, 128)), np.zeros((3, 127))), \
        "encodings of sizes 128 and 127 should raise ValueError"
    assert student.raises("ValueError", "embedding_distance", np.ones(1),
                          np.zeros(128)), \
        "a (1,) encoding against a (128,) one should raise ValueError"
    assert student.raises("ValueError", "embedding_distance",
                          np.zeros((2, 64)), np.ones((2, 1))), \
        "(2, 64) against (2, 1) encodings should raise ValueError"


def _check_choice(student, distances, labels, what):
    threshold, accuracy = expect.pair(
        student.choose_threshold(distances, labels), "choose_threshold")
    threshold = expect.scalar(threshold, f"{what}: the threshold")
    accuracy = expect.scalar(accuracy, f"{what}: the accuracy")
    best = reference.choose_threshold(distances, labels)[1]
    achieved = reference.accuracy_at(distances, labels, threshold)
    if not np.isclose(achieved, best):
        raise AssertionError(f"{what}: the threshold does not reach the "
                             "best accuracy possible on these pairs")
    if abs(accuracy - achieved) > 1e-9:
        raise AssertionError(f"{what}: the returned accuracy is not the "
                             "accuracy of the returned threshold")


@hidden_test("test_choose_threshold")
def test_choose_threshold(student):
    _check_choice(student, np.array([0.2, 0.9, 0.3, 0.7]),
                  np.array([1, 0, 1, 0]), "four separable pairs")
    rng = np.random.default_rng(8)
    for trial in range(5):
        labels = rng.integers(0, 2, size=41)
        distances = rng.normal(0.9 - 0.4 * labels, 0.2)
        _check_choice(student, distances, labels, "41 overlapping pairs")
    labels = rng.integers(0, 2, size=64)
    distances = np.round(rng.normal(0.8 - 0.3 * labels, 0.15), 2)
    _check_choice(student, distances, list(labels),
                  "64 pairs with tied distances, labels as a list")
    for labels in ([1, 1, 1], [0, 0, 0]):
        threshold, _ = expect.pair(
            student.choose_threshold(np.array([0.3, 0.5, 0.9]), labels),
            "choose_threshold")
        want = reference.choose_threshold(np.array([0.3, 0.5, 0.9]), labels)
        expect.close(expect.scalar(threshold, "the threshold"), want[0],
                     "the end candidate when every pair has the same label")
    _check_choice(student, np.array([0.4, 0.6, 0.8]), np.array([1, 1, 1]),
                  "pairs of one person only")
    _check_choice(student, np.array([0.4, 0.6, 0.8]), np.array([0, 0, 0]),
                  "pairs of different people only")


@hidden_test("test_error_rates")
def test_error_rates(student):
    rng = np.random.default_rng(13)
    labels = rng.integers(0, 2, size=50)
    distances = rng.normal(0.9 - 0.4 * labels, 0.2)
    cases = [(distances, labels, tau) for tau in
             (0.3, 0.55, 0.8, float(distances[3]), 10.0)]
    cases.append((np.array([0.1, 0.2, 0.3, 0.6, 0.4, 0.8]),
                  [1, 1, 1, 1, 0, 0], 0.6))
    for labels in ([1, 1, 1, 1], np.zeros(4, dtype=int)):
        assert student.raises("ValueError", "error_rates",
                              np.array([0.2, 0.4, 0.6, 0.8]), labels, 0.5), \
            "labels of one kind only should raise ValueError"
    for distances, labels, tau in cases:
        got = expect.pair(student.error_rates(distances, labels, tau),
                          "error_rates")
        want = reference.error_rates(distances, labels, tau)
        for value, expected, what in zip(got, want, ("false-accept rate",
                                                     "false-reject rate")):
            expect.close(expect.scalar(value, what), expected,
                         f"the {what} at one of the thresholds")
