"""L-BFGS for images whose pixels stay in the box [0, 1], in TensorFlow.

A projected L-BFGS: pixels at a bound whose gradient pushes them outwards
are held fixed for the step, the search direction comes from the usual
two-loop recursion over the last ``memory`` steps, and a backtracking line
search along the projected path ``clip(x + t d, 0, 1)`` accepts the first
step with a sufficient decrease (Armijo).  The work between two cost
evaluations is a few dozen vector operations, done by TensorFlow on the
image tensor without copies to NumPy.

The cost function can be replaced between steps
(:meth:`BoxLBFGS.use_function`) while the memory of past steps is kept:
the fast style transfer starts with a bfloat16 cost and finishes in
float32.
"""

from __future__ import annotations

import math

#: Largest pixel change of the first step (no curvature is known yet).
FIRST_STEP = 0.05
#: Sufficient-decrease constant of the Armijo line search.
ARMIJO = 1e-4
#: Halvings of the step before the line search gives up.
MAX_HALVINGS = 12


class BoxLBFGS:
    """Minimise ``value_and_grad`` over images in [0, 1].

    ``value_and_grad(x)`` returns ``(loss, gradient)`` tensors for ``x``
    shaped like ``image`` (e.g. ``(1, H, W, 3)``).  ``memory`` is the number
    of past steps kept.  After each :meth:`step`, ``x`` is the current image
    (a float32 tensor), ``loss`` its cost (a float) and ``evaluations`` the
    number of cost evaluations so far.
    """

    def __init__(self, value_and_grad, image, memory=20):
        import tensorflow as tf

        if isinstance(memory, bool) or not isinstance(memory, int) or memory < 1:
            raise ValueError(f"memory must be an integer >= 1, got {memory!r}.")
        self.memory = memory
        self.x = tf.clip_by_value(tf.convert_to_tensor(image, tf.float32), 0.0, 1.0)
        self.evaluations = 0
        self._pairs = []  # (s, y, 1 / s.y), oldest first
        self.use_function(value_and_grad)

    def use_function(self, value_and_grad):
        """Continue with another cost function (the step memory is kept)."""
        self.value_and_grad = value_and_grad
        self.loss, self.grad = self._evaluate(self.x)

    def _evaluate(self, x):
        loss, grad = self.value_and_grad(x)
        self.evaluations += 1
        loss = float(loss)
        if not math.isfinite(loss):
            raise FloatingPointError(
                f"the cost is {loss} after {self.evaluations} evaluations; check the "
                "images and the weights alpha/beta."
            )
        return loss, grad

    def _direction(self, free):
        import tensorflow as tf

        q = self.grad * free
        alphas = []
        for s, y, rho in reversed(self._pairs):
            a = rho * tf.reduce_sum(s * q)
            alphas.append(a)
            q = q - a * y
        if self._pairs:
            s, y, _ = self._pairs[-1]
            q = q * (tf.reduce_sum(s * y) / tf.reduce_sum(y * y))
        else:
            q = q * (FIRST_STEP / tf.maximum(tf.reduce_max(tf.abs(q)), 1e-30))
        for (s, y, rho), a in zip(self._pairs, reversed(alphas)):
            q = q + (a - rho * tf.reduce_sum(y * q)) * s
        return -q * free

    def step(self):
        """One iteration; False when no step lowers the cost (a minimum)."""
        import tensorflow as tf

        x, grad = self.x, self.grad
        pushing_out = tf.logical_or(tf.logical_and(x <= 0.0, grad > 0.0),
                                    tf.logical_and(x >= 1.0, grad < 0.0))
        free = tf.cast(tf.logical_not(pushing_out), tf.float32)
        direction = self._direction(free)
        if float(tf.reduce_sum(grad * direction)) >= 0.0:  # memory gone stale
            self._pairs.clear()
            direction = self._direction(free)
        if self._line_search(direction):
            return True
        if self._pairs:  # retry once along the (scaled) steepest descent
            self._pairs.clear()
            return self._line_search(self._direction(free))
        return False

    def _line_search(self, direction):
        import tensorflow as tf

        t = 1.0
        for _ in range(MAX_HALVINGS):
            x_new = tf.clip_by_value(self.x + t * direction, 0.0, 1.0)
            step = x_new - self.x
            decrease = float(tf.reduce_sum(self.grad * step))
            if decrease >= 0.0:
                return False
            loss, grad = self._evaluate(x_new)
            if loss <= self.loss + ARMIJO * decrease:
                self._remember(step, grad - self.grad)
                self.x, self.loss, self.grad = x_new, loss, grad
                return True
            t *= 0.5
        return False

    def _remember(self, s, y):
        import tensorflow as tf

        sy = float(tf.reduce_sum(s * y))
        if sy > 1e-8 * float(tf.norm(s)) * float(tf.norm(y)):
            self._pairs.append((s, y, 1.0 / sy))
            del self._pairs[:-self.memory]
