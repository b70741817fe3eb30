"""Loading and validating content and style images."""

import numpy as np
import pytest
from PIL import Image

from helpers.style import images


@pytest.mark.parametrize("name", sorted(images.CONTENT_IMAGES))
def test_content_images_load_resized(name):
    image = images.load_content_image(name, size=64)
    assert image.dtype == np.float32 and image.ndim == 3 and image.shape[-1] == 3
    assert max(image.shape[:2]) == 64
    assert 0.0 <= image.min() and image.max() <= 1.0


@pytest.mark.parametrize("name", sorted(images.STYLE_IMAGES))
def test_style_images_load_from_assets(name):
    image = images.load_style_image(name, size=48)
    assert max(image.shape[:2]) == 48 and image.shape[-1] == 3
    assert image.std() > 0.05  # a real painting, not a blank


def test_aspect_ratio_is_kept():
    image = images.load_content_image("china", size=256)  # 427 x 640
    assert image.shape[:2] == (171, 256)


def test_unknown_names():
    with pytest.raises(ValueError, match="Unknown content image 'mona_lisa'.*china"):
        images.load_content_image("mona_lisa")
    with pytest.raises(ValueError, match="Unknown style image 'mona_lisa'.*starry_night"):
        images.load_style_image("mona_lisa")


def test_uint8_float_gray_rgba_conversion():
    rng = np.random.default_rng(0)
    u8 = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    np.testing.assert_allclose(images.to_float_image(u8), u8 / 255.0, atol=1e-6)
    gray = rng.random((20, 30)).astype(np.float32)
    rgb = images.to_float_image(gray)
    assert rgb.shape == (20, 30, 3) and np.all(rgb[..., 0] == rgb[..., 2])
    rgba = np.zeros((20, 30, 4), np.float32)
    rgba[..., 3] = 0.0  # fully transparent -> white
    assert np.allclose(images.to_float_image(rgba), 1.0)
    batch = images.to_float_image(u8[None])
    assert batch.shape == (20, 30, 3)


@pytest.mark.parametrize("array, message", [
    (np.zeros((20, 30, 2), np.float32), "1 \\(grayscale\\), 3 \\(RGB\\) or 4"),
    (np.zeros((3, 20, 30), np.float32), "channel axis last"),
    (np.zeros((2, 20, 30, 3), np.float32), "must be shaped"),
    (np.zeros((5,), np.float32), "must be shaped"),
    (np.full((20, 30, 3), 200.0, np.float32), "divide by 255"),
    (np.full((20, 30, 3), -0.5, np.float32), "must lie in \\[0, 1\\]"),
    (np.full((20, 30, 3), np.nan, np.float32), "NaN"),
    (np.zeros((20, 30, 3), np.int32), "integer dtype"),
    (np.zeros((20, 30, 3), bool), "boolean"),
    (np.zeros((8, 30, 3), np.float32), "at least 16 pixels"),
])
def test_bad_arrays_have_clear_messages(array, message):
    with pytest.raises(ValueError, match=message):
        images.to_float_image(array)


def test_bad_sizes():
    for size in (0, 8, 10_000, 2.5, "256", True):
        with pytest.raises(ValueError, match="size must be"):
            images.load_content_image("china", size=size)
    with pytest.raises(ValueError, match="short side"):
        images.resize_long_side(np.zeros((16, 400, 3), np.float32), 64)


def test_load_image_paths(tmp_path):
    path = tmp_path / "photo.png"
    Image.fromarray(np.full((40, 80, 4), 128, np.uint8)).save(path)
    image = images.load_image(path, size=32)
    assert image.shape == (16, 32, 3)
    gray_path = tmp_path / "gray.png"
    Image.fromarray(np.full((40, 40), 77, np.uint8)).save(gray_path)
    assert images.load_image(gray_path).shape == (40, 40, 3)
    with pytest.raises(FileNotFoundError, match="No image file"):
        images.load_image(tmp_path / "missing.png")
    with pytest.raises(ValueError, match="not a file"):
        images.load_image(tmp_path)
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    with pytest.raises(ValueError, match="not an image file"):
        images.load_image(text)
    with pytest.raises(ValueError, match="str or pathlib.Path"):
        images.load_image(123)


def test_as_image_and_fit_to():
    assert images.as_image("chelsea", size=64).shape[1] == 64
    assert images.as_image("the_scream", size=64, kind="style").shape[0] == 64
    with pytest.raises(ValueError, match="Unknown image name"):
        images.as_image("nothing")
    style = images.load_style_image("the_scream", size=128)  # portrait
    fitted = images.fit_to(style, (30, 60))
    assert fitted.shape == (30, 60, 3)
