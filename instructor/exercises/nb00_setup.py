"""Notebook 00 (setup): pixel scale and the naive centre crop.

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
    """Return an RGB float32 copy of an image, its pixels in [0, 1]."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        unit = image.astype(np.float32) / 255.0
    elif np.issubdtype(image.dtype, np.floating):
        if image.size and not (np.all(np.isfinite(image))
                               and image.min() >= 0 and image.max() <= 1):
            raise ValueError(
                f"float pixels must already lie in [0, 1], got values from "
                f"{np.nanmin(image)} to {np.nanmax(image)}")
        unit = image.astype(np.float32)
    else:
        raise ValueError(
            f"cannot tell the scale of {image.dtype} pixels: give uint8 "
            f"(0-255) or floats in [0, 1]")
    if unit.ndim == 2:
        unit = np.stack([unit] * 3, axis=-1)
    if unit.ndim not in (3, 4) or unit.shape[-1] != 3:
        raise ValueError(
            f"expected shape (height, width), (height, width, 3) or "
            f"(images, height, width, 3), got {image.shape}")
    return unit


def _unit_range_images():
    """Return the public images: uint8 RGB, gray, dark; float RGB, gray."""
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(4, 5, 3), dtype=np.uint8)
    rgb[0, 0] = 255
    gray = rng.integers(0, 256, size=(4, 5), dtype=np.uint8)
    dark = rng.integers(0, 2, size=(4, 5, 3), dtype=np.uint8)
    dark[0, 0] = 1
    photo = rng.random((4, 5, 3), dtype=np.float32)
    float_gray = rng.random((4, 5))
    batch = rng.integers(0, 256, size=(2, 4, 5, 3), dtype=np.uint8)
    return rgb, gray, dark, photo, float_gray, batch


_RGB, _GRAY, _DARK, _PHOTO, _FLOAT_GRAY, _BATCH = _unit_range_images()

#: The lines every mistake below shares: gray to RGB and the shape rule.
_TO_RGB = """
    if unit.ndim == 2:
        unit = np.stack([unit] * 3, axis=-1)
    if unit.ndim not in (3, 4) or unit.shape[-1] != 3:
        raise ValueError(f"expected (h, w) or (..., h, w, 3), got {unit.shape}")
    return unit
"""
_FLOAT_RULE = """
        if image.min() < 0 or image.max() > 1:
            raise ValueError(f"float values {image.max()} outside [0, 1]")
"""

