"""Known wrong versions of notebook 00's exercises."""

import numpy as np


def to_unit_range_over_256(image):
    """Scale by 1/256, so white (255) does not reach 1.0."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return image.astype(np.float32) / 256.0


MISTAKES = {
    "to_unit_range": {"divide by 256": to_unit_range_over_256},
}
