"""VGG16 feature extraction and short style transfer runs (real weights, no mocks)."""

import os

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from helpers.style import (
    defaults,
    images,
    objective,
    start_images,
    transfer,
    vgg,
)

SIZE = 64  # the size of the content and style fixtures (tests/conftest.py)


@pytest.fixture(scope="module")
def vgg16():
    return vgg.load_vgg16()  # cached for the whole test session


def test_weights_come_from_the_local_asset():
    source = vgg.vgg16_weights_source()
    assert source != "imagenet", "set FACES_STYLES_ASSETS to the offline asset folder"
    assert os.path.basename(source) == "vgg16_notop.weights.h5"


@pytest.mark.parametrize("layers, message", [
    ({"block1_conv1": 1.0}, "not a dict"),
    (zip(["block1_conv1"], [1.0]), "got a zip"),
    (["block1_conv1", "block2_conv1"], "got the item 'block1_conv1'"),
    ([("block1_conv1", "heavy")], "must be a number"),
    ([("block1_conv1", -0.5), ("block2_conv1", 1.5)], "finite number >= 0"),
    ([], "at least one"),
])
def test_style_layers_must_be_pairs_with_weights_at_least_0(layers, message):
    with pytest.raises(ValueError, match=message):
        objective.style_layer_pairs(layers)


def test_style_layer_pairs_keep_names_order_and_float_weights():
    pairs = objective.style_layer_pairs((["b", 1], ("a", np.float32(0.5))))
    assert pairs == [("b", 1.0), ("a", 0.5)]
    assert all(type(weight) is float for _, weight in pairs)


def test_vgg16_is_cached_and_has_13_convs(vgg16):
    assert vgg.load_vgg16() is vgg16
    convs = [layer.name for layer in vgg16.layers if "conv" in layer.name]
    assert tuple(convs) == vgg.VGG16_CONV_LAYERS
    assert not vgg16.trainable


def test_preprocess_matches_keras(content):
    import keras

    expected = keras.applications.vgg16.preprocess_input(content[None] * 255.0)
    np.testing.assert_allclose(vgg.preprocess(content[None]).numpy(), expected, atol=1e-3)


