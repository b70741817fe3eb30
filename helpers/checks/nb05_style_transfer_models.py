"""The tiny problem notebook 05's train_step check optimises.

A small fixed ConvNet stands in for VGG16 (fast and deterministic), with
content and style targets and a start image; :func:`step_result` runs one
step of a ``train_step`` on it with plain SGD.  The public check and the
instructor's data generator run the same code.
"""

import numpy as np

TINY_CONTENT_LAYER = "conv3"
TINY_STYLE_LAYERS = [("conv1", 0.4), ("conv2", 0.3), ("conv3", 0.3)]
STEP_RATE = 0.5
#: alpha and beta of the checked step (not the defaults, to catch a step
#: that ignores them).
STEP_WEIGHTS = {"alpha": 13.7, "beta": 52.9}
#: A second pair: J with these catches weights typed into the step.
OTHER_STEP_WEIGHTS = {"alpha": 3.1, "beta": 71.0}


def tiny_extractor(seed=0, channels=(4, 6, 8)):
    """A small fixed ConvNet standing in for VGG16: image -> {layer: act}.

    Layers ``conv1``, ``conv2`` (after 2x2 average pooling) and ``conv3``;
    3x3 kernels with fixed random weights, ReLU.  Fast and deterministic.
    """
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    kernels, previous = [], 3
    for count in channels:
        kernels.append(tf.constant(rng.normal(
            0, 0.5, size=(3, 3, previous, count)).astype(np.float32)))
        previous = count

    def extractor(image):
        outputs = {}
        x = tf.convert_to_tensor(image, tf.float32)
        for index, kernel in enumerate(kernels):
            if index == 1:
                x = tf.nn.avg_pool2d(x, 2, 2, "VALID")
            x = tf.nn.relu(tf.nn.conv2d(x, kernel, 1, "SAME"))
            outputs[f"conv{index + 1}"] = x
        return outputs

    return extractor


def step_problem(seed=0, shape=(1, 12, 10, 3)):
    """Content and style targets for the tiny extractor, and a start image."""
    import tensorflow as tf

    extractor = tiny_extractor(seed)
    rng = np.random.default_rng(seed + 100)
    content = rng.uniform(0, 1, size=shape).astype(np.float32)
    style = rng.uniform(0, 1, size=shape).astype(np.float32)
    start = np.clip(content + rng.normal(0, 0.2, size=shape), 0.02, 0.98)
    a_C = tf.constant(extractor(content)[TINY_CONTENT_LAYER])
    a_S = {k: tf.constant(v) for k, v in extractor(style).items()}
    return extractor, a_C, a_S, start.astype(np.float32)


def step_arguments():
    """The arguments of the checked step, but for the image variable."""
    import tensorflow as tf

    extractor, a_C, a_S, start = step_problem(0)
    return start, (extractor, a_C, a_S,
                   tf.keras.optimizers.SGD(learning_rate=STEP_RATE)), dict(
        content_layer=TINY_CONTENT_LAYER, style_layers=TINY_STYLE_LAYERS,
        **STEP_WEIGHTS)


def step_result(train_step):
    """Return J and the image after one ``train_step`` on the tiny problem."""
    import tensorflow as tf

    start, args, kwargs = step_arguments()
    image = tf.Variable(start)
    J = train_step(image, *args, **kwargs)
    start, args, kwargs = step_arguments()
    kwargs.update(OTHER_STEP_WEIGHTS)
    other = train_step(tf.Variable(start), *args, **kwargs)
    return {"J": J, "image": image.numpy(), "J other weights": other}
