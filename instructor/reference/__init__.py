"""Reference implementations of the graded functions (instructor only)."""
