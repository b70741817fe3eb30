"""Tests of the shared figures in helpers.plotting."""

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import plotting  # noqa: E402

RNG = np.random.default_rng(3)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_show_images_grid_titles_and_dtypes():
    images = [RNG.integers(0, 256, (8, 8, 3), dtype=np.uint8),
              RNG.random((8, 8)), RNG.random((8, 8, 3)) * 255.0]
    figure = plotting.show_images(images, ["a", "b", "c"], columns=2)
    titled = [axis for axis in figure.axes if axis.get_title()]
    assert [axis.get_title() for axis in titled] == ["a", "b", "c"]
    assert len(figure.axes) == 4
    shown = titled[2].images[0].get_array()
    assert float(np.max(shown)) <= 1.0


def test_show_images_accepts_a_batch_and_checks_input():
    batch = RNG.integers(0, 256, (5, 6, 6, 3), dtype=np.uint8)
    assert len(plotting.show_images(batch).axes) == 5
    with pytest.raises(ValueError, match="one title per image"):
        plotting.show_images(batch, titles=["x"])
    with pytest.raises(ValueError, match="height, width"):
        plotting.show_images([np.zeros((4, 4, 2))])
    with pytest.raises(ValueError, match="at least one"):
        plotting.show_images([])


def test_show_detections_draws_boxes_and_keypoints():
    image = np.zeros((40, 40, 3), np.uint8)
    detection = SimpleNamespace(box=np.array([5, 6, 20, 22]), score=0.97,
                                keypoints=RNG.random((5, 2)) * 30)
    raw = {"box": [1, 2, 3, 4], "confidence": 0.5,
           "keypoints": {"left_eye": (2, 3), "right_eye": (3, 3),
                         "nose": (2.5, 4), "mouth_left": (2, 5),
                         "mouth_right": (3, 5)}}
    figure = plotting.show_detections([image, image], [[detection], [raw]])
    first, second = figure.axes
    assert len(first.patches) == 1 and len(first.lines) == 5
    assert first.patches[0].get_width() == 20
    assert [text.get_text() for text in first.texts] == ["0.970"]
    assert len(second.lines) == 5
    with pytest.raises(ValueError, match="one list of detections"):
        plotting.show_detections([image], [])
    with pytest.raises(ValueError, match="x, y, width, height"):
        plotting.draw_detections(first, [{"box": [1, 2, 3]}])


def test_plot_roc_and_histograms():
    axis = plotting.plot_roc([0, 0.5, 1], [0, 0.9, 1], label="model",
                             mark=(0.5, 0.9), mark_label="tau")
    assert axis.get_legend() is not None
    assert len(axis.lines) == 3
    with pytest.raises(ValueError, match="same length"):
        plotting.plot_roc([0, 1], [0, 0.5, 1])
    distances = RNG.random(30)
    labels = np.arange(30) % 2
    axis = plotting.plot_distance_histograms(distances, labels, threshold=0.5)
    assert len(axis.lines) == 1
    texts = [text.get_text() for text in axis.get_legend().get_texts()]
    assert "same person (15)" in texts and "threshold 0.500" in texts
    with pytest.raises(ValueError, match="one label per distance"):
        plotting.plot_distance_histograms(distances, labels[:3])
