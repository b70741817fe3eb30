"""Public tests for notebook 00 (setup).

Inputs, expected values and the signatures of recognised mistakes come from
``expected/nb00_setup.json`` (``python -m instructor.exercises``).
"""

import numpy as np

from helpers.checks.common import (
    assert_own_function,
    learner_check,
    passed,
    same_values,
    shipped_cases,
)


def _value_error(function, *args):
    """Return the ValueError text of ``function(*args)``, or None."""
    try:
        function(*args)
    except ValueError as error:
        return str(error)
    return None


def _unit_result(to_unit_range, cases, case, shape):
    """Return the learner's result on ``case`` after dtype and shape checks."""
    result = np.asarray(cases.call(to_unit_range, case))
    if result.dtype != np.float32:
        raise AssertionError(
            f"On the {case} image the result has dtype {result.dtype}; the "
            "contract is float32 whatever the input's dtype.")
    if result.shape == (3,) + shape[:2]:
        raise AssertionError(
            f"A gray {shape[:2]} image became {result.shape}: the three "
            "copies of the gray channel go along the LAST axis.")
    if result.shape != shape:
        raise AssertionError(
            f"The {case} image gave shape {result.shape}, expected {shape} "
            "(a gray image becomes RGB, an RGB image keeps its shape).")
    return result


@learner_check("to_unit_range")
def check_to_unit_range(to_unit_range):
    """Check the learner's ``to_unit_range`` with named mistakes."""
    to_unit_range = assert_own_function(to_unit_range)
    cases = shipped_cases(__name__, "to_unit_range")
    for case in ["rgb", "float photo", "dark uint8", "gray", "float64 gray"]:
        result = _unit_result(to_unit_range, cases, case, (4, 5, 3))
        cases.name_mistake(result, case)
        if result.max() > 1.0 + 1e-6:
            raise AssertionError(
                f"On the {case} image values go up to {result.max():.1f}; "
                "the result must lie in [0, 1].")
        cases.check(result, case, f"Wrong values on the {case} image.")
    (batch,) = cases.inputs("uint8 batch")
    try:
        result = np.asarray(cases.call(to_unit_range, "uint8 batch"))
    except ValueError as error:
        raise AssertionError(
            f"A batch of shape {batch.shape} (two RGB images, as np.stack or "
            f"fetch_lfw_people give) raised ValueError({str(error)!r}); a "
            "batch of RGB images is part of the contract.") from None
    if result.shape != batch.shape or result.dtype != np.float32:
        raise AssertionError(
            f"A uint8 batch of shape {batch.shape} gave {result.dtype} "
            f"{result.shape}; expected float32 {batch.shape}.")
    cases.check(result, "uint8 batch", "Wrong values on the uint8 batch.")
    (photo,) = cases.inputs("float photo")
    if np.shares_memory(np.asarray(to_unit_range(photo)), photo):
        raise AssertionError(
            "For a float32 image the result shares memory with the image "
            "you were given: changing one would change the other. Return "
            "a new array.")

    (rgb,) = cases.inputs("rgb")
    for bad, reason, named in [
        (rgb.astype(np.float32), "float pixels from 0 to 255",
         ["float", "[0, 1]", "255"]),
        (rgb.astype(np.int64), "int64 pixels", ["int64"]),
        (np.zeros((4, 5, 4), np.uint8), "4 channels (RGBA)",
         ["(4, 5, 4)", "4 channels", "channel"]),
    ]:
        text = _value_error(to_unit_range, bad)
        if text is None:
            raise AssertionError(
                f"An input with {reason} should raise ValueError: its scale "
                "or layout is not one the contract can interpret, and a "
                "guess would hand a wrong image to the next step.")
        if not any(word in text for word in named):
            raise AssertionError(
                f"An input with {reason} raised ValueError({text!r}), which "
                "does not say what was wrong: name the dtype, the values or "
                "the shape you received.")
    passed("to_unit_range")


@learner_check("center_crop")
def check_center_crop(center_crop):
    """Check the learner's ``center_crop`` with named mistakes."""
    center_crop = assert_own_function(center_crop)
    cases = shipped_cases(__name__, "center_crop")
    for case in cases.cases:
        image, size = cases.inputs(case)
        result = cases.call(center_crop, case)
        if not isinstance(result, np.ndarray):
            raise AssertionError(
                f"center_crop returned a {type(result).__name__}; return the "
                "NumPy array you cut out of the image.")
        shape = (size, size) + image.shape[2:]
        if result.shape != shape:
            raise AssertionError(
                f"Cropping {size}x{size} from a {image.shape} image gave "
                f"shape {result.shape}, expected {shape}: the crop's side is "
                "the size argument, rows first, channels kept.")
        if any(same_values(result, crop) for crop in cases[case]["centred"]):
            continue
        cases.name_mistake(result, case)
        raise AssertionError(
            f"The {size}x{size} crop of the {image.shape} image is off "
            "centre: the rows removed above and below may differ by one at "
            "most, and so may the columns on the left and the right.")

    image, _ = cases.inputs("25x34 RGB, size 11")
    height, width = image.shape[:2]
    whole_error = _value_error(center_crop, image, height)
    if whole_error is not None:
        raise AssertionError(
            f"A size equal to the height ({height}) raised ValueError("
            f"{whole_error!r}); a crop as tall as the image is allowed.")
    whole = np.asarray(center_crop(image, height))
    if whole.shape != (height, height, 3):
        raise AssertionError(
            f"A size equal to the height ({height}) gave shape {whole.shape}; "
            f"expected {(height, height, 3)}: a crop as tall as the image is "
            "allowed.")
    for size, what in [(height + 1, f"larger than the height ({height})"),
                       (width + 1, f"larger than the width ({width})")]:
        text = _value_error(center_crop, image, size)
        if text is None:
            raise AssertionError(f"A size {what} should raise ValueError.")
        if str(size) not in text or str(height) not in text:
            raise AssertionError(
                f"Your ValueError says {text!r}; name both numbers, the size "
                f"asked for ({size}) and the image's size ({height}x{width}).")
    for size in [0, -2]:
        if _value_error(center_crop, image, size) is None:
            raise AssertionError(
                f"center_crop(image, {size}) should raise ValueError: a crop "
                "needs a size of at least 1 pixel.")
    passed("center_crop")
