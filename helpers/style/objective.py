"""The cost that style transfer minimises, for one image size.

    J(G) = alpha * J_content(C, G) + beta * J_style(S, G) + tv_weight * TV(G)

:class:`StyleCost` computes it, with its gradient, for the generated image
``G`` of one size: the targets' VGG16 activations are computed once, and
the cost terms (the engine's :mod:`helpers.style.costs`, or a learner's,
checked by :mod:`helpers.style.learner_adapter`) are traced in one
``tf.function`` shared by every StyleCost that can use it.
"""

from __future__ import annotations

import math

import numpy as np

from helpers.style import costs as engine_costs
from helpers.style.defaults import (
    DEFAULT_ALPHA,
    DEFAULT_BETA,
    DEFAULT_CONTENT_LAYER,
    DEFAULT_STYLE_LAYERS,
    DEFAULT_TV_WEIGHT,
)
from helpers.style.images import as_image, fit_to
from helpers.style.learner_adapter import _fingerprint, learner_costs
from helpers.style.vgg import (
    Bfloat16FeatureExtractor,
    FeatureExtractor,
    check_layer_names,
)

_EXTRACTORS: dict = {}


def get_extractor(layer_names, dtype="float32"):
    """A cached VGG16 feature extractor for these layers ("float32" or "bfloat16")."""
    if dtype not in ("float32", "bfloat16"):
        raise ValueError(f"dtype must be 'float32' or 'bfloat16', got {dtype!r}.")
    key = (tuple(layer_names), dtype)
    if key not in _EXTRACTORS:
        kind = FeatureExtractor if dtype == "float32" else Bfloat16FeatureExtractor
        _EXTRACTORS[key] = kind(key[0])
    return _EXTRACTORS[key]


#: Activations of the last few content and style images (see _features).
_FEATURES: dict = {}


#: How many images' activations _features keeps.
FEATURE_CACHE_SIZE = 8


def _features(extractor, image):
    """``extractor(image[None])``, kept for the last few images.

    Paintings of the same content and style at the same size (the
    notebook's experiments) then compute their targets once.
    """
    import hashlib

    pixels = np.ascontiguousarray(image, dtype=np.float32)
    key = (id(extractor), pixels.shape,
           hashlib.sha1(pixels.tobytes()).hexdigest())
    if key not in _FEATURES:
        if len(_FEATURES) >= FEATURE_CACHE_SIZE:
            _FEATURES.pop(next(iter(_FEATURES)))  # the oldest
        _FEATURES[key] = extractor(pixels[None])
    return _FEATURES[key]


def style_layer_pairs(style_layers):
    """``style_layers`` as ``[(name, weight)]``; ValueError for another form.

    A list (or tuple) of ``(layer name, weight)`` pairs with finite weights
    >= 0, at least one pair.
    """
    if isinstance(style_layers, dict):
        raise ValueError(
            "style_layers must be a list of (layer name, weight) pairs, like "
            "DEFAULT_STYLE_LAYERS, not a dict: list(weights.items()) makes "
            "the pairs.")
    if not isinstance(style_layers, (list, tuple)):
        raise ValueError(
            "style_layers must be a list of (layer name, weight) pairs, got a "
            f"{type(style_layers).__name__}.")
    pairs = []
    for item in style_layers:
        if not (isinstance(item, (list, tuple)) and len(item) == 2):
            raise ValueError(
                "style_layers must hold (layer name, weight) pairs, got the "
                f"item {item!r}.")
        name, weight = item
        try:
            weight = float(weight)
        except (TypeError, ValueError):
            raise ValueError(
                f"the weight of {name!r} in style_layers must be a number, "
                f"got {weight!r}.") from None
        if not (math.isfinite(weight) and weight >= 0):
            raise ValueError(
                f"the weight of {name!r} in style_layers must be a finite "
                f"number >= 0, got {weight!r}.")
        pairs.append((str(name), weight))
    if not pairs:
        raise ValueError(
            "style_layers must name at least one (layer, weight) pair.")
    return pairs


def _float32(value):
    import tensorflow as tf

    return tf.cast(tf.convert_to_tensor(value), tf.float32)


#: One _CostGraph per layers, cost functions (and what they read) and dtype.
_GRAPHS: dict = {}


