"""The public checks of notebook 00 on right and wrong learner functions."""

import textwrap

import numpy as np
import pytest

from helpers.checks import nb00_setup as checks

TO_UNIT_RANGE = """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype == np.uint8:
        image = image.astype(np.float32) / 255.0
    elif image.dtype.kind == "f" and 0 <= image.min() <= image.max() <= 1:
        image = image.astype(np.float32)
    else:
        raise ValueError(f"{image.dtype} values {image.min()}..{image.max()}"
                         " are not uint8 nor float in [0, 1]")
    if image.ndim in (3, 4) and image.shape[-1] != 3:
        raise ValueError(f"RGB only, got shape {image.shape}")
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return image
"""

CENTER_CROP = """
def center_crop(image, size):
    height, width = image.shape[:2]
    if not 1 <= size <= min(height, width):
        raise ValueError(f"cannot crop {size}x{size} from {height}x{width}")
    top, left = (height - size) // 2, (width - size) // 2
    return image[top:top + size, left:left + size]
"""


def notebook(source, name, **replacements):
    """Run ``source`` (with text replaced) as a notebook cell."""
    for old, new in replacements.items():
        assert old in source, old
        source = source.replace(old, new)
    namespace = {"__name__": "__main__", "np": np}
    exec(textwrap.dedent(source), namespace)
    return namespace[name]


def test_right_functions_pass(capsys):
    checks.check_to_unit_range(notebook(TO_UNIT_RANGE, "to_unit_range"))
    checks.check_center_crop(notebook(CENTER_CROP, "center_crop"))
    assert capsys.readouterr().out.count("all public tests passed") == 2


@pytest.mark.parametrize("old, new, message", [
    ("/ 255.0", "/ 256.0", "255/256"),
    ("image.astype(np.float32) / 255.0", "image.astype(np.float32)",
     "values go up to"),
    ("astype(np.float32)\n", "astype(np.float64)\n", "dtype float64"),
    ("axis=-1", "axis=0", "LAST axis"),
    ("image = image.astype(np.float32)\n", "image = image / 255.0\n",
     "divided by 255 twice"),
    ("image = image.astype(np.float32)\n",
     "image = image.astype(np.float32, copy=False)\n", "shares memory"),
    ('and 0 <= image.min() <= image.max() <= 1', "", "float pixels from 0"),
])
def test_to_unit_range_mistakes_are_named(old, new, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_to_unit_range(
            notebook(TO_UNIT_RANGE, "to_unit_range", **{old: new}))


@pytest.mark.parametrize("old, new, message", [
    ("image[top:top + size, left:left + size]", "image[:size, :size]",
     "top-left corner"),
    ("(height - size) // 2, (width - size) // 2",
     "(width - size) // 2, (height - size) // 2", "swap height and width"),
    ("(height - size) // 2, (width - size) // 2",
     "(height - size) // 2 + 1, (width - size) // 2", "off centre"),
    ("image[top:top + size, left:left + size]", "image[top:top + 150, left:left + 150]",
     "the size argument"),
])
def test_center_crop_mistakes_are_named(old, new, message):
    """Each wrong crop is named; an odd margin may go either way."""
    with pytest.raises(AssertionError, match=message):
        checks.check_center_crop(
            notebook(CENTER_CROP, "center_crop", **{old: new}))


def test_either_side_may_take_an_odd_margin(capsys):
    checks.check_center_crop(notebook(
        CENTER_CROP, "center_crop",
        **{"(height - size) // 2, (width - size) // 2":
           "(height - size + 1) // 2, (width - size + 1) // 2"}))
    assert "all public tests passed" in capsys.readouterr().out
