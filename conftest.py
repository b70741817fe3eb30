"""Test-session settings shared by unit tests and nbval notebook runs."""

import os

# Notebooks and tests run in the quick configuration; kernels inherit this.
os.environ.setdefault("FACES_STYLES_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Bit-stable TensorFlow numerics (helpers.notebook.REPRODUCIBLE_ENV); a
# learner's notebook keeps oneDNN on for speed.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
