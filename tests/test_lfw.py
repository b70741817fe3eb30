"""Tests of helpers.data.lfw: official pair lists, people, image paths."""

import numpy as np
import pytest

from helpers.data import lfw


@pytest.mark.parametrize("subset, size, folds", [
    ("train", 2200, 1), ("test", 1000, 1), ("10_folds", 6000, 10)])
def test_pair_lists_have_the_official_sizes(subset, size, folds):
    pairs = lfw.read_pairs(subset)
    assert len(pairs) == size
    assert len(pairs.paths_a) == len(pairs.paths_b) == size
    assert len(pairs.names_a) == len(pairs.names_b) == size
    assert sorted(np.unique(pairs.folds)) == list(range(folds))
    assert pairs.labels.sum() == size // 2
    for fold in range(folds):
        in_fold = pairs.labels[pairs.folds == fold]
        assert len(in_fold) == size // folds
        # each fold lists its matched pairs first, then its mismatched ones
        half = len(in_fold) // 2
        assert in_fold[:half].all() and not in_fold[half:].any()


def test_pair_labels_agree_with_the_names():
    pairs = lfw.read_pairs("train")
    same = np.array([a == b for a, b in zip(pairs.names_a, pairs.names_b)])
    assert np.array_equal(same, pairs.labels == 1)
    for path, name in zip(pairs.paths_a[:5], pairs.names_a[:5]):
        assert path.parent.name == name and path.name.startswith(name)


def test_pair_paths_exist():
    pairs = lfw.read_pairs("10_folds")
    paths = set(pairs.paths_a + pairs.paths_b)
    assert all(path.is_file() for path in paths)
    assert len(paths) > 7000


def test_subset_keeps_everything_aligned():
    pairs = lfw.read_pairs("10_folds")
    part = pairs.subset(np.flatnonzero(pairs.folds == 3))
    assert len(part) == 600
    assert set(part.folds) == {3}
    assert part.paths_a[0] == pairs.paths_a[1800]
    assert part.names_b[-1] == pairs.names_b[2399]


def test_unknown_subset_is_a_value_error():
    with pytest.raises(ValueError, match="subset must be one of"):
        lfw.read_pairs("validation")


def test_person_images_and_image_path():
    paths = lfw.person_images("Colin_Powell")
    assert len(paths) > 200
    assert paths == sorted(paths)
    assert paths[0] == lfw.image_path("Colin_Powell", 1)
    with pytest.raises(ValueError, match="No LFW images"):
        lfw.person_images("Nobody_At_All")


def test_load_people_returns_names_and_images():
    people = lfw.load_people(min_faces_per_person=70)
    names = list(people.target_names)
    assert "Colin Powell" in names and "George W Bush" in names
    assert len(names) == 7
    assert people.images.ndim == 4 and people.images.shape[-1] == 3
    assert len(people.images) == len(people.target)
    assert set(np.unique(people.target)) == set(range(len(names)))


def test_missing_lfw_offline_is_a_clear_error(tmp_path, monkeypatch):
    from helpers.assets import AssetError

    monkeypatch.delenv("FACES_STYLES_ASSETS", raising=False)
    with pytest.raises(AssetError, match="FACES_STYLES_ASSETS"):
        lfw.read_pairs("train", data_home=tmp_path,
                       download_if_missing=False)
