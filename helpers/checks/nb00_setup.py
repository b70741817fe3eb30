"""Public tests for notebook 00 (setup).

Inputs, expected values and the signatures of recognised mistakes come from
``expected/nb00_setup.json`` (``python -m instructor.exercises``).
"""

import numpy as np

from helpers.checks.common import (
    assert_own_function,
    learner_check,
    passed,
    shipped_cases,
)


@learner_check("to_unit_range")
def check_to_unit_range(to_unit_range):
    """Check the learner's ``to_unit_range`` with named mistakes."""
    to_unit_range = assert_own_function(to_unit_range)
    cases = shipped_cases(__name__, "to_unit_range")
    (rgb,), (gray,) = cases.inputs("rgb"), cases.inputs("gray")
    result = np.asarray(cases.call(to_unit_range, "rgb"))
    if result.dtype != np.float32:
        raise AssertionError(
            f"The result has dtype {result.dtype}; convert it with "
            ".astype(np.float32)."
        )
    if result.shape != (4, 5, 3):
        raise AssertionError(
            f"An RGB input of shape (4, 5, 3) gave shape {result.shape}; "
            "the shape should not change."
        )
    cases.name_mistake(result, "rgb")
    if result.max() > 1.0 + 1e-6:
        raise AssertionError(
            f"Values go up to {result.max():.1f}; divide by 255 to get [0, 1]."
        )
    cases.check(result, "rgb", "Values differ from pixel / 255.")

    result = np.asarray(to_unit_range(gray))
    if result.shape == (3, 4, 5):
        raise AssertionError(
            "A grayscale (4, 5) image became (3, 4, 5): stack the channel "
            "copies along the LAST axis (axis=-1), not the first."
        )
    if result.shape != (4, 5, 3):
        raise AssertionError(
            f"A grayscale (4, 5) image gave shape {result.shape}; expected "
            "(4, 5, 3), the gray channel repeated three times."
        )
    cases.check(result, "gray",
                "Each RGB channel should equal the gray image.")

    for bad, reason, named in [
        (rgb.astype(np.float64), "float64 pixels", ["float64", "uint8"]),
        (np.zeros((4, 5, 4), np.uint8), "4 channels (RGBA)",
         ["(4, 5, 4)", "4 channels", "channel"]),
    ]:
        try:
            to_unit_range(bad)
        except ValueError as error:
            if not any(word in str(error) for word in named):
                raise AssertionError(
                    f"An input with {reason} raised ValueError({str(error)!r}"
                    "), which does not say what was wrong: name the dtype "
                    "or the shape you received."
                ) from None
            continue
        raise AssertionError(f"An input with {reason} should raise "
                             "ValueError.")
    passed("to_unit_range")


def _crop_error(center_crop, image, size):
    """Return the ValueError text of center_crop(image, size), or None."""
    try:
        center_crop(image, size)
    except ValueError as error:
        return str(error)
    return None


@learner_check("center_crop")
def check_center_crop(center_crop):
    """Check the learner's ``center_crop`` with named mistakes."""
    center_crop = assert_own_function(center_crop)
    cases = shipped_cases(__name__, "center_crop")
    case = "6x8 image, size 4"
    image, _ = cases.inputs(case)
    result = cases.call(center_crop, case)
    if not isinstance(result, np.ndarray):
        raise AssertionError(
            f"center_crop returned a {type(result).__name__}; return the "
            "NumPy array you sliced out of the image."
        )
    if result.shape != (4, 4, 3):
        raise AssertionError(
            f"Cropping 4x4 from a (6, 8, 3) image gave shape {result.shape}; "
            "expected (4, 4, 3) - rows first, then columns, channels kept."
        )
    cases.check(result, case, "The crop is off centre: for a 6x8 image and "
                "size 4 it should be rows 1..4 and columns 2..5 (did you "
                "swap height and width?).")
    case = "5x5 image, size 2"
    cases.check(np.asarray(cases.call(center_crop, case)), case,
                "With an odd margin the extra row/column must be dropped at "
                "the bottom/right: from 5x5, size 2 keeps rows 1..2 and "
                "columns 1..2.")
    whole_error = _crop_error(center_crop, image, 6)
    if whole_error is not None:
        raise AssertionError(
            f"A size equal to the height (6) raised ValueError({whole_error!r}"
            "); a crop as tall as the image is allowed (size <= height)."
        )
    whole = np.asarray(center_crop(image, 6))
    if whole.shape != (6, 6, 3):
        raise AssertionError(
            f"A size equal to the height (6) gave shape {whole.shape}; "
            "expected (6, 6, 3): a crop as tall as the image is allowed."
        )
    for size, what in [(7, "larger than the height (7 > 6)"),
                       (9, "larger than the width (9 > 8)")]:
        text = _crop_error(center_crop, image, size)
        if text is None:
            raise AssertionError(
                f"A size {what} should raise ValueError.")
        if str(size) not in text or "6" not in text:
            raise AssertionError(
                f"Your ValueError says {text!r}; name both numbers, the "
                f"size asked for ({size}) and the image's size (6x8)."
            )
    for size in [0, -2]:
        if _crop_error(center_crop, image, size) is None:
            raise AssertionError(
                f"center_crop(image, {size}) should raise ValueError: a crop "
                "needs a size of at least 1 pixel."
            )
    passed("center_crop")
