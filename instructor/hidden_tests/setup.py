"""Hidden tests of 00_setup."""

import numpy as np

from instructor.grading.cleanroom import StudentError
from instructor.grading.harness import hidden_test
from instructor.hidden_tests import _expect as expect

ASSIGNMENT = "00_setup"
PRELUDE = "import numpy as np"


#: Run beside the answers: the image a learner's function is given must
#: be left as it was.
UNCHANGED = """
before = image.copy()
to_unit_range(image)
result = bool(np.array_equal(before, image))
"""


@hidden_test("test_to_unit_range")
def test_to_unit_range(student):
    rng = np.random.default_rng(7)
    assert student.run(UNCHANGED, image=rng.integers(
        0, 256, size=(4, 5, 3), dtype=np.uint8)), \
        "to_unit_range changed the image it was given"
    for shape in [(3, 11, 3), (1, 1, 3), (6, 2, 3)]:
        image = rng.integers(0, 256, size=shape, dtype=np.uint8)
        got = np.asarray(student.to_unit_range(image))
        assert got.dtype == np.float32, f"dtype {got.dtype}, not float32"
        assert got.shape == shape, (
            f"an RGB image gave a result of another shape "
            f"({expect.shape_difference(got.shape, shape)})")
        assert np.allclose(got, image / 255.0, atol=1e-6), \
            f"values differ from pixel / 255 for a {shape} image"
    gray = rng.integers(0, 256, size=(3, 11), dtype=np.uint8)
    got = np.asarray(student.to_unit_range(gray))
    assert got.shape == (3, 11, 3), (
        "a gray (h, w) image must give an (h, w, 3) result "
        f"({expect.shape_difference(got.shape, (3, 11, 3))})")
    assert all(np.allclose(got[..., k], gray / 255.0) for k in range(3)), \
        "the gray channel is not repeated in each RGB channel"
    for bad, what in [
            (np.zeros((2, 2, 4), np.uint8), "an image of 4 channels"),
            (np.zeros((2, 2, 3, 1), np.uint8), "an array of 4 axes"),
            (np.zeros((2, 2), np.int64), "int64 pixels"),
            (np.zeros((2, 2, 3), np.float64), "float64 pixels")]:
        assert student.raises("ValueError", "to_unit_range", bad), \
            f"no ValueError for {what}"


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
            "no ValueError for a size that is not positive"
    try:
        student.center_crop(image, 11)
    except StudentError as error:
        text = str(error.evalue)
    else:
        text = ""
    assert "11" in text and "7" in text and "10" in text, \
        "the ValueError for size 11 of a 7x10 image does not name both sizes"
