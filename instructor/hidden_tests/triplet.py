"""Hidden tests of 03_siamese_triplet."""

import numpy as np

from instructor.grading.harness import fixture, hidden_test, trusted_run
from instructor.grading.protocol import Tensor
from instructor.exercises import expect
from instructor.reference import triplet as reference

ASSIGNMENT = "03_siamese_triplet"
PRELUDE = "import numpy as np\nimport tensorflow as tf"


def _loss(anchor, positive, negative, alpha):
    """The triplet loss in NumPy (float64)."""
    d_ap = np.sum((anchor - positive) ** 2, axis=-1)
    d_an = np.sum((anchor - negative) ** 2, axis=-1)
    return np.mean(np.maximum(d_ap - d_an + alpha, 0.0))


def _gradient(anchor, positive, negative, alpha):
    """d loss / d anchor of :func:`_loss`."""
    d_ap = np.sum((anchor - positive) ** 2, axis=-1)
    d_an = np.sum((anchor - negative) ** 2, axis=-1)
    active = (d_ap - d_an + alpha > 0)[:, None]
    return active * 2 * (negative - positive) / len(anchor)


GRADIENT = """
watched = tf.Variable(anchor)
with tf.GradientTape() as recorder:
    loss = triplet_loss(watched, positive, negative, alpha)
gradient = recorder.gradient(loss, watched)
result = None if gradient is None else gradient.numpy()
"""


@hidden_test("test_triplet_loss")
def test_triplet_loss(student):
    rng = np.random.default_rng(2024)
    for m, d, alpha in [(5, 3, 0.3), (7, 16, 0.2), (1, 2, 0.5),
                        (32, 128, 1.0)]:
        a, p, n = (rng.normal(size=(m, d)).astype(np.float32)
                   for _ in range(3))
        got = student.triplet_loss(Tensor(a), Tensor(p), Tensor(n), alpha)
        expect.close(expect.scalar(got, f"the loss of {m} triplets"),
                     _loss(a, p, n, alpha), f"the loss of a batch of {m} "
                     "triplets", rtol=1e-4, atol=1e-5)
        if np.asarray(got).shape != ():
            raise AssertionError("triplet_loss must return a scalar")
    a, p, n = (rng.normal(size=(6, 4)).astype(np.float32) for _ in range(3))
    got = student.triplet_loss(Tensor(a), Tensor(p), Tensor(n))
    expect.close(expect.scalar(got, "the loss"), _loss(a, p, n, 0.2),
                 "the loss with the default alpha (0.2)", rtol=1e-4)
    far = student.triplet_loss(Tensor(a), Tensor(a), Tensor(a + 5.0), 0.2)
    expect.close(expect.scalar(far, "the loss"), 0.0,
                 "the loss when every negative is far away")
    same = student.triplet_loss(Tensor(a), Tensor(a), Tensor(a), 0.7)
    expect.close(expect.scalar(same, "the loss"), 0.7,
                 "the loss when anchor, positive and negative are the same "
                 "(it must equal alpha)")
    gradient = student.run(GRADIENT, anchor=a, positive=Tensor(p),
                           negative=Tensor(n), alpha=0.5)
    if gradient is None:
        raise AssertionError("no gradient flows through triplet_loss: use "
                             "TensorFlow operations")
    expect.close(gradient, _gradient(a, p, n, 0.5),
                 "the gradient of the loss", rtol=1e-3, atol=1e-5)


TYPES = """
parts = {name}(np.eye(3, dtype=np.float32), np.array([0, 0, 1]))
result = [isinstance(part, np.ndarray) for part in parts]
"""


def _assert_arrays(student, name):
    """The exercise asks for NumPy arrays, not lists or tensors."""
    assert all(student.run(TYPES.format(name=name))), (
        f"{name} must return three NumPy arrays (not lists or tensors)")


def _assert_same_triplets(got, want, labels):
    """Fail unless ``got`` holds the index arrays of ``want``."""
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise AssertionError("return (anchors, positives, negatives)")
    for part, expected, name in zip(got, want, ("anchors", "positives",
                                                "negatives")):
        part = np.asarray(part).reshape(-1)
        if part.size and part.dtype.kind not in "iu":
            raise AssertionError(f"{name} must be integer indices")
        if not np.array_equal(part, expected):
            raise AssertionError(
                f"{name} differ for a batch of {len(labels)} images "
                f"of {len(set(labels.tolist()))} people")


