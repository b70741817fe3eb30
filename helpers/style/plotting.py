"""Figures for style transfer: content | style | result rows, snapshot grids.

Every image is checked before it is drawn (``helpers.figure_checks``).  A
blank or saturated content or style image raises ValueError: the course
loads those, so the problem is upstream.  A generated image is still shown,
with the problem in red as its title and a warning, because a learner's
cost functions may have produced it and the learner needs to see it.
"""

from __future__ import annotations

import warnings

import numpy as np

from helpers.figure_checks import check_image, image_problem
from helpers.style.images import to_float_image

ON_PROBLEM = ("raise", "warn")


def show_image(image, title=None, ax=None, on_problem="raise"):
    """Show one image (array in [0, 1] or uint8) without axes; return the axes.

    ``on_problem`` says what a blank or saturated image does: "raise" a
    ValueError, or "warn" (drawn, with the problem as a red title).
    """
    import matplotlib.pyplot as plt

    if on_problem not in ON_PROBLEM:
        raise ValueError(
            f"on_problem must be 'raise' or 'warn', got {on_problem!r}.")
    image = to_float_image(image)
    name = f"image {title!r}" if title else "image"
    problem = image_problem(image)
    if problem is not None and on_problem == "raise":
        check_image(image, name)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(image)
    ax.set_axis_off()
    if problem is not None:
        warnings.warn(f"The {name} looks wrong: {problem}", stacklevel=2)
        ax.set_title(f"{title or ''}\nLOOKS WRONG: {problem.split(':')[0]}",
                     color="red", fontsize=9)
    elif title:
        ax.set_title(title)
    return ax


def show_row(images, titles=None, size=3.5, suptitle=None, on_problem="warn"):
    """Show images side by side; return the figure (see ``show_image``)."""
    import matplotlib.pyplot as plt

    images = list(images)
    if not images:
        raise ValueError("show_row needs at least one image.")
    titles = list(titles) if titles is not None else [None] * len(images)
    if len(titles) != len(images):
        raise ValueError(f"{len(titles)} titles for {len(images)} images.")
    fig, axes = plt.subplots(1, len(images), figsize=(size * len(images), size),
                             squeeze=False)
    for ax, image, title in zip(axes[0], images, titles):
        show_image(image, title, ax, on_problem)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def show_transfer(content, style, result, titles=("content", "style", "result"), **kwargs):
    """One row: content | style | generated image; return the figure."""
    return show_row([content, style, result], titles, **kwargs)


def show_results(results, size=3.0):
    """One content | style | result row per :class:`TransferResult`."""
    import matplotlib.pyplot as plt

    results = list(results)
    if not results:
        raise ValueError("show_results needs at least one result.")
    fig, axes = plt.subplots(len(results), 3, figsize=(3 * size, size * len(results)),
                             squeeze=False)
    for row, result in zip(axes, results):
        show_image(result.content, "content", row[0])
        show_image(result.style, "style", row[1])
        show_image(result.image, f"{result.method}, J={result.final_loss:.3g}",
                   row[2], on_problem="warn")
    fig.tight_layout()
    return fig


def show_snapshots(snapshots, columns=4, size=2.5):
    """Grid of ``(label, image)`` snapshots (e.g. ``TransferResult.snapshots``)."""
    import matplotlib.pyplot as plt

    snapshots = list(snapshots)
    if not snapshots:
        raise ValueError("No snapshots to show: pass snapshot_every=k to the transfer.")
    columns = max(1, min(columns, len(snapshots)))
    rows = int(np.ceil(len(snapshots) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(size * columns, size * rows),
                             squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, (label, image) in zip(axes.ravel(), snapshots):
        show_image(image, label, ax, on_problem="warn")
    fig.tight_layout()
    return fig


def plot_losses(*results, ax=None, log=True):
    """Total cost against wall-clock seconds for one or more results."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for result in results:
        seconds = [h["seconds"] for h in result.history]
        losses = [h["loss"] for h in result.history]
        ax.plot(seconds, losses, label=result.method)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("seconds")
    ax.set_ylabel("total cost J")
    ax.legend()
    return ax


def plot_cost_terms(result, ax=None, log=True):
    """The weighted terms of J (content, style, TV) against the iteration.

    Uses the ``content``, ``style`` and ``tv`` entries of
    ``result.history`` times ``alpha``, ``beta`` and ``tv_weight`` of
    ``result.config``; the levels of a coarse-to-fine run follow each other.
    """
    import matplotlib.pyplot as plt

    history = [h for h in result.history if "content" in h]
    if not history:
        raise ValueError("This result recorded no cost terms.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    weights = {"content": result.config.get("alpha", 1.0),
               "style": result.config.get("beta", 1.0),
               "tv": result.config.get("tv_weight", 0.0)}
    labels = {"content": "alpha * J_content", "style": "beta * J_style",
              "tv": "tv_weight * TV"}
    steps = np.arange(1, len(history) + 1)
    for term, weight in weights.items():
        if weight:
            ax.plot(steps, [weight * h[term] for h in history],
                    label=labels[term])
    ax.plot(steps, [h["loss"] for h in history], "k--", label="J")
    levels = [h["level"] for h in history]
    for index in range(1, len(levels)):
        if levels[index] != levels[index - 1]:
            ax.axvline(index + 0.5, color="grey", lw=0.8)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("iteration (grey lines: next size)")
    ax.set_ylabel("cost")
    ax.legend()
    return ax
