"""Hidden tests of 00_setup."""

import numpy as np

from instructor.grading.cleanroom import StudentError
from instructor.grading.harness import hidden_test

ASSIGNMENT = "00_setup"
PRELUDE = "import numpy as np"


@hidden_test("test_to_unit_range")
def test_to_unit_range(student):
    rng = np.random.default_rng(7)
    for shape in [(3, 11, 3), (1, 1, 3), (6, 2, 3)]:
        image = rng.integers(0, 256, size=shape, dtype=np.uint8)
        got = np.asarray(student.to_unit_range(image))
        assert got.dtype == np.float32, f"dtype {got.dtype}, not float32"
        assert got.shape == shape, f"shape {got.shape} for input {shape}"
        assert np.allclose(got, image / 255.0, atol=1e-6), \
            f"values differ from pixel / 255 for a {shape} image"
    gray = rng.integers(0, 256, size=(3, 11), dtype=np.uint8)
    got = np.asarray(student.to_unit_range(gray))
    assert got.shape == (3, 11, 3), f"a (3, 11) gray image gave {got.shape}"
    assert all(np.allclose(got[..., k], gray / 255.0) for k in range(3)), \
        "the gray channel is not repeated in each RGB channel"
    for bad in [np.zeros((2, 2, 4), np.uint8), np.zeros((2, 2, 3, 1), np.uint8),
                np.zeros((2, 2), np.int64), np.zeros((2, 2, 3), np.float64)]:
        assert student.raises("ValueError", "to_unit_range", bad), \
            f"no ValueError for an input of shape {bad.shape}, dtype {bad.dtype}"


@hidden_test("test_center_crop")
def test_center_crop(student):
    tall = np.arange(9 * 4).reshape(9, 4)
    got = np.asarray(student.center_crop(tall, 4))
    assert np.array_equal(got, tall[2:6]), "wrong crop of a 9x4 image"
    image = np.arange(7 * 10 * 3).reshape(7, 10, 3)
    got = np.asarray(student.center_crop(image, 5))
    assert np.array_equal(got, image[1:6, 2:7]), "wrong crop of a 7x10 image"
    odd = np.arange(25).reshape(5, 5)
    got = np.asarray(student.center_crop(odd, 2))
    assert np.array_equal(got, odd[1:3, 1:3]), "wrong crop with an odd margin"
    same = np.asarray(student.center_crop(np.zeros((5, 5, 3)), 5))
    assert same.shape == (5, 5, 3), "cropping the full size changed the shape"
    assert student.raises("ValueError", "center_crop", tall, 5), \
        "no ValueError when size exceeds the width"
    assert student.raises("ValueError", "center_crop", image, 8), \
        "no ValueError when size exceeds the height"
    for size in (0, -3):
        assert student.raises("ValueError", "center_crop", image, size), \
            f"no ValueError for size {size}"
    try:
        student.center_crop(image, 11)
    except StudentError as error:
        text = str(error.evalue)
    else:
        text = ""
    assert "11" in text and "7" in text and "10" in text, \
        "the ValueError for size 11 of a 7x10 image does not name both sizes"
