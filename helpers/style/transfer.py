"""Optimising the pixels: a baseline Adam loop and a fast coarse-to-fine L-BFGS.

Both methods minimise the same cost, built from the engine's cost terms in
:mod:`helpers.style.costs` (Gram statistics by ``tf.einsum``)::

    J(G) = alpha * J_content(C, G) + beta * J_style(S, G) + tv_weight * TV(G)

over the pixels of the generated image ``G`` (RGB in [0, 1], kept in that
box: Adam clips after each step, L-BFGS projects onto it).

* :func:`adam_transfer` - the TensorFlow tutorial's loop (Adam, learning
  rate 0.02, beta_1 0.99, epsilon 0.1), started from the content image.
* :func:`fast_transfer` - coarse-to-fine: the image is optimised with
  L-BFGS in the [0, 1] box (:mod:`helpers.style.lbfgs`) on a
  ``tf.function`` returning loss and gradient (bfloat16 convolutions for
  most iterations where the CPU has bfloat16 instructions), first
  at a small size (cheap steps that settle the large-scale colours and
  strokes), then upsampled (with the start image's fine detail added back)
  and refined at the next size, up to the target.
  VGG16 is truncated after the deepest layer the cost uses.
* :func:`style_transfer` - one entry point choosing either method.

Each returns a :class:`TransferResult` (image, loss history, snapshots,
timings) that can be saved as PNG and shown.

``costs=`` (a :class:`LearnerCosts`, or a dict with keys ``content``,
``style``, ``total`` and optionally ``tv``) makes every method paint with a
learner's own cost functions instead of the engine's: they are checked on
tiny inputs first (:func:`learner_costs`), then traced inside the same
``tf.function`` as VGG16.
"""

from __future__ import annotations

import math
import time
import types
from dataclasses import dataclass, field

import numpy as np

from helpers.config import pick
from helpers.style import costs as engine_costs
from helpers.style.images import as_image, check_size, fit_to, resize, shape_for_long_side
from helpers.style.lbfgs import BoxLBFGS
from helpers.style.precision import resolve_precision
from helpers.style.vgg import Bfloat16FeatureExtractor, FeatureExtractor, check_layer_names

#: Content layer used by default (deep: keeps the layout, frees the textures).
DEFAULT_CONTENT_LAYER = "block5_conv2"
#: Style layers and weights lambda_l used by default (the lecture's 0.2 each).
DEFAULT_STYLE_LAYERS = (
    ("block1_conv1", 0.2),
    ("block2_conv1", 0.2),
    ("block3_conv1", 0.2),
    ("block4_conv1", 0.2),
    ("block5_conv1", 0.2),
)
DEFAULT_ALPHA = 1e5
DEFAULT_BETA = 1.0
DEFAULT_TV_WEIGHT = 0.0
DEFAULT_SIZE = 256
#: Long side used in the quick configuration (``FACES_STYLES_QUICK=1``).
QUICK_SIZE = 64

#: TensorFlow tutorial settings of the baseline Adam loop.
ADAM_LEARNING_RATE = 0.02
ADAM_BETA_1 = 0.99
ADAM_EPSILON = 0.1


def _seed(seed):
    """Seed NumPy's global generator; TensorFlow's is left alone.

    The engine draws no TensorFlow random numbers (noise starts use
    ``np.random.default_rng(seed)``), and ``tf.random.set_seed`` clears
    TensorFlow's kernel caches: every traced graph would then be built
    again at the next call, a few tenths of a second per painting.
    """
    np.random.seed(seed)


# --------------------------------------------------------------------------
# The cost for one image size
# --------------------------------------------------------------------------

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


# --------------------------------------------------------------------------
# A learner's cost functions
# --------------------------------------------------------------------------


class MissingExercise(RuntimeError):
    """A learner's cost function is still the unanswered exercise stub."""


