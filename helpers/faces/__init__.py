"""Face verification and recognition: detection, alignment, encoder, database.

>>> from helpers.faces import load_encoder
>>> encoder = load_encoder()
>>> encodings = encoder.encode(["photo1.jpg", "photo2.jpg"])   # (2, 128)

See ``docs/faces_api.md``.
"""

from helpers.faces.alignment import align_faces
from helpers.faces.detection import Detection, detect_faces
from helpers.faces.encoder import FaceEncoder, load_encoder
from helpers.faces.images import load_image
from helpers.faces.losses import (
    batch_hard_triplet_loss,
    pairwise_squared_distances,
)

__all__ = [
    "align_faces", "Detection", "detect_faces", "FaceEncoder",
    "load_encoder", "load_image", "batch_hard_triplet_loss",
    "pairwise_squared_distances", "FaceDatabase",
]


def __getattr__(name):
    if name == "FaceDatabase":
        from helpers.faces.database import FaceDatabase

        return FaceDatabase
    raise AttributeError(f"module 'helpers.faces' has no attribute {name!r}")