#: Whether a learner's total (style) cost takes alpha and beta (the
#: lambdas) as tensors, by role and function.
_TENSOR_WEIGHTS: dict = {}


def _takes_tensor_weights(function, role):
    """True when a learner's cost traces with its weights as tensors.

    ``role`` is "total" (alpha and beta) or "style" (the layer weights).
    Then one trace serves every value of the weights; a function that
    needs Python numbers (``float(alpha)``) is traced once per value.
    """
    import tensorflow as tf

    key = (role, function)
    if key not in _TENSOR_WEIGHTS:
        def probe(weight):
            if role == "total":
                return _float32(function(tf.constant(1.0), tf.constant(2.0),
                                         weight, weight))
            a = tf.ones((1, 3, 4, 5))
            return _float32(function({"probe": a}, {"probe": 2 * a},
                                     [("probe", weight)]))
        try:
            tf.function(probe)(tf.constant(0.5))
            _TENSOR_WEIGHTS[key] = True
        except Exception:  # noqa: BLE001 - any failure: keep Python numbers
            _TENSOR_WEIGHTS[key] = False
    return _TENSOR_WEIGHTS[key]


class _CostGraph:
    """J(G) for given layers, style weights and cost functions.

    The targets and the weights (alpha, beta, gamma and the layers'
    lambdas) are arguments, so one traced ``value_and_grad`` serves every
    StyleCost with these layers and functions (one trace per image size)
    instead of one trace per painting.
    """

    def __init__(self, extractor, content_layer, style_names, costs):
        import tensorflow as tf

        self.extractor = extractor
        self.content_layer = content_layer
        self.style_names = style_names
        self.costs = costs
        # A learner's costs may read static shapes: trace per shape.
        self.value_and_grad = tf.function(
            self._value_and_grad, reduce_retracing=costs is None)

    def terms(self, image, targets, weights, extractor=None):
        """J and its content, style and TV terms for a batch ``image``."""
        a_C, a_S, gram_S = targets
        alpha, beta, tv_weight, lambdas = weights
        style_layers = list(zip(self.style_names, lambdas))
        a_G = (extractor or self.extractor)(image)
        mine = self.costs
        if mine is None:
            J_content = engine_costs.content_distance(
                a_C, a_G[self.content_layer])
            J_style = engine_costs.weighted_style_distance(
                gram_S, a_G, style_layers)
            total = alpha * J_content + beta * J_style
        else:
            J_content = _float32(mine.content(a_C, a_G[self.content_layer]))
            J_style = _float32(mine.style(a_S, a_G, style_layers))
            total = _float32(mine.total(J_content, J_style, alpha, beta))
        if mine is not None and mine.tv is not None:
            J_tv = _float32(mine.tv(image))
        else:
            J_tv = engine_costs.total_variation_loss(image)
        return total + tv_weight * J_tv, J_content, J_style, J_tv

    def _value_and_grad(self, image, targets, weights):
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(image)
            total, *parts = self.terms(image, targets, weights)
        return total, tape.gradient(total, image), tf.stack(parts)


def _cost_graph(layers, content_layer, style_names, costs, dtype):
    """The shared :class:`_CostGraph` for these settings (built once)."""
    found, reads = (None, []) if costs is None else _fingerprint(costs)
    key = (tuple(layers), content_layer, tuple(style_names), dtype, found)
    if key not in _GRAPHS:
        extractor = get_extractor(layers, dtype)
        graph = _CostGraph(extractor, content_layer, tuple(style_names),
                           costs)
        graph.reads = reads  # keeps the objects the key names by id alive
        _GRAPHS[key] = graph
    return _GRAPHS[key]


