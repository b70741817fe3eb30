"""helpers.notebook.setup(): what a learner's first cell does to the process."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PROBE = """
import os, random
import numpy as np
from helpers.notebook import setup
quick = setup(seed=3)
print(quick, os.environ.get("TF_ENABLE_ONEDNN_OPTS"), os.environ["TF_CPP_MIN_LOG_LEVEL"],
      random.random() == random.Random(3).random())
"""


def run_setup(**extra_env):
    env = {key: value for key, value in os.environ.items()
           if key not in ("FACES_STYLES_QUICK", "TF_ENABLE_ONEDNN_OPTS",
                          "TF_CPP_MIN_LOG_LEVEL")}
    env.update(extra_env)
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_setup_keeps_onednn_on_for_learners_and_reports_the_mode():
    # A learner's kernel: full configuration, oneDNN left on (faster).
    assert run_setup() == ["False", "None", "3", "True"]


def test_setup_respects_the_reproducible_settings_of_tests_and_grading():
    assert run_setup(FACES_STYLES_QUICK="1", TF_ENABLE_ONEDNN_OPTS="0") == [
        "True", "0", "3", "True"]


def test_setup_mutes_tensorflows_native_start_up_lines():
    env = {key: value for key, value in os.environ.items()
           if key not in ("TF_ENABLE_ONEDNN_OPTS", "TF_CPP_MIN_LOG_LEVEL")}
    code = ("from helpers.notebook import setup; setup(); "
            "import sys; print('after', file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "after", (
        f"setup() let TensorFlow's start-up lines through:\n{result.stderr}")
