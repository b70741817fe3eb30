"""One call that prepares a notebook: seeds, quiet logs, plot defaults."""

import logging
import os
import random
import warnings

from helpers import settings
from helpers.config import quick_mode

#: Set by the test suite, ``execute-solutions`` and nbgrader's grading
#: commands (not by :func:`setup`): bit-stable TensorFlow numerics.
REPRODUCIBLE_ENV = {"TF_ENABLE_ONEDNN_OPTS": "0"}


def grading_environment(environ):
    """Add to ``environ`` what grading runs with unless told otherwise.

    The quick configuration and reproducible TensorFlow numerics; the
    course's ``nbgrader_config.py`` applies it for nbgrader's grading
    commands.
    """
    environ.setdefault(settings.variable("QUICK"), "1")
    for key, value in REPRODUCIBLE_ENV.items():
        environ.setdefault(key, value)
    return environ


def import_tensorflow_quietly():
    """Import TensorFlow with its C++ start-up notices muted.

    TensorFlow's native libraries print absl lines (oneDNN notice, CUDA
    stub) straight to file descriptor 2 on import, before any Python log
    setting applies; in a notebook they look like errors.  File descriptor 2
    points at /dev/null for the import only; an import that fails still
    raises its Python exception.
    """
    import sys

    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                import tensorflow as tf
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)
    return tf


def setup(seed=0, tensorflow=True):
    """Fix all seeds, silence TensorFlow's log noise and report the mode.

    Call it in the first code cell of every notebook.  Returns True in the
    quick configuration (``FACES_STYLES_QUICK=1``), False otherwise.  A
    notebook that never uses TensorFlow passes ``tensorflow=False``: it is
    then not imported (seconds saved) nor seeded.
    """
    # oneDNN stays on (TensorFlow's default): VGG16 and the face encoder run
    # ~1.5x faster with it on a laptop CPU.  Tests, CI, execute-solutions and
    # grading set TF_ENABLE_ONEDNN_OPTS=0 themselves (REPRODUCIBLE_ENV), so
    # the outputs they compare do not depend on the CPU's oneDNN kernels.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("PYTHONHASHSEED", str(seed))
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    random.seed(seed)

    import numpy as np

    np.random.seed(seed)
    if tensorflow:
        tf = import_tensorflow_quietly()
        tf.get_logger().setLevel(logging.ERROR)
        logging.getLogger("absl").setLevel(logging.ERROR)
        tf.keras.utils.set_random_seed(seed)

    import matplotlib

    matplotlib.rcParams.update({"figure.dpi": 90, "image.cmap": "viridis"})
    return quick_mode()
