"""Reference versions of notebook 04's exercises (instructor only).

The pair features, the logistic unit on top of them (a Keras functional
model) and the plain distance threshold it is compared with.
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
    if f1.ndim not in (1, 2):
        raise ValueError(
            "expected one encoding (n,) or a batch (pairs, n), got shape "
            f"{f1.shape}"
        )
    return f1, f2


def absolute_difference_features(f1, f2):
    """Return |f1 - f2| per dimension, shape (pairs, n) or (n,)."""
    f1, f2 = _encoding_pair(f1, f2)
    return np.abs(f1 - f2).astype(np.float32)


def chi_square_features(f1, f2, epsilon=DEFAULT_EPSILON):
    """Return (f1 - f2)^2 / (|f1| + |f2| + epsilon) per dimension."""
    f1, f2 = _encoding_pair(f1, f2)
    if not epsilon > 0:
        raise ValueError(f"epsilon must be positive, got {epsilon}")
    denominator = np.abs(f1) + np.abs(f2) + epsilon
    return ((f1 - f2) ** 2 / denominator).astype(np.float32)


def concatenation_features(f1, f2):
    """Return [f1, f2] side by side, shape (pairs, 2n) or (2n,)."""
    f1, f2 = _encoding_pair(f1, f2)
    return np.concatenate([f1, f2], axis=-1).astype(np.float32)


PAIR_FEATURES = {
    "absolute difference": absolute_difference_features,
    "chi-square": chi_square_features,
    "concatenation": concatenation_features,
}


def build_pair_classifier(feature_dim, learning_rate=0.01):
    """Return a compiled Keras model: pair features -> Dense(1, sigmoid)."""
    import keras

    if int(feature_dim) != feature_dim or feature_dim < 1:
        raise ValueError(
            f"feature_dim must be a positive integer, got {feature_dim!r}"
        )
    features = keras.Input(shape=(int(feature_dim),), name="pair_features")
    same = keras.layers.Dense(1, activation="sigmoid", name="same_person")(
        features
    )
    model = keras.Model(features, same, name="logistic_verifier")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def best_distance_threshold(distances, labels):
    """Return the threshold on distance with the best accuracy on labels."""
    distances = np.asarray(distances, dtype=np.float64).ravel()
    labels = np.asarray(labels).ravel().astype(bool)
    if len(distances) != len(labels) or len(distances) == 0:
        raise ValueError(
            f"need as many labels as distances (and at least one), got "
            f"{len(distances)} distances and {len(labels)} labels"
        )
    values = np.unique(distances)
    candidates = np.concatenate(
        [[values[0] - 1.0], (values[:-1] + values[1:]) / 2, [values[-1] + 1.0]]
    )
    accuracies = [np.mean((distances < t) == labels) for t in candidates]
    return float(candidates[int(np.argmax(accuracies))])
