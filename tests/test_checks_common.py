"""The building blocks of every public check."""

import numpy as np
import pytest

import helpers.assets
from helpers.checks.common import (
    assert_close,
    assert_own_function,
    assert_shape,
)


def learner_function(x):
    return np.square(x)


def cheating_function(x):
    return helpers.assets.sha256_of(x)


def test_own_function_passes():
    learner_function.__module__ = "__main__"
    assert_own_function(learner_function)


def test_reference_itself_is_rejected():
    with pytest.raises(AssertionError, match="reference implementation"):
        assert_own_function(np.square, reference=np.square)


def test_function_from_a_module_is_rejected():
    with pytest.raises(AssertionError, match="define it yourself"):
        assert_own_function(helpers.assets.sha256_of)


def test_calling_into_helpers_is_rejected():
    cheating_function.__module__ = "__main__"
    with pytest.raises(AssertionError, match="'helpers'"):
        assert_own_function(cheating_function)


def test_lambda_alias_of_builtin_is_rejected():
    with pytest.raises(AssertionError, match="function defined with 'def'"):
        assert_own_function(len)


def test_assert_close_reports_shape_and_difference():
    with pytest.raises(AssertionError, match=r"shape \(2,\)"):
        assert_close(np.zeros(2), np.zeros(3))
    with pytest.raises(AssertionError, match="largest difference"):
        assert_close(np.zeros(3), np.ones(3), hint="Divide by 255.")


def test_assert_shape():
    assert_shape(np.zeros((2, 3)), (2, 3))
    with pytest.raises(AssertionError, match=r"expected \(3, 2\)"):
        assert_shape(np.zeros((2, 3)), (3, 2))
