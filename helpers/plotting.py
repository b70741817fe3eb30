"""Figures shared by the notebooks: image grids, detections, ROC, histograms.

An image that would show blank or saturated raises ValueError naming the
likely cause (``helpers.figure_checks``): these helpers show the course's
photos and chips, where such an image is always a mistake upstream.

Every function draws with Matplotlib and returns the figure (or the axis it
drew on), so a notebook can adjust it before ``plt.show()``.  Nothing here
imports TensorFlow or the face models: detections are any objects with
``box`` (x, y, width, height) and ``keypoints`` (5, 2) as (x, y), or dicts
with those keys (MTCNN's raw output).
"""

import numpy as np

from helpers.figure_checks import check_image

KEYPOINT_COLOURS = ("tab:red", "tab:orange", "tab:green", "tab:cyan",
                    "tab:purple")


def _pyplot():
    """Return matplotlib.pyplot (imported late: it is slow to import)."""
    import matplotlib.pyplot as plt

    return plt


def _as_displayable(image, name="image"):
    """Return an image array ``imshow`` shows as it is, or raise ValueError.

    Floats are shown on [0, 1] and uint8 on 0-255, as given: a blank or
    saturated image (see ``helpers.figure_checks``) is refused rather than
    rescaled, because a silent fix would hide the mistake that made it.
    """
    if hasattr(image, "numpy"):
        image = image.numpy()
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3) or (image.ndim == 3
                                    and image.shape[-1] not in (3, 4)):
        raise ValueError(
            f"An image must have shape (height, width) or (height, width, 3 "
            f"or 4), got {image.shape}.")
    check_image(image, name)
    return image


