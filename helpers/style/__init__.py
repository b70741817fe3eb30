"""The neural style transfer engine behind notebook 05.

Public API (see ``docs/style_api.md``):

* costs (reference implementations of the exercises, activations shaped
  ``(1, n_H, n_W, n_C)``): :func:`compute_content_cost`, :func:`gram_matrix`,
  :func:`compute_layer_style_cost`, :func:`compute_style_cost`,
  :func:`total_variation_loss`, :func:`total_cost`;
* VGG16: :func:`load_vgg16`, :func:`preprocess`, :class:`FeatureExtractor`,
  :class:`Bfloat16FeatureExtractor`;
* images: :func:`load_content_image`, :func:`load_style_image`,
  :func:`load_image`, :func:`to_float_image`, :func:`resize_long_side`;
* optimisation: :func:`style_transfer`, :func:`fast_transfer`,
  :func:`adam_transfer`, :func:`match_colours`, :class:`StyleCost`,
  :class:`TransferResult`, :class:`BoxLBFGS`, :func:`resolve_precision`;
* figures: :func:`show_transfer`, :func:`show_results`, :func:`show_snapshots`,
  :func:`plot_losses`.

costs imports TensorFlow, so importing this package loads it.
"""

from helpers.style.costs import (
    compute_content_cost,
    compute_layer_style_cost,
    compute_style_cost,
    gram_matrix,
    total_cost,
    total_variation_loss,
)
from helpers.style.images import (
    CONTENT_IMAGES,
    STYLE_IMAGES,
    load_content_image,
    load_image,
    load_style_image,
    resize_long_side,
    to_float_image,
)
from helpers.style.lbfgs import BoxLBFGS
from helpers.style.plotting import plot_losses, show_results, show_snapshots, show_transfer
from helpers.style.precision import resolve_precision
from helpers.style.transfer import (
    DEFAULT_ALPHA,
    DEFAULT_BETA,
    DEFAULT_CONTENT_LAYER,
    DEFAULT_SIZE,
    DEFAULT_STYLE_LAYERS,
    DEFAULT_TV_WEIGHT,
    StyleCost,
    TransferResult,
    adam_transfer,
    fast_transfer,
    match_colours,
    style_transfer,
)
from helpers.style.vgg import (
    Bfloat16FeatureExtractor,
    FeatureExtractor,
    load_vgg16,
    preprocess,
)

__all__ = [
    "compute_content_cost", "gram_matrix", "compute_layer_style_cost",
    "compute_style_cost", "total_variation_loss", "total_cost",
    "CONTENT_IMAGES", "STYLE_IMAGES", "load_content_image", "load_style_image",
    "load_image", "to_float_image", "resize_long_side",
    "show_transfer", "show_results", "show_snapshots", "plot_losses", "match_colours",
    "DEFAULT_ALPHA", "DEFAULT_BETA", "DEFAULT_CONTENT_LAYER", "DEFAULT_SIZE",
    "DEFAULT_STYLE_LAYERS", "DEFAULT_TV_WEIGHT",
    "StyleCost", "TransferResult", "adam_transfer", "fast_transfer", "style_transfer",
    "FeatureExtractor", "Bfloat16FeatureExtractor", "load_vgg16", "preprocess",
    "BoxLBFGS", "resolve_precision",
]
