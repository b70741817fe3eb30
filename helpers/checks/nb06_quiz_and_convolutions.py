"""Public checks of notebook 06: convolution output shapes and the quiz.

Both read ``expected/nb06_quiz_and_convolutions.json``
(``python -m instructor.exercises``).  For ``conv_output_shape``: the
public cases, the shapes the reference gives (tests/test_convolutions.py
checks them against Keras' Conv1D, Conv2D and Conv3D) and the signatures
and messages of recognised mistakes.  For the quiz's ungraded practice
questions, which give feedback at once without a readable answer key: per
question its kind, options and hint, a salt, the salted hash of the right
answer and the explanation sealed under a key derived from that answer (a
right answer recreates the hash and unlocks its explanation, a wrong one
gets the hint).  For the graded questions only their kind and options: the
format check; the hidden tests alone grade them, on submission.
"""

import textwrap

from helpers.checks.common import (
    assert_own_function,
    expected_values,
    learner_check,
    passed,
    shipped_cases,
)
from helpers.quiz import (
    answer_digest,
    describe_answer,
    normalise_answer,
    unseal,
)

# --- conv_output_shape -------------------------------------------------------


def _as_shape(result, call):
    """Return the learner's result as a tuple of ints, or fail clearly."""
    if result is None:
        raise AssertionError(
            f"{call} returned None: did you forget the return statement at "
            "its end?"
        )
    if isinstance(result, list):
        raise AssertionError(
            f"{call} returned the list {result!r}; the exercise asks for a "
            "tuple, as Keras' shapes are."
        )
    if not isinstance(result, tuple):
        raise AssertionError(
            f"{call} returned {result!r}; return a tuple such as (94, 8)."
        )
    for size in result:
        if isinstance(size, float) or type(size).__name__.startswith("float"):
            raise AssertionError(
                f"{call} returned {tuple(result)!r}, which holds a float: "
                "sizes count positions, so they are whole numbers (int), "
                "and so is what you compute them from."
            )
    return tuple(int(size) for size in result)


def _call(function, args):
    """Return a readable text of a call with positional arguments."""
    names = ["input_shape", "kernel_size", "filters", "strides", "padding"]
    parts = [f"{name}={value!r}" for name, value in zip(names, args)]
    return f"{function.__name__}({', '.join(parts)})"


def _tuples(value):
    """Return shipped data with its lists back as tuples, as Keras has them."""
    if isinstance(value, list):
        return tuple(_tuples(item) for item in value)
    return value


def _mistake_hint(args, got, expected, mistake):
    """Name the classic mistake that turns ``expected`` into ``got``."""
    input_shape, filters = args[0], args[2]
    strides = args[3] if len(args) > 3 else 1
    padding = args[4] if len(args) > 4 else "valid"
    if len(got) != len(expected):
        return ("The output keeps one size per spatial axis plus one "
                "channel axis; no batch axis.")
    if mistake:
        return mistake
    if got[:-1] == expected[:-1] and got[-1] == input_shape[-1]:
        return ("The last axis counts the filters: each filter spans all "
                f"{input_shape[-1]} input channels and makes one output "
                "channel.")
    if got[:-1] == expected[:-1]:
        return ("The last entry must be the filters argument of the call "
                f"({filters} here), not a fixed number.")
    if all(g == e - 1 for g, e in zip(got[:-1], expected[:-1])):
        return ("Every size is one short: count the kernel's first "
                "position, at the start of the axis, too.")
    if padding == "same" and got[:-1] == tuple(input_shape[:-1]):
        return ("With 'same' padding the stride still skips positions: "
                "with a stride above 1 the output is shorter than the "
                "input.")
    if padding == "same":
        return ("With 'same' padding the output size does not depend on "
                "the kernel size, only on the input size and the stride.")
    if not isinstance(padding, str):
        return "Integer padding p makes an axis of size n into n + 2p."
    if strides != 1:
        return ("With stride s the kernel jumps s positions at a time: "
                "count only the positions where all of it still fits.")
    return ("Count, per spatial axis, the positions at which the whole "
            "kernel fits in the padded axis.")


@learner_check("conv_output_shape")
def check_conv_output_shape(conv_output_shape):
    """Check the learner's ``conv_output_shape`` against Keras' shapes."""
    conv_output_shape = assert_own_function(conv_output_shape)
    cases = shipped_cases(__name__, "conv_output_shape")
    for case in cases.cases:
        args = _tuples(cases.inputs(case))
        expected = tuple(cases.expected(case))
        call = _call(conv_output_shape, args)
        try:
            result = conv_output_shape(*args)
        except ValueError as error:
            if len(args) > 4 and args[4] == "same":
                raise AssertionError(
                    f"{call} raised ValueError: {error}\nWith 'same' "
                    "padding Keras adds as many zeros as the kernel needs, "
                    "even when the kernel is larger than the input, so "
                    "'same' never raises."
                ) from error
            raise
        got = _as_shape(result, call)
        if got != expected:
            name = cases.mistake(got, case)
            raise AssertionError(
                f"{call} returned {got}; Keras gives {expected}. "
                + _mistake_hint(args, got, expected,
                                cases.messages[name] if name else None)
            )
    for args in [((4, 1), 7, 8), ((6, 6, 3), 9, 2, 1, 1)]:
        call = _call(conv_output_shape, args)
        try:
            result = conv_output_shape(*args)
        except ValueError:
            continue
        raise AssertionError(
            f"{call} returned {result!r}, but the kernel is larger than the "
            "padded input: raise a ValueError."
        )
    passed("conv_output_shape")


# --- the quiz ----------------------------------------------------------------


def _quiz():
    """Return the shipped quiz data: practice feedback and graded formats."""
    return expected_values(__name__.rsplit(".", 1)[-1])["quiz"]


def _normalised(question, answer, entry):
    """Return the canonical answer, or fail with the expected format."""
    try:
        return normalise_answer(question, answer, entry["kind"],
                                entry["options"])
    except ValueError as error:
        raise AssertionError(str(error)) from None


def _entry(part, question):
    """Return the shipped entry of ``question`` in ``part`` of the quiz."""
    questions = _quiz()[part]
    if question not in questions:
        raise ValueError(
            f"unknown question {question!r}; the {part} questions are "
            f"{', '.join(questions)}"
        )
    return questions[question]


def check_practice_answer(question, answer):
    """Give feedback on one practice answer at once; return it."""
    entry = _entry("practice", question)
    if answer is None or answer is Ellipsis:
        print(f"{question}: no answer yet. Replace the ... with your "
              "answer and run the cell again.")
        return None
    value = _normalised(question, answer, entry)
    recorded = f"{question}: {describe_answer(value)}."
    if answer_digest(question, value, entry["salt"]) == entry["digest"]:
        text = unseal(entry["explanation"], question, value, entry["salt"])
        print(f"{recorded} Right. Why:\n{text}")
    else:
        hint = textwrap.fill(f"Hint: {entry['hint']}", width=79)
        print(f"{recorded} Not yet.\n{hint}\nChange your answer and run "
              "the cell again.")
    return value


def record_quiz_answer(question, answer):
    """Check the format of one graded answer; return it, canonical."""
    value = _normalised(question, answer, _entry("graded", question))
    print(f"{question}: answer recorded as {describe_answer(value)}; it is "
          "graded when you submit.")
    return value
