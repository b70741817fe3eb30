"""Tests of helpers.faces.alignment: similarity transform and face chips."""

import numpy as np
import pytest
from scipy import ndimage

from helpers.faces.alignment import (
    CHIP_SIZE,
    TEMPLATE,
    align_faces,
    similarity_transform,
)

RNG = np.random.default_rng(3)


def rotation_matrix(angle):
    return np.array([[np.cos(angle), -np.sin(angle)],
                     [np.sin(angle), np.cos(angle)]])


def test_similarity_transform_recovers_a_known_transform():
    source = RNG.uniform(0, 200, size=(5, 2))
    matrix = 1.7 * rotation_matrix(0.4)
    offset = np.array([12.5, -30.0])
    target = source @ matrix.T + offset
    found_matrix, found_offset = similarity_transform(source, target)
    assert np.allclose(found_matrix, matrix, atol=1e-9)
    assert np.allclose(found_offset, offset, atol=1e-8)


def test_similarity_transform_never_reflects():
    source = RNG.uniform(0, 100, size=(6, 2))
    mirrored = source * np.array([-1.0, 1.0])  # a reflection of the points
    matrix, _ = similarity_transform(source, mirrored)
    assert np.linalg.det(matrix) > 0
    # no rotation+scale can reproduce a mirror image, so some error remains
    matrix, offset = similarity_transform(source, mirrored)
    assert np.abs(source @ matrix.T + offset - mirrored).max() > 1.0


def test_similarity_transform_rejects_bad_keypoints():
    with pytest.raises(ValueError, match="shape"):
        similarity_transform(np.zeros((5, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="shape"):
        similarity_transform(np.zeros((5, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="same position"):
        similarity_transform(np.ones((5, 2)), TEMPLATE)


def dotted_image(keypoints, shape=(300, 260)):
    """Return a black RGB image with a white dot at each keypoint."""
    image = np.zeros(shape + (3,), np.uint8)
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    for x, y in keypoints:
        image[(cols - x) ** 2 + (rows - y) ** 2 <= 9] = 255
    return image


def blob_centres(chip):
    """Return the (x, y) centres of the bright blobs of a chip."""
    labels, count = ndimage.label(chip[..., 0] > 60)
    centres = ndimage.center_of_mass(chip[..., 0], labels, range(1, count + 1))
    return np.array([(x, y) for y, x in centres])


@pytest.mark.parametrize("angle, scale", [(0.0, 1.0), (0.3, 1.4), (-0.5, 0.9)])
def test_align_faces_puts_keypoints_on_the_template(angle, scale):
    centre = np.array([130.0, 150.0])
    keypoints = ((TEMPLATE - TEMPLATE.mean(0)) @ (scale * rotation_matrix(
        angle)).T + centre)
    chip = align_faces(dotted_image(keypoints), keypoints)
    assert chip.shape == (CHIP_SIZE, CHIP_SIZE, 3) and chip.dtype == np.uint8
    found = blob_centres(chip)
    assert len(found) == 5
    for expected in TEMPLATE:
        assert np.min(np.hypot(*(found - expected).T)) < 1.0


def test_align_faces_respects_the_keypoint_order():
    keypoints = TEMPLATE + 40.0
    image = dotted_image(keypoints[:1])  # only the left eye is drawn
    found = blob_centres(align_faces(image, keypoints))
    assert len(found) == 1
    assert np.allclose(found[0], TEMPLATE[0], atol=1.0)


def test_align_faces_other_sizes_scale_the_template():
    keypoints = TEMPLATE * 2.0 + 10.0
    chip = align_faces(dotted_image(keypoints, (400, 400)), keypoints, size=75)
    assert chip.shape == (75, 75, 3)
    found = blob_centres(chip)
    for expected in TEMPLATE / 2:
        assert np.min(np.hypot(*(found - expected).T)) < 1.0


def test_align_faces_rejects_bad_input():
    image = np.zeros((200, 200, 3), np.uint8)
    with pytest.raises(ValueError, match="RGB uint8"):
        align_faces(image.astype(np.float32), TEMPLATE)
    with pytest.raises(ValueError, match="RGB uint8"):
        align_faces(image[..., 0], TEMPLATE)
    with pytest.raises(ValueError, match=r"\(5, 2\)"):
        align_faces(image, TEMPLATE[:4])
    with pytest.raises(ValueError, match=r"\(5, 2\)"):
        align_faces(image, TEMPLATE.T)
