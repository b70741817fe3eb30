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

Each returns a :class:`~helpers.style.results.TransferResult` (image, loss
history, snapshots, timings) that can be saved as PNG and shown.  The cost
itself is :class:`~helpers.style.objective.StyleCost`; the start images
come from :mod:`helpers.style.start_images`, the defaults from
:mod:`helpers.style.defaults`.

``costs=`` (a :class:`~helpers.style.learner_adapter.LearnerCosts`, or a
dict with keys ``content``, ``style``, ``total`` and optionally ``tv``)
makes every method paint with a learner's own cost functions instead of
the engine's: they are checked on tiny inputs first
(:mod:`helpers.style.learner_adapter`), then traced inside the same
``tf.function`` as VGG16.
"""

from __future__ import annotations

import math
import time

import numpy as np

from helpers.config import pick
from helpers.style.defaults import (
    ADAM_BETA_1,
    ADAM_EPSILON,
    ADAM_LEARNING_RATE,
    DEFAULT_ALPHA,
    DEFAULT_BETA,
    DEFAULT_CONTENT_LAYER,
    DEFAULT_SIZE,
    DEFAULT_STYLE_LAYERS,
    DEFAULT_TV_WEIGHT,
    QUICK_SIZE,
)
from helpers.style.images import as_image, check_size, resize, shape_for_long_side
from helpers.style.lbfgs import BoxLBFGS
from helpers.style.learner_adapter import learner_costs
from helpers.style.objective import StyleCost
from helpers.style.precision import resolve_precision
from helpers.style.results import TransferResult
from helpers.style.start_images import _initial_image, upsample_with_detail


def _seed(seed):
    """Seed NumPy's global generator; TensorFlow's is left alone.

    The engine draws no TensorFlow random numbers (noise starts use
    ``np.random.default_rng(seed)``), and ``tf.random.set_seed`` clears
    TensorFlow's kernel caches: every traced graph would then be built
    again at the next call, a few tenths of a second per painting.
    """
    np.random.seed(seed)


def _progress(total, desc, enabled):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, disable=not enabled, leave=False)


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
    ``"noisy_content"``, ``"noise"`` or an array are also accepted.
    ``target_loss`` stops the last level as soon as the cost at the final
    size is at or below it (used by the benchmark to match the Adam
    baseline's loss); snapshots are taken at the end of each level and
    every ``snapshot_every`` iterations.
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
