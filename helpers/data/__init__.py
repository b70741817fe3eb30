"""Datasets used by the course (LFW faces)."""
