"""Face detection with MTCNN: boxes, scores and five keypoints per face."""

from dataclasses import dataclass

import numpy as np

from helpers.faces.images import load_image

KEYPOINT_NAMES = ("left_eye", "right_eye", "nose", "mouth_left",
                  "mouth_right")
CHOICES = ("largest", "central", "all")


@dataclass
class Detection:
    """One detected face: box (x, y, width, height), score, keypoints (5, 2).

    Keypoints are (x, y) floats in MTCNN's order: left_eye, right_eye, nose,
    mouth_left, mouth_right, where "left" is the left of the image.
    """

    box: np.ndarray
    score: float
    keypoints: np.ndarray

    @property
    def area(self):
        """Return the box area in pixels."""
        return float(self.box[2] * self.box[3])


_DETECTOR = None


def get_detector():
    """Return the shared MTCNN detector (its weights ship in the wheel)."""
    global _DETECTOR
    if _DETECTOR is None:
        from mtcnn import MTCNN

        _DETECTOR = MTCNN(device="CPU:0")
    return _DETECTOR


def _rows_to_detections(rows):
    detections = []
    for row in rows:
        keypoints = np.stack([row[6:11], row[11:16]], axis=1)
        detections.append(Detection(
            box=np.asarray(row[1:5], dtype=np.float32),
            score=float(row[5]),
            keypoints=keypoints.astype(np.float32)))
    detections.sort(key=lambda d: -d.score)
    return detections


def _shrink(image, max_side):
    """Return (image resized so its long side is <= max_side, factor)."""
    long_side = max(image.shape[:2])
    if max_side is None or long_side <= max_side:
        return image, 1.0
    from PIL import Image

    factor = max_side / long_side
    size = (max(1, round(image.shape[1] * factor)),
            max(1, round(image.shape[0] * factor)))
    small = Image.fromarray(image).resize(size, Image.BILINEAR)
    return np.asarray(small), image.shape[1] / size[0]


def detect_faces(images, min_score=0.9, batch_size=16, max_side=640):
    """Detect faces; return one list of Detection objects per image.

    ``images`` is one image or a list (paths or arrays, any size, RGB,
    grayscale or RGBA).  Images of the same size are detected in batched
    MTCNN calls, which is several times faster than one call per image.
    Detection runs on a copy whose long side is at most ``max_side``
    pixels (faster; boxes and keypoints are given in original pixels).
    """
    single = not isinstance(images, (list, tuple))
    originals = [load_image(image)
                 for image in ([images] if single else images)]
    shrunk = [_shrink(image, max_side) for image in originals]
    arrays = [image for image, _ in shrunk]
    results = [None] * len(arrays)
    by_shape = {}
    for index, array in enumerate(arrays):
        by_shape.setdefault(array.shape, []).append(index)
    detector = get_detector()
    for indices in by_shape.values():
        for start in range(0, len(indices), batch_size):
            chunk = indices[start:start + batch_size]
            rows = detector.detect_faces(
                [arrays[i] for i in chunk], output_type="numpy")
            rows = np.asarray(rows, dtype=np.float64).reshape(-1, 16)
            for position, index in enumerate(chunk):
                mine = rows[rows[:, 0] == position].copy()
                mine[:, [1, 2, 3, 4]] *= shrunk[index][1]
                mine[:, 6:16] *= shrunk[index][1]
                results[index] = [d for d in _rows_to_detections(mine)
                                  if d.score >= min_score]
    return results[0] if single else results


def choose_faces(detections, image_shape, choose="largest"):
    """Pick detections: the 'largest', the most 'central', or 'all'."""
    if choose not in CHOICES:
        raise ValueError(f"choose must be one of {CHOICES}, got {choose!r}.")
    if choose == "all" or not detections:
        return list(detections)
    if choose == "largest":
        return [max(detections, key=lambda d: d.area)]
    centre = np.array([image_shape[1] / 2.0, image_shape[0] / 2.0])

    def distance(detection):
        x, y, width, height = detection.box
        return float(np.hypot(*(np.array([x + width / 2, y + height / 2])
                                - centre)))

    return [min(detections, key=distance)]
