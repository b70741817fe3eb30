"""Mistakes learners make in notebook 00 (pixel range and centre crop)."""

NOTEBOOK = "00_setup"

PRELUDE = """
import numpy as np
"""


def run_check(exercise, namespace):
    """Run the public check of one exercise of notebook 00."""
    from helpers.checks import setup

    check = getattr(setup, f"check_{exercise}")
    check(namespace[exercise])


MISTAKES = [
    ("to_unit_range", "divide by 256", """
def to_unit_range(image):
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return image.astype(np.float32) / 256.0
""", "divide by 255"),
    ("to_unit_range", "float64 result", """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError("expected uint8")
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return image / 255.0
""", "dtype float64"),
    ("to_unit_range", "no scaling", """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError("expected uint8")
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return image.astype(np.float32)
""", "255"),
    ("to_unit_range", "gray image left gray", """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError("expected uint8")
    return image.astype(np.float32) / 255.0
""", "gray"),
    ("to_unit_range", "accepts float input", """
def to_unit_range(image):
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return image.astype(np.float32) / 255.0
""", "should raise ValueError"),
    ("to_unit_range", "returns None", """
def to_unit_range(image):
    image = np.asarray(image)
    image = image.astype(np.float32) / 255.0
""", "returned None"),
    ("to_unit_range", "gray copies on the first axis", """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"expected uint8, got {image.dtype}")
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=0)
    return image.astype(np.float32) / 255.0
""", "LAST axis"),
    ("to_unit_range", "error that says nothing", """
def to_unit_range(image):
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError("bad input")
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    if image.shape[-1] != 3:
        raise ValueError("bad input")
    return image.astype(np.float32) / 255.0
""", "does not say what was wrong"),
    ("center_crop", "top-left corner", """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size > height or size > width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
    return image[:size, :size]
""", "top-left corner"),
    ("center_crop", "rows and columns swapped", """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size > height or size > width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
    top = (width - size) // 2
    left = (height - size) // 2
    return image[top:top + size, left:left + size]
""", "off centre"),
    ("center_crop", "extra row at the top", """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size > height or size > width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
    top = -(-(height - size) // 2)
    left = -(-(width - size) // 2)
    return image[top:top + size, left:left + size]
""", "bottom/right"),
    ("center_crop", "no size check", """
def center_crop(image, size):
    height, width = image.shape[:2]
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size, left:left + size]
""", "should raise ValueError"),
    ("center_crop", "crops size - 1", """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size > height or size > width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size - 1, left:left + size - 1]
""", "expected (4, 4, 3)"),
    ("center_crop", "error without both sizes", """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size > height or size > width:
        raise ValueError("size too large")
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size, left:left + size]
""", "name both numbers"),
    ("center_crop", "accepts size 0", """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size > height or size > width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size, left:left + size]
""", "at least 1 pixel"),
    ("center_crop", "refuses a crop as large as the image", """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size < 1 or size >= height or size >= width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size, left:left + size]
""", "as tall as the image is allowed"),
    ("center_crop", "returns a list", """
def center_crop(image, size):
    height, width = image.shape[:2]
    if size < 1 or size > height or size > width:
        raise ValueError(f"cannot crop {size} from {height}x{width}")
    top = (height - size) // 2
    left = (width - size) // 2
    return image[top:top + size, left:left + size].tolist()
""", "returned a list"),
    ("center_crop", "raises KeyError in own code", """
def center_crop(image, size):
    sizes = {"height": image.shape[0], "width": image.shape[1]}
    top = (sizes["rows"] - size) // 2
    return image[top:top + size]
""", "KeyError: 'rows'"),
]
