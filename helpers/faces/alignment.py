"""Align faces: a similarity transform of five keypoints onto a template.

The template gives where MTCNN's five keypoints land inside dlib's 150x150
face chip (``get_face_chip(img, shape5, size=150, padding=0.25)``), as
measured on LFW; dlib's face encoder expects exactly that geometry.
"""

import numpy as np
from scipy import ndimage

CHIP_SIZE = 150
# Mean positions (x, y) of left_eye, right_eye, nose, mouth_left,
# mouth_right inside dlib's 150x150 chip (see the reference template).
TEMPLATE = np.array([
    [46.828, 44.851],
    [100.594, 44.815],
    [73.481, 76.569],
    [49.591, 103.566],
    [97.448, 103.591],
])


def similarity_transform(source, target):
    """Return (matrix 2x2, offset 2) minimising |s R source + t - target|².

    Least squares over rotation, uniform scale and translation (Umeyama),
    without reflection.
    """
    source = np.asarray(source, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if source.shape != target.shape or source.ndim != 2 or (
            source.shape[1] != 2 or len(source) < 2):
        raise ValueError(
            f"keypoints must be two arrays of shape (n >= 2, 2); got "
            f"{source.shape} and {target.shape}."
        )
    source_mean, target_mean = source.mean(0), target.mean(0)
    source_centred = source - source_mean
    target_centred = target - target_mean
    covariance = target_centred.T @ source_centred / len(source)
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[1, 1] = -1
    rotation = u @ sign @ vt
    variance = (source_centred ** 2).sum() / len(source)
    if variance == 0:
        raise ValueError("all keypoints are at the same position.")
    scale = np.trace(np.diag(singular) @ sign) / variance
    matrix = scale * rotation
    offset = target_mean - matrix @ source_mean
    return matrix, offset


def align_faces(image, keypoints, size=CHIP_SIZE):
    """Warp ``image`` so its five keypoints land on the template.

    ``image`` is an RGB uint8 array (H, W, 3); ``keypoints`` is (5, 2) in
    MTCNN's order as (x, y).  Returns a uint8 chip of shape (size, size, 3),
    sampled with bilinear interpolation (after smoothing when the face is
    much larger than the chip, to avoid aliasing).
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3 or image.dtype != np.uint8:
        raise ValueError(
            f"align_faces needs an RGB uint8 image (H, W, 3); got shape "
            f"{image.shape} and dtype {image.dtype}. Use "
            "helpers.faces.load_image first."
        )
    keypoints = np.asarray(keypoints, dtype=np.float64)
    if keypoints.shape != (5, 2):
        raise ValueError(
            f"keypoints must have shape (5, 2), got {keypoints.shape}.")
    target = TEMPLATE * (size / CHIP_SIZE)
    matrix, offset = similarity_transform(keypoints, target)
    inverse = np.linalg.inv(matrix)
    scale = np.sqrt(abs(np.linalg.det(matrix)))  # chip pixels per image pixel
    source = image.astype(np.float32)
    if scale < 0.5:
        sigma = 0.5 * (1.0 / scale - 1.0)
        source = ndimage.gaussian_filter(source, sigma=(sigma, sigma, 0))
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64)
    chip_xy = np.stack([cols.ravel(), rows.ravel()])
    image_xy = inverse @ (chip_xy - offset[:, None])
    coordinates = np.stack([image_xy[1], image_xy[0]])  # (row, col)
    chip = np.empty((size, size, 3), dtype=np.float32)
    for channel in range(3):
        chip[..., channel] = ndimage.map_coordinates(
            source[..., channel], coordinates, order=1, mode="constant",
            cval=0.0).reshape(size, size)
    return np.clip(np.round(chip), 0, 255).astype(np.uint8)