TO_UNIT_RANGE = Exercise(
    "to_unit_range", to_unit_range,
    cases=(Case("rgb", (_RGB,)), Case("gray", (_GRAY,)),
           Case("dark uint8", (_DARK,)), Case("float photo", (_PHOTO,)),
           Case("float64 gray", (_FLOAT_GRAY,)),
           Case("uint8 batch", (_BATCH,))),
    mistakes=(
    Mistake("divides every image by 255", """
def to_unit_range(image):
    unit = np.asarray(image).astype(np.float32) / 255.0
""" + _TO_RGB, "divided by 255 twice",
            message="A float image already in [0, 1] came back 255 times "
                    "darker: its values look like 0-255 divided by 255 "
                    "twice (a black picture). Only uint8 pixels are on the "
                    "0-255 scale."),
    Mistake("decides the scale from the values", """
def to_unit_range(image):
    image = np.asarray(image)
    if image.max() > 1:
        unit = image.astype(np.float32) / 255.0
    else:
        unit = image.astype(np.float32)
""" + _TO_RGB, "not by the values",
            message="A dark uint8 image (brightest pixel 1 of 255) came back "
                    "unscaled: the scale is given by the dtype, not by the "
                    "values, which can be anything in a dark photo."),
    Mistake("divide by 256", """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype == np.uint8:
        unit = image.astype(np.float32) / 256.0
    else:""" + _FLOAT_RULE + """
        unit = image.astype(np.float32)
""" + _TO_RGB, "255/256",
            message="Pixel 255 became 255/256: white must map to 1.0."),
    Mistake("float64 result", """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype == np.uint8:
        unit = image / 255.0
    else:""" + _FLOAT_RULE + """
        unit = image.astype(np.float64)
""" + _TO_RGB, "dtype float64"),
    Mistake("float image returned as it came", """
def to_unit_range(image):
    if image.dtype == np.uint8:
        return to_rgb(image.astype(np.float32) / 255.0)
    if image.min() < 0 or image.max() > 1:
        raise ValueError(f"float values {image.max()} outside [0, 1]")
    if image.dtype != np.float32:
        image = image.astype(np.float32)
    return to_rgb(image)

def to_rgb(unit):""" + _TO_RGB, "shares memory"),
    Mistake("guesses 0-255 floats", """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype == np.uint8 or image.max() > 1:
        unit = image.astype(np.float32) / 255.0
    else:
        unit = image.astype(np.float32)
""" + _TO_RGB, "should raise ValueError"),
    Mistake("accepts int64 pixels", """
def to_unit_range(image):
    image = np.asarray(image)
    if np.issubdtype(image.dtype, np.integer):
        unit = image.astype(np.float32) / 255.0
    else:""" + _FLOAT_RULE + """
        unit = image.astype(np.float32)
""" + _TO_RGB, "int64"),
    Mistake("gray copies on the first axis", """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype == np.uint8:
        unit = image.astype(np.float32) / 255.0
    else:""" + _FLOAT_RULE + """
        unit = image.astype(np.float32)
    if unit.ndim == 2:
        unit = np.stack([unit] * 3, axis=0)
    return unit
""", "LAST axis"),
    Mistake("gray image left gray", """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image.astype(np.float32) / 255.0
    return image.astype(np.float32)
""", "gray"),
    Mistake("error that says nothing", """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype == np.uint8:
        unit = image.astype(np.float32) / 255.0
    elif image.dtype.kind == "f" and image.min() >= 0 and image.max() <= 1:
        unit = image.astype(np.float32)
    else:
        raise ValueError("bad input")
""" + _TO_RGB, "does not say what was wrong"),
    Mistake("refuses a batch", """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype == np.uint8:
        unit = image.astype(np.float32) / 255.0
    else:""" + _FLOAT_RULE + """
        unit = image.astype(np.float32)
    if unit.ndim == 2:
        unit = np.stack([unit] * 3, axis=-1)
    if unit.ndim != 3 or unit.shape[-1] != 3:
        raise ValueError(f"expected (h, w) or (h, w, 3), got {unit.shape}")
    return unit
""", "batch"),
    Mistake("returns None", """
def to_unit_range(image):
    image = np.asarray(image)
    image = image.astype(np.float32) / 255.0
""", "returned None"),
    ))


# --- center_crop -------------------------------------------------------------


def center_crop(image, size):
    """Return the central size x size square (extra row/column: bottom/right)."""
    height, width = image.shape[:2]
    if size < 1 or size > height or size > width:
        raise ValueError(
            f"cannot crop {size}x{size} from an image of {height}x{width}")
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size, left:left + size]


