"""Content and style images for neural style transfer, loaded and validated.

Every function here returns images as float32 NumPy arrays shaped
``(H, W, 3)``, RGB, values in ``[0, 1]``.

* Content photos come from packages that ship them (no download):
  scikit-learn's sample images, scikit-image's ``skimage.data`` and
  matplotlib's sample data.  See :data:`CONTENT_IMAGES`.
* Style paintings are public-domain works resolved through the course's
  asset registry (``helpers.assets.fetch_asset``).  See :data:`STYLE_IMAGES`.

Bad inputs raise ``ValueError`` (or ``FileNotFoundError`` for a missing
path) with a message that says what was wrong and how to fix it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: Content photos: name -> (package, description).
CONTENT_IMAGES = {
    "china": ("scikit-learn", "a temple in China (sklearn load_sample_image('china.jpg'))"),
    "flower": ("scikit-learn", "a flower (sklearn load_sample_image('flower.jpg'))"),
    "astronaut": ("scikit-image", "astronaut Eileen Collins (skimage.data.astronaut())"),
    "chelsea": ("scikit-image", "Chelsea the cat (skimage.data.chelsea())"),
    "coffee": ("scikit-image", "a cup of coffee (skimage.data.coffee())"),
    "grace_hopper": ("matplotlib", "Grace Hopper (matplotlib sample data grace_hopper.jpg)"),
}

#: Style paintings: name in the asset registry -> description.
STYLE_IMAGES = {
    "starry_night": "Vincent van Gogh, The Starry Night (1889)",
    "the_scream": "Edvard Munch, The Scream (1893)",
    "shipwreck": "J. M. W. Turner, The Shipwreck (1805)",
}

MIN_SIDE = 16
MAX_SIDE = 4096


def check_size(size, name="size"):
    """Return ``size`` as an int after checking it is a sensible side length."""
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise ValueError(f"{name} must be an integer number of pixels, got {size!r}.")
    size = int(size)
    if not MIN_SIDE <= size <= MAX_SIDE:
        raise ValueError(
            f"{name} must be between {MIN_SIDE} and {MAX_SIDE} pixels, got {size}."
        )
    return size


def to_float_image(image, name="image"):
    """Validate an image array and return it as float32 RGB in [0, 1], (H, W, 3).

    Accepts uint8 (0-255) or float arrays already in [0, 1]; grayscale
    ``(H, W)`` / ``(H, W, 1)`` is repeated to RGB, and RGBA is composited on
    white.  A leading batch axis of size 1 is dropped.
    """
    if hasattr(image, "numpy") and not isinstance(image, np.ndarray):
        image = image.numpy()
    try:
        from PIL import Image as PILImage

        if isinstance(image, PILImage.Image):
            mode = "RGBA" if "A" in image.getbands() else "RGB"
            image = np.asarray(image.convert(mode))
    except ImportError:  # pragma: no cover - pillow is a dependency
        pass
    array = np.asarray(image)
    if array.dtype == object or array.size == 0:
        raise ValueError(f"{name} is not an image array (got {type(image).__name__} "
                         f"with shape {array.shape}).")
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3:
        raise ValueError(
            f"{name} must be shaped (H, W), (H, W, C) or (1, H, W, C); got shape "
            f"{array.shape}."
        )
    channels = array.shape[-1]
    if channels not in (1, 3, 4):
        raise ValueError(
            f"{name} must have 1 (grayscale), 3 (RGB) or 4 (RGBA) channels; got "
            f"{channels} (shape {array.shape}). Is the channel axis last?"
        )
    if array.dtype == bool:
        raise ValueError(f"{name} is a boolean mask, not an image.")
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255.0
    elif np.issubdtype(array.dtype, np.integer):
        raise ValueError(
            f"{name} has integer dtype {array.dtype}; give uint8 (0-255) or "
            "floats in [0, 1]."
        )
    else:
        array = array.astype(np.float32)
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} contains NaN or infinite values.")
        low, high = float(array.min()), float(array.max())
        if low < -1e-3 or high > 1 + 1e-3:
            hint = (" It looks like 0-255 values: divide by 255 or pass uint8."
                    if high <= 255 + 1e-3 and low >= -1e-3 else "")
            raise ValueError(
                f"{name} has float values in [{low:.3g}, {high:.3g}]; float images "
                f"must lie in [0, 1].{hint}"
            )
        array = np.clip(array, 0.0, 1.0)
    if channels == 1:
        array = np.repeat(array, 3, axis=-1)
    elif channels == 4:
        rgb, alpha = array[..., :3], array[..., 3:]
        array = rgb * alpha + (1.0 - alpha)
    height, width = array.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise ValueError(
            f"{name} is {height}x{width} pixels; each side must be at least "
            f"{MIN_SIDE} pixels for VGG16's five pooling stages."
        )
    return np.ascontiguousarray(array, dtype=np.float32)


def resize(image, shape):
    """Resize a float image (H, W, 3) in [0, 1] to ``shape = (height, width)``.

    Antialiased (area-aware) when shrinking, bicubic when enlarging.
    """
    import tensorflow as tf

    height, width = int(shape[0]), int(shape[1])
    if height < 1 or width < 1:
        raise ValueError(f"target shape must be positive, got {shape}.")
    image = to_float_image(image)
    if image.shape[:2] == (height, width):
        return image.copy()
    out = tf.image.resize(image, (height, width), method="bicubic", antialias=True)
    return np.clip(out.numpy(), 0.0, 1.0).astype(np.float32)


def shape_for_long_side(shape, size):
    """(height, width) with the long side equal to ``size``, aspect kept."""
    size = check_size(size)
    height, width = shape[:2]
    scale = size / max(height, width)
    new = (max(1, round(height * scale)), max(1, round(width * scale)))
    if min(new) < MIN_SIDE:
        raise ValueError(
            f"Resizing a {height}x{width} image to a long side of {size} px makes "
            f"it {new[0]}x{new[1]}; the short side must be at least {MIN_SIDE} px."
        )
    return new


def resize_long_side(image, size):
    """Resize so that the long side is ``size`` pixels (aspect ratio kept)."""
    image = to_float_image(image)
    if size is None:
        return image
    return resize(image, shape_for_long_side(image.shape, size))


def fit_to(image, shape):
    """Centre-crop ``image`` to the aspect ratio of ``shape``, then resize to it.

    Used for style images: the style cost compares Gram matrices, whose
    values scale with the number of positions, so the style image is brought
    to exactly the generated image's size without distorting its strokes.
    """
    image = to_float_image(image)
    height, width = image.shape[:2]
    target_h, target_w = int(shape[0]), int(shape[1])
    target_ratio = target_w / target_h
    if width / height > target_ratio:  # too wide: crop columns
        new_w = max(1, round(height * target_ratio))
        left = (width - new_w) // 2
        image = image[:, left:left + new_w]
    else:  # too tall: crop rows
        new_h = max(1, round(width / target_ratio))
        top = (height - new_h) // 2
        image = image[top:top + new_h]
    return resize(image, (target_h, target_w))


def load_image(path, size=None):
    """Read an image file (any format Pillow reads), validated, long side ``size``."""
    from PIL import Image as PILImage, UnidentifiedImageError

    if not isinstance(path, (str, Path)):
        raise ValueError(f"path must be a str or pathlib.Path, got {type(path).__name__}.")
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"No image file at {path}.")
    if not path.is_file():
        raise ValueError(f"{path} is not a file.")
    try:
        with PILImage.open(path) as handle:
            handle.load()
            image = to_float_image(handle, name=str(path))
    except UnidentifiedImageError as error:
        raise ValueError(f"{path} is not an image file Pillow can read.") from error
    return resize_long_side(image, check_size(size))


def _content_array(name):
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        return load_sample_image(f"{name}.jpg")
    if name in ("astronaut", "chelsea", "coffee"):
        import skimage.data

        return getattr(skimage.data, name)()
    if name == "grace_hopper":
        import matplotlib.cbook

        with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as handle:
            from PIL import Image as PILImage

            return np.asarray(PILImage.open(handle).convert("RGB"))
    raise ValueError(
        f"Unknown content image {name!r}. Choose from: {', '.join(CONTENT_IMAGES)}, "
        "or pass an array or a file path to load_image()."
    )


def load_content_image(name="china", size=None):
    """Return a packaged content photo by name (see :data:`CONTENT_IMAGES`)."""
    if not isinstance(name, str):
        raise ValueError(f"Content image name must be a string, got {type(name).__name__}.")
    return resize_long_side(to_float_image(_content_array(name), name=name), check_size(size))


def load_style_image(name="starry_night", size=None, asset_dir=None):
    """Return a painting from the asset registry by name (see :data:`STYLE_IMAGES`)."""
    from helpers.assets import fetch_asset

    if name not in STYLE_IMAGES:
        raise ValueError(
            f"Unknown style image {name!r}. Choose from: {', '.join(STYLE_IMAGES)}, "
            "or pass an array or a file path to load_image()."
        )
    return load_image(fetch_asset(name, asset_dir=asset_dir), size=size)


def as_image(source, size=None, kind="content"):
    """Resolve ``source`` to a validated image (long side ``size`` if given).

    ``source`` is a name from :data:`CONTENT_IMAGES` or :data:`STYLE_IMAGES`,
    a path to an image file, or an image array (uint8 or floats in [0, 1]).
    ``kind`` ("content" or "style") only words error messages.
    """
    if isinstance(source, str) and source in STYLE_IMAGES:
        return load_style_image(source, size)
    if isinstance(source, str) and source in CONTENT_IMAGES:
        return load_content_image(source, size)
    if isinstance(source, str) and not any(sep in source for sep in "/\\."):
        raise ValueError(
            f"Unknown image name {source!r}. Content images: "
            f"{', '.join(CONTENT_IMAGES)}; style images: {', '.join(STYLE_IMAGES)}; "
            "or pass a file path or an array."
        )
    if isinstance(source, (str, Path)):
        return load_image(source, size)
    return resize_long_side(to_float_image(source, name=f"{kind} image"), check_size(size))