def test_feature_extractor_is_truncated_and_shapes(vgg16, content):
    extractor = vgg.FeatureExtractor(["block3_conv1", "block1_conv1"])
    assert extractor.deepest_layer == "block3_conv1"
    assert extractor.model.layers[-1].name == "block3_conv1"
    assert "block4_conv1" not in [layer.name for layer in extractor.model.layers]
    acts = extractor.numpy(content[None])
    assert list(acts) == ["block3_conv1", "block1_conv1"]
    height, width = content.shape[:2]
    assert acts["block1_conv1"].shape == (1, height, width, 64)
    assert acts["block3_conv1"].shape == (1, height // 4, width // 4, 256)
    # same values as the full network's layer
    import keras

    full = keras.Model(vgg16.input, vgg16.get_layer("block3_conv1").output)
    np.testing.assert_allclose(full(vgg.preprocess(content[None])).numpy(),
                               acts["block3_conv1"], rtol=1e-4, atol=1e-3)
    single = vgg.FeatureExtractor(["block2_conv2"])(content[None])
    assert list(single) == ["block2_conv2"] and single["block2_conv2"].shape[-1] == 128


def test_pretrained_features_are_not_random(content):
    # ImageNet weights respond to structure: a photo activates block5 more
    # sparsely and differently from a flat grey image.
    extractor = vgg.FeatureExtractor(["block5_conv2"])
    photo = extractor.numpy(content[None])["block5_conv2"]
    grey = extractor.numpy(np.full_like(content, 0.5)[None])["block5_conv2"]
    assert np.abs(photo - grey).mean() > 0.1 * (np.abs(photo).mean() + 1e-6)


def test_unknown_layer_names():
    with pytest.raises(ValueError, match="Unknown VGG16 layer.*block6_conv1.*block1_conv1"):
        vgg.FeatureExtractor(["block6_conv1"])
    with pytest.raises(ValueError, match="at least one layer"):
        vgg.FeatureExtractor([])


def test_style_cost_has_the_lecture_cost_s_minimum(content, style):
    """The engine's terms are 4 times the course's content and style costs:
    the same minimum, not the exercises' values."""
    from instructor.exercises import nb05_style_transfer as reference

    cost = objective.StyleCost(content, style)
    generated = np.clip(content + 0.1, 0, 1)
    parts = cost.parts(generated)
    acts = cost.extractor(generated[None])
    expected_content = float(reference.compute_content_cost(
        cost.a_C, acts[cost.content_layer]))
    expected_style = float(reference.compute_style_cost(
        cost.a_S, acts, cost.style_layers))
    assert parts["content"] == pytest.approx(4 * expected_content, rel=1e-4)
    assert parts["style"] == pytest.approx(4 * expected_style, rel=1e-4)
    assert parts["total"] == pytest.approx(
        4 * (defaults.DEFAULT_ALPHA * expected_content
             + defaults.DEFAULT_BETA * expected_style), rel=1e-4)
    assert cost.style.shape == content.shape  # style fitted to the content's size
    assert cost.parts(content)["content"] == pytest.approx(0.0, abs=1e-6)
    value, grad = cost.value_and_grad(generated[None])
    assert float(value) == pytest.approx(parts["total"], rel=1e-4)
    assert grad.shape == (1,) + content.shape and np.isfinite(grad.numpy()).all()


def test_fast_transfer_decreases_loss_and_saves(content, style, tmp_path):
    result = transfer.fast_transfer(content, style, size=SIZE, levels=(32, SIZE),
                                    iterations=(5, 8), progress=False, snapshot_every=4)
    start = objective.StyleCost(images.resize_long_side(content, SIZE), style)(content)
    assert result.final_loss < 0.7 * float(start)
    assert result.image.shape == (43, 64, 3) and result.image.dtype == np.float32
    assert 0.0 <= result.image.min() and result.image.max() <= 1.0
    assert [label for label, _ in result.snapshots if "done" in label] == [
        "32x22 done", "64x43 done"]
    assert result.history and result.seconds > 0
    path = result.save(tmp_path / "out" / "result.png")
    from PIL import Image

    assert Image.open(path).size == (64, 43)
    assert result.show() is not None and result.show_snapshots() is not None
    assert result._repr_png_().startswith(b"\x89PNG")


def test_adam_transfer_decreases_loss_and_is_deterministic(content, style):
    runs = [transfer.adam_transfer(content, style, size=32, steps=15, progress=False,
                                   snapshot_every=5, init="noisy_content")
            for _ in range(2)]
    first = runs[0]
    assert first.history[-1]["loss"] < first.history[0]["loss"]
    assert len(first.snapshots) == 3
    np.testing.assert_allclose(first.image, runs[1].image, atol=1e-5)


def test_target_loss_stops_early(content, style):
    full = transfer.fast_transfer(content, style, size=32, levels=(32,), iterations=(12,),
                                  progress=False)
    target = full.history[3]["loss"]
    early = transfer.fast_transfer(content, style, size=32, levels=(32,), iterations=(12,),
                                   target_loss=target, progress=False)
    assert early.final_loss <= target * (1 + 1e-5)
    assert len(early.history) < len(full.history)


def test_style_transfer_dispatch_and_bad_arguments(content, style):
    with pytest.raises(ValueError, match="method must be 'fast' or 'adam'"):
        transfer.style_transfer(content, style, method="sgd")
    with pytest.raises(ValueError, match="levels must increase and end at size=64"):
        transfer.fast_transfer(content, style, size=SIZE, levels=(64, 32))
    with pytest.raises(ValueError, match="iterations has 1 entries for 2 levels"):
        transfer.fast_transfer(content, style, size=SIZE, levels=(32, 64), iterations=(3,))
    with pytest.raises(ValueError, match="alpha must be a finite number"):
        objective.StyleCost(content, style, alpha=-1)
    with pytest.raises(ValueError, match="Unknown VGG16 layer"):
        objective.StyleCost(content, style, content_layer="conv9")
    with pytest.raises(ValueError, match="not a dict"):
        objective.StyleCost(content, style, style_layers={"block1_conv1": 1.0})
    with pytest.raises(ValueError, match="init must be"):
        transfer.adam_transfer(content, style, size=32, steps=1, init="zeros", progress=False)
    with pytest.raises(ValueError, match="size must be between"):
        transfer.fast_transfer(content, style, size=4)
    with pytest.raises(ValueError, match="float values in"):
        transfer.fast_transfer(content * 255, style, size=32)
    with pytest.raises(ValueError, match="maxcor must be an integer >= 1"):
        transfer.fast_transfer(content, style, size=32, maxcor=0)


def test_maxcor_reaches_lbfgs(content, style):
    few = transfer.fast_transfer(content, style, size=32, levels=(32,), iterations=(8,),
                                 maxcor=1, progress=False)
    many = transfer.fast_transfer(content, style, size=32, levels=(32,), iterations=(8,),
                                  maxcor=20, progress=False)
    assert few.config["maxcor"] == 1 and many.config["maxcor"] == 20
    assert [h["loss"] for h in few.history] != [h["loss"] for h in many.history]


def test_quick_defaults_are_small():
    from helpers.config import quick_mode

    assert quick_mode()  # conftest sets FACES_STYLES_QUICK=1
    assert transfer.default_iterations(3) == (10, 10, 10)
    assert transfer.default_levels(256) == (64, 128, 256)
    assert transfer.resolve_size(None) == defaults.QUICK_SIZE == 64


def test_match_colours_moves_statistics(content, style):
    matched = start_images.match_colours(content, style)
    assert matched.shape == content.shape and matched.dtype == np.float32
    flat_m, flat_s = matched.reshape(-1, 3), style.reshape(-1, 3)
    np.testing.assert_allclose(flat_m.mean(0), flat_s.mean(0), atol=0.03)
    np.testing.assert_allclose(np.cov(flat_m, rowvar=False), np.cov(flat_s, rowvar=False),
                               atol=0.01)
    # the layout is kept: strongly correlated with the content's luminance
    corr = np.corrcoef(matched.mean(-1).ravel(), content.mean(-1).ravel())[0, 1]
    assert corr > 0.8


def test_default_iterations_full_configuration(monkeypatch):
    monkeypatch.setenv("FACES_STYLES_QUICK", "0")
    assert transfer.default_iterations(3) == (50, 40, 80)
    assert transfer.default_iterations(1) == (80,)
    assert transfer.resolve_size(None) == 256


def test_upsampling_adds_back_the_start_images_detail(content, style):
    small_shape = (content.shape[0] // 2, content.shape[1] // 2)
    small = images.resize(content, small_shape)
    # Upsampling the start image's own small copy gives the start image back.
    restored = start_images.upsample_with_detail(small, content.shape[:2], content,
                                             style, init="content")
    assert restored.shape == content.shape and restored.dtype == np.float32
    assert np.allclose(restored, content, atol=1e-5)
    plain = images.resize(small, content.shape[:2])
    assert np.abs(plain - content).mean() > 10 * np.abs(restored - content).mean()
    # No deterministic start image: a plain resize.
    noisy = start_images.upsample_with_detail(small, content.shape[:2], content,
                                          style, init="noise")
    assert np.array_equal(noisy, plain)
    matched = start_images.upsample_with_detail(small, content.shape[:2], content,
                                            style, init="matched")
    assert matched.min() >= 0 and matched.max() <= 1
