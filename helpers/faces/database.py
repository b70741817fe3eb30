"""A face database: encode each person's photos once, query them fast.

Deployment idea: the encodings of the known people are computed once and
stored; a query then costs one encoding and a few comparisons.  The
database stores, encodes and saves; the decision is yours: ``verify`` and
``identify`` take the functions you write in notebook 01.

>>> database = FaceDatabase(load_encoder())
>>> database.add_person("ada", ["ada1.jpg", "ada2.jpg"])
>>> database.verify("door_camera.jpg", "ada", using=verify)
>>> database.identify("door_camera.jpg", using=identify)
>>> database.people                             # {"ada": (2, 128) array}

DEFAULT_THRESHOLD = 0.418 suits the default encoder (``load_encoder()``:
mirror-averaged encodings scaled to unit length).  It was chosen on the
LFW development training pairs (``read_pairs('train')``, pairsDevTrain.txt:
2,200 pairs, half matched, 3,443 distinct images; View 1, meant for
choosing parameters, and sharing no person with pairsDevTest.txt; View 2,
pairs.txt, does reuse many of its images).  Every image was encoded with
``encoder.encode(paths, choose='central')`` (MTCNN at min_score 0.9,
template alignment); 3 images had no face detected, which leaves 2,195
pairs (4 and 2,193 with MTCNN batches of 16 instead of 32).  0.418 is
the most accurate threshold there: it classifies 2,177 of the 2,195 pairs
correctly (99.18%; 18 errors).  Accuracy stays at 99.0% or more from 0.410 to 0.430
and drops to 98.5% at 0.45; matched pairs lie at 0.29 on average,
mismatched ones at 0.57.  Reproduce with
``python benchmarks/lfw_verification.py --devtrain-threshold``.

RAW_THRESHOLD = 0.594 is used instead when the database's encoder has
``normalize=False`` (dlib's raw scale, norms about 1.4): the same
procedure on the same mirror-averaged encodings without the unit-length
scaling gives the same 99.18% there, best at 0.585 or at 0.594 (equal
accuracy; dlib's own 0.6 is one pair worse).
"""

import zipfile
from pathlib import Path

import numpy as np

from helpers.assets import replaced_atomically

EMBEDDING_SIZE = 128
DEFAULT_THRESHOLD = 0.418
RAW_THRESHOLD = 0.594
NOT_RECOGNIZED = "not recognized"
FORMAT = "helpers.faces.FaceDatabase/1"


def _check_threshold(threshold):
    """Return ``threshold`` as a float after checking it is positive."""
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        raise ValueError(
            f"threshold must be a number, got {threshold!r}.") from None
    if not np.isfinite(value) or value <= 0:
        raise ValueError(
            f"threshold must be a positive distance, got {threshold!r}.")
    return value


