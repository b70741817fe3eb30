"""Load and validate face photos: paths or arrays, any size, RGB uint8 out."""

from pathlib import Path

import numpy as np


def load_image(image):
    """Return an image as an RGB uint8 array of shape (height, width, 3).

    Accepts a file path or an array.  Grayscale (H, W) or (H, W, 1) is
    repeated to RGB, RGBA is composited on white; float arrays must hold
    values in [0, 1] or [0, 255].  Anything else raises ValueError saying
    what was wrong.
    """
    if isinstance(image, (str, Path)):
        return _read_file(Path(image))
    if hasattr(image, "numpy"):
        image = image.numpy()
    if not isinstance(image, np.ndarray):
        raise ValueError(
            f"Expected an image path or a NumPy array, got "
            f"{type(image).__name__}."
        )
    return _to_rgb_uint8(image, "the image")


def _read_file(path):
    from PIL import Image, UnidentifiedImageError

    if not path.is_file():
        raise FileNotFoundError(f"No image file at {path}.")
    try:
        with Image.open(path) as picture:
            picture.load()
            if picture.mode not in ("RGB", "L", "RGBA", "LA"):
                picture = picture.convert("RGBA" if "A" in picture.mode
                                          else "RGB")
            array = np.asarray(picture)
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValueError(
            f"{path} is not a readable image file (corrupt or not an "
            f"image): {error}"
        ) from None
    return _to_rgb_uint8(array, str(path))


def _to_rgb_uint8(array, what):
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    if array.ndim != 3 or array.shape[-1] not in (3, 4):
        raise ValueError(
            f"{what} has shape {array.shape}; expected (height, width) "
            "grayscale, (height, width, 3) RGB or (height, width, 4) RGBA. "
            "For a batch, pass a list of images."
        )
    if min(array.shape[:2]) < 16:
        raise ValueError(
            f"{what} is only {array.shape[0]}x{array.shape[1]} pixels; "
            "a face needs at least 16x16."
        )
    array = _to_uint8(array, what)
    if array.shape[-1] == 4:
        alpha = array[..., 3:].astype(np.float32) / 255.0
        rgb = array[..., :3].astype(np.float32)
        array = np.round(rgb * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    return np.ascontiguousarray(array)


def _to_uint8(array, what):
    if array.dtype == np.uint8:
        return array
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{what} has dtype {array.dtype}; use uint8 pixels.")
    values = array.astype(np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{what} contains NaN or infinite values.")
    low, high = values.min(), values.max()
    if low < 0 or high > 255:
        raise ValueError(
            f"{what} has values from {low:.3g} to {high:.3g}; expected "
            "[0, 1] floats or [0, 255] pixels."
        )
    if np.issubdtype(array.dtype, np.floating) and high <= 1.0:
        values = values * 255.0
    return np.round(values).astype(np.uint8)
