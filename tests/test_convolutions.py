"""Output shapes of 1D/2D/3D convolutions, their check and the datasets."""

import math

import numpy as np
import pytest

from helpers.checks.common import shipped_cases
from helpers.checks.nb06_quiz_and_convolutions import check_conv_output_shape
from helpers.convolutions import (
    VOLUME_CLASSES,
    synthetic_ekg,
    synthetic_volumes,
)
from instructor.exercises.nb06_quiz_and_convolutions import (
    CASES,
    conv_output_shape,
)


def keras_conv_output_shape(input_shape, kernel_size, filters, strides=1,
                            padding="valid"):
    """Return what Keras' ConvND gives on a zero tensor of ``input_shape``.

    Kept here, not in the learner's package: it would compute notebook
    06's exercise.
    """
    import keras

    axes = len(input_shape) - 1
    conv = {1: keras.layers.Conv1D, 2: keras.layers.Conv2D,
            3: keras.layers.Conv3D}[axes]
    zero_padding = {1: keras.layers.ZeroPadding1D,
                    2: keras.layers.ZeroPadding2D,
                    3: keras.layers.ZeroPadding3D}[axes]
    tensor = np.zeros((1, *input_shape), dtype=np.float32)
    if not isinstance(padding, str):
        pads = (padding,) * axes if isinstance(padding, int) else padding
        tensor = zero_padding(pads[0] if axes == 1 else pads)(tensor)
        padding = "valid"
    layer = conv(filters, kernel_size, strides=strides, padding=padding)
    return tuple(int(n) for n in layer(tensor).shape[1:])

CONFIGURATIONS = [
    ((100, 1), 7, 8, 1, "valid"),
    ((100, 3), 4, 2, 3, "same"),
    ((7, 2), 9, 1, 2, "same"),  # 'same' works even when the kernel is wider
    ((28, 28, 3), 5, 6, 2, 1),
    ((13, 8, 1), (3, 1), 4, (2, 3), (0, 2)),
    ((32, 32, 32, 16), 3, 32, 1, "valid"),
    ((9, 10, 11, 2), (3, 2, 1), 4, (2, 1, 3), (1, 0, 2)),
    ((10, 9, 8, 1), 3, 2, 2, "same"),
]


@pytest.mark.parametrize("args", CONFIGURATIONS)
def test_reference_matches_keras(args):
    assert conv_output_shape(*args) == keras_conv_output_shape(*args)


@pytest.mark.parametrize("args", CASES, ids=repr)
def test_shipped_shapes_are_what_keras_gives(args):
    # The public check compares with these shapes (and the generator
    # writes them with the reference): each must be Keras' own.
    cases = shipped_cases("helpers.checks.nb06_quiz_and_convolutions",
                          "conv_output_shape")
    assert tuple(cases.expected(repr(args))) == keras_conv_output_shape(*args)


def test_formula_on_an_example():
    # (n + 2p - f) // s + 1 = (21 + 2 - 4) // 3 + 1 = 7
    assert conv_output_shape((21, 5), 4, 3, 3, 1) == (7, 3)
    assert conv_output_shape((21, 5), 4, 3, 3, "same") == (math.ceil(21 / 3), 3)


@pytest.mark.parametrize("args, message", [
    (((4, 1), 7, 8), "does not fit"),
    (((32, 32), 3, 4, 1, "full"), "padding must be"),
    (((32,), 3, 4), "input_shape"),
    (((8, 8, 8, 8, 8, 1), 3, 4), "input_shape"),
    (((8, 8, 1), (3, 3, 3), 4), "kernel_size"),
    (((8, 8, 1), 3, 0), "filters"),
    (((8, 8, 1), 3, 4, 0), "strides"),
    (((8, 8, 1), 3, 4, 1, -1), "padding"),
])
def test_reference_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        conv_output_shape(*args)


def _learner(source):
    """Define a function in a namespace that looks like a notebook's."""
    namespace = {"__name__": "__main__", "math": math}
    exec(source, namespace)
    return namespace["conv_output_shape"]


CORRECT = '''
def conv_output_shape(input_shape, kernel_size, filters, strides=1,
                      padding="valid"):
    axes = len(input_shape) - 1
    def each(value):
        return tuple(value) if isinstance(value, tuple) else (value,) * axes
    sizes = []
    for n, f, s, p in zip(input_shape[:-1], each(kernel_size), each(strides),
                          each(0 if padding in ("valid", "same") else padding)):
        if padding == "same":
            sizes.append(math.ceil(n / s))
            continue
        if n + 2 * p < f:
            raise ValueError("kernel does not fit")
        sizes.append((n + 2 * p - f) // s + 1)
    return tuple(sizes) + (filters,)
'''


def test_check_accepts_a_correct_learner_function(capsys):
    check_conv_output_shape(_learner(CORRECT))
    assert "all public tests passed" in capsys.readouterr().out