def _centred_crops(image, size):
    """Return every crop centred to within half a pixel (both rules)."""
    height, width = image.shape[:2]
    tops = sorted({(height - size) // 2, (height - size + 1) // 2})
    lefts = sorted({(width - size) // 2, (width - size + 1) // 2})
    return [image[top:top + size, left:left + size].tolist()
            for top in tops for left in lefts]


def _crop_case(name, image, size):
    """Return a public case that ships every acceptably centred crop."""
    return Case(name, (image, size), extra=lambda reference: {
        "centred": _centred_crops(image, size)})


_WIDE = np.arange(25 * 34 * 3, dtype=np.int32).reshape(25, 34, 3)
_TALL_GRAY = np.arange(24 * 14, dtype=np.int32).reshape(24, 14)

#: The size check every mistake below shares (unless it is the mistake).
_SIZE_RULE = """
    height, width = image.shape[:2]
    if size < 1 or size > height or size > width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
"""

CENTER_CROP = Exercise(
    "center_crop", center_crop,
    cases=(_crop_case("25x34 RGB, size 11", _WIDE, 11),
           _crop_case("24x14 gray, size 7", _TALL_GRAY, 7)),
    mistakes=(
    Mistake("top-left corner", """
def center_crop(image, size):""" + _SIZE_RULE + """
    return image[:size, :size]
""", "top-left corner",
            message="You returned the top-left corner: the crop must sit "
                    "in the middle, with as many rows removed above as "
                    "below (give or take one), and the same for columns."),
    Mistake("rows and columns swapped", """
def center_crop(image, size):""" + _SIZE_RULE + """
    top = (width - size) // 2
    left = (height - size) // 2
    return image[top:top + size, left:left + size]
""", "swap height and width",
            message="The crop is off centre on an image that is wider than "
                    "tall: did you swap height and width? Rows come first."),
    Mistake("whole margin above and left", """
def center_crop(image, size):""" + _SIZE_RULE + """
    return image[height - size:, width - size:]
""", "bottom/right corner",
            message="The crop sits in the bottom/right corner: the margin "
                    "is shared between both sides."),
    Mistake("hard-coded chip size", """
def center_crop(image, size):""" + _SIZE_RULE + """
    top = (height - 150) // 2
    left = (width - 150) // 2
    return image[top:top + 150, left:left + 150]
""", "the size argument"),
    Mistake("crops size - 1", """
def center_crop(image, size):""" + _SIZE_RULE + """
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size - 1, left:left + size - 1]
""", "the size argument"),
    Mistake("no size check", """
def center_crop(image, size):
    height, width = image.shape[:2]
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size, left:left + size]
""", "should raise ValueError"),
    Mistake("error without both sizes", """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size < 1 or size > height or size > width:
        raise ValueError("size too large")
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size, left:left + size]
""", "name both numbers"),
    Mistake("accepts size 0", """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size > height or size > width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size, left:left + size]
""", "at least 1 pixel"),
    Mistake("refuses a crop as large as the image", """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size < 1 or size >= height or size >= width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size, left:left + size]
""", "as tall as the image is allowed"),
    Mistake("returns a list", """
def center_crop(image, size):""" + _SIZE_RULE + """
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size, left:left + size].tolist()
""", "returned a list"),
    Mistake("raises KeyError in own code", """
def center_crop(image, size):
    sizes = {"height": image.shape[0], "width": image.shape[1]}
    top = (sizes["rows"] - size) // 2
    return image[top:top + size]
""", "KeyError: 'rows'"),
    ))

EXERCISES = (TO_UNIT_RANGE, CENTER_CROP)


# --- hidden tests ------------------------------------------------------------

#: Run beside the answers: the image a learner's function is given must be
#: left as it was, and the result must not share its memory.
UNCHANGED = """
before = image.copy()
unit = to_unit_range(image)
result = [bool(np.array_equal(before, image)),
          not np.shares_memory(np.asarray(unit), image)]
"""


@hidden_test("test_to_unit_range")
def test_to_unit_range(student):
    rng = np.random.default_rng(7)
    for image in [rng.integers(0, 256, size=(3, 7, 3), dtype=np.uint8),
                  rng.random((6, 3, 3), dtype=np.float32)]:
        unchanged, copied = student.run(UNCHANGED, image=image)
        assert unchanged, "to_unit_range changed the image it was given"
        assert copied, (f"for a {image.dtype} image the result shares "
                        "memory with the image it was given")
    for shape in [(3, 11, 3), (1, 1, 3), (6, 2, 3)]:
        image = rng.integers(0, 256, size=shape, dtype=np.uint8)
        got = np.asarray(student.to_unit_range(image))
        assert got.dtype == np.float32, f"dtype {got.dtype}, not float32"
        assert got.shape == shape, (
            f"an RGB image gave a result of another shape "
            f"({expect.shape_difference(got.shape, shape)})")
        assert np.allclose(got, image / 255.0, atol=1e-6), \
            f"wrong values for a uint8 {shape} image"
    dim = rng.integers(0, 3, size=(5, 4, 3), dtype=np.uint8)
    got = np.asarray(student.to_unit_range(dim))
    assert np.allclose(got, dim / 255.0, atol=1e-6), \
        "a uint8 image with pixels 0 to 2 is not on the 0-255 scale"
    for image in [rng.random((5, 7, 3)).astype(np.float32),
                  rng.random((2, 9, 3)).astype(np.float16),
                  np.ones((3, 3, 3)), np.zeros((2, 2, 3))]:
        got = np.asarray(student.to_unit_range(image))
        assert got.dtype == np.float32, \
            f"a {image.dtype} image gave dtype {got.dtype}, not float32"
        assert np.allclose(got, image.astype(np.float32), atol=1e-6), \
            f"a {image.dtype} image in [0, 1] came back with other values"
    for batch in [rng.integers(0, 256, size=(3, 2, 5, 3), dtype=np.uint8),
                  rng.random((2, 3, 3, 3))]:
        got = np.asarray(student.to_unit_range(batch))
        scale = 255.0 if batch.dtype == np.uint8 else 1.0
        assert got.shape == batch.shape and np.allclose(
            got, batch / scale, atol=1e-6), \
            f"wrong result for a {batch.dtype} batch of shape {batch.shape}"
    gray = rng.integers(0, 256, size=(3, 11), dtype=np.uint8)
    got = np.asarray(student.to_unit_range(gray))
    assert got.shape == (3, 11, 3), (
        "a gray (h, w) image must give an (h, w, 3) result "
        f"({expect.shape_difference(got.shape, (3, 11, 3))})")
    assert all(np.allclose(got[..., k], gray / 255.0) for k in range(3)), \
        "the gray channel is not repeated in each RGB channel"
    float_gray = rng.random((2, 6))
    got = np.asarray(student.to_unit_range(float_gray))
    assert got.shape == (2, 6, 3) and np.allclose(
        got[..., 1], float_gray, atol=1e-6), \
        "a float gray image in [0, 1] is not repeated to RGB unchanged"
    for bad, what in [
            (np.zeros((2, 2, 4), np.uint8), "an image of 4 channels"),
            (np.zeros((2, 2, 3, 1), np.uint8), "an array of 4 axes"),
            (np.zeros((2, 2), np.int64), "int64 pixels"),
            (np.zeros((2, 2), np.uint16), "uint16 pixels"),
            (np.zeros((2, 2), bool), "a boolean mask"),
            (np.full((2, 2, 3), 7.5), "float pixels up to 7.5"),
            (np.full((2, 2, 3), -0.25), "negative float pixels"),
            (np.full((2, 2, 3), np.nan), "NaN pixels")]:
        assert student.raises("ValueError", "to_unit_range", bad), \
            f"no ValueError for {what}"


@hidden_test("test_center_crop")
def test_center_crop(student):
    def centred(got, image, size, what):
        got = np.asarray(got)
        assert got.shape == (size, size) + image.shape[2:], (
            f"wrong shape for {what} "
            f"({expect.shape_difference(got.shape, (size, size))})")
        allowed = [np.asarray(crop) for crop in _centred_crops(image, size)]
        assert any(np.array_equal(got, crop) for crop in allowed), \
            f"the crop of {what} is not centred"

    tall = np.arange(19 * 11).reshape(19, 11)
    centred(student.center_crop(tall, 11), tall, 11, "a 19x11 image")
    image = np.arange(31 * 44 * 3).reshape(31, 44, 3)
    centred(student.center_crop(image, 13), image, 13, "a 31x44 image")
    centred(student.center_crop(image, 29), image, 29, "a 31x44 image")
    odd = np.arange(49).reshape(7, 7)
    centred(student.center_crop(odd, 2), odd, 2, "a 7x7 image")
    same = np.asarray(student.center_crop(np.zeros((9, 9, 3)), 9))
    assert same.shape == (9, 9, 3), "cropping the full size changed the shape"
    assert student.raises("ValueError", "center_crop", tall, 12), \
        "no ValueError when size exceeds the width"
    assert student.raises("ValueError", "center_crop", image, 32), \
        "no ValueError when size exceeds the height"
    for size in (0, -3):
        assert student.raises("ValueError", "center_crop", image, size), \
            "no ValueError for a size that is not positive"
    try:
        student.center_crop(image, 45)
    except StudentError as error:
        text = str(error.evalue)
    else:
        text = ""
    assert "45" in text and "31" in text and "44" in text, \
        "the ValueError for size 45 of a 31x44 image does not name both sizes"
