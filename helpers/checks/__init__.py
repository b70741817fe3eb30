"""Public tests that the notebooks run on learners' exercises.

Each ``check_*`` function raises ``AssertionError`` with a message naming the
likely mistake, and prints a short success line when everything passes.
"""

from helpers.checks.common import (
    assert_close,
    assert_own_function,
    assert_shape,
    passed,
)

__all__ = ["assert_close", "assert_own_function", "assert_shape", "passed"]
