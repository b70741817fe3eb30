"""Read quiz answers: True/False, one letter, or a set of letters.

``normalise_answer`` turns what a learner wrote into a canonical form, or
raises ValueError with a message that shows the expected format.  The
correct answers are not here: the instructor's exercise module holds the
key, and the learner's package only salted hashes of the answers and
explanations encrypted under keys derived from them (``seal``, ``unseal``).
"""

import base64
import hashlib

import numpy as np

KINDS = ("true_false", "one_letter", "select_all")


def _letters(options):
    """Return the option letters as a string such as 'a, b, c or d'."""
    letters = [repr(letter) for letter in options]
    return ", ".join(letters[:-1]) + " or " + letters[-1]


def _true_false(question, answer):
    """Return a True/False answer as a bool."""
    if isinstance(answer, (bool, np.bool_)):
        return bool(answer)
    hint = ""
    if isinstance(answer, str) and answer.strip().lower() in ("true", "false"):
        hint = f" You wrote the text {answer!r}: remove the quotes."
    raise ValueError(
        f"{question} is a true/false question: give True or False (without "
        f"quotes), not {answer!r}.{hint}"
    )


def _one_letter(question, answer, options):
    """Return a single-choice answer as one lower-case letter."""
    if isinstance(answer, str) and answer.strip().lower() in options:
        return answer.strip().lower()
    if isinstance(answer, (set, frozenset, list, tuple)):
        raise ValueError(
            f"{question} has exactly one correct option: give one letter "
            f"such as {options[0]!r}, not a collection {answer!r}."
        )
    raise ValueError(
        f"{question} has exactly one correct option: give one letter, "
        f"{_letters(options)}; got {answer!r}."
    )


def _select_all(question, answer, options):
    """Return a select-all answer as a frozenset of lower-case letters."""
    example = "{" + f"{options[0]!r}, {options[-1]!r}" + "}"
    if not isinstance(answer, (set, frozenset, list, tuple)):
        raise ValueError(
            f"{question} is select-all: give a set of letters such as "
            f"{example}, even for a single letter; got {answer!r}."
        )
    letters = set()
    for item in answer:
        if not isinstance(item, str) or item.strip().lower() not in options:
            raise ValueError(
                f"{question} is select-all: every element must be one of "
                f"{_letters(options)}; {item!r} is not."
            )
        letters.add(item.strip().lower())
    if not letters:
        raise ValueError(
            f"{question} is select-all and at least one option is correct: "
            f"give a non-empty set such as {example}."
        )
    return frozenset(letters)


def normalise_answer(question, answer, kind, options="abcd"):
    """Return ``answer`` in canonical form; ValueError names the format."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if answer is None or answer is Ellipsis:
        raise ValueError(f"{question} has no answer yet ({answer!r}).")
    if kind == "true_false":
        return _true_false(question, answer)
    if len(options) < 2:
        raise ValueError(f"a choice needs at least two options: {options!r}")
    options = options.lower()
    if kind == "one_letter":
        return _one_letter(question, answer, options)
    return _select_all(question, answer, options)


def describe_answer(answer):
    """Return a short, stable text for a canonical answer."""
    if isinstance(answer, frozenset):
        return "{" + ", ".join(repr(letter) for letter in sorted(answer)) + "}"
    return repr(answer)


# --- feedback without a readable answer key --------------------------------
#
# For each question the learner's package stores a salt, a salted hash of the
# canonical correct answer and the explanation encrypted under a key derived
# from that answer (the quiz part of
# helpers/checks/expected/nb06_quiz_and_convolutions.json, written by
# ``python -m instructor.exercises``).  Only the right answer recreates the
# hash and the key, so the explanation is readable once it is answered.

ITERATIONS = 100_000


def _derive(question, answer, salt, purpose, length=32):
    """Return bytes derived from a canonical answer with PBKDF2-SHA256."""
    secret = f"{purpose}|{question}|{describe_answer(answer)}".encode()
    return hashlib.pbkdf2_hmac("sha256", secret, bytes.fromhex(salt),
                               ITERATIONS, dklen=length)


def answer_digest(question, answer, salt):
    """Return the salted hash (hex) of a canonical answer."""
    return _derive(question, answer, salt, "digest").hex()


def _keystream(question, answer, salt, length):
    """Return ``length`` bytes of key stream for one answer."""
    key = _derive(question, answer, salt, "key")
    return hashlib.shake_256(key).digest(length)


def seal(text, question, answer, salt):
    """Return ``text`` encrypted under the key of ``answer`` (base64)."""
    data = text.encode("utf-8")
    stream = _keystream(question, answer, salt, len(data))
    return base64.b64encode(bytes(a ^ b for a, b in zip(data, stream))
                            ).decode("ascii")


def unseal(token, question, answer, salt):
    """Return the text sealed under ``answer`` (garbage for another one)."""
    data = base64.b64decode(token)
    stream = _keystream(question, answer, salt, len(data))
    return bytes(a ^ b for a, b in zip(data, stream)).decode(
        "utf-8", errors="replace")
