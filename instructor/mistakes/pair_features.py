"""Known wrong versions of notebook 04's exercises."""

import numpy as np


def squared_difference_features(f1, f2):
    """(f1 - f2)**2 instead of |f1 - f2|."""
    return (np.asarray(f1, np.float64) - np.asarray(f2, np.float64)) ** 2


def chi_square_over_absolute_sum(f1, f2, epsilon=1e-6):
    """A denominator |f1 + f2| + epsilon that vanishes for opposite signs."""
    f1, f2 = np.asarray(f1, np.float64), np.asarray(f2, np.float64)
    return (f1 - f2) ** 2 / (np.abs(f1 + f2) + epsilon)


def chi_square_with_absolute_numerator(f1, f2, epsilon=1e-6):
    """|f1 - f2| on top instead of the squared difference."""
    f1, f2 = np.asarray(f1, np.float64), np.asarray(f2, np.float64)
    return np.abs(f1 - f2) / (np.abs(f1) + np.abs(f2) + epsilon)


def concatenation_reversed(f1, f2):
    """[f2, f1] instead of [f1, f2]."""
    return np.concatenate([np.asarray(f2), np.asarray(f1)], axis=-1)


MISTAKES = {
    "absolute_difference_features": {"squared": squared_difference_features},
    "chi_square_features": {
        "|f1 + f2| denominator": chi_square_over_absolute_sum,
        "absolute numerator": chi_square_with_absolute_numerator,
    },
    "concatenation_features": {"reversed order": concatenation_reversed},
}
