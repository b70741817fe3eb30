"""Mistakes learners make in notebook 04 (binary verification)."""

NOTEBOOK = "04_binary_verification"

PRELUDE = """
import numpy as np
import tensorflow as tf
"""


def run_check(exercise, namespace):
    """Run the public check of one exercise of notebook 04."""
    from helpers.checks import pair_features

    check = getattr(pair_features, f"check_{exercise}")
    check(namespace[exercise])


_STEP = """
def siamese_bce_step(encoder, head, optimizer, first_images, second_images,
                     same):
    import tensorflow as tf

    labels = tf.reshape(tf.cast(same, tf.float32), (-1, 1))
    {before}
    with tf.GradientTape() as tape:
        {inside}
    variables = {variables}
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
    return {returned}
"""
_ENCODE = ("logits = head([encoder(first_images, training=True),\n"
           "                       encoder(second_images, training=True)])")
_LOSS = ("loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(\n"
         "            labels=labels, logits=logits))")
_BOTH = "encoder.trainable_variables + head.trainable_variables"


def _step(before="", inside=None, variables=_BOTH, returned="loss"):
    return _STEP.format(before=before,
                        inside=inside or f"{_ENCODE}\n        {_LOSS}",
                        variables=variables, returned=returned)


MISTAKES = [
    # chi_square_features: the learner chooses the denominator.
    ("chi_square_features", "literal f1 + f2 denominator", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    return (f1 - f2) ** 2 / (f1 + f2 + epsilon)
""", "negative"),
    ("chi_square_features", "|f1 + f2| denominator", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    return (f1 - f2) ** 2 / (np.abs(f1 + f2) + epsilon)
""", "absolute value around the sum"),
    ("chi_square_features", "no epsilon", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (f1 - f2) ** 2 / (np.abs(f1) + np.abs(f2))
""", "NaN"),
    ("chi_square_features", "fixed epsilon", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    return (f1 - f2) ** 2 / (np.abs(f1) + np.abs(f2) + 1e-3)
""", "epsilon argument"),
    ("chi_square_features", "absolute numerator", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    return np.abs(f1 - f2) / (np.abs(f1) + np.abs(f2) + epsilon)
""", "SQUARED difference"),
    ("chi_square_features", "epsilon added twice", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    return (f1 - f2) ** 2 / (np.abs(f1) + epsilon + np.abs(f2) + epsilon)
""", "epsilon added once"),
    ("chi_square_features", "summed over the dimensions", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    return np.sum((f1 - f2) ** 2 / (np.abs(f1) + np.abs(f2) + epsilon),
                  axis=-1)
""", "summed over the dimensions"),
    ("chi_square_features", "depends on the sign", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    denominator = np.maximum(f1 + f2, np.abs(f1 - f2)) + epsilon
    return (f1 - f2) ** 2 / denominator
""", "changing the sign of both entries"),
    ("chi_square_features", "forgot the return", """
def chi_square_features(f1, f2, epsilon=1e-6):
    f1, f2 = np.asarray(f1), np.asarray(f2)
    features = (f1 - f2) ** 2 / (np.abs(f1) + np.abs(f2) + epsilon)
""", "returned None"),
    # threshold_unit_weights: the learner derives w and b.
    ("threshold_unit_weights", "tau not squared", """
def threshold_unit_weights(tau, dimension, sharpness=10.0):
    if tau <= 0:
        raise ValueError(f"tau must be positive, got {tau}")
    return (np.full((dimension, 1), -sharpness),
            np.array([sharpness * tau]))
""", "tau squared"),
    ("threshold_unit_weights", "signs inverted", """
def threshold_unit_weights(tau, dimension, sharpness=10.0):
    if tau <= 0:
        raise ValueError(f"tau must be positive, got {tau}")
    return (np.full((dimension, 1), sharpness),
            np.array([-sharpness * tau ** 2]))
""", "FARTHER than tau"),
    ("threshold_unit_weights", "sharpness ignored", """
def threshold_unit_weights(tau, dimension, sharpness=10.0):
    if tau <= 0:
        raise ValueError(f"tau must be positive, got {tau}")
    return np.full((dimension, 1), -1.0), np.array([tau ** 2])
""", "sharpness is ignored"),
    ("threshold_unit_weights", "weights averaged over dimensions", """
def threshold_unit_weights(tau, dimension, sharpness=10.0):
    if tau <= 0:
        raise ValueError(f"tau must be positive, got {tau}")
    return (np.full((dimension, 1), -sharpness / dimension),
            np.array([sharpness * tau ** 2]))
""", "SUM of the squared differences"),
    ("threshold_unit_weights", "kernel of shape (dimension,)", """
def threshold_unit_weights(tau, dimension, sharpness=10.0):
    if tau <= 0:
        raise ValueError(f"tau must be positive, got {tau}")
    return np.full(dimension, -sharpness), np.array([sharpness * tau ** 2])
""", "(inputs, units)"),
    ("threshold_unit_weights", "bias of the wrong sign", """
def threshold_unit_weights(tau, dimension, sharpness=10.0):
    if tau <= 0:
        raise ValueError(f"tau must be positive, got {tau}")
    return (np.full((dimension, 1), -sharpness),
            np.array([-sharpness * tau ** 2]))
""", "exactly when d < tau"),
    ("threshold_unit_weights", "no check of tau", """
def threshold_unit_weights(tau, dimension, sharpness=10.0):
    return (np.full((dimension, 1), -sharpness),
            np.array([sharpness * tau ** 2]))
""", "should raise ValueError"),
    ("threshold_unit_weights", "kernel and bias swapped", """
def threshold_unit_weights(tau, dimension, sharpness=10.0):
    if tau <= 0:
        raise ValueError(f"tau must be positive, got {tau}")
    return np.array([sharpness * tau ** 2]), np.full((dimension, 1),
                                                     -sharpness)
""", "has shape (1,), expected (3, 1)"),
    # siamese_bce_step: the learner writes the end-to-end step.
    ("siamese_bce_step", "head only", _step(
        variables="head.trainable_variables"), "Only the head"),
    ("siamese_bce_step", "encoder only", _step(
        variables="encoder.trainable_variables"), "Only the encoder"),
    ("siamese_bce_step", "logits taken as probabilities", _step(inside=(
        f"{_ENCODE}\n"
        "        loss = tf.reduce_mean(tf.keras.losses.binary_crossentropy(\n"
        "            labels, logits))")), "LOGIT"),
    ("siamese_bce_step", "labels inverted", _step(
        before="labels = 1.0 - labels"), "label 1 means same"),
    ("siamese_bce_step", "labels not reshaped (TensorFlow refuses)", _step(
        before="labels = tf.cast(same, tf.float32)"),
     "must have the same shape"),
    ("siamese_bce_step", "labels broadcast against logits", """
def siamese_bce_step(encoder, head, optimizer, first_images, second_images,
                     same):
    import tensorflow as tf

    same = tf.cast(same, tf.float32)
    with tf.GradientTape() as tape:
        z = head([encoder(first_images, training=True),
                  encoder(second_images, training=True)])
        loss = -tf.reduce_mean(same * tf.math.log(tf.sigmoid(z))
                               + (1 - same) * tf.math.log(1 - tf.sigmoid(z)))
    variables = encoder.trainable_variables + head.trainable_variables
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
    return loss
""", "(pairs, pairs)"),
    ("siamese_bce_step", "loss after the update", """
def siamese_bce_step(encoder, head, optimizer, first_images, second_images,
                     same):
    import tensorflow as tf

    labels = tf.reshape(tf.cast(same, tf.float32), (-1, 1))

    def bce():
        logits = head([encoder(first_images, training=True),
                       encoder(second_images, training=True)])
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
            labels=labels, logits=logits))

    with tf.GradientTape() as tape:
        loss = bce()
    variables = encoder.trainable_variables + head.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables),
                                  variables))
    return bce()
""", "before it"),
    ("siamese_bce_step", "encodings outside the tape", """
def siamese_bce_step(encoder, head, optimizer, first_images, second_images,
                     same):
    import tensorflow as tf

    labels = tf.reshape(tf.cast(same, tf.float32), (-1, 1))
    logits = head([encoder(first_images, training=True),
                   encoder(second_images, training=True)])
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
            labels=labels, logits=logits))
    variables = encoder.trainable_variables + head.trainable_variables
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
    return loss
""", "No gradients provided"),
    ("siamese_bce_step", "gradient ascent", """
def siamese_bce_step(encoder, head, optimizer, first_images, second_images,
                     same):
    import tensorflow as tf

    labels = tf.reshape(tf.cast(same, tf.float32), (-1, 1))
    with tf.GradientTape() as tape:
        logits = head([encoder(first_images, training=True),
                       encoder(second_images, training=True)])
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
            labels=labels, logits=logits))
    variables = encoder.trainable_variables + head.trainable_variables
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip([-g for g in gradients], variables))
    return loss
""", "INCREASED the loss"),
    ("siamese_bce_step", "losses per pair returned", _step(
        inside=(f"{_ENCODE}\n"
                "        losses = tf.nn.sigmoid_cross_entropy_with_logits(\n"
                "            labels=labels, logits=logits)\n"
                "        loss = tf.reduce_mean(losses)"),
        returned="losses"), "return one number"),
    ("siamese_bce_step", "forgot the return", _step(returned="None"),
     "returned None"),
]
