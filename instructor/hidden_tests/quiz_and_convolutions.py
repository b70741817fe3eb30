"""Hidden tests of 06_quiz_and_convolutions: conv_output_shape and the quiz key."""

import numpy as np

from helpers.quiz import normalise_answer
from helpers.checks.quiz import HINTS, QUESTIONS
from instructor.grading.harness import hidden_test
from instructor.reference import convolutions as reference

ASSIGNMENT = "06_quiz_and_convolutions"
PRELUDE = "import numpy as np"


@hidden_test("test_conv_output_shape")
def test_conv_output_shape(student):
    cases = [
        ((120, 2), 9, 4), ((120, 2), 9, 4, 1, 0), ((24, 24, 24, 8), 5, 16),
        ((32, 30, 3), 3, 8, 2), ((32, 30, 3), 3, 8, 1, 1),
        ((99, 1), 5, 3, 3, "same"), ((13, 19, 2), 6, 7, 1, "same"),
        ((25, 26, 3), 5, 2, 3, "same"), ((12, 7, 3), 9, 2, 1, "same"),
        ((3, 2), 8, 4, 2, "same"), ((18, 10, 1), (7, 3), 2),
        ((17, 15, 2), 2, 3, (3, 1)),
        ((8, 11, 13, 1), (2, 3, 1), 5, (1, 2, 3), (0, 1, 2)),
        ((21, 17, 2), (4, 3), 3, (2, 3), 2),
    ]
    rng = np.random.default_rng(2024)
    for trial in range(12):
        axes = 1 + trial % 3
        size = tuple(int(n) for n in rng.integers(6, 19, size=axes))
        kernel = tuple(int(f) for f in rng.integers(1, 6, size=axes))
        strides = tuple(int(s) for s in rng.integers(1, 4, size=axes))
        padding = ["valid", "same", int(rng.integers(0, 3)),
                   tuple(int(p) for p in rng.integers(0, 3, size=axes))][
                       trial % 4]
        filters = int(rng.integers(1, 9))
        cases.append(((*size, int(rng.integers(1, 4))), kernel, filters,
                      strides, padding))
    for args in cases:
        expected = reference.conv_output_shape(*args)
        got = student.conv_output_shape(*args)
        if not isinstance(got, tuple) or not all(
                isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                for n in got):
            raise AssertionError(
                f"conv_output_shape should return a tuple of whole numbers, "
                f"got {type(got).__name__} ({_case(*args)})")
        got = tuple(int(n) for n in got)
        if got != expected:
            raise AssertionError(
                f"conv_output_shape returned a wrong shape: "
                f"{_wrong_part(got, expected)} ({_case(*args)})")
    for args in [((3, 3, 3, 1), 5, 2), ((5, 2), 8, 1, 1, 1), ((4, 1), 7, 8)]:
        assert student.raises("ValueError", "conv_output_shape", *args), (
            "no ValueError for a kernel larger than the (padded) input "
            f"({_case(*args)})")


def _case(input_shape, kernel_size, filters, strides=1, padding="valid"):
    """Name the kind of a conv_output_shape case, not its numbers."""
    axes = len(input_shape) - 1
    parts = [f"{axes} spatial ax{'is' if axes == 1 else 'es'}"]
    if isinstance(padding, str):
        parts.append(f"{padding!r} padding")
    else:
        parts.append("integer padding per axis" if isinstance(padding, tuple)
                     else "one integer padding")
    if isinstance(kernel_size, tuple):
        parts.append("a kernel size per axis")
    if isinstance(strides, tuple):
        parts.append("a stride per axis")
    elif strides > 1:
        parts.append("stride > 1")
    return "with " + ", ".join(parts)


def _wrong_part(got, expected):
    """Say which part of a returned shape is wrong, without the values."""
    if len(got) != len(expected):
        return (f"{len(got)} entries where the input has "
                f"{len(expected) - 1} spatial axes and one for the filters")
    if got[-1] != expected[-1]:
        return "its last entry must be the number of filters"
    axes = [str(axis) for axis, (mine, theirs) in enumerate(
        zip(got[:-1], expected[:-1])) if mine != theirs]
    return f"the size of spatial axis {', '.join(axes)} is wrong"


