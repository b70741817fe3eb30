"""Labeled Faces in the Wild through scikit-learn's fetchers.

scikit-learn downloads LFW (with its own URLs and checksums) into a
``data_home``; offline, ``helpers.assets.lfw_data_home()`` prepares that
folder from the local asset directory.  This module adds what the fetchers
do not expose: the official pair lists as image paths, with View 2 folds.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers.assets import AssetError, lfw_data_home

PAIR_FILES = {"train": "pairsDevTrain.txt", "test": "pairsDevTest.txt",
              "10_folds": "pairs.txt"}


def lfw_image_dir(data_home=None, download_if_missing=True):
    """Return the folder holding ``<Name>/<Name>_NNNN.jpg`` (funneled LFW)."""
    from sklearn.datasets import _lfw

    home = lfw_data_home(data_home=data_home)
    try:
        _, folder = _lfw._check_fetch_lfw(
            data_home=home, funneled=True,
            download_if_missing=download_if_missing)
    except OSError as error:
        raise AssetError(
            f"LFW is not available in {home} and could not be downloaded "
            f"({error}). Online, scikit-learn downloads it; offline, set "
            "FACES_STYLES_ASSETS to a folder holding lfw_home.tar.gz."
        ) from None
    return Path(folder)


def image_path(name, number, data_home=None):
    """Return the path of image ``number`` (1-based) of person ``name``."""
    return lfw_image_dir(data_home) / name / f"{name}_{int(number):04d}.jpg"


@dataclass
class Pairs:
    """Image pairs with labels (1 = same person) and fold numbers."""

    paths_a: list
    paths_b: list
    labels: np.ndarray
    folds: np.ndarray
    names_a: list
    names_b: list

    def __len__(self):
        return len(self.labels)

    def subset(self, indices):
        """Return the pairs at ``indices``."""
        indices = np.asarray(indices)
        pick = lambda items: [items[i] for i in indices]  # noqa: E731
        return Pairs(pick(self.paths_a), pick(self.paths_b),
                     self.labels[indices], self.folds[indices],
                     pick(self.names_a), pick(self.names_b))


def read_pairs(subset="10_folds", data_home=None, download_if_missing=True):
    """Read an official LFW pair list as image paths.

    ``subset`` is 'train' (pairsDevTrain.txt, 2,200 pairs), 'test'
    (pairsDevTest.txt, 1,000 pairs) or '10_folds' (pairs.txt, View 2:
    10 folds of 300 matched then 300 mismatched pairs).
    """
    if subset not in PAIR_FILES:
        raise ValueError(
            f"subset must be one of {sorted(PAIR_FILES)}, got {subset!r}.")
    folder = lfw_image_dir(data_home, download_if_missing)
    lines = (folder.parent / PAIR_FILES[subset]).read_text().splitlines()
    header = lines[0].split()
    folds, per_fold = (int(header[0]), int(header[1])) if len(header) == 2 \
        else (1, int(header[0]))
    rows = [line.split() for line in lines[1:] if line.strip()]
    if len(rows) != folds * 2 * per_fold:
        raise ValueError(
            f"{PAIR_FILES[subset]} has {len(rows)} pairs, expected "
            f"{folds * 2 * per_fold}; the file is damaged.")
    pairs = Pairs([], [], np.zeros(len(rows), np.int64),
                  np.repeat(np.arange(folds), 2 * per_fold), [], [])
    for index, row in enumerate(rows):
        if len(row) == 3:
            name_a, number_a, name_b, number_b = row[0], row[1], row[0], row[2]
            pairs.labels[index] = 1
        else:
            name_a, number_a, name_b, number_b = row
        pairs.names_a.append(name_a)
        pairs.names_b.append(name_b)
        pairs.paths_a.append(folder / name_a / f"{name_a}_{int(number_a):04d}.jpg")
        pairs.paths_b.append(folder / name_b / f"{name_b}_{int(number_b):04d}.jpg")
    return pairs


def load_people(min_faces_per_person=20, resize=0.5, color=True,
                slice_=(slice(70, 195), slice(78, 172)), data_home=None,
                download_if_missing=True):
    """Return scikit-learn's LFW people bunch (images, target, target_names)."""
    from sklearn.datasets import fetch_lfw_people

    return fetch_lfw_people(
        data_home=lfw_data_home(data_home=data_home),
        min_faces_per_person=min_faces_per_person, resize=resize,
        color=color, slice_=slice_, download_if_missing=download_if_missing)


def person_images(name, data_home=None):
    """Return the sorted image paths of one person."""
    folder = lfw_image_dir(data_home) / name
    paths = sorted(folder.glob(f"{name}_*.jpg"))
    if not paths:
        raise ValueError(f"No LFW images for {name!r}.")
    return paths
