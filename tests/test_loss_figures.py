"""Tests of helpers.faces.loss_figures, notebook 03's figures."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import Wedge  # noqa: E402

from helpers.faces import loss_figures  # noqa: E402


def _legend_colours(figure):
    """Legend label -> face colour of its patch."""
    legend = figure.legends[0]
    return {text.get_text(): to_rgba(handle.get_facecolor())
            for text, handle in zip(legend.get_texts(),
                                    legend.legend_handles)}


def test_triplet_regions_legend_matches_the_regions():
    figure = loss_figures.plot_triplet_regions(alpha=0.2)
    left, right = figure.axes
    legend = _legend_colours(figure)
    assert len(legend) == 3
    wedges = [patch for patch in right.patches if isinstance(patch, Wedge)]
    spans = list(left.patches)
    for patches in (wedges, spans):
        # Each region's drawn colour (transparency included) is a legend's.
        drawn = {to_rgba(patch.get_facecolor()) for patch in patches}
        assert drawn == set(legend.values())
    plt.close(figure)


def test_triplet_regions_do_not_overlap():
    figure = loss_figures.plot_triplet_regions(alpha=0.3,
                                               positive_distance=0.6)
    wedges = sorted((patch for patch in figure.axes[1].patches
                     if isinstance(patch, Wedge)), key=lambda w: w.r)
    inner_edges = [wedge.r - wedge.width for wedge in wedges]
    outer_edges = [wedge.r for wedge in wedges]
    assert inner_edges[0] == 0.0
    assert np.allclose(inner_edges[1:], outer_edges[:-1])
    assert np.isclose(outer_edges[1], np.sqrt(0.6 ** 2 + 0.3))
    plt.close(figure)


def test_triplet_region_colours_are_distinct_and_hatched():
    styles = loss_figures.TRIPLET_STYLES
    assert len({style["color"] for style in styles.values()}) == 3
    assert len({style["hatch"] for style in styles.values()}) == 3


@pytest.mark.parametrize("alpha, distance", [(0.0, 0.5), (0.2, -1.0)])
def test_triplet_regions_reject_bad_arguments(alpha, distance):
    with pytest.raises(ValueError, match="must be positive"):
        loss_figures.plot_triplet_regions(alpha, distance)


def test_angular_margin_gaps():
    figure, gaps = loss_figures.plot_angular_margins(
        centre_degrees=(10, 100), arc_margin=0.4, cos_margin=0.2)
    assert gaps["softmax"] == 0.0
    assert np.isclose(gaps["ArcFace"], np.degrees(0.4))
    assert 0 < gaps["CosFace"] < 90
    assert len(figure.legends[0].get_texts()) == 3
    plt.close(figure)


def test_cosface_boundary_solves_its_equation():
    first, second = np.radians([20.0, 110.0])
    edge = loss_figures.cosface_boundary(first, second, 0.25)
    assert first < edge < (first + second) / 2
    assert np.isclose(np.cos(edge - first) - 0.25, np.cos(edge - second))
    with pytest.raises(ValueError, match="too large"):
        loss_figures.cosface_boundary(first, first + 0.1, 0.5)


def test_angular_margins_reject_bad_centres():
    with pytest.raises(ValueError, match="centre_degrees"):
        loss_figures.plot_angular_margins(centre_degrees=(100, 20))
