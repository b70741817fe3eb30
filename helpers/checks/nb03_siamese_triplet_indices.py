"""What notebook 03's mining checks ask of three index arrays.

Shared by the checks of ``hardest_triplets`` and ``semi_hard_triplets``:
the result's form (three integer NumPy arrays of one length), the order
of the anchors, the labels of positives and negatives, hardness and the
batch of a single person.
"""

import numpy as np

from helpers.checks.common import assert_returned

ROLES = ("anchors", "positives", "negatives")


def as_index_arrays(result, name):
    """Return three 1-D int arrays from a learner's mining result."""
    assert_returned(result, name)
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise AssertionError(
            f"{name} must return three index arrays: "
            f"(anchors, positives, negatives); got {type(result).__name__}."
        )
    for role, part in zip(ROLES, result):
        if not isinstance(part, np.ndarray):
            raise AssertionError(
                f"{name} returned {role} as a {type(part).__name__}, not a "
                "NumPy array. The exercise asks for three integer NumPy "
                "arrays: convert with np.array(..., dtype=int)."
            )
    arrays = [part.reshape(-1) for part in result]
    for role, array in zip(ROLES, arrays):
        if array.size and not np.issubdtype(array.dtype, np.integer):
            raise AssertionError(
                f"{role} has dtype {array.dtype}; return integer indices "
                "into the batch, not distances."
            )
    if len({array.size for array in arrays}) != 1:
        raise AssertionError(
            "anchors, positives and negatives must have the same length, "
            f"got {[array.size for array in arrays]}."
        )
    return arrays


def check_order(keys, labels, what, name):
    """Fail unless ``keys`` (anchors or anchor-positive pairs) increase."""
    if keys == sorted(keys):
        return
    anchors = [key[0] if isinstance(key, tuple) else key for key in keys]
    grouped = [labels[anchor] for anchor in anchors]
    hint = (" They are grouped by person: list them by image index, not "
            "person by person." if grouped == sorted(grouped) else "")
    raise AssertionError(
        f"{name} must list the {what} in increasing order; got "
        f"{keys}.{hint}"
    )


def check_labels_of(anchor, positive, negative, labels):
    """Fail unless the positive shares the anchor's label and the negative
    does not."""
    if positive == anchor:
        raise AssertionError(
            f"Anchor {anchor} was chosen as its own positive: exclude "
            "the diagonal (an image is not its own positive)."
        )
    if labels[positive] != labels[anchor]:
        raise AssertionError(
            f"The positive {positive} of anchor {anchor} shows another "
            "person: positives must have the anchor's label."
        )
    if labels[negative] == labels[anchor]:
        raise AssertionError(
            f"The negative {negative} of anchor {anchor} shows the same "
            "person: negatives must have a different label."
        )


def per_anchor(triplets, role):
    """Map each anchor of stored triplets to its positive or negative."""
    return dict(zip(triplets["anchors"], triplets[role]))


def check_hardness(anchor, chosen, hardest, easy, role, hint):
    """Fail unless ``chosen`` is the hardest positive or negative."""
    if chosen == hardest:
        return
    rule = ("the FARTHEST image of the same person (largest distance)"
            if role == "positive" else
            "the CLOSEST image of another person (smallest distance)")
    raise AssertionError(
        f"Anchor {anchor}: the {role} is not the hardest one. "
        + (hint if chosen == easy else "")
        + f"batch-hard mining takes {rule}."
    )


def check_no_anchor_alone(anchors, positives,
                           own="Anchor {} was chosen"):
    """Fail when an anchor is its own positive or image 6 is an anchor."""
    for anchor, positive in zip(anchors.tolist(), positives.tolist()):
        if anchor == positive:
            raise AssertionError(
                own.format(anchor) + " as its own positive: exclude the "
                "diagonal (an image is not its own positive)."
            )
    if 6 in anchors.tolist():
        raise AssertionError(
            "Image 6 is the only image of its person, so it has no positive "
            "and must not be an anchor."
        )


def check_lonely(function, embeddings, name):
    """A batch of one person has no negative: three empty arrays."""
    lonely = as_index_arrays(function(embeddings[:3], np.array([5, 5, 5])),
                              name)
    if lonely[0].size != 0:
        raise AssertionError(
            "In a batch with a single person there is no negative, so there "
            "are no triplets: return three empty arrays."
        )