def _grid(count, columns, size):
    """Return (figure, flat list of axes) for ``count`` panels."""
    if count < 1:
        raise ValueError("Give at least one image to show.")
    columns = min(columns or count, count)
    if columns < 1:
        raise ValueError(f"columns must be at least 1, got {columns}.")
    rows = -(-count // columns)
    figure, axes = _pyplot().subplots(
        rows, columns, figsize=(size * columns, size * rows + 0.3),
        squeeze=False)
    axes = list(axes.ravel())
    for axis in axes[count:]:
        axis.axis("off")
    return figure, axes[:count]


def _check_titles(titles, count):
    """Return a list of ``count`` titles (empty strings when None)."""
    if titles is None:
        return [""] * count
    titles = list(titles)
    if len(titles) != count:
        raise ValueError(
            f"Give one title per image: {count} images, {len(titles)} titles.")
    return [str(title) for title in titles]


def show_images(images, titles=None, columns=None, size=2.2, suptitle=None,
                title_size=9):
    """Show images in a grid with optional titles; return the figure."""
    images = list(images) if not isinstance(images, np.ndarray) \
        or images.ndim == 4 else [images]
    titles = _check_titles(titles, len(images))
    figure, axes = _grid(len(images), columns, size)
    for index, (axis, image, title) in enumerate(zip(axes, images, titles)):
        image = _as_displayable(
            image, f"image {index}" + (f" ({title!r})" if title else ""))
        axis.imshow(image, cmap="gray" if image.ndim == 2 else None)
        axis.set_title(title, fontsize=title_size)
        axis.axis("off")
    if suptitle:
        figure.suptitle(suptitle)
    figure.tight_layout()
    return figure


def _box_and_keypoints(detection):
    """Return (box, keypoints or None) of a detection object or dict."""
    if isinstance(detection, dict):
        box = detection["box"]
        keypoints = detection.get("keypoints")
        if isinstance(keypoints, dict):
            keypoints = list(keypoints.values())
    else:
        box = detection.box
        keypoints = getattr(detection, "keypoints", None)
    box = np.asarray(box, dtype=float).ravel()
    if box.shape != (4,):
        raise ValueError(
            f"A box must be (x, y, width, height), got {box.tolist()}.")
    if keypoints is not None:
        keypoints = np.asarray(keypoints, dtype=float).reshape(-1, 2)
    return box, keypoints


def draw_detections(axis, detections, colour="yellow", label_scores=True):
    """Draw boxes and keypoints of ``detections`` on an existing axis."""
    from matplotlib.patches import Rectangle

    for detection in detections:
        box, keypoints = _box_and_keypoints(detection)
        x, y, width, height = box
        axis.add_patch(Rectangle((x, y), width, height, fill=False,
                                 edgecolor=colour, linewidth=2))
        score = getattr(detection, "score", None)
        if isinstance(detection, dict):
            score = detection.get("confidence", detection.get("score"))
        if label_scores and score is not None:
            axis.text(x, y - 3, f"{float(score):.3f}", color=colour,
                      fontsize=8, va="bottom")
        if keypoints is not None:
            for point, point_colour in zip(keypoints, KEYPOINT_COLOURS):
                axis.plot(point[0], point[1], "o", markersize=4,
                          color=point_colour, markeredgecolor="black",
                          markeredgewidth=0.5)
    return axis


def show_detections(images, detections, titles=None, columns=None, size=3.0,
                    suptitle=None):
    """Show images with their detected boxes and keypoints; return figure.

    ``detections`` holds, per image, a list of detections.
    """
    images = list(images)
    detections = list(detections)
    if len(images) != len(detections):
        raise ValueError(
            f"Give one list of detections per image: {len(images)} images, "
            f"{len(detections)} lists.")
    figure = show_images(images, titles, columns, size, suptitle)
    for axis, found in zip(figure.axes, detections):
        draw_detections(axis, found)
    return figure


def plot_roc(false_accept_rates, true_accept_rates, axis=None, label=None,
             mark=None, mark_label=None):
    """Plot a ROC curve (false-accept vs true-accept rate); return the axis.

    ``mark`` is an optional (false_accept_rate, true_accept_rate) point,
    e.g. the chosen threshold, drawn as a dot.
    """
    x = np.asarray(false_accept_rates, dtype=float)
    y = np.asarray(true_accept_rates, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(
            f"The rates must be two 1-D arrays of the same length, got "
            f"{x.shape} and {y.shape}.")
    if axis is None:
        _, axis = _pyplot().subplots(figsize=(4.5, 4.2))
    axis.plot(x, y, label=label, linewidth=2)
    axis.plot([0, 1], [0, 1], ":", color="grey", linewidth=1)
    if mark is not None:
        axis.plot(*mark, "o", color="tab:red", markersize=7,
                  label=mark_label)
    axis.set_xlabel("false-accept rate (different people accepted)")
    axis.set_ylabel("true-accept rate (same person accepted)")
    axis.set_xlim(-0.01, 1.01)
    axis.set_ylim(-0.01, 1.01)
    if label is not None or mark_label is not None:
        axis.legend(loc="lower right", fontsize=9)
    return axis


def plot_distance_histograms(distances, labels, threshold=None, axis=None,
                             bins=30):
    """Histogram distances of same- and different-person pairs; return axis.

    ``labels`` are 1 (same person) or 0 (different people); ``threshold``,
    when given, is drawn as a vertical line.
    """
    distances = np.asarray(distances, dtype=float).ravel()
    labels = np.asarray(labels).ravel()
    if distances.shape != labels.shape:
        raise ValueError(
            f"Give one label per distance: {distances.shape} distances, "
            f"{labels.shape} labels.")
    if axis is None:
        _, axis = _pyplot().subplots(figsize=(6, 3.2))
    edges = np.histogram_bin_edges(distances, bins=bins)
    # One histogram filled, the other hatched in outline, in colour-blind-safe
    # colours (Okabe-Ito): where they overlap no third, blended colour appears.
    styles = {1: dict(color="#0072B2", alpha=0.5),
              0: dict(facecolor="none", edgecolor="#D55E00", hatch="///",
                      linewidth=1.5)}
    for value, name in [(1, "same person"), (0, "different people")]:
        chosen = distances[labels == value]
        if len(chosen):
            axis.hist(chosen, bins=edges, histtype="stepfilled",
                      label=f"{name} ({len(chosen)})", **styles[value])
    if threshold is not None:
        axis.axvline(threshold, color="black", linestyle="--",
                     label=f"threshold {threshold:.3f}")
    axis.set_xlabel("distance between encodings")
    axis.set_ylabel("pairs")
    # Outside the axes, so that it never hides a bar.
    axis.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return axis
