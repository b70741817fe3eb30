"""The computation graph of neural style transfer, as a figure."""

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

#: Box fill colours: inputs that stay fixed, the image being optimised, the
#: frozen network, the costs.
FIXED, OPTIMISED, NETWORK, COST = "#dbe8f6", "#fde2c4", "#e3e3e3", "#d9f0d3"


def _box(axis, x, y, text, colour, width=2.0, height=0.8):
    """A rounded box centred on (x, y) holding ``text``."""
    axis.add_patch(FancyBboxPatch(
        (x - width / 2, y - height / 2), width, height,
        boxstyle="round,pad=0.05", facecolor=colour, edgecolor="black",
        linewidth=1.0))
    axis.text(x, y, text, ha="center", va="center", fontsize=10)


def _arrow(axis, start, end, colour="black", style="-|>", dashed=False):
    axis.add_patch(FancyArrowPatch(
        start, end, arrowstyle=style, mutation_scale=14, color=colour,
        linewidth=1.4, linestyle="--" if dashed else "-",
        connectionstyle="arc3,rad=0.0"))


def show_computation_graph(size=(10, 5)):
    """Draw C, S, G -> frozen VGG16 -> costs -> J, and dJ/dG back to G."""
    figure, axis = plt.subplots(figsize=size)
    _box(axis, 1.2, 3.8, "content image C\n(fixed)", FIXED)
    _box(axis, 1.2, 2.4, "style image S\n(fixed)", FIXED)
    _box(axis, 1.2, 1.0, "generated image G\n(the unknowns)", OPTIMISED)
    _box(axis, 4.3, 2.4, "VGG16\n(weights frozen)", NETWORK, width=1.8,
         height=3.6)
    _box(axis, 7.4, 3.8, "J_content\n(a_C vs a_G, one layer)", COST,
         width=2.4)
    _box(axis, 7.4, 2.4, "J_style\n(Gram of a_S vs a_G, λ each)", COST,
         width=2.4)
    _box(axis, 7.4, -0.4, "TV(G)\n(pixels of G)", COST)
    _box(axis, 10.3, 2.1, "J(G) = α J_content\n+ β J_style + γ TV", COST,
         width=2.2, height=1.0)
    for y in (3.8, 2.4, 1.0):
        _arrow(axis, (2.25, y), (3.35, y))
    _arrow(axis, (5.25, 3.8), (6.15, 3.8))
    _arrow(axis, (5.25, 2.4), (6.15, 2.4))
    _arrow(axis, (5.25, 1.0), (6.15, 2.25))
    _arrow(axis, (5.25, 1.0), (6.15, 3.65))
    _arrow(axis, (2.25, 0.75), (6.35, -0.35))
    _arrow(axis, (8.65, 3.7), (9.15, 2.5))
    _arrow(axis, (8.65, 2.4), (9.15, 2.2))
    _arrow(axis, (8.45, -0.3), (9.15, 1.7))
    red = "#c0392b"
    axis.plot([10.3, 10.3, 0.0, 0.0], [1.55, -1.25, -1.25, 1.0], color=red,
              linestyle="--", linewidth=1.8)
    _arrow(axis, (0.0, 1.0), (0.15, 1.0), colour=red)
    axis.text(5.2, -1.6, "gradient dJ/dG flows back through VGG16 to the "
              "pixels: only G changes", color=red, ha="center", fontsize=10)
    axis.set_xlim(-0.2, 11.6)
    axis.set_ylim(-1.9, 4.4)
    axis.axis("off")
    axis.set_title("Neural style transfer: what is computed, what is "
                   "optimised")
    figure.tight_layout()
    return figure