@hidden_test("test_hardest_triplets")
def test_hardest_triplets(student):
    rng = np.random.default_rng(99)
    cases = [(np.array([0, 1, 0, 2, 1, 2, 3, 0]), 4)]
    for people, per_person, size in [(5, 3, 8), (2, 6, 32), (10, 2, 3)]:
        labels = np.repeat(rng.permutation(50)[:people], per_person)
        cases.append((labels[rng.permutation(len(labels))], size))
    for labels, size in cases:
        embeddings = rng.normal(size=(len(labels), size)).astype(np.float32)
        want = reference.hardest_triplets(embeddings, labels)
        for given in (embeddings, Tensor(embeddings)):
            got = student.hardest_triplets(given, labels)
            _assert_same_triplets(got, want, labels)
    tied = np.array([[0.0, 0.0], [0.0, 3.0], [0.0, -3.0], [2.0, 0.0],
                     [-2.0, 0.0], [0.5, 0.0]], dtype=np.float32)
    tied_labels = np.array([4, 4, 4, 9, 9, 4])
    want = reference.hardest_triplets(tied, tied_labels)
    got = student.hardest_triplets(tied, tied_labels)
    for part, expected in zip(got, want):
        if not np.array_equal(np.asarray(part).reshape(-1), expected):
            raise AssertionError("on ties the smallest index must win")
    alone = student.hardest_triplets(rng.normal(size=(4, 3)),
                                     np.array([1, 2, 3, 4]))
    assert all(np.asarray(part).size == 0 for part in alone), \
        "without positives there are no triplets: return empty arrays"
    single = student.hardest_triplets(rng.normal(size=(3, 3)),
                                      np.array([5, 5, 5]))
    assert all(np.asarray(part).size == 0 for part in single), \
        "without negatives there are no triplets: return empty arrays"
    _assert_arrays(student, "hardest_triplets")


def _semi_hard_cases(rng):
    """Batches with ties, pairs needing the fallback and lonely images."""
    cases = []
    for people, per_person, size in [(4, 3, 4), (3, 5, 8), (6, 2, 3),
                                     (2, 8, 16)]:
        labels = np.repeat(rng.permutation(40)[:people], per_person)
        labels = labels[rng.permutation(len(labels))]
        embeddings = rng.normal(size=(len(labels), size))
        embeddings[0] *= 5.0            # far from all: the fallback
        embeddings[-1] = embeddings[1]  # a copy: distances that tie
        cases.append((embeddings.astype(np.float32), labels))
    labels = np.array([3, 1, 3, 2, 1, 2, 7, 3])
    cases.append((rng.normal(size=(8, 5)).astype(np.float32), labels))
    return cases


@hidden_test("test_semi_hard_triplets")
def test_semi_hard_triplets(student):
    rng = np.random.default_rng(404)
    for embeddings, labels in _semi_hard_cases(rng):
        want = reference.semi_hard_triplets(embeddings, labels)
        for given in (embeddings, Tensor(embeddings)):
            got = student.semi_hard_triplets(given, labels)
            _assert_same_triplets(got, want, labels)
    for labels in (np.array([1, 2, 3, 4]), np.array([5, 5, 5])):
        empty = student.semi_hard_triplets(
            rng.normal(size=(len(labels), 3)), labels)
        assert all(np.asarray(part).size == 0 for part in empty), \
            "without a valid pair there are no triplets: return empty arrays"
    _assert_arrays(student, "semi_hard_triplets")


STEP = """
import keras

model = keras.Sequential([
    keras.Input(shape=(6,)),
    keras.layers.Dense(4, kernel_initializer=keras.initializers.GlorotUniform(
        seed), bias_initializer="zeros"),
])
losses = []
for alpha, rate in [(0.5, 0.1), (1.5, 0.05)]:
    loss = train_step(model, keras.optimizers.SGD(rate), anchors, positives,
                      negatives, alpha)
    losses.append(loss)
weights = model.get_weights()
zero = train_step(model, keras.optimizers.SGD(0.5), anchors, anchors,
                  anchors, 0.0)
unchanged = all(np.allclose(w, v) for w, v in zip(weights,
                                                  model.get_weights()))
result = {"losses": losses, "weights": weights, "zero": zero,
          "unchanged": unchanged}
"""


def _step_inputs():
    rng = np.random.default_rng(77)
    first = rng.normal(size=(7, 6)).astype(np.float32)
    same = first + rng.normal(scale=0.9, size=first.shape)
    other = first + rng.normal(scale=0.6, size=first.shape)
    return {"anchors": first, "positives": same.astype(np.float32),
            "negatives": other.astype(np.float32), "seed": 7}


@fixture
def step_expected():
    """One reference step from the same start, computed by the grader."""
    result = trusted_run(STEP, {"train_step": reference.train_step},
                         **_step_inputs())
    expected = {f"weight{k}": w for k, w in enumerate(result["weights"])}
    expected["losses"] = np.array([float(loss) for loss in result["losses"]])
    return expected


@hidden_test("test_train_step")
def test_train_step(student):
    got = student.run(STEP, **_step_inputs())
    expected = step_expected()
    losses = [expect.scalar(loss, "the returned loss")
              for loss in got["losses"]]
    expect.close(np.array(losses), expected["losses"],
                 "the losses returned by two steps", rtol=1e-4, atol=1e-6)
    weights = [value for key, value in sorted(expected.items())
               if key.startswith("weight")]
    if len(got["weights"]) != len(weights):
        raise AssertionError("the model's weights changed in number")
    for index, (mine, theirs) in enumerate(zip(got["weights"], weights)):
        expect.close(mine, theirs, "the weights after two optimizer steps",
                     rtol=1e-4, atol=1e-5)
    expect.close(expect.scalar(got["zero"], "the loss"), 0.0,
                 "the loss when every triplet satisfies the margin")
    assert got["unchanged"], ("with a zero loss the weights must not change")
