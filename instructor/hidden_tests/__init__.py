"""Hidden tests, one module per assignment (instructor only).

Each module sets ``ASSIGNMENT`` (the folder name under ``solutions/``),
``PRELUDE`` (imports the answer cells may rely on, e.g. ``import numpy as
np``) and registers one test per grade cell with
:func:`instructor.grading.harness.hidden_test`.  A test receives a
``student`` whose functions run in the clean room and return plain data;
it raises ``AssertionError`` with a short message on a wrong answer.
"""
