"""Receptive fields, probe images and top patches of helpers.style.activations."""

import numpy as np
import pytest
import tensorflow as tf

from helpers.style import activations
from helpers.style.activations import (
    patch_box,
    receptive_field,
    select_units,
    show_top_patches,
    square_tiles,
    strongest_positions,
    top_patches,
)

# Receptive field sizes of VGG16 (3x3 convolutions, 2x2 pooling).
EXPECTED_SIZES = {
    "block1_conv1": 3, "block1_conv2": 5, "block1_pool": 6,
    "block2_conv2": 14, "block3_conv3": 40, "block4_conv3": 92,
    "block5_conv1": 132, "block5_conv3": 196, "block5_pool": 212,
}


@pytest.mark.parametrize("layer, size", sorted(EXPECTED_SIZES.items()))
def test_receptive_field_sizes(layer, size):
    assert receptive_field(layer).size == size


def test_receptive_field_strides_and_unknown_layer():
    assert receptive_field("block1_conv2").stride == 1
    assert receptive_field("block3_conv1").stride == 4
    assert receptive_field("block5_conv3").stride == 16
    with pytest.raises(ValueError, match="Unknown VGG16 layer"):
        receptive_field("block6_conv1")


def _single_layer_model(layer):
    from helpers.style.vgg import load_vgg16

    vgg = load_vgg16()
    return tf.keras.Model(vgg.input, vgg.get_layer(layer).output)


@pytest.mark.parametrize("layer, row, column", [
    ("block1_conv2", 5, 7), ("block2_conv2", 3, 4), ("block3_conv1", 2, 3),
])
def test_patch_box_is_the_set_of_pixels_that_matter(layer, row, column):
    """Changing a pixel inside the box changes the unit; outside, it does not."""
    model = _single_layer_model(layer)
    image = np.random.default_rng(0).uniform(0, 255, (1, 40, 40, 3)).astype(np.float32)
    top, left, bottom, right = patch_box(layer, row, column, (40, 40))
    with tf.GradientTape() as tape:
        x = tf.constant(image)
        tape.watch(x)
        unit = tf.reduce_sum(model(x)[0, row, column, :])
    influence = np.abs(tape.gradient(unit, x).numpy()[0]).sum(axis=-1)
    inside = np.zeros_like(influence, dtype=bool)
    inside[top:bottom, left:right] = True
    assert influence[~inside].max() == 0.0
    assert influence[top, :].max() > 0 and influence[bottom - 1, :].max() > 0
    assert influence[:, left].max() > 0 and influence[:, right - 1].max() > 0


def test_patch_box_is_clipped_to_the_image():
    assert patch_box("block5_conv3", 0, 0, (224, 224)) == (0, 0, 106, 106)
    with pytest.raises(ValueError, match="outside"):
        patch_box("block1_conv1", 50, 0, (20, 20))
    with pytest.raises(ValueError):
        patch_box("block1_conv1", -1, 0, (20, 20))


def test_square_tiles_cover_the_image_at_each_scale():
    image = np.random.default_rng(1).uniform(0, 1, (60, 90, 3)).astype(np.float32)
    tiles = square_tiles(image, 32, scales=(1, 2))
    assert len(tiles) == 1 * 1 + 2 * 3  # 32x48 -> 1 tile; 64x96 -> 2x3 tiles
    assert all(tile.shape == (32, 32, 3) for tile in tiles)


def test_select_units_prefers_selective_and_skips_silent_channels():
    values = np.array([[5.0, 1.0, 0.0, 2.0],
                       [0.1, 1.0, 0.0, 2.0],
                       [0.1, 1.0, 0.0, 2.1]])
    assert select_units(values, count=4, top=1) == [0, 3, 1]


def test_strongest_positions_and_top_patches_find_a_planted_pattern():
    """A bright-red square makes some block1 units fire at its location."""
    rng = np.random.default_rng(2)
    images = rng.uniform(0.4, 0.6, (3, 32, 32, 3)).astype(np.float32)
    images[1, 10:16, 20:26] = (1.0, 0.0, 0.0)
    found = strongest_positions(images, ["block1_conv2"], batch_size=2,
                                progress=False)
    values, rows, columns = found["block1_conv2"]
    assert values.shape == rows.shape == columns.shape == (3, 64)
    units = top_patches(images, ["block1_conv2"], units=2, top=2,
                        labels=["a", "b", "c"], progress=False)
    assert len(units) == 2
    for unit in units:
        assert unit.labels[0] == "b"
        assert unit.values[0] >= unit.values[1]
        assert all(p.shape[:2] == (5, 5) or min(p.shape[:2]) < 5 for p in unit.patches)
        channel = unit.channel
        assert 7 <= rows[1, channel] <= 18 and 17 <= columns[1, channel] <= 28


def test_top_patches_validates_arguments():
    images = np.zeros((2, 32, 32, 3), np.float32)
    with pytest.raises(ValueError, match="labels"):
        top_patches(images, ["block1_conv1"], labels=["only one"], progress=False)
    with pytest.raises(ValueError, match="out of range"):
        top_patches(images, ["block1_conv1"], channels={"block1_conv1": [64]},
                    progress=False)
    with pytest.raises(ValueError, match="shaped"):
        strongest_positions(np.zeros((32, 32, 3)), ["block1_conv1"])


def test_show_top_patches_draws_one_row_per_unit():
    import matplotlib

    matplotlib.use("Agg")
    unit = activations.UnitPatches("block2_conv2", 3, [1.0, 0.5],
                                   [np.zeros((14, 14, 3)), np.ones((10, 14, 3))],
                                   ["x", "y"])
    figure = show_top_patches([unit, unit])
    assert len(figure.axes) == 4
    with pytest.raises(ValueError):
        show_top_patches([])


def test_probe_images_are_square_tiles_with_labels():
    images, labels = activations.probe_images(
        size=48, faces=0, photos=("coffee", "camera"), paintings=(), scales=(1,))
    assert images.shape == (2, 48, 48, 3) and labels == ["coffee", "camera"]
    assert images.dtype == np.float32 and 0 <= images.min() and images.max() <= 1
    with pytest.raises(ValueError):
        activations.probe_images(size=16, faces=0)
