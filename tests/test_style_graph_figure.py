"""The style-transfer computation graph figure of notebook 05."""

import matplotlib

matplotlib.use("Agg")

from helpers.style.graph_figure import show_computation_graph  # noqa: E402


def test_the_graph_names_every_node_and_the_gradient():
    figure = show_computation_graph()
    texts = " ".join(text.get_text() for text in figure.axes[0].texts)
    for node in ("content image C", "style image S", "generated image G",
                 "VGG16", "J_content", "J_style", "TV(G)", "J(G)",
                 "dJ/dG"):
        assert node in texts, node
    assert len(figure.axes[0].patches) >= 8 + 9  # boxes and arrows