class StyleCost:
    """The total cost J(G) for one content image, one style image, one size.

    ``content`` is the content image at the working size ``(H, W, 3)``; the
    style image is centre-cropped and resized to the same ``(H, W)`` (see
    :func:`helpers.style.images.fit_to`), so Gram matrices are comparable.
    Targets (content and style activations) are computed once, and reused
    by the next StyleCost of the same images and layers.

    ``cost(G)`` returns the scalar total; ``cost.parts(G)`` returns a dict
    with ``total``, ``content``, ``style`` and ``tv`` as floats;
    ``cost.value_and_grad(G)`` is a ``tf.function`` returning
    ``(J, dJ/dG)``; ``cost.value_and_grad(G, dtype="bfloat16")`` computes
    the generated image's activations with bfloat16 convolutions (the
    targets stay float32).  ``cost.last_parts()`` returns the terms of the
    last ``value_and_grad`` evaluation.  With ``costs`` (a learner's
    functions, see :func:`learner_costs`) they replace the engine's terms.
    """

    def __init__(self, content, style, content_layer=DEFAULT_CONTENT_LAYER,
                 style_layers=DEFAULT_STYLE_LAYERS, alpha=DEFAULT_ALPHA,
                 beta=DEFAULT_BETA, tv_weight=DEFAULT_TV_WEIGHT, costs=None):
        import tensorflow as tf

        self.costs = None if costs is None else learner_costs(costs)

        self.style_layers = style_layer_pairs(style_layers)
        check_layer_names([content_layer] + [name for name, _ in self.style_layers])
        for value, label in ((alpha, "alpha"), (beta, "beta"), (tv_weight, "tv_weight")):
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{label} must be a finite number >= 0, got {value!r}.")
        self.content_layer = content_layer
        self.alpha, self.beta, self.tv_weight = float(alpha), float(beta), float(tv_weight)
        self.content = as_image(content, kind="content")
        self.shape = self.content.shape[:2]
        self.style = fit_to(as_image(style, kind="style"), self.shape)
        layers = [content_layer] + [n for n, _ in self.style_layers if n != content_layer]
        self.layers = tuple(layers)
        self.extractor = get_extractor(layers)
        a_C = _features(self.extractor, self.content)
        a_S = _features(self.extractor, self.style)
        self.a_C = tf.constant(a_C[content_layer])
        self.a_S = {name: tf.constant(a_S[name]) for name, _ in self.style_layers}
        self.gram_S = ({} if self.costs is not None else
                       {name: engine_costs.gram_statistics(a)
                        for name, a in self.a_S.items()})
        self._targets = (self.a_C, self.a_S, self.gram_S)
        self._weights = self._weight_arguments()
        self._graphs = {}  # dtype -> _CostGraph
        self._parts = tf.zeros(3)

    def _weight_arguments(self):
        """(alpha, beta, gamma, lambdas): tensors where the costs take them."""
        import tensorflow as tf

        lambdas = tuple(weight for _, weight in self.style_layers)
        mine = self.costs
        alpha, beta = self.alpha, self.beta
        if mine is None or _takes_tensor_weights(mine.total, "total"):
            alpha, beta = tf.constant(alpha), tf.constant(beta)
        if mine is None or _takes_tensor_weights(mine.style, "style"):
            lambdas = tuple(tf.constant(weight) for weight in lambdas)
        return alpha, beta, tf.constant(self.tv_weight), lambdas

    def _graph(self, dtype="float32"):
        if dtype not in self._graphs:
            names = [name for name, _ in self.style_layers]
            self._graphs[dtype] = _cost_graph(self.layers, self.content_layer,
                                              names, self.costs, dtype)
        return self._graphs[dtype]

    def _terms(self, image, extractor=None):
        return self._graph().terms(image, self._targets, self._weights, extractor)

    def last_parts(self):
        """Content, style and TV terms of the last value_and_grad call."""
        content, style, tv = (float(v) for v in self._parts.numpy())
        return {"content": content, "style": style, "tv": tv}

    def __call__(self, image):
        return self._terms(self._batch(image))[0]

    def parts(self, image):
        """Total cost and its terms as floats."""
        total, J_content, J_style, J_tv = self._terms(self._batch(image))
        return {"total": float(total), "content": float(J_content),
                "style": float(J_style), "tv": float(J_tv)}

    def _batch(self, image):
        import tensorflow as tf

        image = tf.convert_to_tensor(image, dtype=tf.float32)
        if image.shape.rank == 3:
            image = image[None]
        return image

    def value_and_grad(self, image, dtype="float32"):
        """(J, dJ/dG) for ``image`` shaped (1, H, W, 3), as tensors."""
        total, gradient, self._parts = self._graph(dtype).value_and_grad(
            self._batch(image), self._targets, self._weights)
        return total, gradient
