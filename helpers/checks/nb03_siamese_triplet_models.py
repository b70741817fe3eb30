"""The tiny encoder notebook 03's train_step check trains for one step.

:func:`step_result` runs one step of a ``train_step`` with plain SGD on a
small dense encoder with fixed weights and fixed batches.  The public check
and the instructor's data generator run the same code.
"""

import numpy as np

#: The checked steps: plain SGD, and margins nobody types in by habit (to
#: catch a step that does not pass alpha on, or hard-codes it).
STEP_RATE = 0.1
STEP_ALPHA = 0.37
#: The second checked step is on the plain distance, with this margin.
PLAIN_ALPHA = 0.29


def tiny_model(seed=1):
    """A small dense encoder (6 -> 4) whose weights depend only on seed."""
    import keras

    model = keras.Sequential([
        keras.Input(shape=(6,)),
        keras.layers.Dense(4, kernel_initializer="zeros"),
    ])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.uniform(-0.75, 0.75, size=(6, 4)),
                       rng.uniform(-0.1, 0.1, size=4)])
    return model


def step_data():
    """Return the fixed anchors, positives and negatives, shaped (5, 6)."""
    rng = np.random.default_rng(5)
    anchors = rng.normal(size=(5, 6)).astype(np.float32)
    positives = (anchors + rng.normal(size=(5, 6))).astype(np.float32)
    negatives = (anchors + 0.5 * rng.normal(size=(5, 6))).astype(np.float32)
    return anchors, positives, negatives


def step_result(train_step, model=None):
    """Return the loss and the weights after one ``train_step``.

    ``model`` (default: a fresh :func:`tiny_model`) is the one trained.
    """
    import keras

    model = tiny_model() if model is None else model
    loss = train_step(model, keras.optimizers.SGD(STEP_RATE), *step_data(),
                      STEP_ALPHA)
    return {"loss": loss, "weights": model.get_weights()}


def plain_step_result(train_step, model=None):
    """The same with ``squared=False`` and the margin :data:`PLAIN_ALPHA`."""
    import keras

    model = tiny_model() if model is None else model
    loss = train_step(model, keras.optimizers.SGD(STEP_RATE), *step_data(),
                      PLAIN_ALPHA, squared=False)
    return {"loss": loss, "weights": model.get_weights()}
