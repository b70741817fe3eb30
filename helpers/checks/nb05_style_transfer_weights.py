"""The properties notebook 05's deep_style_layers check tests.

Many weightings are right, so the check stores no answer: it calls the
learner's function on a few layer lists and names the property that fails.
"""

import numpy as np

from helpers.checks.common import assert_returned, to_numpy

#: Layer lists (shallow to deep) that the deep_style_layers check tries.
WEIGHT_CHECK_LAYERS = (
    ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1",
     "block5_conv1"),
    ("conv_a", "conv_b", "conv_c"),
    ("shallow", "deep"),
    ("only_layer",),
)
#: Tolerance on the sum of the weights and on "equal" weights.
WEIGHT_TOLERANCE = 1e-6


def weighting(function, names):
    """Call ``function`` on a copy of ``names``; note the input on errors."""
    given = list(names)
    try:
        result = function(given)
    except Exception as error:
        error.add_note(f"(deep_style_layers was called with layer_names = "
                       f"{list(names)!r}, {_count(names)}.)")
        raise
    if given != list(names):
        raise AssertionError(
            "deep_style_layers changed the list layer_names it was given "
            f"(now {given!r}); build a new list and leave the argument "
            "as it is: the caller still uses it.")
    return assert_returned(result, "deep_style_layers")


def _count(names):
    """'one layer' or 'N layers'."""
    return "one layer" if len(names) == 1 else f"{len(names)} layers"


def weight_pairs(result, names):
    """The result as a list of (name, weight) pairs, or a named failure."""
    if isinstance(result, dict):
        raise AssertionError(
            "deep_style_layers returned a dict; return a LIST of (layer "
            "name, weight) pairs, like STYLE_LAYERS. compute_style_cost "
            "and the engine unpack each item into a name and a weight, "
            "and a dict gives its keys only. list(weights.items()) turns "
            "your dict into pairs.")
    if not isinstance(result, list):
        raise AssertionError(
            f"deep_style_layers returned a {type(result).__name__}; return "
            "a list of (layer name, weight) pairs, like STYLE_LAYERS (e.g. "
            "list(zip(layer_names, weights))).")
    for item in result:
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise AssertionError(
                f"deep_style_layers({list(names)!r}) returned the item "
                f"{item!r}; every item must be a pair (layer name, weight), "
                "like ('block1_conv1', 0.2) in STYLE_LAYERS.")
    return result


def check_weight_names(pairs, names):
    """The pairs must name the given layers, all of them, in their order."""
    got = [layer for layer, _ in pairs]
    names = list(names)
    if got == names:
        return
    call = f"deep_style_layers({names!r})"
    if sorted(map(repr, got)) == sorted(map(repr, names)):
        raise AssertionError(
            f"{call} returned the layers in another order: {got!r}. Keep "
            "the order of layer_names (shallow to deep), so that each "
            "weight goes with its layer.")
    missing = [name for name in names if name not in got]
    unknown = [name for name in got if name not in names]
    if unknown:
        raise AssertionError(
            f"{call} returned layer names it was not given: {unknown!r}. "
            "Pair each weight with the name from layer_names, unchanged "
            "(the engine looks the activations up by these names).")
    raise AssertionError(
        f"{call} returned {len(got)} pairs for {len(names)} layers"
        + (f"; {missing!r} got no weight" if missing else "")
        + ": return exactly one (name, weight) pair per layer of "
        "layer_names.")


def _weight_numbers(pairs, names):
    """The weights as floats; fail on anything that is not one number."""
    weights = []
    for layer, weight in pairs:
        value = to_numpy(weight)
        if isinstance(weight, (bool, np.bool_)) or value.size != 1 \
                or value.dtype.kind not in "iuf":
            raise AssertionError(
                f"deep_style_layers gave {layer!r} the weight {weight!r}; "
                "each weight must be one number.")
        weights.append(float(value.reshape(())))
    if not all(np.isfinite(weights)):
        raise AssertionError(
            f"deep_style_layers({list(names)!r}) gave the weights "
            f"{weights}: every weight must be a finite number (did you "
            "divide by zero?).")
    return weights


def _integer_weights(pairs):
    """True when every weight is an integer type (integer arithmetic)."""
    return all(isinstance(weight, (int, np.integer))
               and not isinstance(weight, bool) for _, weight in pairs)


def _describe(names, weights):
    """'name w, name w, ...' for a message."""
    return ", ".join(f"{name} {weight:.3g}"
                     for name, weight in zip(names, weights))


def check_weight_values(pairs, names):
    """Non-negative, every layer counted, sum 1, growing with depth."""
    weights = _weight_numbers(pairs, names)
    names = list(names)
    shown = _describe(names, weights)
    total = float(np.sum(weights))
    if _integer_weights(pairs) and abs(total - 1) > WEIGHT_TOLERANCE:
        raise AssertionError(
            f"deep_style_layers gave integer weights ({shown}): integer "
            "arithmetic (// or int()) rounds the fractions of a weighting "
            "down, often to 0. Divide with / so that the weights are "
            "floats.")
    negative = [name for name, w in zip(names, weights) if w < 0]
    if negative:
        raise AssertionError(
            f"deep_style_layers gave negative weights ({shown}). A "
            f"negative lambda for {negative[0]} makes J_style SMALLER when "
            "G's Gram matrix at that layer moves AWAY from the painting's: "
            "the optimiser would be rewarded for destroying that layer's "
            "style. Every weight must be >= 0.")
    if abs(total - 1) > WEIGHT_TOLERANCE:
        effect = ("the style would take over the content"
                  if total > 1 else "the content would take over")
        raise AssertionError(
            f"deep_style_layers' weights sum to {total:.6g}, not 1 "
            f"({shown}). If every layer had the same style cost c, J_style "
            f"would be {total:.6g} * c, where STYLE_LAYERS' equal weights "
            f"give c: the same as multiplying beta by {total:.6g}, so "
            f"{effect} (beta = 1 was tuned for weights summing to 1). "
            "Divide each weight by their sum.")
    zero = [name for name, w in zip(names, weights) if w == 0]
    if zero:
        raise AssertionError(
            f"deep_style_layers gave {zero[0]} the weight 0 ({shown}): "
            "that layer no longer counts at all, and with it the colours "
            "and strokes it holds. Give every layer a positive share, "
            "smaller for the shallow layers.")
    if len(weights) == 1:
        return
    for (a, w_a), (b, w_b) in zip(zip(names, weights),
                                  zip(names[1:], weights[1:])):
        if w_b < w_a - WEIGHT_TOLERANCE:
            raise AssertionError(
                f"deep_style_layers' weights decrease with depth ({shown}): "
                f"{b} weighs less than the shallower {a}. The deeper layers "
                "(larger motifs) must weigh more; decreasing weights favour "
                "the shallow layers' fine strokes.")
    if max(weights) - min(weights) <= WEIGHT_TOLERANCE:
        raise AssertionError(
            f"deep_style_layers gives every layer the same weight ({shown}): "
            "the equal weighting of STYLE_LAYERS. Make the deeper layers "
            "weigh more than the shallow ones.")
