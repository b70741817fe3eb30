"""Audit groups the course can measure on LFW photos: head pose.

LFW has no consented demographic labels, so notebook 01 audits a verifier
on something it can measure from each photo: how far the head is turned,
read from MTCNN's five keypoints.
"""

import numpy as np

from helpers.faces.detection import choose_faces, detect_faces
from helpers.faces.images import load_image
from helpers.faces.pair_classifier import cached_encodings

#: Nose offsets (a fraction of the eye distance) at which the pose
#: groups start; a photo with no detected face is in no group ("").
POSE_BOUNDARIES = {"frontal": 0.0, "turned": 0.2}


def nose_offset(keypoints):
    """Return the nose's sideways offset from the eyes' midpoint, in eyes."""
    keypoints = np.asarray(keypoints, dtype=np.float64)
    if keypoints.shape != (5, 2):
        raise ValueError(
            "keypoints must have shape (5, 2) (MTCNN's five points), got "
            f"{keypoints.shape}.")
    left_eye, right_eye, nose = keypoints[0], keypoints[1], keypoints[2]
    eye_distance = np.hypot(*(right_eye - left_eye))
    if eye_distance == 0:
        raise ValueError("the two eyes are at the same point.")
    middle = (left_eye + right_eye) / 2
    return float(abs(nose[0] - middle[0]) / eye_distance)


def _offsets(paths, choose):
    """Return the nose offsets (len, 1) of the faces in ``paths``."""
    images = [load_image(path) for path in paths]
    found = detect_faces(images, min_face_size=40)
    rows = np.full((len(images), 1), np.nan)
    for index, (image, detections) in enumerate(zip(images, found)):
        chosen = choose_faces(detections, image.shape, choose)
        if chosen:
            rows[index, 0] = nose_offset(chosen[0].keypoints)
    return rows


def nose_offsets(paths, choose="central"):
    """Return each photo's nose offset (NaN without a face), cached on disk."""
    paths = [str(path) for path in paths]
    offsets = cached_encodings(paths, lambda batch: _offsets(batch, choose),
                               f"nose_offsets_{choose}")
    return offsets[:, 0].astype(np.float64)


def pose_groups(offsets):
    """Return each photo's pose group name ("" where no face was found)."""
    offsets = np.asarray(offsets, dtype=np.float64)
    groups = np.full(offsets.shape, "", dtype=object)
    for name, start in sorted(POSE_BOUNDARIES.items(), key=lambda x: x[1]):
        groups[offsets >= start] = name
    return groups.astype(str)
