"""Notebook 02 imports ``area_under_curve`` from here: it lives in
:mod:`helpers.faces.metrics`, which the notebooks will import instead."""

from helpers.faces.metrics import area_under_curve

__all__ = ["area_under_curve"]
