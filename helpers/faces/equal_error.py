"""The equal-error operating point of a distance threshold.

The engine of notebooks 03 and 04 fits the threshold of "same iff d < tau"
where false accepts and false rejects are as close to equal as the pairs
allow (the equal error rate), read off scikit-learn's ROC curve.  Notebook
02 asks learners to choose thresholds by other criteria; this one is not
an exercise.
"""

import numpy as np


def equal_error_threshold(distances, same):
    """Return tau of "same iff d < tau" where FAR and FRR are closest."""
    from sklearn.metrics import roc_curve

    distances = np.asarray(distances, dtype=np.float64).ravel()
    same = np.asarray(same).ravel()
    if len(distances) != len(same):
        raise ValueError(
            f"Give one label per distance (got {len(distances)} distances "
            f"and {len(same)} labels).")
    if not np.all(np.isfinite(distances)):
        raise ValueError(
            "Some distances are NaN or infinite: check the encodings they "
            "come from.")
    same = same.astype(bool)
    if same.all() or not same.any():
        raise ValueError(
            "The equal error rate needs same-person AND different-person "
            f"pairs; got {int(same.sum())} of {len(same)} same-person.")
    # Scores grow with "same": roc_curve accepts score >= cut, d <= -cut.
    false_accepts, true_accepts, cuts = roc_curve(same, -distances)
    best = int(np.argmin(np.abs(false_accepts - (1.0 - true_accepts))))
    largest_accepted = -cuts[best]
    if not np.isfinite(largest_accepted):  # nothing accepted
        return float(np.min(distances))
    farther = distances[distances > largest_accepted]
    if not farther.size:  # everything accepted
        return float(largest_accepted + 1.0)
    return float((largest_accepted + np.min(farther)) / 2)
