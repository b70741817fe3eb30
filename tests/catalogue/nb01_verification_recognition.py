"""Mistakes learners make in notebook 01 (verify and identify)."""

NOTEBOOK = "01_verification_recognition"

PRELUDE = """
import numpy as np
"""


def run_check(exercise, namespace):
    """Run the public check of one exercise of notebook 01 (toy data)."""
    from helpers.checks import verification

    check = getattr(verification, f"check_{exercise}")
    check(namespace[exercise])


MISTAKES = [
    ("verify", "squared distance", """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.min(np.sum((stored - encoding) ** 2, axis=-1)))
    return distance, distance < threshold
""", "squared distance"),
    ("verify", "L1 distance", """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.min(np.sum(np.abs(stored - encoding), axis=-1)))
    return distance, distance < threshold
""", "absolute differences"),
    ("verify", "first stored encoding only", """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.linalg.norm(stored[0] - encoding))
    return distance, distance < threshold
""", "FIRST stored encoding"),
    ("verify", "mean encoding", """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.linalg.norm(stored.mean(axis=0) - encoding))
    return distance, distance < threshold
""", "mean encoding"),
    ("verify", "one norm over all encodings", """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.linalg.norm(stored - encoding))
    return distance, distance < threshold
""", "one norm over all stored encodings"),
    ("verify", "a distance per encoding", """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distances = np.linalg.norm(stored - encoding, axis=-1)
    return distances, bool(np.min(distances) < threshold)
""", "one number"),
    ("verify", "<= threshold", """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.min(np.linalg.norm(stored - encoding, axis=-1)))
    return distance, distance <= threshold
""", "strict"),
    ("verify", "wrong way round", """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.min(np.linalg.norm(stored - encoding, axis=-1)))
    return distance, distance > threshold
""", "wrong way round"),
    ("verify", "match as a string", """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.min(np.linalg.norm(stored - encoding, axis=-1)))
    return distance, "yes" if distance < threshold else "no"
""", "boolean"),
    ("verify", "unknown name gives no match", """
def verify(encoding, database, name, threshold):
    if name not in database:
        return np.inf, False
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.min(np.linalg.norm(stored - encoding, axis=-1)))
    return distance, distance < threshold
""", "KeyError"),
    ("identify", "first person under the threshold", """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name in database:
        distance, match = verify(encoding, database, name, threshold)
        if match:
            return name, distance
        if distance < best_distance:
            best_name, best_distance = name, distance
    return "not recognized", best_distance
""", "FIRST person under the threshold"),
    ("identify", "None as the distance", """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name in database:
        distance, _ = verify(encoding, database, name, threshold)
        if distance < best_distance:
            best_name, best_distance = name, distance
    if best_distance >= threshold:
        return "not recognized", None
    return best_name, best_distance
""", "None as the distance"),
    ("identify", "farthest person", """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    names = list(database)
    distances = [verify(encoding, database, name, threshold)[0]
                 for name in names]
    best = int(np.argmax(distances))
    if distances[best] >= threshold:
        return "not recognized", distances[best]
    return names[best], distances[best]
""", "FARTHEST"),
    ("identify", "last person on a tie", """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name in database:
        distance, _ = verify(encoding, database, name, threshold)
        if distance <= best_distance:
            best_name, best_distance = name, distance
    if best_distance >= threshold:
        return "not recognized", best_distance
    return best_name, best_distance
""", "On a tie"),
    ("identify", "names sorted", """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name in sorted(database):
        distance, _ = verify(encoding, database, name, threshold)
        if distance < best_distance:
            best_name, best_distance = name, distance
    if best_distance >= threshold:
        return "not recognized", best_distance
    return best_name, best_distance
""", "do not sort the names"),
    ("identify", "empty database not recognized", """
def identify(encoding, database, threshold):
    best_name, best_distance = None, np.inf
    for name in database:
        distance, _ = verify(encoding, database, name, threshold)
        if distance < best_distance:
            best_name, best_distance = name, distance
    if best_distance >= threshold:
        return "not recognized", best_distance
    return best_name, best_distance
""", "EMPTY database"),
    ("identify", "None for a stranger", """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name in database:
        distance, _ = verify(encoding, database, name, threshold)
        if distance < best_distance:
            best_name, best_distance = name, distance
    if best_distance >= threshold:
        return None, best_distance
    return best_name, best_distance
""", "not None"),
    ("identify", "<= threshold", """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name in database:
        distance, _ = verify(encoding, database, name, threshold)
        if distance < best_distance:
            best_name, best_distance = name, distance
    if best_distance > threshold:
        return "not recognized", best_distance
    return best_name, best_distance
""", "exactly equal to the threshold"),
    ("identify", "(distance, name)", """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name in database:
        distance, _ = verify(encoding, database, name, threshold)
        if distance < best_distance:
            best_name, best_distance = name, distance
    if best_distance >= threshold:
        return best_distance, "not recognized"
    return best_distance, best_name
""", "return (name, distance)"),
    ("identify", "first encoding of each person", """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name, stored in database.items():
        distance = float(np.linalg.norm(np.asarray(stored)[0] - encoding))
        if distance < best_distance:
            best_name, best_distance = name, distance
    if best_distance >= threshold:
        return "not recognized", best_distance
    return best_name, best_distance
""", "FIRST encoding only"),
    ("verify", "no return", """
def verify(encoding, database, name, threshold):
    stored = np.asarray(database[name], dtype=float)
    distance = float(np.min(np.linalg.norm(stored - encoding, axis=-1)))
    match = distance < threshold
""", "forget the return"),
    ("identify", "no return", """
def identify(encoding, database, threshold):
    if not database:
        raise ValueError("empty database")
    best_name, best_distance = None, np.inf
    for name in database:
        distance, _ = verify(encoding, database, name, threshold)
        if distance < best_distance:
            best_name, best_distance = name, distance
""", "forget the return"),
]
