"""A course directory: its layout, its nbgrader configuration, nbgrader run in it.

Every instructor task is a thin layer over nbgrader's own command line, run
from the course root so that ``nbgrader_config.py`` applies.
"""

import os
import subprocess
import sys
from pathlib import Path

from helpers.config import REPO_ROOT

SOURCE_DIR = "solutions"
RELEASE_DIR = "notebooks"


def assignments(root=REPO_ROOT):
    """Return the assignment folder names found under ``solutions/``."""
    source = Path(root) / SOURCE_DIR
    return sorted(
        path.name
        for path in source.iterdir()
        if path.is_dir() and any(path.glob("*.ipynb"))
    )


def nbgrader_environment(env=None):
    """Return this process's environment with ``env`` for an nbgrader run."""
    full_env = dict(os.environ, **(env or {}))
    # nbgrader calls the ``alembic`` script of this environment by name.
    bin_dir = str(Path(sys.executable).parent)
    full_env["PATH"] = bin_dir + os.pathsep + full_env.get("PATH", "")
    return full_env


def nbgrader(*args, root=REPO_ROOT, env=None, check=True):
    """Run ``nbgrader ARGS`` in the course root and return the process."""
    command = [sys.executable, "-m", "nbgrader", *args]
    return subprocess.run(
        command, cwd=root, env=nbgrader_environment(env), check=check,
        capture_output=True, text=True,
    )


def log_errors(log):
    """Return the error lines of an nbgrader log worth reporting."""
    errors = [line for line in log.splitlines() if "[ERROR]" in line
              or "| ERROR]" in line]
    # nbgrader's own note when a cell hits the per-cell timeout.
    return [line for line in errors if "Interrupting kernel" not in line]


def course_config(root=REPO_ROOT):
    """Return the nbgrader configuration a course's root loads."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py",
                              path=str(Path(root))).load_config()


def db_url(root=REPO_ROOT):
    """Return the gradebook's database URL of a course (SQLite or other)."""
    config = course_config(root)
    url = config.CourseDirectory.get("db_url")
    return url or f"sqlite:///{Path(root) / 'gradebook.db'}"