@dataclass(frozen=True)
class LearnerCosts:
    """A learner's cost functions, in the exercises' signatures.

    ``content(a_C, a_G)``, ``style(style_activations,
    generated_activations, style_layers)``, ``total(J_content, J_style,
    alpha, beta)`` and, optionally, ``tv(image)``; without ``tv`` the engine's
    total variation term is used when ``tv_weight`` > 0.
    """

    content: object
    style: object
    total: object
    tv: object = None


_COST_ROLES = {
    "content": "content cost",
    "style": "weighted style cost",
    "total": "total cost",
    "tv": "total variation cost",
}


def _name(function):
    return getattr(function, "__name__", repr(function))


def _probe(function, role, *args):
    """Call a learner function on tiny inputs; fail with a clear message."""
    import tensorflow as tf

    name = _name(function)
    try:
        value = function(*args)
    except NotImplementedError:
        raise MissingExercise(
            f"{name} is not written yet (it raises NotImplementedError). "
            f"The engine paints with your {_COST_ROLES[role]}: complete "
            "that exercise, run its test cell, then run this cell again."
        ) from None
    except Exception as error:
        raise MissingExercise(
            f"Your {name} raised {type(error).__name__}: {error}\n"
            "on a small test input. Run its test cell to find the mistake, "
            "then run this cell again."
        ) from error
    if value is None:
        raise MissingExercise(
            f"Your {name} returned None: did you forget its return "
            "statement? Run its test cell, then run this cell again.")
    try:
        number = tf.cast(tf.convert_to_tensor(value), tf.float32)
    except (TypeError, ValueError) as error:
        raise MissingExercise(
            f"Your {name} returned {type(value).__name__}, not a number: "
            "run its test cell, then run this cell again.") from error
    if number.shape.num_elements() != 1:
        raise MissingExercise(
            f"Your {name} returned shape {tuple(number.shape)}; it must "
            "return one number. Run its test cell, then run this cell again.")


def learner_costs(costs):
    """Return ``costs`` as :class:`LearnerCosts`, checked on tiny inputs.

    ``costs`` is a :class:`LearnerCosts` or a dict with keys ``content``,
    ``style``, ``total`` (and optionally ``tv``).  A function that still
    raises ``NotImplementedError``, raises another error, or returns
    something other than one number is reported by name
    (:class:`MissingExercise`) before anything is traced.
    """
    import tensorflow as tf

    if isinstance(costs, dict):
        unknown = set(costs) - set(_COST_ROLES)
        missing = {"content", "style", "total"} - set(costs)
        if unknown or missing:
            raise ValueError(
                "costs must be a dict with keys 'content', 'style', 'total' "
                f"and optionally 'tv'; missing {sorted(missing)}, unknown "
                f"{sorted(unknown)}.")
        costs = LearnerCosts(**costs)
    if not isinstance(costs, LearnerCosts):
        raise ValueError(
            "costs must be a dict of your cost functions (see "
            f"LearnerCosts), got {type(costs).__name__}.")
    for role in _COST_ROLES:
        function = getattr(costs, role)
        if function is not None and not callable(function):
            raise ValueError(f"costs[{role!r}] must be a function.")
    key, reads = _fingerprint(costs)
    if key in _CHECKED:  # the same functions and helpers passed before
        return costs
    rng = np.random.default_rng(0)
    a_1, a_2 = (tf.constant(rng.uniform(0, 1, (1, 3, 4, 5)), tf.float32)
                for _ in range(2))
    _probe(costs.content, "content", a_1, a_2)
    _probe(costs.style, "style", {"probe": a_1}, {"probe": a_2},
           [("probe", 1.0)])
    _probe(costs.total, "total", tf.constant(1.0), tf.constant(2.0),
           DEFAULT_ALPHA, DEFAULT_BETA)
    if costs.tv is not None:
        _probe(costs.tv, "tv", tf.constant(rng.uniform(0, 1, (1, 4, 5, 3)),
                                           tf.float32))
    _CHECKED[key] = reads  # keeps the objects the key names by id alive
    return costs


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


