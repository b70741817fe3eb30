"""Notebooks 01, 02 and 04 import these names from here: they live in
:mod:`helpers.faces.metrics`, which the notebooks will import instead."""

from helpers.faces.metrics import (
    area_under_curve,
    best_threshold,
    identification_error,
    impostor_acceptance,
    largest_false_accept_rate,
)

__all__ = ["area_under_curve", "best_threshold", "identification_error",
           "impostor_acceptance", "largest_false_accept_rate"]
