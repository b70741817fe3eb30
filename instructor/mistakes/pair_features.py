"""Known wrong versions of notebook 04's exercises."""

import numpy as np


def chi_square_over_absolute_sum(f1, f2, epsilon=1e-6):
    """A denominator |f1 + f2| + epsilon that vanishes for opposite signs."""
    f1, f2 = np.asarray(f1, np.float64), np.asarray(f2, np.float64)
    return (f1 - f2) ** 2 / (np.abs(f1 + f2) + epsilon)


def chi_square_with_absolute_numerator(f1, f2, epsilon=1e-6):
    """|f1 - f2| on top instead of the squared difference."""
    f1, f2 = np.asarray(f1, np.float64), np.asarray(f2, np.float64)
    return np.abs(f1 - f2) / (np.abs(f1) + np.abs(f2) + epsilon)


def chi_square_epsilon_twice(f1, f2, epsilon=1e-6):
    """epsilon added to each absolute value, so twice."""
    f1, f2 = np.asarray(f1, np.float64), np.asarray(f2, np.float64)
    return (f1 - f2) ** 2 / (np.abs(f1) + epsilon + np.abs(f2) + epsilon)


def unit_tau_not_squared(tau, dimension, sharpness=10.0):
    """Bias sharpness * tau: compares d² with tau."""
    return (np.full((dimension, 1), -sharpness), np.array([sharpness * tau]))


def unit_signs_inverted(tau, dimension, sharpness=10.0):
    """Kernel +sharpness and bias -sharpness tau²: 'same' when far."""
    return (np.full((dimension, 1), sharpness),
            np.array([-sharpness * tau ** 2]))


def unit_sharpness_ignored(tau, dimension, sharpness=10.0):
    """Kernel -1 and bias tau², whatever the sharpness."""
    return (np.full((dimension, 1), -1.0), np.array([tau ** 2]))


def unit_kernel_averaged(tau, dimension, sharpness=10.0):
    """Kernel -sharpness / dimension: the mean instead of the sum."""
    return (np.full((dimension, 1), -sharpness / dimension),
            np.array([sharpness * tau ** 2]))


def _step(update_encoder=True, update_head=True, from_logits=True,
          flip_labels=False, ascent=False, loss_after=False):
    """Return a wrong siamese_bce_step with one of these changes."""

    def step(encoder, head, optimizer, first_images, second_images, same):
        import tensorflow as tf

        labels = tf.reshape(tf.cast(same, tf.float32), (-1, 1))
        if flip_labels:
            labels = 1.0 - labels
        with tf.GradientTape() as tape:
            logits = head([encoder(first_images, training=True),
                           encoder(second_images, training=True)])
            if from_logits:
                losses = tf.nn.sigmoid_cross_entropy_with_logits(
                    labels=labels, logits=logits)
            else:
                probability = tf.clip_by_value(logits, 1e-7, 1 - 1e-7)
                losses = -(labels * tf.math.log(probability)
                           + (1 - labels) * tf.math.log(1 - probability))
            loss = tf.reduce_mean(losses)
        variables = []
        if update_encoder:
            variables += encoder.trainable_variables
        if update_head:
            variables += head.trainable_variables
        gradients = tape.gradient(loss, variables)
        if ascent:
            gradients = [-gradient for gradient in gradients]
        optimizer.apply_gradients(zip(gradients, variables))
        if loss_after:
            logits = head([encoder(first_images), encoder(second_images)])
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
                labels=labels, logits=logits))
        return loss

    return step


def step_broadcast_labels(encoder, head, optimizer, first_images,
                          second_images, same):
    """Labels (pairs,) against logits (pairs, 1): a (pairs, pairs) table."""
    import tensorflow as tf

    same = tf.cast(same, tf.float32)
    with tf.GradientTape() as tape:
        logits = head([encoder(first_images, training=True),
                       encoder(second_images, training=True)])
        loss = tf.reduce_mean(-same * tf.math.log_sigmoid(logits)
                              - (1 - same) * tf.math.log_sigmoid(-logits))
    variables = encoder.trainable_variables + head.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables),
                                  variables))
    return loss


MISTAKES = {
    "chi_square_features": {
        "|f1 + f2| denominator": chi_square_over_absolute_sum,
        "absolute numerator": chi_square_with_absolute_numerator,
        "epsilon twice": chi_square_epsilon_twice,
    },
    "threshold_unit_weights": {
        "tau not squared": unit_tau_not_squared,
        "signs inverted": unit_signs_inverted,
        "sharpness ignored": unit_sharpness_ignored,
        "kernel averaged": unit_kernel_averaged,
    },
    "siamese_bce_step": {
        "head only": _step(update_encoder=False),
        "encoder only": _step(update_head=False),
        "logits taken as probabilities": _step(from_logits=False),
        "labels inverted": _step(flip_labels=True),
        "gradient ascent": _step(ascent=True),
        "loss after the update": _step(loss_after=True),
        "labels broadcast against logits": step_broadcast_labels,
    },
}
