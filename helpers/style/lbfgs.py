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

import tensorflow as tf

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

    The past steps live in two ring buffers (``tf.Variable``) and the
    two-loop recursion and the projected trial point are ``tf.function``
    graphs (about 15 ms per iteration at 256 px besides the evaluations),
    shared by every instance: they take the buffers as arguments, so they
    are traced once per image shape, not once per optimisation.
    """

    def __init__(self, value_and_grad, image, memory=20):
        if isinstance(memory, bool) or not isinstance(memory, int) or memory < 1:
            raise ValueError(f"memory must be an integer >= 1, got {memory!r}.")
        self.memory = memory
        self.x = tf.clip_by_value(tf.convert_to_tensor(image, tf.float32), 0.0, 1.0)
        shape = (memory,) + tuple(self.x.shape)
        self._s = tf.Variable(tf.zeros(shape), trainable=False)
        self._y = tf.Variable(tf.zeros(shape), trainable=False)
        self._rho = tf.Variable(tf.zeros(memory), trainable=False)
        self.remembered = 0  # steps in the buffers, at most ``memory``
        self._next = 0  # slot the next step goes to
        self.evaluations = 0
        self.use_function(value_and_grad)

    def use_function(self, value_and_grad):
        """Continue with another cost function (the step memory is kept)."""
        self.value_and_grad = value_and_grad
        self.loss, self.grad = self._evaluate(self.x)

    def forget(self):
        """Drop the remembered steps (the next step is a scaled steepest descent)."""
        self.remembered = 0

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

    def step(self):
        """One iteration; False when no step lowers the cost (a minimum)."""
        direction = self._descent_direction()
        if direction is not None and self._line_search(direction):
            return True
        if self.remembered:  # retry once along the (scaled) steepest descent
            self.forget()
            direction = self._descent_direction()
            return direction is not None and self._line_search(direction)
        return False

    def _descent_direction(self):
        def compute():
            return _direction(self._s, self._y, self._rho, self.x, self.grad,
                              tf.constant(self.remembered), tf.constant(self._next))

        direction, slope = compute()
        if float(slope) >= 0.0 and self.remembered:  # memory gone stale
            self.forget()
            direction, slope = compute()
        return direction if float(slope) < 0.0 else None

    def _line_search(self, direction):
        t = 1.0
        for _ in range(MAX_HALVINGS):
            x_new, decrease = _trial(self.x, self.grad, direction, tf.constant(t))
            decrease = float(decrease)
            if decrease >= 0.0:
                return False
            loss, grad = self._evaluate(x_new)
            if loss <= self.loss + ARMIJO * decrease:
                self._remember(x_new - self.x, grad - self.grad)
                self.x, self.loss, self.grad = x_new, loss, grad
                return True
            t *= 0.5
        return False

    def _remember(self, s, y):
        if bool(_store(self._s, self._y, self._rho, s, y, tf.constant(self._next))):
            self._next = (self._next + 1) % self.memory
            self.remembered = min(self.remembered + 1, self.memory)


# The graphs every BoxLBFGS shares; the ring buffers (memory, ...) are
# arguments.


@tf.function
def _direction(s_buffer, y_buffer, rho, x, grad, remembered, next_slot):
    """-H g over the free pixels, and g.d (>= 0 means no descent)."""
    memory = rho.shape[0]
    pushing_out = tf.logical_or(tf.logical_and(x <= 0.0, grad > 0.0),
                                tf.logical_and(x >= 1.0, grad < 0.0))
    free = tf.cast(tf.logical_not(pushing_out), tf.float32)
    q = grad * free
    alphas = tf.TensorArray(tf.float32, size=memory)
    for age in tf.range(remembered):  # newest first
        slot = (next_slot - 1 - age) % memory
        a = rho.sparse_read(slot) * tf.reduce_sum(s_buffer.sparse_read(slot) * q)
        alphas = alphas.write(age, a)
        q = q - a * y_buffer.sparse_read(slot)
    if remembered > 0:
        newest = (next_slot - 1) % memory
        y = y_buffer.sparse_read(newest)
        q = q / (rho.sparse_read(newest) * tf.reduce_sum(y * y))  # gamma = s.y / y.y
    else:
        q = q * (FIRST_STEP / tf.maximum(tf.reduce_max(tf.abs(q)), 1e-30))
    for back in tf.range(remembered):  # oldest first
        age = remembered - 1 - back
        slot = (next_slot - 1 - age) % memory
        b = rho.sparse_read(slot) * tf.reduce_sum(y_buffer.sparse_read(slot) * q)
        q = q + (alphas.read(age) - b) * s_buffer.sparse_read(slot)
    direction = -q * free
    return direction, tf.reduce_sum(grad * direction)


@tf.function
def _trial(x, grad, direction, t):
    """The projected trial point clip(x + t d) and g.(x_new - x)."""
    x_new = tf.clip_by_value(x + t * direction, 0.0, 1.0)
    return x_new, tf.reduce_sum(grad * (x_new - x))


@tf.function
def _store(s_buffer, y_buffer, rho, s, y, slot):
    """Keep the pair (s, y) in ``slot`` when its curvature s.y is positive."""
    sy = tf.reduce_sum(s * y)
    keep = sy > 1e-8 * tf.norm(s) * tf.norm(y)
    if keep:
        s_buffer.scatter_update(tf.IndexedSlices(s[None], slot[None]))
        y_buffer.scatter_update(tf.IndexedSlices(y[None], slot[None]))
        rho.scatter_update(tf.IndexedSlices((1.0 / sy)[None], slot[None]))
    return keep
