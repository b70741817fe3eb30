"""Reference versions of notebook 00's exercises (instructor only)."""

import numpy as np


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
