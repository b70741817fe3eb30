"""Notebook 00 (setup): pixel range and centre crop.

One section per graded exercise: the reference, the public cases, the
mistakes learners make and the hidden test.
"""

import numpy as np

from instructor.exercises import expect
from instructor.exercises.spec import Case, Exercise, Mistake
from instructor.grading.cleanroom import StudentError
from instructor.grading.harness import hidden_test

NOTEBOOK = "00_setup"
#: What answer cells may rely on (the clean room and the catalogue).
PRELUDE = "import numpy as np"


# --- to_unit_range -----------------------------------------------------------


def to_unit_range(image):
    """Return an RGB float32 copy of a uint8 image scaled to [0, 1]."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"expected uint8 pixels, got dtype {image.dtype}")
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(
            f"expected shape (height, width) or (height, width, 3), "
            f"got {image.shape}"
        )
    return image.astype(np.float32) / 255.0


def _unit_range_images():
    """Return the public RGB (4, 5, 3) and gray (4, 5) uint8 images."""
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(4, 5, 3), dtype=np.uint8)
    rgb[0, 0] = 255
    gray = rng.integers(0, 256, size=(4, 5), dtype=np.uint8)
    return rgb, gray


_RGB, _GRAY = _unit_range_images()

TO_UNIT_RANGE = Exercise(
    "to_unit_range", to_unit_range,
    cases=(Case("rgb", (_RGB,)), Case("gray", (_GRAY,))),
    mistakes=(
    Mistake('divide by 256', """
def to_unit_range(image):
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return image.astype(np.float32) / 256.0
""", 'divide by 255',
            message="Pixel 255 became 255/256: divide by 255 so white maps "
                    "to 1.0."),
    Mistake('float64 result', """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError("expected uint8")
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return image / 255.0
""", 'dtype float64'),
    Mistake('no scaling', """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError("expected uint8")
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return image.astype(np.float32)
""", '255'),
    Mistake('gray image left gray', """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError("expected uint8")
    return image.astype(np.float32) / 255.0
""", 'gray'),
    Mistake('accepts float input', """
def to_unit_range(image):
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return image.astype(np.float32) / 255.0
""", 'should raise ValueError'),
    Mistake('returns None', """
def to_unit_range(image):
    image = np.asarray(image)
    image = image.astype(np.float32) / 255.0
""", 'returned None'),
    Mistake('gray copies on the first axis', """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"expected uint8, got {image.dtype}")
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=0)
    return image.astype(np.float32) / 255.0
""", 'LAST axis'),
    Mistake('error that says nothing', """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError("bad input")
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    if image.shape[-1] != 3:
        raise ValueError("bad input")
    return image.astype(np.float32) / 255.0
""", 'does not say what was wrong'),
    ))


# --- center_crop -------------------------------------------------------------


def center_crop(image, size):
    """Return the central size x size square of an image array."""
    height, width = image.shape[:2]
    if size < 1 or size > height or size > width:
        raise ValueError(
            f"cannot crop {size}x{size} from an image of {height}x{width}"
        )
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size, left:left + size]


OFF_CENTRE = ("The crop is off centre: for a 6x8 image and size 4 it should "
              "be rows 1..4 and columns 2..5.")
ODD_MARGIN = ("With an odd margin the extra row/column must be dropped at "
              "the bottom/right: from 5x5, size 2 keeps rows 1..2 and columns "
              "1..2.")

CENTER_CROP = Exercise(
    "center_crop", center_crop,
    cases=(Case("6x8 image, size 4", (np.arange(6 * 8 * 3).reshape(6, 8, 3), 4)),
           Case("5x5 image, size 2", (np.arange(5 * 5).reshape(5, 5), 2))),
    mistakes=(
    Mistake('top-left corner', """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size > height or size > width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
    return image[:size, :size]
""", 'top-left corner',
            message="You returned the top-left corner; start at "
                    "(height - size) // 2 and (width - size) // 2."),
    Mistake('rows and columns swapped', """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size > height or size > width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
    top = (width - size) // 2
    left = (height - size) // 2
    return image[top:top + size, left:left + size]
""", 'off centre',
            message=OFF_CENTRE + " Did you swap height and width?"),
    Mistake('extra row at the top', """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size > height or size > width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
    top = -(-(height - size) // 2)
    left = -(-(width - size) // 2)
    return image[top:top + size, left:left + size]
""", 'bottom/right',
            message=ODD_MARGIN),
    Mistake('whole margin above and left', """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size < 1 or size > height or size > width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
    top = height - size
    left = width - size
    return image[top:top + size, left:left + size]
""", 'bottom/right edge',
            message="The crop ends at the bottom/right edge: the margin is "
                    "split between both sides, (height - size) // 2 rows "
                    "above."),
    Mistake('no size check', """
def center_crop(image, size):
    height, width = image.shape[:2]
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size, left:left + size]
""", 'should raise ValueError'),
    Mistake('crops size - 1', """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size > height or size > width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size - 1, left:left + size - 1]
""", 'expected (4, 4, 3)'),
    Mistake('error without both sizes', """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size > height or size > width:
        raise ValueError("size too large")
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size, left:left + size]
""", 'name both numbers'),
    Mistake('accepts size 0', """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size > height or size > width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size, left:left + size]
""", 'at least 1 pixel'),
    Mistake('refuses a crop as large as the image', """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size < 1 or size >= height or size >= width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size, left:left + size]
""", 'as tall as the image is allowed'),
    Mistake('returns a list', """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size < 1 or size > height or size > width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size, left:left + size].tolist()
""", 'returned a list'),
    Mistake('raises KeyError in own code', """
def center_crop(image, size):
    sizes = {"height": image.shape[0], "width": image.shape[1]}
    top = (sizes["rows"] - size) // 2
    return image[top:top + size]
""", "KeyError: 'rows'"),
    ))

EXERCISES = (TO_UNIT_RANGE, CENTER_CROP)


# --- hidden tests ------------------------------------------------------------

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
