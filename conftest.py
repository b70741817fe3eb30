"""Test-session settings shared by unit tests and nbval notebook runs."""

import os

# Notebooks and tests run in the quick configuration; kernels inherit this.
os.environ.setdefault("FACES_STYLES_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Temporary test courses share the grader's fixture cache (photo encodings,
# reference training steps), computed once per test session.
os.environ.setdefault(
    "FACES_STYLES_GRADING_CACHE",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), ".grading_cache"))
# Bit-stable TensorFlow numerics; a learner's notebook keeps oneDNN on.
from helpers.notebook import REPRODUCIBLE_ENV  # noqa: E402

for _key, _value in REPRODUCIBLE_ENV.items():
    os.environ.setdefault(_key, _value)
