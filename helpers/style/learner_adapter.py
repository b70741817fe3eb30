"""A learner's cost functions, checked so the engine can paint with them.

``costs=`` of every transfer method (a :class:`LearnerCosts`, or a dict
with keys ``content``, ``style``, ``total`` and optionally ``tv``) is
checked here on tiny inputs first (:func:`learner_costs`): a stub or a
function with the wrong signature fails with a message naming it, before
it is traced inside the same ``tf.function`` as VGG16
(:mod:`helpers.style.objective`).
"""

from __future__ import annotations

import types
from dataclasses import dataclass

import numpy as np

from helpers.style.defaults import (
    DEFAULT_ALPHA,
    DEFAULT_BETA,
)


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


#: Learner costs (and what they read) that passed learner_costs' probes.
_CHECKED: dict = {}
