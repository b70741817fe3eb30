"""Figures of notebook 01: the 1:1 and 1:K questions, error rates by group."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyBboxPatch

#: One colour per audit group, told apart in colour and in grey.
GROUP_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:purple")


def _box(axis, x, y, text, colour, width=0.2, height=0.12):
    """Draw a rounded box centred at (x, y) holding ``text``."""
    axis.add_patch(FancyBboxPatch(
        (x - width / 2, y - height / 2), width, height,
        boxstyle="round,pad=0.01", facecolor=colour, edgecolor="black",
        linewidth=0.8))
    axis.text(x, y, text, ha="center", va="center", fontsize=8)


def _arrow(axis, start, end, text=""):
    """Draw an arrow from ``start`` to ``end`` with an optional label."""
    axis.annotate("", xy=end, xytext=start, arrowprops=dict(
        arrowstyle="->", color="black", linewidth=0.8))
    if text:
        middle = (np.asarray(start) + np.asarray(end)) / 2
        axis.text(middle[0], middle[1] + 0.03, text, ha="center",
                  fontsize=7, color="dimgray")


def show_verification_and_recognition(people=4):
    """Draw the 1:1 and the 1:K question side by side; return the figure."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    query, stored, decision = "#cfe2f3", "#fce5cd", "#d9ead3"
    for axis in (left, right):
        axis.set_xlim(0, 1)
        axis.set_ylim(0, 1)
        axis.axis("off")
    left.set_title("verification (1:1): photo + claimed name", fontsize=10)
    _box(left, 0.12, 0.7, "photo x", query, width=0.18)
    _box(left, 0.12, 0.35, 'claim:\n"Ada"', query, width=0.18)
    _box(left, 0.45, 0.35, "Ada's stored\nencodings", stored, width=0.22)
    _box(left, 0.45, 0.7, "encoder f", "white", width=0.18)
    _box(left, 0.78, 0.52, "d < τ ?", decision, width=0.18)
    _box(left, 0.78, 0.15, "yes / no", decision, width=0.18)
    _arrow(left, (0.21, 0.7), (0.36, 0.7))
    _arrow(left, (0.21, 0.35), (0.34, 0.35), "look up")
    _arrow(left, (0.54, 0.68), (0.71, 0.56), "f(x)")
    _arrow(left, (0.56, 0.37), (0.71, 0.49))
    left.text(0.6, 0.33, "1 distance", fontsize=7, color="dimgray")
    _arrow(left, (0.78, 0.46), (0.78, 0.21))
    right.set_title(f"recognition (1:K): photo only, K = {people} people",
                    fontsize=10)
    _box(right, 0.1, 0.55, "photo x", query, width=0.16)
    _box(right, 0.33, 0.55, "encoder f", "white", width=0.16)
    _arrow(right, (0.18, 0.55), (0.25, 0.55))
    rows = np.linspace(0.88, 0.22, people)
    for number, y in enumerate(rows, start=1):
        _box(right, 0.58, y, f"person {number}", stored, width=0.16,
             height=0.1)
        _arrow(right, (0.41, 0.55), (0.5, y))
        _arrow(right, (0.66, y), (0.76, 0.55))
    right.text(0.58, 0.08, "K distances", ha="center", fontsize=7,
               color="dimgray")
    _box(right, 0.86, 0.55, "nearest,\nd < τ ?", decision, width=0.18)
    _box(right, 0.86, 0.2, "a name or\n“not recognized”", decision,
         width=0.22)
    _arrow(right, (0.86, 0.49), (0.86, 0.26))
    figure.tight_layout()
    return figure


def plot_group_rates(thresholds, rates, threshold):
    """Plot each group's false-match and false-non-match rate against τ.

    ``rates`` maps a group name to an array (len(thresholds), 2) of
    (false-match rate, false-non-match rate); ``threshold`` is marked.
    """
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    for colour, (group, values) in zip(GROUP_COLOURS, sorted(rates.items())):
        values = np.asarray(values, dtype=np.float64)
        left.plot(thresholds, values[:, 0], color=colour, label=group)
        right.plot(thresholds, values[:, 1], color=colour, linestyle="--",
                   label=group)
    left.set_yscale("log")
    left.set_title("false-match rate (different people accepted)",
                   fontsize=10)
    right.set_title("false-non-match rate (same person rejected)",
                    fontsize=10)
    for axis in (left, right):
        axis.axvline(threshold, color="black", linewidth=0.8, linestyle=":",
                     label=f"τ = {threshold}")
        axis.set_xlabel("threshold τ")
        axis.legend(fontsize=8)
        axis.grid(alpha=0.3)
    left.set_ylabel("rate (log scale)")
    right.set_ylabel("rate")
    figure.tight_layout()
    return figure
