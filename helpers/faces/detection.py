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

    def __getitem__(self, key):
        """Allow dict-style access: detection["box"], ["score"], ..."""
        if key not in ("box", "score", "keypoints"):
            raise KeyError(f"{key!r}; a detection has 'box', 'score' and "
                           "'keypoints'.")
        return getattr(self, key)

    def keys(self):
        """Return the names usable with dict-style access."""
        return ("box", "score", "keypoints")


_DETECTOR = None


def _fix_scale_pyramid():
    """Make mtcnn 1.0's image pyramid correct for min_face_size != 20.

    mtcnn 1.0.0 counts its pyramid levels as if min_face_size were about
    20, so a larger min_face_size adds levels whose images are smaller than
    PNet's 12-pixel window, and then the whole batch comes back without any
    face.  The levels that are too small are dropped here; at the default
    min_face_size of 20 no level is ever dropped (nothing changes).
    """
    try:
        from mtcnn.stages import stage_pnet
    except ImportError:  # another mtcnn layout: nothing to fix here
        return
    original = getattr(stage_pnet, "build_scale_pyramid", None)
    if original is None or getattr(original, "fixed_by_helpers", False):
        return

    def build_scale_pyramid(width, height, min_face_size, scale_factor,
                            min_size=12):
        scales = np.asarray(original(width, height, min_face_size,
                                     scale_factor, min_size))
        return scales[min(width, height) * scales >= min_size]

    build_scale_pyramid.fixed_by_helpers = True
    stage_pnet.build_scale_pyramid = build_scale_pyramid


def get_detector():
    """Return the shared MTCNN detector (its weights ship in the wheel)."""
    global _DETECTOR
    if _DETECTOR is None:
        from mtcnn import MTCNN

        _fix_scale_pyramid()
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


def detect_faces(images, min_score=0.9, batch_size=32, max_side=640,
                 min_face_size=20):
    """Detect faces; return one list of Detection objects per image.

    ``images`` is one image or a list (paths or arrays, any size, RGB,
    grayscale or RGBA).  Images of the same size are detected in batched
    MTCNN calls, which is several times faster than one call per image.
    Detection runs on a copy whose long side is at most ``max_side``
    pixels (faster; boxes and keypoints are given in original pixels).
    ``min_face_size`` (MTCNN's default 20, in pixels of that copy) is the
    smallest face looked for: raising it skips the finest levels of MTCNN's
    image pyramid, e.g. 40 makes LFW's 250x250 photos (faces 60-145 px
    wide) about 2.4x faster to process.  Keypoints are floats.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got "
                         f"{batch_size!r}.")
    if not np.isscalar(min_face_size) or not min_face_size > 0:
        raise ValueError(f"min_face_size must be a positive number of "
                         f"pixels, got {min_face_size!r}.")
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
    for shape, indices in by_shape.items():
        if min(shape[:2]) < min_face_size:  # no face that large fits
            for index in indices:
                results[index] = []
            continue
        for start in range(0, len(indices), batch_size):
            chunk = indices[start:start + batch_size]
            # float32 input keeps mtcnn's normalised batch in float32
            # (uint8 becomes float64): same detections, ~20% less CPU.
            rows = detector.detect_faces(
                [arrays[i].astype(np.float32) for i in chunk],
                output_type="numpy", min_face_size=min_face_size)
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
