"""Mistakes learners make in notebook 02 (distance, threshold, error rates)."""

NOTEBOOK = "02_one_shot"

PRELUDE = """
import numpy as np
"""


def run_check(exercise, namespace):
    """Run the public check of one exercise of notebook 02."""
    from helpers.checks import one_shot

    check = getattr(one_shot, f"check_{exercise}")
    check(namespace[exercise])


_CANDIDATES = """
    values = np.unique(distances)
    candidates = np.concatenate([[values[0] - 1],
                                 (values[:-1] + values[1:]) / 2,
                                 [values[-1] + 1]])
"""

MISTAKES = [
    ("embedding_distance", "squared distance", """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"shapes {a.shape} and {b.shape}")
    return np.sum((a - b) ** 2, axis=-1)
""", "squared distance"),
    ("embedding_distance", "L1 distance", """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"shapes {a.shape} and {b.shape}")
    return np.sum(np.abs(a - b), axis=-1)
""", "absolute differences"),
    ("embedding_distance", "norm over everything", """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"shapes {a.shape} and {b.shape}")
    return np.linalg.norm(a - b)
""", "last axis only"),
    ("embedding_distance", "sum along axis 0", """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"shapes {a.shape} and {b.shape}")
    return np.sqrt(np.sum((a - b) ** 2, axis=0))
""", "axis=0"),
    ("embedding_distance", "no size check: (1,) broadcast", """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    return np.sqrt(np.sum((a - b) ** 2, axis=-1))
""", "silently broadcast"),
    ("embedding_distance", "size check on the whole shape", """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    if a.shape != b.shape:
        raise ValueError(f"shapes {a.shape} and {b.shape}")
    return np.sqrt(np.sum((a - b) ** 2, axis=-1))
""", "not the whole shapes"),
    ("embedding_distance", "error without the shapes", """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError("the encodings have different sizes")
    return np.sqrt(np.sum((a - b) ** 2, axis=-1))
""", "name both shapes"),
    ("embedding_distance", "wrong exception type", """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    if a.shape[-1] != b.shape[-1]:
        raise TypeError(f"shapes {a.shape} and {b.shape}")
    return np.sqrt(np.sum((a - b) ** 2, axis=-1))
""", "TypeError"),
    ("choose_threshold", "no end candidates", """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), np.asarray(labels) == 1
    values = np.unique(distances)
    candidates = (values[:-1] + values[1:]) / 2
    scores = [np.mean((distances < t) == same) for t in candidates]
    best = int(np.argmax(scores))
    return candidates[best], scores[best]
""", "end candidates"),
    ("choose_threshold", "end candidates 0.1 away", """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), np.asarray(labels) == 1
    values = np.unique(distances)
    candidates = np.concatenate([[values[0] - 0.1],
                                 (values[:-1] + values[1:]) / 2,
                                 [values[-1] + 0.1]])
    scores = [np.mean((distances < t) == same) for t in candidates]
    best = int(np.argmax(scores))
    return candidates[best], scores[best]
""", "minus 1"),
    ("choose_threshold", "labels as a list compared with 1", """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), labels == 1
""" + _CANDIDATES + """
    scores = [np.mean((distances < t) == same) for t in candidates]
    best = int(np.argmax(scores))
    return candidates[best], scores[best]
""", "Python list"),
    ("choose_threshold", "wrong way round", """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), np.asarray(labels) == 1
""" + _CANDIDATES + """
    scores = [np.mean((distances > t) == same) for t in candidates]
    best = int(np.argmax(scores))
    return candidates[best], scores[best]
""", "wrong way round"),
    ("choose_threshold", "(accuracy, threshold)", """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), np.asarray(labels) == 1
""" + _CANDIDATES + """
    scores = [np.mean((distances < t) == same) for t in candidates]
    best = int(np.argmax(scores))
    return scores[best], candidates[best]
""", "(threshold, accuracy)"),
    ("choose_threshold", "a count instead of a fraction", """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), np.asarray(labels) == 1
""" + _CANDIDATES + """
    scores = [np.sum((distances < t) == same) for t in candidates]
    best = int(np.argmax(scores))
    return candidates[best], scores[best]
""", "fraction"),
    ("choose_threshold", "distances as candidates", """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), np.asarray(labels) == 1
    candidates = np.unique(distances)
    scores = [np.mean((distances <= t) == same) for t in candidates]
    best = int(np.argmax(scores))
    return candidates[best], scores[best]
""", "edge"),
    ("choose_threshold", "accuracy of another threshold", """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), np.asarray(labels) == 1
""" + _CANDIDATES + """
    scores = [np.mean((distances < t) == same) for t in candidates]
    best = int(np.argmax(scores))
    return candidates[best], scores[0]
""", "the accuracy is 1.0"),
    ("error_rates", "rates swapped", """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    if same.all() or not same.any():
        raise ValueError("need both kinds of pair")
    return np.mean(~accepted[same]), np.mean(accepted[~same])
""", "false-accept rate comes first"),
    ("error_rates", "divided by all pairs", """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    if same.all() or not same.any():
        raise ValueError("need both kinds of pair")
    return np.mean(accepted & ~same), np.mean(~accepted & same)
""", "ALL pairs"),
    ("error_rates", "false reject as 1 - false accept", """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    if same.all() or not same.any():
        raise ValueError("need both kinds of pair")
    return np.mean(accepted[~same]), 1 - np.mean(accepted[~same])
""", "not 1 - false-accept rate"),
    ("error_rates", "<= threshold", """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) <= threshold
    same = np.asarray(labels) == 1
    if same.all() or not same.any():
        raise ValueError("need both kinds of pair")
    return np.mean(accepted[~same]), np.mean(~accepted[same])
""", "exactly 0.6"),
    ("error_rates", "labels as a list compared with 1", """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = labels == 1
    if np.all(same) or not np.any(same):
        raise ValueError("need both kinds of pair")
    return np.mean(accepted[~same]), np.mean(~accepted[same])
""", "Python list"),
    ("error_rates", "list labels with a loop over 0/1 masks", """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    if isinstance(labels, np.ndarray):
        same = labels == 1
    else:
        same = np.array([label == "1" for label in labels])
    if same.all() or not same.any():
        raise ValueError("need both kinds of pair")
    return np.mean(accepted[~same]), np.mean(~accepted[same])
""", "Python list"),
    ("error_rates", "no check for one kind of pair", """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    return np.mean(accepted[~same]), np.mean(~accepted[same])
""", "only one kind of pair"),
    ("error_rates", "rates as percentages", """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    if same.all() or not same.any():
        raise ValueError("need both kinds of pair")
    return 100 * np.mean(accepted[~same]), 100 * np.mean(~accepted[same])
""", "false-accept rate is 0.5"),
    ("embedding_distance", "no return", """
def embedding_distance(encoding_a, encoding_b):
    a, b = np.asarray(encoding_a), np.asarray(encoding_b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"shapes {a.shape} and {b.shape}")
    distance = np.sqrt(np.sum((a - b) ** 2, axis=-1))
""", "forget the return"),
    ("choose_threshold", "no return", """
def choose_threshold(distances, labels):
    distances, same = np.asarray(distances), np.asarray(labels) == 1
""" + _CANDIDATES + """
    scores = [np.mean((distances < t) == same) for t in candidates]
    best = int(np.argmax(scores))
""", "forget the return"),
    ("error_rates", "no return", """
def error_rates(distances, labels, threshold):
    accepted = np.asarray(distances) < threshold
    same = np.asarray(labels) == 1
    if same.all() or not same.any():
        raise ValueError("need both kinds of pair")
    rates = np.mean(accepted[~same]), np.mean(~accepted[same])
""", "forget the return"),
]