KEY = {
    "Q1": (True, """\
True. Verification answers "is this person who they claim to be?" with one
comparison (1:1). Recognition answers "who is this, if anyone we know?" and
compares the photo with every one of the K people (1:K). Recognition is the
harder problem: each comparison can produce a false match, so with K people an
error rate that is fine for verification is multiplied roughly K times."""),
    "Q2": ({"b", "c"}, """\
{'b', 'c'}. A face system usually has one photo (or very few) per person, so
it must solve one-shot learning (b): a classifier with one output per person
cannot be trained from one example each, and it would have to be retrained
whenever someone joins. A learned d(img1, img2) compares any two faces, so
enrolling a new person just means storing one photo or encoding (c). Transfer
learning (a) often helps, but it is not why d is learned. A softmax over the
people plus an "unknown" class (d) is precisely the classifier that the
similarity function replaces."""),
    "Q3": (False, """\
False. Every triplet needs an anchor and a positive that show the SAME person,
so the training set needs several photos of each person. With one photo per
person there are no positive pairs and the triplet loss cannot be formed.
(Once the encoder is trained, one photo per person is enough to enrol people
in a database.)"""),
    "Q4": ("b", """\
b. With d the squared distance, the loss should be zero as soon as the
negative is farther from the anchor than the positive by at least the margin:
d(A, P) + alpha <= d(A, N), i.e. d(A, P) - d(A, N) + alpha <= 0. The hinge
max(., 0) penalises only triplets that violate this. (The loss squares the
distance, as FaceNet does, because the square is smooth and cheap to
differentiate; verification compares the plain distance with tau.) With
- alpha (c) the encoder f = 0, which maps every face to the same point,
already has zero loss: the margin is what rules that out. (a) and (d) reward
a positive that is farther away than the negative."""),
    "Q5": (True, """\
True. Shared weights mean both photos are encoded by the same function f, so
the distance between f(x1) and f(x2) compares like with like, and there is
only one set of weights to train and to store."""),
    "Q6": (True, """\
True. Units of the first layer see a few pixels and respond to edges, colours
and simple textures. Each later layer combines the previous one over a larger
part of the image, into textures, object parts and finally whole objects, so a
unit that is selective for cats is far more likely in a deep layer."""),
    "Q7": (False, """\
False. No network is trained and there are no labelled pairs (x, y). The
pretrained network keeps its weights and is only used to measure content and
style. The generated image G is found by minimising
J(G) = alpha * J_content(C, G) + beta * J_style(S, G) over the pixels of G."""),
    "Q8": (True, """\
True. G[k, k'] = sum over positions (i, j) of a[i, j, k] * a[i, j, k']. It is
large when channels k and k' are active at the same places, whatever those
places are. Comparing the Gram matrices of the style image and the generated
image gives the style cost."""),
    "Q9": ("d", """\
d. Gradient descent (or L-BFGS) updates the pixels of G: the gradient of J(G)
is taken with respect to the image, not the weights. The network is frozen, C
and S are fixed inputs, and alpha and beta are settings you choose before the
optimisation starts."""),
    "Q10": ("c", """\
c. Every filter automatically spans all input channels, so each one is
5 x 5 x 5 x 8 (a is wrong). Without padding and with stride 1 every spatial
axis becomes 20 - 5 + 1 = 16, and the 16 filters give 16 output channels, not
the 8 input channels (b). 20 x 20 x 20 x 16 (d) is what 'same' padding would
give."""),
}


#: What a quiz answer of each kind must look like (the learner's value is
#: not repeated: it could carry what it read while the answers ran).
FORMATS = {
    "true_false": "give True or False, without quotes",
    "one_letter": "give one letter such as 'a', as a string",
    "select_all": "give a set of letters such as {'a', 'c'}",
}


def _quiz_test(question):
    """Return the hidden test of one quiz question.

    A wrong answer gets the public check's hint, never the explanation
    (it starts with the right answer); a right one gets the explanation.
    """
    def test(student):
        kind, options = QUESTIONS[question]
        value = student.value(f"ANSWER_{question}")
        if value is None or value is Ellipsis:
            raise AssertionError(f"{question} has no answer yet.")
        try:
            answer = normalise_answer(question, value, kind, options)
        except ValueError:
            raise AssertionError(
                f"{question}: the answer is not in the expected form: "
                f"{FORMATS[kind]}.") from None
        correct, explanation = KEY[question]
        if answer != correct:
            raise AssertionError(
                f"{question}: this is not the expected answer.\n"
                f"Hint: {HINTS[question]}")
        return f"Explanation of {question}:\n{explanation}"
    test.__name__ = f"test_quiz_{question.lower()}"
    return test


for _question in KEY:
    hidden_test(f"test_quiz_{_question.lower()}")(_quiz_test(_question))
