"""Blank and saturated images: what a figure must not show.

``image_problem`` says, for one image as Matplotlib's ``imshow`` would show
it, whether it is blank (nearly constant) or saturated (most values at the
ends of the displayed range), with the likely cause.  The figure helpers
(``helpers.plotting``, ``helpers.style.plotting``) call it before drawing;
the test of the notebooks' figures runs ``panel_problems`` on the PNGs.
"""

import numpy as np

#: Brighter than this (of 255) in every channel counts as figure background.
BACKGROUND = 250
#: A panel is at least this many PNG pixels on each side.
MIN_PANEL = 24
#: Fraction of values at the ends of the range that makes an image saturated.
SATURATED_FRACTION = 0.75
#: The same in a PNG panel, whose resampled edges are never pure.
PNG_SATURATED_FRACTION = 0.6
#: Spread (of the displayed range) under which an image is blank.
BLANK_SPREAD = 2.0 / 255.0


def _spread(values):
    """Return the spread of ``values`` between their 0.5 and 99.5 centiles."""
    low, high = np.percentile(values, [0.5, 99.5])
    return float(high - low)


def _describe_constant(values, float_input):
    """Return why an image whose values hardly vary is blank."""
    top = float(np.max(values))
    if float_input and 0.0 < top <= 1.0 / 255.0 + 1e-6:
        return ("it is blank: every value is at most 1/255, so the values "
                "look like 0-255 divided by 255 twice. Floats already in "
                "[0, 1] must not be divided again.")
    if top <= BLANK_SPREAD:
        return "it is blank: every value is about 0 (a black picture)."
    level = float(np.median(values))
    return (f"it is blank: every value is about {level:.3g}, nearly "
            "constant, so there is nothing to see.")


def image_problem(image):
    """Return what is wrong with ``image`` as ``imshow`` shows it, or None.

    ``image`` is (height, width) or (height, width, 3 or 4), uint8 (0-255)
    or float (shown on [0, 1], values outside are clipped).  A gray 2-D
    float image is stretched by ``imshow``, so only a constant one counts.
    """
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[-1] == 4:
        array = array[..., :3]
    if array.size == 0:
        return "it is empty (no pixels)."
    float_input = np.issubdtype(array.dtype, np.floating)
    values = array.astype(np.float64)
    if not np.all(np.isfinite(values)):
        return ("it contains NaN or infinite values, which imshow cannot "
                "show.")
    if array.dtype == np.uint8:
        values = values / 255.0
    elif not float_input:
        values = values - values.min()
        values = values / values.max() if values.max() else values
    if array.ndim == 2:
        if _spread(values) <= 1e-6 * max(1.0, float(np.abs(values).max())):
            return _describe_constant(values, float_input)
        return None
    if float_input:
        above = float(np.mean(values > 1.0 + 1e-3))
        if above > 0.5:
            return (f"{above:.0%} of its values are above 1 and floats "
                    "above 1 are clipped by imshow to white: the values look "
                    "like 0-255; divide by 255 (or pass uint8).")
        if float(np.mean(values < -1e-3)) > 0.5:
            return ("most of its values are below 0, which imshow clips to "
                    "black: was a mean subtracted and not added back?")
    shown = np.clip(values, 0.0, 1.0)
    if _spread(shown) < BLANK_SPREAD:
        return _describe_constant(shown, float_input)
    extreme = float(np.mean((shown <= 0.5 / 255.0) | (shown >= 1 - 0.5 / 255)))
    if extreme > SATURATED_FRACTION:
        return (f"it is saturated: {extreme:.0%} of its values are at "
                "pure black or pure white. Is it on the scale imshow "
                "expects (uint8 0-255 or floats in [0, 1])?")
    return None


def check_image(image, name="image"):
    """Raise ValueError naming the problem when ``image`` is blank/saturated."""
    problem = image_problem(image)
    if problem is not None:
        raise ValueError(f"The {name} cannot be shown as it is: {problem}")


def _panels(pixels):
    """Return the (top, left, bottom, right) boxes of image-like regions."""
    from scipy import ndimage

    foreground = np.any(pixels < BACKGROUND, axis=-1)
    labels, _ = ndimage.label(foreground)
    boxes = []
    for index, found in enumerate(ndimage.find_objects(labels), start=1):
        rows, columns = found
        height = rows.stop - rows.start
        width = columns.stop - columns.start
        if height < MIN_PANEL or width < MIN_PANEL:
            continue
        filled = float(np.mean(labels[found] == index))
        if filled >= 0.85:
            boxes.append((rows.start, columns.start, rows.stop, columns.stop))
    return boxes


def panel_problems(png):
    """Return [(box, problem)] for the blank or saturated panels of a PNG.

    ``png`` is the file's bytes.  Panels are the solid rectangles of the
    figure (images drawn with ``imshow``); a panel of one gray level (a
    black square) is blank, one whose pixels are nearly all pure black or
    pure colours is saturated.  Coloured solid rectangles (histogram bars)
    are not images and are left alone.  An empty figure is one problem.
    """
    import io

    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    pixels = pixels.astype(np.int16)
    if np.ptp(pixels) <= 2:
        return [((0, 0) + pixels.shape[:2], "the whole figure is one colour")]
    problems = []
    for box in _panels(pixels):
        top, left, bottom, right = box
        panel = pixels[top:bottom, left:right]
        gray = panel.mean(axis=-1)
        neutral = float(np.abs(panel - gray[..., None]).max()) <= 6
        if _spread(gray) < 3 and neutral:
            problems.append((box, f"blank panel (gray level "
                                  f"{float(np.median(gray)):.0f} of 255)"))
            continue
        pure = np.all((panel <= 16) | (panel >= 239), axis=-1)
        if float(np.mean(pure)) > PNG_SATURATED_FRACTION:
            problems.append((box, f"saturated panel ({np.mean(pure):.0%} of "
                                  "its pixels near pure black or pure colours)"))
    return problems
