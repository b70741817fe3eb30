"""Figures of notebook 03: triplet hinge regions and angular margins.

Colours are from the Okabe-Ito palette, which stays distinguishable for
colour-blind readers; every region also has its own hatching, and legend
entries are drawn with exactly the patches' colours.
"""

import numpy as np

#: Okabe-Ito colours of the three kinds of triplet, and their hatching.
TRIPLET_STYLES = {
    "easy": {"color": "#56B4E9", "hatch": ""},
    "semi-hard": {"color": "#E69F00", "hatch": "//"},
    "hard": {"color": "#CC79A7", "hatch": "xx"},
}
#: Okabe-Ito colours of the two classes of the margin figure.
CLASS_COLOURS = ("#0072B2", "#D55E00")
_FILL_ALPHA = 0.5


def _region_style(kind):
    """Matplotlib keywords of one region's fill."""
    style = TRIPLET_STYLES[kind]
    return {"facecolor": style["color"], "hatch": style["hatch"],
            "edgecolor": "0.25", "linewidth": 0.0, "alpha": _FILL_ALPHA}


def plot_triplet_regions(alpha=0.2, positive_distance=0.5):
    """Plot the triplet hinge and where easy/semi-hard/hard negatives lie.

    Left, the loss against d(A, P)² - d(A, N)²; right, the three regions
    around an anchor A for a positive at ``positive_distance``.  Returns the
    figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Wedge

    if alpha <= 0:
        raise ValueError(f"alpha must be positive, got {alpha}.")
    if positive_distance <= 0:
        raise ValueError(
            f"positive_distance must be positive, got {positive_distance}.")
    ring = np.sqrt(positive_distance ** 2 + alpha)  # d(A, N)² = d(A, P)² + α
    outer = max(1.1, 1.25 * ring)
    labels = {"easy": "easy: loss 0",
              "semi-hard": "semi-hard: 0 < loss < alpha",
              "hard": "hard: N closer than P"}
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))

    low, high = -2.5 * alpha, 2.0 * alpha
    difference = np.linspace(low, high, 200)  # d(A,P)² - d(A,N)²
    for kind, (start, stop) in {"easy": (low, -alpha),
                                "semi-hard": (-alpha, 0.0),
                                "hard": (0.0, high)}.items():
        left.axvspan(start, stop, **_region_style(kind))
    left.plot(difference, np.maximum(difference + alpha, 0.0), color="black")
    left.set_xlim(low, high)
    left.set_xlabel("d(A,P)² - d(A,N)²  (squared distances)")
    left.set_ylabel("triplet loss")
    left.set_title("The hinge of one triplet")

    # Annuli that do not overlap, so that no colour mixes with another.
    for kind, (inner, radius) in {"hard": (0.0, positive_distance),
                                  "semi-hard": (positive_distance, ring),
                                  "easy": (ring, outer)}.items():
        right.add_patch(Wedge((0, 0), radius, 0, 360, width=radius - inner,
                              **_region_style(kind)))
    right.plot(0, 0, "ko")
    right.annotate("A", (0.03, 0.03))
    right.plot(positive_distance, 0, "ks", markerfacecolor="white")
    right.annotate("P", (positive_distance + 0.03, 0.03))
    right.set_xlim(-outer, outer)
    right.set_ylim(-outer, outer)
    right.set_aspect("equal")
    right.set_xticks([])
    right.set_yticks([])
    right.set_title("Where a negative N falls, for this A and P")

    handles = [Patch(label=labels[kind], **_region_style(kind))
               for kind in ("easy", "semi-hard", "hard")]
    figure.legend(handles=handles, loc="lower center", ncol=3, fontsize=9,
                  frameon=False)
    figure.subplots_adjust(bottom=0.22)
    return figure


def cosface_boundary(centre_angle, other_angle, margin):
    """Angle where cos θ_own - margin = cos θ_other, between two centres.

    Angles in radians; the answer lies between the two centres (found by
    bisection, as the difference falls monotonically there).
    """
    if not 0 <= margin < 2:
        raise ValueError(f"margin must be in [0, 2), got {margin}.")
    low, high = centre_angle, other_angle

    def gap(angle):
        return (np.cos(angle - centre_angle) - margin
                - np.cos(angle - other_angle))

    if gap(low) < 0:
        raise ValueError(
            f"a cosine margin of {margin} is too large for class centres "
            f"{abs(other_angle - centre_angle):.2f} rad apart.")
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if gap(middle) > 0 else (low, middle)
    return (low + high) / 2


def _boundaries(centres, kind, margin):
    """Decision-boundary angles of class 0 and class 1 (equal without one)."""
    first, second = centres
    if kind == "softmax":
        middle = (first + second) / 2
        return middle, middle
    if kind == "ArcFace":
        # Class 0 needs θ_0 + m < θ_1: its edge is m/2 before the bisector.
        middle = (first + second) / 2
        return middle - margin / 2, middle + margin / 2
    return (cosface_boundary(first, second, margin),
            cosface_boundary(second, first, margin))


def plot_angular_margins(centre_degrees=(20.0, 110.0), arc_margin=0.5,
                         cos_margin=0.25, points=12, seed=0):
    """Plot the unit circle with two class centres, without and with margins.

    Three panels: a softmax on cosines (one boundary), CosFace (a cosine
    margin) and ArcFace (an additive angular margin in radians).  Returns
    the figure and the angular width of each panel's gap in degrees.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Wedge

    centres = np.radians(np.asarray(centre_degrees, dtype=float))
    if centres.shape != (2,) or not 0 < centres[1] - centres[0] < np.pi:
        raise ValueError(
            "centre_degrees must be two angles, the second 0 to 180 degrees "
            f"after the first; got {centre_degrees}.")
    rng = np.random.default_rng(seed)
    panels = [("softmax", 0.0, "softmax on cosines: no margin"),
              ("CosFace", cos_margin, f"CosFace: cos θ - {cos_margin}"),
              ("ArcFace", arc_margin, f"ArcFace: cos(θ + {arc_margin})")]
    figure, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    gaps = {}
    for axis, (kind, margin, title) in zip(axes, panels):
        edges = _boundaries(centres, kind, margin)
        gaps[kind] = float(np.degrees(edges[1] - edges[0]))
        circle = np.linspace(0, 2 * np.pi, 300)
        axis.plot(np.cos(circle), np.sin(circle), color="0.6", linewidth=1)
        if edges[1] > edges[0]:
            axis.add_patch(Wedge((0, 0), 1.0, *np.degrees(edges),
                                 facecolor="0.85", hatch="..",
                                 edgecolor="0.5", linewidth=0.0))
        for edge, colour in zip(edges, CLASS_COLOURS):
            axis.plot([0, 1.15 * np.cos(edge)], [0, 1.15 * np.sin(edge)],
                      color=colour if edges[1] > edges[0] else "black",
                      linestyle="--", linewidth=1.5)
        for label, (centre, colour, marker) in enumerate(
                zip(centres, CLASS_COLOURS, ("o", "^"))):
            axis.annotate("", xy=(np.cos(centre), np.sin(centre)),
                          xytext=(0, 0),
                          arrowprops={"arrowstyle": "->", "color": colour,
                                      "linewidth": 2})
            axis.text(1.12 * np.cos(centre), 1.12 * np.sin(centre),
                      f"$W_{label + 1}$", color=colour, ha="center",
                      va="center", fontsize=12)
            # Faces of each person: the margin pulls them into a cone
            # around their centre, inside their side of the boundary.
            own_edge = edges[label]
            spread = 0.8 * abs(own_edge - centre)
            angles = centre + rng.uniform(-spread, spread, size=points)
            axis.scatter(np.cos(angles), np.sin(angles), color=colour,
                         marker=marker, s=28, zorder=3)
        axis.set_title(title, fontsize=11)
        axis.set_xlim(-1.3, 1.3)
        axis.set_ylim(-0.3, 1.3)
        axis.set_aspect("equal")
        axis.set_xticks([])
        axis.set_yticks([])
    handles = [Patch(facecolor=CLASS_COLOURS[0], label="person 1"),
               Patch(facecolor=CLASS_COLOURS[1], label="person 2"),
               Patch(facecolor="0.85", hatch="..", edgecolor="0.5",
                     label="margin: neither class's region")]
    figure.legend(handles=handles, loc="lower center", ncol=3, fontsize=9,
                  frameon=False)
    figure.suptitle("Embeddings on the unit circle, class centres W and the "
                    "decision boundaries (dashed)")
    figure.subplots_adjust(bottom=0.1, top=0.86)
    return figure, gaps
