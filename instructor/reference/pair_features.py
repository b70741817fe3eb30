"""Reference versions of notebook 04's exercises (instructor only).

The chi-square pair feature for signed encodings, the weights that make a
logistic unit on squared differences a distance threshold, and one
end-to-end Siamese training step with binary cross-entropy.
"""

import numpy as np

DEFAULT_EPSILON = 1e-6


def _encoding_pair(f1, f2):
    """Return two float arrays of encodings after checking their shapes."""
    f1 = np.asarray(f1, dtype=np.float64)
    f2 = np.asarray(f2, dtype=np.float64)
    if f1.shape != f2.shape:
        raise ValueError(
            f"the two encodings must have the same shape, got {f1.shape} "
            f"and {f2.shape}"
        )
    return f1, f2


def chi_square_features(f1, f2, epsilon=DEFAULT_EPSILON):
    """Return (f1 - f2)^2 / (|f1| + |f2| + epsilon) per dimension."""
    f1, f2 = _encoding_pair(f1, f2)
    if not epsilon > 0:
        raise ValueError(f"epsilon must be positive, got {epsilon}")
    denominator = np.abs(f1) + np.abs(f2) + epsilon
    return ((f1 - f2) ** 2 / denominator).astype(np.float32)


def threshold_unit_weights(tau, dimension, sharpness=10.0):
    """Return (kernel, bias) of a unit on squared differences: d < tau."""
    if not tau > 0:
        raise ValueError(f"tau must be positive, got {tau}")
    kernel = np.full((int(dimension), 1), -float(sharpness), np.float32)
    bias = np.array([sharpness * tau ** 2], np.float32)
    return kernel, bias


def siamese_bce_step(encoder, head, optimizer, first_images, second_images,
                     same):
    """One step on encoder and head together; return the BCE before it."""
    import tensorflow as tf

    labels = tf.reshape(tf.cast(same, tf.float32), (-1, 1))
    with tf.GradientTape() as tape:
        logits = head([encoder(first_images, training=True),
                       encoder(second_images, training=True)])
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
            labels=labels, logits=logits))
    variables = encoder.trainable_variables + head.trainable_variables
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
    return loss
