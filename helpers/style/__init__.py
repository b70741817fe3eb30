"""The neural style transfer engine behind notebook 05.

Public API:

* cost terms (the engine's batched formulation; writing the lecture's
  per-layer costs is the notebook's exercise): :func:`content_distance`,
  :func:`gram_statistics`, :func:`style_distance`,
  :func:`weighted_style_distance`, :func:`total_variation_loss`;
* VGG16: :func:`load_vgg16`, :func:`preprocess`, :class:`FeatureExtractor`,
  :class:`Bfloat16FeatureExtractor`;
* images: :func:`load_content_image`, :func:`load_style_image`,
  :func:`load_image`, :func:`to_float_image`, :func:`resize_long_side`;
* optimisation: :func:`style_transfer`, :func:`fast_transfer`,
  :func:`adam_transfer`, :func:`match_colours`, :class:`StyleCost`,
  :func:`learner_costs` (paint with a learner's own cost functions),
  :class:`TransferResult`, :class:`BoxLBFGS`, :func:`resolve_precision`;
* figures: :func:`show_transfer`, :func:`show_results`, :func:`show_snapshots`,
  :func:`plot_losses`, :func:`plot_cost_terms`.

costs imports TensorFlow, so importing this package loads it.
"""

from helpers.style.costs import (
    content_distance,
    gram_statistics,
    style_distance,
    total_variation_loss,
    weighted_style_distance,
)
from helpers.style.defaults import (
    DEFAULT_ALPHA,
    DEFAULT_BETA,
    DEFAULT_CONTENT_LAYER,
    DEFAULT_SIZE,
    DEFAULT_STYLE_LAYERS,
    DEFAULT_TV_WEIGHT,
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
from helpers.style.learner_adapter import (
    LearnerCosts,
    MissingExercise,
    learner_costs,
)
from helpers.style.objective import StyleCost
from helpers.style.plotting import (
    plot_cost_terms,
    plot_losses,
    show_results,
    show_snapshots,
    show_transfer,
)
from helpers.style.precision import resolve_precision
from helpers.style.results import TransferResult
from helpers.style.start_images import match_colours
from helpers.style.transfer import adam_transfer, fast_transfer, style_transfer
from helpers.style.vgg import (
    Bfloat16FeatureExtractor,
    FeatureExtractor,
    load_vgg16,
    preprocess,
)

__all__ = [
    "content_distance", "gram_statistics", "style_distance",
    "weighted_style_distance", "total_variation_loss",
    "CONTENT_IMAGES", "STYLE_IMAGES", "load_content_image", "load_style_image",
    "load_image", "to_float_image", "resize_long_side",
    "show_transfer", "show_results", "show_snapshots", "plot_losses",
    "plot_cost_terms", "match_colours", "LearnerCosts", "MissingExercise",
    "learner_costs",
    "DEFAULT_ALPHA", "DEFAULT_BETA", "DEFAULT_CONTENT_LAYER", "DEFAULT_SIZE",
    "DEFAULT_STYLE_LAYERS", "DEFAULT_TV_WEIGHT",
    "StyleCost", "TransferResult", "adam_transfer", "fast_transfer", "style_transfer",
    "FeatureExtractor", "Bfloat16FeatureExtractor", "load_vgg16", "preprocess",
    "BoxLBFGS", "resolve_precision",
]