# --------------------------------------------------------------------------
# Traced cost functions, shared by every StyleCost that can use them
# --------------------------------------------------------------------------

#: One _CostGraph per layers, cost functions (and what they read) and dtype.
_GRAPHS: dict = {}
#: Learner costs (and what they read) that passed learner_costs' probes.
_CHECKED: dict = {}
#: Whether a learner's total (style) cost takes alpha and beta (the
#: lambdas) as tensors, by role and function.
_TENSOR_WEIGHTS: dict = {}


def _code_names(code):
    """Global names read by a code object and the code nested in it."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _code_names(constant)
    return names


def _reads(function):
    """The globals a learner function reads, with those of its helpers.

    A traced graph keeps the helpers it called when it was traced, so a
    learner who redefines one (``gram_matrix``, say) must get a new trace:
    the cache key holds these objects.  Only functions of the same
    namespace (the notebook's) are followed.
    """
    namespace = getattr(function, "__globals__", None)
    found, todo = {}, [function]
    while todo:
        current = todo.pop()
        code = getattr(current, "__code__", None)
        if code is None:
            continue
        for name in sorted(_code_names(code)):
            if name in found or name not in current.__globals__:
                continue
            value = current.__globals__[name]
            found[name] = value
            if isinstance(value, types.FunctionType) \
                    and value.__globals__ is namespace:
                todo.append(value)
    return found


def _fingerprint(costs):
    """``(key, reads)``: learner costs and, by id, the globals they read.

    ``reads`` holds the objects themselves; whoever keeps the key must keep
    them too, so that no id in the key is reused by another object.
    """
    functions = [f for f in (costs.content, costs.style, costs.total,
                             costs.tv) if f is not None]
    reads = [_reads(function) for function in functions]
    key = (costs, tuple(sorted(((name, id(value)) for found in reads
                                for name, value in found.items()), key=repr)))
    return key, reads


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


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------


@dataclass
class TransferResult:
    """The outcome of a style transfer run.

    ``image``: float32 (H, W, 3) in [0, 1]; ``content`` and ``style``: the
    inputs at the final size; ``history``: one dict per recorded step
    (``level`` size, ``step``, ``loss``, ``seconds`` since the start);
    ``snapshots``: list of ``(label, image)``; ``seconds``: wall time;
    ``final_loss``: the total cost of ``image`` at the final size.
    """

    image: np.ndarray
    content: np.ndarray
    style: np.ndarray
    method: str
    final_loss: float
    seconds: float
    history: list = field(default_factory=list)
    snapshots: list = field(default_factory=list)
    config: dict = field(default_factory=dict)

    def to_uint8(self):
        """The image as uint8 RGB (H, W, 3)."""
        return np.round(np.clip(self.image, 0, 1) * 255).astype(np.uint8)

    def to_pil(self):
        from PIL import Image

        return Image.fromarray(self.to_uint8())

    def save(self, path):
        """Write the image as PNG (or any format Pillow infers from ``path``)."""
        from pathlib import Path

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.to_pil().save(path)
        return path

    def show(self, with_inputs=True, **kwargs):
        """Plot content | style | result (or just the result)."""
        from helpers.style import plotting

        if with_inputs:
            return plotting.show_transfer(self.content, self.style, self.image, **kwargs)
        return plotting.show_image(self.image, **kwargs)

    def show_snapshots(self, **kwargs):
        from helpers.style import plotting

        return plotting.show_snapshots(self.snapshots, **kwargs)

    def _repr_png_(self):  # Jupyter shows the image
        import io

        buffer = io.BytesIO()
        self.to_pil().save(buffer, format="PNG")
        return buffer.getvalue()


def _progress(total, desc, enabled):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, disable=not enabled, leave=False)


def match_colours(image, reference, eps=1e-5):
    """``image`` with the mean and covariance of its RGB values set to ``reference``'s.

    A linear colour transfer: ``x -> A (x - mu_image) + mu_reference`` with
    ``A = cov_reference^(1/2) cov_image^(-1/2)`` (symmetric square roots),
    clipped to [0, 1].  Used as a starting point: the content's layout with
    the painting's palette.
    """
    def stats(array):
        pixels = np.asarray(array, dtype=np.float64).reshape(-1, 3)
        return pixels.mean(axis=0), np.cov(pixels, rowvar=False) + eps * np.eye(3)

    def sqrtm(matrix, power):
        values, vectors = np.linalg.eigh(matrix)
        return (vectors * np.maximum(values, eps) ** power) @ vectors.T

    mu_i, cov_i = stats(image)
    mu_r, cov_r = stats(reference)
    transform = sqrtm(cov_r, 0.5) @ sqrtm(cov_i, -0.5)
    pixels = np.asarray(image, dtype=np.float64).reshape(-1, 3)
    out = (pixels - mu_i) @ transform.T + mu_r
    return np.clip(out, 0.0, 1.0).reshape(np.shape(image)).astype(np.float32)


def _initial_image(content, init, seed, noise=0.2, style=None):
    if isinstance(init, np.ndarray):
        return resize(init, content.shape[:2])
    if init == "content":
        return content.copy()
    if init == "matched":
        return match_colours(content, style)
    if init == "noisy_content":
        rng = np.random.default_rng(seed)
        noisy = content + rng.uniform(-noise, noise, content.shape).astype(np.float32)
        return np.clip(noisy, 0, 1).astype(np.float32)
    if init == "noise":
        rng = np.random.default_rng(seed)
        return rng.uniform(0, 1, content.shape).astype(np.float32)
    raise ValueError(
        "init must be 'content', 'matched', 'noisy_content', 'noise' or an image "
        f"array, got {init!r}."
    )


def resolve_size(size):
    """``size`` checked; None means ``pick(DEFAULT_SIZE, QUICK_SIZE)``."""
    return check_size(pick(DEFAULT_SIZE, QUICK_SIZE) if size is None else size, "size")


def _prepare(content, style, size):
    size = resolve_size(size)
    content = as_image(content, kind="content")
    style = as_image(style, kind="style")
    shape = shape_for_long_side(content.shape, size)
    return content, style, shape


def _cost_kwargs(content_layer, style_layers, alpha, beta, tv_weight):
    return dict(content_layer=content_layer, style_layers=style_layers,
                alpha=alpha, beta=beta, tv_weight=tv_weight)


# --------------------------------------------------------------------------
# Baseline: Adam
# --------------------------------------------------------------------------


def adam_transfer(content="china", style="starry_night", size=None, steps=None,
                  learning_rate=ADAM_LEARNING_RATE, beta_1=ADAM_BETA_1,
                  epsilon=ADAM_EPSILON, content_layer=DEFAULT_CONTENT_LAYER,
                  style_layers=DEFAULT_STYLE_LAYERS, alpha=DEFAULT_ALPHA,
                  beta=DEFAULT_BETA, tv_weight=DEFAULT_TV_WEIGHT, init="content",
                  snapshot_every=None, record_every=10, progress=True, seed=0,
                  target_loss=None, costs=None):
    """The baseline: Adam on the pixels, clipped to [0, 1] after each step.

    ``content``/``style`` are names (see ``helpers.style.images``), file
    paths or arrays; ``size`` is the long side in pixels.  ``steps``
    defaults to ``pick(1000, 20)``, ``size`` to ``pick(256, 64)``.  Stops early once the cost is
    ``<= target_loss`` when that is given.  ``costs``: a learner's cost
    functions (see :func:`learner_costs`) instead of the engine's.  Returns a
    :class:`TransferResult`.
    """
    import tensorflow as tf

    _seed(seed)
    steps = pick(1000, 20) if steps is None else int(steps)
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}.")
    costs = None if costs is None else learner_costs(costs)
    content, style, shape = _prepare(content, style, size)
    cost = StyleCost(resize(content, shape), style, costs=costs,
                     **_cost_kwargs(content_layer, style_layers, alpha, beta, tv_weight))
    image = tf.Variable(_initial_image(cost.content, init, seed, style=cost.style)[None])
    optimizer = tf.keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta_1,
                                         epsilon=epsilon)

    @tf.function
    def train_step():
        with tf.GradientTape() as tape:
            total, *parts = cost._terms(image)
        optimizer.apply_gradients([(tape.gradient(total, image), image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))
        return total, tf.stack(parts)

    history, snapshots = [], []
    start = time.perf_counter()
    bar = _progress(steps, f"Adam {shape[1]}x{shape[0]}", progress)
    loss = None
    for step in range(1, steps + 1):
        loss, parts = train_step()  # cost of the image before this step
        loss = float(loss)
        bar.update(1)
        if step % record_every == 0 or step == steps:
            content_part, style_part, tv_part = (float(v) for v in parts)
            history.append({"level": max(shape), "step": step, "loss": loss,
                            "content": content_part, "style": style_part,
                            "tv": tv_part,
                            "seconds": time.perf_counter() - start})
            bar.set_postfix(loss=f"{loss:.4g}")
        if snapshot_every and step % snapshot_every == 0:
            snapshots.append((f"Adam step {step}", image.numpy()[0].copy()))
        if target_loss is not None and loss <= target_loss:
            break
    bar.close()
    final = image.numpy()[0]
    final_loss = float(cost(final))
    seconds = time.perf_counter() - start
    history.append({"level": max(shape), "step": steps, "loss": final_loss, "seconds": seconds})
    return TransferResult(
        image=final, content=cost.content, style=cost.style, method="adam",
        final_loss=final_loss, seconds=seconds, history=history, snapshots=snapshots,
        config=dict(size=max(shape), steps=steps, learning_rate=learning_rate,
                    beta_1=beta_1, epsilon=epsilon, init=init,
                    costs="engine" if costs is None else "learner",
                    **_cost_kwargs(content_layer, style_layers, alpha, beta, tv_weight)),
    )


# --------------------------------------------------------------------------
# Fast: coarse-to-fine L-BFGS
# --------------------------------------------------------------------------


#: Share of the final level's iterations that ``precision="mixed"`` runs in float32.
FLOAT32_SHARE = 0.25


def lbfgs_optimize(cost, image, max_iter, target_loss=None, progress=True,
                   snapshot_every=None, label="L-BFGS", history=None, snapshots=None,
                   start=None, maxcor=20, precision="float32", float32_iterations=None):
    """Minimise ``cost`` from ``image`` with L-BFGS in the [0, 1] box.

    The optimiser is :class:`helpers.style.lbfgs.BoxLBFGS` keeping ``maxcor``
    past steps.  ``precision="float32"`` evaluates every step in float32;
    ``"mixed"`` evaluates in bfloat16 first and in float32 for the last
    ``float32_iterations`` (default a quarter of ``max_iter``; 0 for a
    level whose result is only a starting point), switching early once the
    bfloat16 cost reaches ``target_loss``.  Stops after ``max_iter``
    iterations, at a minimum, or once the float32 cost is
    ``<= target_loss``.  Returns ``(image, loss, evaluations)``; the loss
    is float32 unless every iteration ran in bfloat16.
    """
    if precision not in ("float32", "mixed"):
        raise ValueError(f"precision must be 'float32' or 'mixed', got {precision!r}.")
    shape = tuple(image.shape[-3:])
    start = time.perf_counter() if start is None else start
    history = [] if history is None else history
    snapshots = [] if snapshots is None else snapshots
    if precision == "mixed":
        if float32_iterations is None:
            float32_iterations = max(1, math.ceil(FLOAT32_SHARE * max_iter))
        bfloat16_iterations = max(0, max_iter - float32_iterations)
    else:
        bfloat16_iterations = 0
    dtype = "bfloat16" if bfloat16_iterations else "float32"

    def function(dtype):
        return lambda x: cost.value_and_grad(x, dtype=dtype)

    optimizer = BoxLBFGS(function(dtype), np.asarray(image, np.float32)[None], memory=maxcor)

    def reached():
        return target_loss is not None and optimizer.loss <= target_loss

    bar = _progress(max_iter, label, progress)
    for iteration in range(1, max_iter + 1):
        if dtype == "bfloat16" and (iteration > bfloat16_iterations or reached()):
            dtype = "float32"
            optimizer.use_function(function(dtype))
        if dtype == "float32" and reached():
            break
        if not optimizer.step():
            if dtype == "float32":
                break  # no step lowers the cost: a minimum
            dtype = "float32"
            optimizer.use_function(function(dtype))
            continue
        bar.update(1)
        bar.set_postfix(loss=f"{optimizer.loss:.4g}", dtype=dtype)
        history.append({"level": max(shape[:2]), "step": iteration, "loss": optimizer.loss,
                        **cost.last_parts(),
                        "dtype": dtype, "seconds": time.perf_counter() - start})
        if snapshot_every and iteration % snapshot_every == 0:
            snapshots.append((f"{label} it {iteration}", optimizer.x.numpy()[0]))
    if dtype == "bfloat16" and target_loss is not None:
        optimizer.use_function(function("float32"))  # compare in float32
    bar.close()
    return optimizer.x.numpy()[0], optimizer.loss, optimizer.evaluations


def upsample_with_detail(image, shape, content, style, init="matched"):
    """``image`` resized up to ``shape`` with the start image's fine detail added.

    Upsampling blurs: the finest strokes are missing, which the style
    layers see at once, and L-BFGS spent its first ~40 iterations at the
    new size restoring them.  The detail that the smaller size could not
    hold (the start image at this size minus its own down-and-up-sampled
    copy) is added back, clipped to [0, 1].  Without a deterministic start
    image (``init`` "noise", "noisy_content" or an array) it is a plain
    resize.
    """
    upsampled = resize(image, shape)
    if not (isinstance(init, str) and init in ("content", "matched")):
        return upsampled
    start = _initial_image(content, init, seed=0, style=style)
    detail = start - resize(resize(start, image.shape[:2]), shape)
    return np.clip(upsampled + detail, 0.0, 1.0).astype(np.float32)


def default_levels(size):
    """Coarse-to-fine long sides ending at ``size`` (halving, >= 64 px)."""
    levels = [size]
    while levels[0] // 2 >= 64 and len(levels) < 3:
        levels.insert(0, levels[0] // 2)
    return tuple(levels)


def fast_transfer(content="china", style="starry_night", size=None, levels=None,
                  iterations=None, content_layer=DEFAULT_CONTENT_LAYER,
                  style_layers=DEFAULT_STYLE_LAYERS, alpha=DEFAULT_ALPHA,
                  beta=DEFAULT_BETA, tv_weight=DEFAULT_TV_WEIGHT, init="matched",
                  target_loss=None, snapshot_every=None, progress=True, seed=0,
                  maxcor=20, precision="auto", costs=None):
    """Coarse-to-fine L-BFGS in the [0, 1] box.  Returns a :class:`TransferResult`.

    ``levels``: long sides of the successive sizes (default
    :func:`default_levels`, e.g. 64, 128, 256); ``iterations``: L-BFGS
    iterations per level (default :func:`default_iterations`: 50, 40, 80;
    10 per level in the quick configuration).  ``init="matched"`` (default)
    starts from the content image recoloured with the painting's colour
    mean and covariance (:func:`match_colours`); ``"content"``,
    ``"noisy_content"``, ``"noise"`` or an array are also accepted.  ``target_loss`` stops the last level as
    soon as the cost at the final size is at or below it (used by the
    benchmark to match the Adam baseline's loss); snapshots are taken at
    the end of each level and every ``snapshot_every`` iterations.
    ``maxcor`` is the number of past steps L-BFGS keeps.
    ``precision``: ``"float32"``, ``"mixed"`` (bfloat16 convolutions for
    the coarse levels and the first three quarters of the final level's
    iterations, float32 for the rest and for the reported cost) or
    ``"auto"`` (mixed where the CPU has bfloat16 instructions, see
    :mod:`helpers.style.precision`).  ``costs``: a learner's cost functions
    (see :func:`learner_costs`), traced in place of the engine's terms.
    """
    costs = None if costs is None else learner_costs(costs)
    _seed(seed)
    size = resolve_size(size)
    levels = default_levels(size) if levels is None else tuple(int(v) for v in levels)
    if not levels or levels[-1] != size or list(levels) != sorted(levels):
        raise ValueError(f"levels must increase and end at size={size}, got {levels}.")
    iterations = default_iterations(len(levels)) if iterations is None else tuple(iterations)
    if isinstance(maxcor, bool) or not isinstance(maxcor, int) or maxcor < 1:
        raise ValueError(f"maxcor must be an integer >= 1, got {maxcor!r}.")
    precision = resolve_precision(precision)
    if len(iterations) != len(levels):
        raise ValueError(
            f"iterations has {len(iterations)} entries for {len(levels)} levels {levels}."
        )
    content, style, _ = _prepare(content, style, size)
    kwargs = _cost_kwargs(content_layer, style_layers, alpha, beta, tv_weight)
    history, snapshots = [], []
    start = time.perf_counter()
    image = None
    total_evals = 0
    for index, (level, iters) in enumerate(zip(levels, iterations)):
        shape = shape_for_long_side(content.shape, level)
        cost = StyleCost(resize(content, shape), style, costs=costs, **kwargs)
        if image is None:
            image = _initial_image(cost.content, init, seed, style=cost.style)
        else:
            image = upsample_with_detail(image, shape, cost.content, cost.style, init)
        last = index == len(levels) - 1
        image, loss, evals = lbfgs_optimize(
            cost, image, iters, target_loss=target_loss if last else None,
            progress=progress, snapshot_every=snapshot_every,
            label=f"L-BFGS {shape[1]}x{shape[0]}", history=history,
            snapshots=snapshots, start=start, maxcor=maxcor, precision=precision,
            float32_iterations=None if last else 0)
        total_evals += evals
        snapshots.append((f"{shape[1]}x{shape[0]} done", image.copy()))
    final_loss = loss  # a float32 evaluation at ``image`` (lbfgs_optimize)
    seconds = time.perf_counter() - start
    return TransferResult(
        image=image, content=cost.content, style=cost.style, method="fast",
        final_loss=final_loss, seconds=seconds, history=history, snapshots=snapshots,
        config=dict(size=size, levels=levels, iterations=iterations, init=init,
                    maxcor=maxcor, precision=precision, evaluations=total_evals,
                    costs="engine" if costs is None else "learner", **kwargs),
    )


def default_iterations(n_levels):
    """L-BFGS iterations per level: ``(..., 50, 40, 80)`` full, 10 each quick.

    Coarse levels only need to settle colours and large strokes (more
    iterations there did not lower the final cost in trials); the final
    size gets most of the budget.
    """
    if n_levels < 1:
        raise ValueError("at least one level is needed.")
    full = ((50,) * max(0, n_levels - 2) + ((40,) if n_levels >= 2 else ()) + (80,))
    return pick(full, (10,) * n_levels)


def style_transfer(content="china", style="starry_night", method="fast", **kwargs):
    """Run style transfer with ``method="fast"`` (default) or ``"adam"``."""
    if method == "fast":
        return fast_transfer(content, style, **kwargs)
    if method == "adam":
        return adam_transfer(content, style, **kwargs)
    raise ValueError(f"method must be 'fast' or 'adam', got {method!r}.")
