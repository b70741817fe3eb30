"""Tests of the shared figures in helpers.plotting."""

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import figure_checks, plotting  # noqa: E402

RNG = np.random.default_rng(3)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_show_images_grid_titles_and_dtypes():
    images = [RNG.integers(0, 256, (8, 8, 3), dtype=np.uint8),
              RNG.random((8, 8)), RNG.random((8, 8, 3))]
    figure = plotting.show_images(images, ["a", "b", "c"], columns=2)
    titled = [axis for axis in figure.axes if axis.get_title()]
    assert [axis.get_title() for axis in titled] == ["a", "b", "c"]
    assert len(figure.axes) == 4
    shown = titled[2].images[0].get_array()
    assert np.array_equal(shown, images[2]), "a float image is shown as given"


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
    image = RNG.integers(0, 256, (40, 40, 3), dtype=np.uint8)
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
    # The two kinds never blend into a third colour: one is filled, the other
    # hatched with no fill; the legend sits outside the bars.
    same, different = axis.patches[0], axis.patches[-1]
    assert same.get_facecolor()[3] > 0 and different.get_facecolor()[3] == 0
    assert different.get_hatch()
    assert axis.get_legend().get_bbox_to_anchor().x0 > axis.bbox.x1 - 1
    with pytest.raises(ValueError, match="one label per distance"):
        plotting.plot_distance_histograms(distances, labels[:3])


# --- blank and saturated images (helpers.figure_checks) ----------------------


@pytest.fixture(scope="module")
def lfw_faces():
    """Return four LFW faces as scikit-learn gives them (float32 in [0, 1])."""
    from sklearn.datasets import fetch_lfw_people

    from helpers.assets import lfw_data_home

    people = fetch_lfw_people(data_home=lfw_data_home(),
                              min_faces_per_person=100, resize=0.5,
                              color=True)
    return people.images[:4]


@pytest.fixture(scope="module")
def lfw_photo():
    """Return one LFW photo as Pillow reads it (uint8 0-255)."""
    from PIL import Image

    from helpers.data.lfw import image_path

    return np.asarray(Image.open(image_path("George_W_Bush", 1)))


@pytest.fixture(scope="module")
def paintings():
    """Return the three paintings and a content photo as float [0, 1]."""
    from helpers.style.images import (STYLE_IMAGES, load_content_image,
                                      load_style_image)

    return ([load_style_image(name, size=96) for name in STYLE_IMAGES]
            + [load_content_image("china", size=96)])


def test_real_images_have_no_problem(lfw_faces, lfw_photo, paintings):
    for image in [*lfw_faces, lfw_photo, lfw_photo[..., 0], *paintings]:
        assert figure_checks.image_problem(image) is None
    assert len(plotting.show_images(list(lfw_faces) + [lfw_photo]).axes) == 5


def test_faces_divided_by_255_twice_are_refused(lfw_faces):
    """The first figure of notebook 00 before issue 22: four black squares."""
    with pytest.raises(ValueError, match="divided by 255 twice"):
        plotting.show_images(list(lfw_faces / 255.0))
    photo = figure_checks.image_problem(lfw_faces[0] / 255.0)
    assert "divided by 255 twice" in photo


def test_float_photos_on_0_to_255_are_refused(lfw_photo, paintings):
    for image in [lfw_photo.astype(np.float32), paintings[0] * 255.0]:
        with pytest.raises(ValueError, match="clipped by imshow.*divide by 255"):
            plotting.show_images([image], ["x*255"])


def test_constant_and_saturated_images_are_refused(lfw_photo):
    with pytest.raises(ValueError, match=r"image 1 \('grey'\).*blank"):
        plotting.show_images([lfw_photo, np.full((9, 9, 3), 0.5)],
                             ["photo", "grey"])
    with pytest.raises(ValueError, match="about 0 .a black picture"):
        plotting.show_images([np.zeros((9, 9, 3), np.uint8)])
    with pytest.raises(ValueError, match="blank"):
        plotting.show_images([np.full((9, 9), 3.0)])
    binary = np.where(lfw_photo > 127, 255, 0).astype(np.uint8)
    assert "saturated" in figure_checks.image_problem(binary)
    with pytest.raises(ValueError, match="saturated"):
        plotting.show_detections([binary], [[]])
    assert "NaN" in figure_checks.image_problem(np.full((4, 4, 3), np.nan))
    assert "below 0" in figure_checks.image_problem(
        lfw_photo / 255.0 - 1.0)


def test_style_figures_refuse_inputs_and_flag_generated_images(paintings):
    from types import SimpleNamespace

    from helpers.style import plotting as style_plotting

    content, style = paintings[3], paintings[0]
    assert style_plotting.show_row([content, style]) is not None
    with pytest.raises(ValueError, match="divided by 255 twice"):
        style_plotting.show_image(content / 255.0, "content")
    black = np.zeros_like(content)
    result = SimpleNamespace(content=content, style=style, image=black,
                             method="adam", final_loss=1.0)
    with pytest.warns(UserWarning, match="black picture"):
        figure = style_plotting.show_results([result])
    assert figure.axes[2].get_title().splitlines()[-1].startswith(
        "LOOKS WRONG: it is blank")
    assert figure.axes[2].title.get_color() == "red"
    with pytest.raises(ValueError, match="blank"):
        style_plotting.show_results([SimpleNamespace(
            content=black, style=style, image=content, method="adam",
            final_loss=1.0)])
    with pytest.warns(UserWarning, match="saturated"):
        style_plotting.show_snapshots(
            [("step 9", np.where(content > 0.5, 1.0, 0.0))])


def _png(images):
    """Return the PNG bytes of ``images`` drawn side by side with imshow."""
    import io

    figure, axes = plt.subplots(1, len(images), figsize=(2 * len(images), 2))
    for axis, image in zip(np.atleast_1d(axes), images):
        axis.imshow(np.clip(image, 0, 1))
        axis.axis("off")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=60)
    return buffer.getvalue()


def test_panels_of_a_png_are_checked(lfw_faces, paintings):
    assert figure_checks.panel_problems(_png(list(lfw_faces))) == []
    assert figure_checks.panel_problems(_png(paintings)) == []
    black = figure_checks.panel_problems(_png(list(lfw_faces / 255.0)))
    assert len(black) == 4 and all("blank panel" in p for _, p in black)
    mixed = figure_checks.panel_problems(
        _png([lfw_faces[0], np.zeros((20, 20, 3)), lfw_faces[1]]))
    assert len(mixed) == 1
    binary = figure_checks.panel_problems(
        _png([np.where(paintings[0] > 0.5, 1.0, 0.0)]))
    assert ["saturated" in problem for _, problem in binary] == [True]
    figure, axis = plt.subplots()
    axis.bar([0, 1], [3, 4], color="tab:green")
    import io
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    assert figure_checks.panel_problems(buffer.getvalue()) == []
