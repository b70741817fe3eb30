"""What an exercise module declares: exercises, their cases and mistakes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Mistake:
    """A wrong answer learners give, and what its public check must say.

    ``source`` is the whole wrong function as a learner would write it (it
    runs in the notebook's prelude, beside the other answers).  The public
    check must fail on it with a message holding ``fragment``
    (case-insensitive).  With ``message``, the check recognises the mistake
    by its values on the public cases (a "signature", shipped as data) and
    shows ``message``, which must then hold ``fragment``.
    """

    name: str
    source: str
    fragment: str
    message: str = ""


@dataclass(frozen=True)
class Case:
    """One fixed input of a public check.

    ``inputs`` are positional arguments, shipped to learners as data; the
    check calls the learner's function on them.  ``run(function)`` replaces
    that call where an exercise needs code of its own (a model to train):
    it returns the value compared, and the check runs the same code.
    ``extra(reference)`` adds values computed with the reference (e.g. an
    accuracy table) that the check may show.
    """

    name: str
    inputs: tuple = ()
    run: Callable[[Callable], Any] | None = None
    extra: Callable[[Callable], dict] | None = None

    def value(self, function):
        """Return what this case compares: ``function``'s result."""
        if self.run is not None:
            return self.run(function)
        return function(*self.inputs)


@dataclass(frozen=True)
class Exercise:
    """A graded function: its reference, public cases and mistakes.

    ``check_args`` names other answers of the notebook that its public
    check takes after the function itself (e.g. the layer cost a total
    style cost is built from).
    """

    name: str
    reference: Callable
    cases: tuple = ()
    mistakes: tuple = ()
    check_args: tuple = ()
    recognised: tuple = field(init=False, default=())

    def __post_init__(self):
        names = [mistake.name for mistake in self.mistakes]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(
                f"{self.name}: mistakes named twice: {', '.join(repeated)}")
        object.__setattr__(self, "recognised", tuple(
            mistake for mistake in self.mistakes if mistake.message))
