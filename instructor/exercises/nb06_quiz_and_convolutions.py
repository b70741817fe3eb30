"""Notebook 06 (quiz and convolutions): conv_output_shape and the quiz.

``conv_output_shape`` is the one graded function: its reference, public
cases, mistakes and hidden test.  The quiz defines no function.  Its
graded questions Q1-Q10 (hints and key here, never shipped) are graded by
the hidden tests alone, from the ``ANSWER_Qn`` values; the learner gets no
verdict before submitting.  Its practice questions P1-P3 are ungraded and
give feedback at once: ``SHIPPED_DATA`` writes their salted answer hashes
and explanations sealed under keys derived from the answers.
"""

import hashlib
import math

import numpy as np

from helpers.quiz import ITERATIONS, answer_digest, normalise_answer, seal
from instructor.exercises.spec import Case, Exercise, Mistake
from instructor.grading.harness import hidden_test

NOTEBOOK = "06_quiz_and_convolutions"
#: What answer cells may rely on (the clean room and the catalogue); the
#: answer cell imports math itself, the catalogue runs only its function.
PRELUDE = "import math\nimport numpy as np"


# --- conv_output_shape -------------------------------------------------------


def conv_output_shape(input_shape, kernel_size, filters, strides=1,
                      padding="valid"):
    """Return the output shape (no batch axis) of a channels-last convolution.

    ``padding`` is ``"valid"``, ``"same"`` or the number of zeros added at
    each end of every spatial axis (an integer or one per axis).
    """
    def integer(value):
        return isinstance(value, (int, np.integer)) \
            and not isinstance(value, bool)

    def per_axis(value, axes, name, minimum):
        if integer(value):
            values = (int(value),) * axes
        else:
            try:
                values = tuple(value)
            except TypeError:
                raise ValueError(
                    f"{name} must be an integer or a tuple of {axes} "
                    f"integers, got {value!r}") from None
            if len(values) != axes or not all(integer(v) for v in values):
                raise ValueError(
                    f"{name} must be an integer or a tuple of {axes} "
                    f"integers (one per spatial axis), got {value!r}")
            values = tuple(int(v) for v in values)
        if min(values) < minimum:
            raise ValueError(
                f"{name} must be at least {minimum}, got {value!r}")
        return values

    try:
        shape = tuple(input_shape)
    except TypeError:
        raise ValueError(
            f"input_shape must be a tuple, got {input_shape!r}") from None
    if len(shape) not in (2, 3, 4) or not all(integer(n) for n in shape):
        raise ValueError(
            "input_shape is (length, channels), (height, width, channels) "
            "or (depth, height, width, channels) - integers, no batch "
            f"axis - got {input_shape!r}")
    if min(shape) < 1:
        raise ValueError(f"input_shape has an empty axis: {input_shape!r}")
    axes = len(shape) - 1
    kernel = per_axis(kernel_size, axes, "kernel_size", 1)
    stride = per_axis(strides, axes, "strides", 1)
    if not integer(filters) or filters < 1:
        raise ValueError(
            f"filters must be a positive integer, got {filters!r}")
    if isinstance(padding, str):
        if padding.lower() not in ("valid", "same"):
            raise ValueError(
                f"padding must be 'valid', 'same' or an integer, "
                f"got {padding!r}")
        if padding.lower() == "same":
            spatial = [math.ceil(n / s) for n, s in zip(shape[:-1], stride)]
            return (*spatial, int(filters))
        pads = (0,) * axes
    else:
        pads = per_axis(padding, axes, "padding", 0)
    spatial = []
    for size, width, step, pad in zip(shape[:-1], kernel, stride, pads):
        if size + 2 * pad < width:
            raise ValueError(
                f"a kernel of width {width} does not fit in an axis of size "
                f"{size} padded with {pad} zeros on each side")
        spatial.append((size + 2 * pad - width) // step + 1)
    return (*spatial, int(filters))


#: The public cases, (input_shape, kernel_size, filters, strides, padding),
#: simplest first, with sizes nobody hard-codes (not the notebook's 14, 16
#: or 5); tests/test_convolutions.py checks each against Keras.
CASES = (
    ((37, 2), 6, 11),
    ((37, 2), 6, 11, 1, 0),
    ((19, 23, 21, 5), 4, 13),
    ((29, 31, 3), 5, 7, 3),
    ((29, 31, 3), 5, 7, 1, 3),
    ((22, 14, 3), (5, 3), 9),
    ((23, 17, 2), 3, 6, (3, 2)),
    ((41, 1), 6, 5, 3, "same"),
    ((15, 17, 4), 4, 5, 1, "same"),
    ((27, 26, 3), 3, 4, 4, "same"),
    ((5, 6, 2), 7, 3, 1, "same"),
    ((4, 1), 9, 2, 3, "same"),
    ((9, 10, 11, 2), (3, 2, 1), 4, (2, 1, 3), (1, 0, 2)),
    ((20, 24, 1), (5, 2), 2, (3, 1), 1),
)


def _variant(body):
    """Return a conv_output_shape whose body after per_axis is ``body``."""
    return '''
def conv_output_shape(input_shape, kernel_size, filters, strides=1,
                      padding="valid"):
    axes = len(input_shape) - 1

    def per_axis(value):
        if isinstance(value, (tuple, list)):
            return tuple(value)
        return (value,) * axes

''' + body


_SAME = '''    if padding == "same":
        sizes = [math.ceil(n / s)
                 for n, s in zip(input_shape[:-1], per_axis(strides))]
        return (*sizes, filters)
'''
_LOOP = '''    pads = per_axis(0 if padding == "valid" else padding)
    sizes = []
    for n, f, s, p in zip(input_shape[:-1], per_axis(kernel_size),
                          per_axis(strides), pads):
        if n + 2 * p < f:
            raise ValueError(f"kernel {f} does not fit in {n} + 2 * {p}")
        sizes.append((n + 2 * p - f) // s + 1)
    return (*sizes, filters)
'''
_FIRST_STRIDE = ("per_axis(strides if isinstance(strides, int) "
                 "else strides[0])")
CONV_OUTPUT_SHAPE = Exercise(
    "conv_output_shape", conv_output_shape,
    cases=tuple(Case(repr(args), args) for args in CASES),
    mistakes=(
    Mistake("first kernel size on every axis", _variant(
        _SAME + _LOOP.replace(
            "per_axis(kernel_size)",
            "per_axis(kernel_size if isinstance(kernel_size, int) "
            "else kernel_size[0])")),
            "used its first size on every axis",
            message="A tuple kernel_size holds one size PER spatial axis, "
                    "but you used its first size on every axis: pair each "
                    "axis with its own kernel size (e.g. zip the sizes, "
                    "kernel sizes, strides and paddings)."),
    Mistake("first stride on every axis", _variant(
        _SAME.replace("per_axis(strides)", _FIRST_STRIDE)
        + _LOOP.replace("per_axis(strides)", _FIRST_STRIDE)),
            "used its first stride on every axis",
            message="A tuple of strides holds one stride PER spatial axis, "
                    "but you used its first stride on every axis: pair each "
                    "axis with its own stride (e.g. zip the sizes, kernel "
                    "sizes, strides and paddings)."),
    Mistake("a tuple kernel used as a number", _variant(
        _SAME + _LOOP.replace("per_axis(kernel_size)",
                              "(kernel_size,) * axes")),
            "TypeError"),
    Mistake("returns a list", _variant(
        _SAME.replace("(*sizes, filters)", "sizes + [filters]")
        + _LOOP.replace("return (*sizes, filters)",
                        "return sizes + [filters]")),
            "asks for a tuple"),
    Mistake("padded at one end", _variant(
        _SAME + _LOOP.replace("(n + 2 * p - f) // s + 1",
                              "(n + p - f) // s + 1")),
            "BOTH ends",
            message="The p zeros are added at BOTH ends of an axis: the "
                    "padded size is n + 2p."),
    Mistake("no + 1", _variant(
        _SAME + _LOOP.replace("(n + 2 * p - f) // s + 1",
                              "(n + 2 * p - f) // s")),
            "one short"),
    Mistake("true division", _variant(
        _SAME + _LOOP.replace("(n + 2 * p - f) // s + 1",
                              "(n + 2 * p - f) / s + 1")),
            "whole numbers"),
    Mistake("'same' rounds down", _variant(
        _SAME.replace("math.ceil(n / s)", "n // s") + _LOOP),
            "rounded the wrong way",
            message="With 'same' padding your sizes are one short where "
                    "the stride does not divide the input size: you "
                    "rounded the wrong way (a last, partial group of s "
                    "inputs still holds a position)."),
    Mistake("'same' ignores the stride", _variant(
        _SAME.replace("math.ceil(n / s)", "n") + _LOOP),
            "stride still skips"),
    Mistake("hard-coded number of filters", _variant(
        _SAME.replace("(*sizes, filters)", "(*sizes, 11)")
        + _LOOP.replace("(*sizes, filters)", "(*sizes, 11)")),
            "filters argument"),
    Mistake("hard-coded kernel size", _variant(
        _SAME + _LOOP.replace("per_axis(kernel_size)", "per_axis(6)")),
            "kernel_size argument",
            message="Your sizes are those of a kernel of 6 on every axis, "
                    "whatever the call's kernel_size argument: use the "
                    "argument (a number, or one size per axis), not a "
                    "value from a case."),
    Mistake("'same' raises for a large kernel", _variant(
        '''    for n, f in zip(input_shape[:-1], per_axis(kernel_size)):
        if n < f:
            raise ValueError(f"kernel {f} is larger than the axis {n}")
''' + _SAME + _LOOP),
            "'same' never raises"),
    Mistake("input channels as the last axis", _variant(
        _SAME + _LOOP.replace("return (*sizes, filters)",
                              "return (*sizes, input_shape[-1])")),
            "counts the filters"),
    Mistake("no error for a kernel that does not fit", _variant(
        _SAME + _LOOP.replace(
            "        if n + 2 * p < f:\n"
            "            raise ValueError(f\"kernel {f} does not fit in {n} "
            "+ 2 * {p}\")\n", "")),
            "raise a ValueError"),
    Mistake("no return", _variant(
        _SAME + _LOOP.replace("    return (*sizes, filters)\n",
                              "    shape = (*sizes, filters)\n")),
            "forget the return"),
    Mistake("a batch axis in front", _variant(
        _SAME.replace("(*sizes, filters)", "(1, *sizes, filters)")
        + _LOOP.replace("(*sizes, filters)", "(1, *sizes, filters)")),
            "no batch axis"),
    Mistake("stride ignored", _variant(
        _SAME + _LOOP.replace("(n + 2 * p - f) // s + 1",
                              "n + 2 * p - f + 1")),
            "jumps s positions"),
    Mistake("integer padding ignored", _variant(
        _SAME + _LOOP.replace(
            'pads = per_axis(0 if padding == "valid" else padding)',
            "pads = per_axis(0)")),
            "n + 2p"),
    ))

EXERCISES = (CONV_OUTPUT_SHAPE,)


# --- the quiz ----------------------------------------------------------------

#: Graded question -> (kind, option letters), shipped: the format check.
QUESTIONS = {
    "Q1": ("true_false", ""),
    "Q2": ("select_all", "abcd"),
    "Q3": ("true_false", ""),
    "Q4": ("one_letter", "abcd"),
    "Q5": ("true_false", ""),
    "Q6": ("true_false", ""),
    "Q7": ("true_false", ""),
    "Q8": ("true_false", ""),
    "Q9": ("one_letter", "abcd"),
    "Q10": ("one_letter", "abcd"),
}

#: Shown by the hidden test after a wrong answer, on submission: a pointer
#: to the concept, not the answer (never shipped).
HINTS = {
    "Q1": ("Ask what each system is given besides the photo (a claimed "
           "name, or nothing) and how many stored people it must compare "
           "the photo with."),
    "Q2": ("Go through the options one by one: which describe the data a "
           "face system really has (photos per person, people who join "
           "later), and which describe a design with one output unit per "
           "person?"),
    "Q3": ("Write down one triplet for this training set: which two of its "
           "three photos must show the same person?"),
    "Q4": ("The loss must be zero once the negative is farther from the "
           "anchor than the positive by at least the margin. Write that "
           "condition as an inequality, move every term to one side and "
           "put it inside max(., 0)."),
    "Q5": ("What makes a network 'Siamese'? Think of what comparing "
           "f1(x1) with f2(x2) would mean if the two branches had "
           "different weights."),
    "Q6": ("Recall what the units of a ConvNet respond to at different "
           "depths: how large is the part of the image a unit of the first "
           "layer sees, and what can it detect there?"),
    "Q7": ("Ask what is optimised in neural style transfer, and whether "
           "there is any data set of labelled (input, output) examples."),
    "Q8": ("Write one entry G[k, k'] of the style matrix as a sum over the "
           "positions of the image. When is that sum large?"),
    "Q9": ("Which variable is the gradient of J(G) taken with respect to? "
           "Which quantities stay fixed while the optimisation runs?"),
    "Q10": ("Use your conv_output_shape, or count on one axis the "
            "positions where the kernel fits; then ask how many input "
            "channels each filter spans and how many output channels the "
            "layer makes."),
}

#: Graded question -> (right answer, explanation): never shipped in any
#: form (no hash either: a one-letter answer's hash is found by trying).
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
learning (a) often helps, but it is not why d is used. A softmax over the
people plus an "unknown" class (d) is precisely the classifier that comparing
by distance replaces. (Encoders such as DeepFace, CosFace or ArcFace are
trained by classifying the training set's identities; that classifier is then
dropped, and the people the system meets are compared by distance.)"""),
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


#: Practice questions: ungraded, with feedback at once in the notebook.
#: question -> (kind, option letters).
PRACTICE = {
    "P1": ("one_letter", "abcd"),
    "P2": ("true_false", ""),
    "P3": ("select_all", "abcd"),
}

#: Shown after a wrong practice answer (shipped).
PRACTICE_HINTS = {
    "P1": ("Count the numbers in ONE filter first: it covers a window of "
           "the photo and every one of its channels. Then ask how many "
           "filters there are and what each one adds besides its weights."),
    "P2": ("Where in the network is the position of a pattern in time "
           "thrown away? Look at what the layer after the last convolution "
           "keeps of each detector's responses."),
    "P3": ("For each option, list the axes of one example and ask which of "
           "them are positions (a kernel can slide along them) and which "
           "are channels (a kernel always covers all of them)."),
}

#: question -> (right answer, explanation) of the practice questions; the
#: learner's package holds their salted hashes and sealed explanations.
PRACTICE_KEY = {
    "P1": ("c", """\
c. One filter holds 5 x 5 x 3 = 75 weights (it spans all three colour
channels) and one bias; 16 filters give 16 x 76 = 1216. (a) forgets the
channels, (b) the biases, (d) counts every weight three times."""),
    "P2": (True, """\
True. The convolutions respond to a shifted pattern with shifted responses,
and global max-pooling keeps each detector's strongest response wherever it
is: the position is gone before the logistic unit sees anything. Only near
the ends of the trace, where a 'valid' window no longer fits, can a shift
change the answer."""),
    "P3": ({"a", "b"}, """\
{'a', 'b'}. A CT scan has three axes of positions (depth, height, width) and
a video clip too (time, height, width): a 3D kernel slides along all three.
The colours of a photo (c) and the leads of an EKG (d) are channels, which a
kernel always covers whole: they need a 2D and a 1D convolution."""),
}


def _salt(question):
    """Return the (fixed, per-question) salt of ``question`` as hex."""
    return hashlib.sha256(
        f"faces-and-styles quiz salt {question}".encode()).hexdigest()[:32]


def quiz_feedback():
    """Return the quiz's shipped data: practice feedback, graded formats.

    A practice question ships its kind, options and hint, a salt, the
    salted hash of the right answer and the explanation sealed under a key
    derived from that answer (``helpers.quiz``).  A graded question ships
    its kind and options only: nothing from which its answer follows.
    """
    practice = {}
    for question, (answer, explanation) in PRACTICE_KEY.items():
        kind, options = PRACTICE[question]
        answer = normalise_answer(question, answer, kind, options)
        salt = _salt(question)
        practice[question] = {
            "kind": kind,
            "options": options,
            "hint": PRACTICE_HINTS[question],
            "salt": salt,
            "digest": answer_digest(question, answer, salt),
            "explanation": seal(explanation, question, answer, salt),
        }
    graded = {question: {"kind": kind, "options": options}
              for question, (kind, options) in QUESTIONS.items()}
    return {"iterations": ITERATIONS, "practice": practice, "graded": graded}


#: Shipped data that belongs to no exercise: {key in the data file: builder}.
SHIPPED_DATA = {"quiz": quiz_feedback}


# --- hidden tests ------------------------------------------------------------


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
        expected = conv_output_shape(*args)
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


#: What a quiz answer of each kind must look like (the learner's value is
#: not repeated: it could carry what it read while the answers ran).
FORMATS = {
    "true_false": "give True or False, without quotes",
    "one_letter": "give one letter such as 'a', as a string",
    "select_all": "give a set of letters such as {'a', 'c'}",
}


def _quiz_test(question):
    """Return the hidden test of one quiz question.

    A wrong answer gets the question's hint, never the explanation (it
    starts with the right answer); a right one gets the explanation.
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