@pytest.mark.parametrize("mistake, message", [
    ("tuple(sizes) + (filters,)", "returns the input channels"),
    ("(n + 2 * p - f) // s + 1", "(n + 2 * p - f) // s"),
    ("(n + 2 * p - f) // s + 1", "(n + 2 * p - f) / s + 1"),
    ("math.ceil(n / s)", "n"),
    ("math.ceil(n / s)", "n // s"),
    ("tuple(sizes) + (filters,)", "tuple(sizes) + (11,)"),
    ("n + 2 * p - f) // s", "n + p - f) // s"),
    ("        if n + 2 * p < f:\n            raise", "        if False:\n"
     "            raise"),
])
def test_check_names_the_classic_mistakes(mistake, message):
    expected = {
        "returns the input channels": "counts the filters",
        "(n + 2 * p - f) // s": "one short",
        "(n + 2 * p - f) / s + 1": "whole numbers",
        "n": "stride still skips",
        "n // s": "rounded the wrong way",
        "tuple(sizes) + (11,)": "filters argument",
        "n + p - f) // s": "BOTH ends",
        "        if False:\n            raise": "raise a ValueError",
    }[message]
    if message == "returns the input channels":
        message = "tuple(sizes) + (input_shape[-1],)"
    source = CORRECT.replace(mistake, message)
    assert source != CORRECT
    with pytest.raises(AssertionError, match=expected):
        check_conv_output_shape(_learner(source))


def test_check_rejects_the_reference():
    with pytest.raises(AssertionError, match="course module"):
        check_conv_output_shape(conv_output_shape)


def test_check_rejects_a_wrapper_of_course_code():
    wrapper = _learner(
        "def conv_output_shape(*args):\n"
        "    synthetic_ekg(1)\n"
        "    return (1, args[2])\n")
    wrapper.__globals__["synthetic_ekg"] = synthetic_ekg
    with pytest.raises(AssertionError, match="course package 'helpers'"):
        check_conv_output_shape(wrapper)


def test_no_learner_function_measures_the_shape():
    # The learner's package once had keras_conv_output_shape, which
    # computed the exercise's result: nothing there may compute it now.
    import helpers.convolutions

    public = [name for name in dir(helpers.convolutions)
              if not name.startswith("_")]
    assert not [name for name in public if "shape" in name], public


def test_synthetic_ekg_shapes_and_labels():
    signals, labels = synthetic_ekg(30, length=300, seed=3)
    assert signals.shape == (30, 300, 1) and signals.dtype == np.float32
    assert labels.dtype == np.int64 and labels.sum() == 15
    assert np.all(np.isfinite(signals))
    again, _ = synthetic_ekg(30, length=300, seed=3)
    assert np.array_equal(signals, again)
    other, _ = synthetic_ekg(30, length=300, seed=4)
    assert not np.array_equal(signals, other)


def test_synthetic_ekg_classes_differ():
    # Normal beats have a P wave about 0.2 s before every R peak; the
    # arrhythmic traces miss it or have premature wide beats, so a simple
    # feature - the spread of the R-R intervals - already tells them apart
    # on average.
    signals, labels = synthetic_ekg(200, seed=0)
    spread = []
    for trace in signals[..., 0]:
        peaks = [i for i in range(1, len(trace) - 1)
                 if trace[i] > 0.55 and trace[i] >= trace[i - 1]
                 and trace[i] >= trace[i + 1]]
        spread.append(np.std(np.diff(peaks)) / np.mean(np.diff(peaks)))
    spread = np.array(spread)
    assert spread[labels == 1].mean() > 2 * spread[labels == 0].mean()


def test_synthetic_ekg_rejects_bad_input():
    with pytest.raises(ValueError, match="count"):
        synthetic_ekg(0)
    with pytest.raises(ValueError, match="length"):
        synthetic_ekg(5, length=50)


def test_synthetic_volumes():
    volumes, labels = synthetic_volumes(12, size=12, seed=1)
    assert volumes.shape == (12, 12, 12, 12, 1)
    assert volumes.dtype == np.float32
    assert np.bincount(labels).tolist() == [4] * len(VOLUME_CLASSES)
    clean, clean_labels = synthetic_volumes(30, size=16, noise=0.0, seed=2)
    extent = [np.ptp(np.argwhere(v[..., 0] > 0.35), axis=0) for v in clean]
    # rods and plates are much longer along some axes than along others
    ratio = np.array([e.max() / max(e.min(), 1) for e in extent])
    assert ratio[clean_labels == 0].mean() < ratio[clean_labels != 0].mean()


def test_synthetic_volumes_rejects_bad_input():
    with pytest.raises(ValueError, match="size"):
        synthetic_volumes(3, size=4)
    with pytest.raises(ValueError, match="noise"):
        synthetic_volumes(3, noise=-1)
