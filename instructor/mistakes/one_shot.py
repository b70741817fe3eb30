"""Known wrong versions of notebook 02's exercises.

``choose_threshold``'s entry is the accuracy measure a learner uses when the
comparison is the wrong way round; the check evaluates it at the learner's
threshold (through a table over the intervals between sorted distances).
"""

import numpy as np


def accuracy_the_wrong_way_round(distances, labels, threshold):
    """Accuracy when 'same person' is taken to mean distance > threshold."""
    same = np.asarray(labels) == 1
    return float(np.mean((np.asarray(distances) > threshold) == same))


MISTAKES = {
    "choose_threshold": {"wrong way round": accuracy_the_wrong_way_round},
}