def _check_name(name):
    """Return ``name`` after checking it is a non-empty string."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(
            f"A person's name must be a non-empty string, got {name!r}.")
    if name == NOT_RECOGNIZED:
        raise ValueError(
            f"{NOT_RECOGNIZED!r} is reserved for unknown faces; pick "
            "another name.")
    return name


def _check_encodings(encodings, what="encodings"):
    """Return encodings as float32 (k, 128) after checking them."""
    if hasattr(encodings, "numpy"):
        encodings = encodings.numpy()
    array = np.asarray(encodings)
    if array.ndim == 1:
        array = array[None]
    if array.ndim != 2 or array.shape[1] != EMBEDDING_SIZE or not len(array):
        raise ValueError(
            f"{what} must have shape (128,) or (k, 128) with k >= 1, got "
            f"{array.shape}.")
    if not np.issubdtype(array.dtype, np.number) or array.dtype == bool:
        raise ValueError(f"{what} must be numbers, got dtype {array.dtype}.")
    array = array.astype(np.float32)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what} contain NaN or infinite values.")
    return array


def _as_image_list(images):
    """Return one image or several as a list (paths or arrays)."""
    if isinstance(images, (str, Path)):
        return [images]
    if hasattr(images, "numpy"):
        images = images.numpy()
    if isinstance(images, np.ndarray):
        return list(images) if images.ndim == 4 else [images]
    images = list(images)
    if not images:
        raise ValueError("Give at least one photo of the person.")
    return images


def _is_encoding(query):
    """Return True when ``query`` looks like an encoding, not an image."""
    if hasattr(query, "numpy"):
        query = query.numpy()
    if isinstance(query, (list, tuple)):
        query = np.asarray(query)
    if not isinstance(query, np.ndarray):
        return False
    return query.ndim == 1 or query.shape == (1, EMBEDDING_SIZE)


def _check_decision(using, what):
    """Return ``using`` after checking it is a function."""
    if not callable(using):
        raise ValueError(
            f"using must be your {what} function of notebook 01 (it "
            f"decides from the stored encodings), got {using!r}: call "
            f"database.{what}(..., using={what}).")
    return using


class FaceDatabase:
    """Known people's face encodings: enrol once, query with your rule.

    ``encoder`` is a ``FaceEncoder`` (``load_encoder()`` is called the
    first time one is needed when None); ``threshold`` is the distance
    below which two faces are taken to be the same person (default:
    DEFAULT_THRESHOLD, or RAW_THRESHOLD for an encoder with
    ``normalize=False``).
    """

    def __init__(self, encoder=None, threshold=None):
        self._encoder = encoder
        if threshold is None:
            raw = getattr(encoder, "normalize", True) is False
            threshold = RAW_THRESHOLD if raw else DEFAULT_THRESHOLD
        self.threshold = threshold
        self._encodings = {}

    def __repr__(self):
        return (f"FaceDatabase({len(self)} people, "
                f"{sum(len(e) for e in self._encodings.values())} "
                f"encodings, threshold={self.threshold:.3f})")

    def __len__(self):
        return len(self._encodings)

    def __contains__(self, name):
        return name in self._encodings

    @property
    def threshold(self):
        """Return the default distance threshold of this database."""
        return self._threshold_value

    @threshold.setter
    def threshold(self, value):
        self._threshold_value = _check_threshold(value)

    @property
    def encoder(self):
        """Return the face encoder, loading the pretrained one if needed."""
        if self._encoder is None:
            from helpers.faces.encoder import load_encoder

            self._encoder = load_encoder()
        return self._encoder

    @property
    def people(self):
        """Return a dict: name -> that person's encodings (k, 128)."""
        return {name: encodings.copy()
                for name, encodings in self._encodings.items()}

    def names(self):
        """Return the known names, in the order they were added."""
        return list(self._encodings)

    def encodings_of(self, name):
        """Return a copy of the stored encodings (k, 128) of ``name``."""
        return self._stored(name).copy()

    def add_person(self, name, images, choose="largest"):
        """Encode one or more photos of ``name`` and store the encodings.

        ``images`` is a path, an array or a list of them; each photo must
        show the person's face (the ``choose`` face: 'largest' or
        'central').  Adding to a known name keeps the earlier encodings.
        Returns the new encodings (k, 128).
        """
        _check_name(name)
        images = _as_image_list(images)
        if choose not in ("largest", "central"):
            raise ValueError(
                f"choose must be 'largest' or 'central', got {choose!r}.")
        try:
            encodings = self.encoder.encode(images, choose=choose)
        except ValueError as error:
            raise ValueError(f"add_person({name!r}): {error}") from None
        return self.add_encodings(name, encodings)

    def add_encodings(self, name, encodings):
        """Store precomputed encodings, (128,) or (k, 128), for ``name``."""
        _check_name(name)
        encodings = _check_encodings(encodings)
        if name in self._encodings:
            encodings = np.concatenate([self._encodings[name], encodings])
        self._encodings[name] = encodings
        return encodings.copy()

    def remove(self, name):
        """Forget ``name`` and its encodings."""
        self._stored(name)
        del self._encodings[name]

    def encode_query(self, query, choose="largest"):
        """Return the (128,) encoding of an image, or check a given one.

        ``query`` is a photo (path or array, one face chosen by
        ``choose``) or a precomputed encoding (a 1-D array of 128 values).
        """
        if _is_encoding(query):
            return _check_encodings(query, "the query encoding")[0]
        return self.encoder.encode([query], choose=choose)[0]

    def verify(self, query, name, *, using, threshold=None,
               choose="largest"):
        """Return ``using(encoding, self.people, name, threshold)``.

        ``using`` is your ``verify`` of notebook 01: the database encodes
        the query (a photo, or an encoding as it is) and hands its stored
        encodings to your function, which decides.
        """
        self._stored(name)
        using = _check_decision(using, "verify")
        return using(self.encode_query(query, choose), self.people, name,
                     self._threshold(threshold))

    def identify(self, query, *, using, threshold=None, choose="largest"):
        """Return ``using(encoding, self.people, threshold)``.

        ``using`` is your ``identify`` of notebook 01, as in :meth:`verify`.
        """
        if not self._encodings:
            raise ValueError(
                "The database is empty; add people with add_person first.")
        using = _check_decision(using, "identify")
        return using(self.encode_query(query, choose), self.people,
                     self._threshold(threshold))

    def save(self, path):
        """Write the database to ``path`` (an .npz file), atomically."""
        path = Path(path)
        names = self.names()
        counts = np.array([len(self._encodings[n]) for n in names], np.int64)
        encodings = (np.concatenate([self._encodings[n] for n in names])
                     if names else np.zeros((0, EMBEDDING_SIZE), np.float32))
        with replaced_atomically(path) as temporary:
            with open(temporary, "wb") as stream:
                np.savez(stream, format=np.array(FORMAT),
                         names=np.array(names, dtype=str), counts=counts,
                         encodings=encodings,
                         threshold=np.array(self.threshold))
        return path

    @classmethod
    def load(cls, path, encoder=None):
        """Read a database written by ``save``; ValueError if it is not one."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"No saved face database at {path}.")
        try:
            with np.load(path, allow_pickle=False) as stored:
                fields = {key: stored[key] for key in stored.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile,
                AttributeError, TypeError) as error:
            raise ValueError(
                f"{path} is not a saved FaceDatabase (corrupt or another "
                f"kind of file): {error}") from None
        return cls._from_fields(fields, path, encoder)

    @classmethod
    def _from_fields(cls, fields, path, encoder):
        """Build a database from the arrays of a saved file."""
        def fail(reason):
            raise ValueError(
                f"{path} is not a saved FaceDatabase ({reason}).")

        required = {"format", "names", "counts", "encodings", "threshold"}
        if not required <= set(fields):
            fail(f"missing {sorted(required - set(fields))}")
        if str(fields["format"]) != FORMAT:
            fail(f"format {str(fields['format'])!r}, expected {FORMAT!r}")
        names, counts = fields["names"], fields["counts"]
        encodings = fields["encodings"]
        if (names.ndim != 1 or counts.shape != names.shape
                or np.any(counts < 1) or encodings.ndim != 2
                or counts.sum() != len(encodings)
                or len(set(names.tolist())) != len(names)):
            fail("names, counts and encodings do not agree")
        try:
            database = cls(encoder, threshold=fields["threshold"])
            blocks = np.split(encodings, np.cumsum(counts)[:-1])
            for name, block in zip(names.tolist(), blocks):
                database.add_encodings(str(name), block)
        except ValueError as error:
            fail(str(error))
        return database

    def _stored(self, name):
        """Return the stored encodings of ``name`` or raise KeyError."""
        if name not in self._encodings:
            known = ", ".join(map(repr, self._encodings)) or "nobody yet"
            raise KeyError(f"{name!r} is not in the database; known: {known}.")
        return self._encodings[name]

    def _threshold(self, threshold):
        """Return the threshold to use for one query."""
        return self.threshold if threshold is None else _check_threshold(
            threshold)
