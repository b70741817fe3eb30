"""Which course code this environment's nbgrader processes import.

The fork server's children run from a private course with nothing of the
course on their path: they import the course's packages as this
environment installed them (its editable install), which may be another
copy than the course being graded.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from instructor.course.course_dir import nbgrader_environment
from instructor.grading.sandbox import package_dir

#: The program that says where a fresh process finds a package.
FIND_PACKAGE = Path(__file__).with_name("find_package.py").read_text(
    encoding="utf-8")


def installed_dir(name):
    """Return where this environment's nbgrader processes import ``name``.

    The fork server's children run from a private course with nothing of
    the course on their path: they import the course's packages as this
    environment installed them (its editable install).  None when they
    cannot import it at all.
    """
    with tempfile.TemporaryDirectory() as empty:
        result = subprocess.run(
            [sys.executable, "-c", FIND_PACKAGE, name], cwd=empty,
            env=nbgrader_environment(), capture_output=True, text=True,
            timeout=120)
    try:
        return json.loads(result.stdout)
    except ValueError:
        return None


def helpers_mismatch():
    """Return a warning when grading would import another ``helpers``.

    This process (the coordinator, its workers) imports the course it runs
    in; nbgrader's processes import the one this environment's editable
    install points to.  When they differ, kernels are never forked from
    the zygotes (their settings name the other folder) and a forked
    kernel could not import ``helpers``.  None when both are the same.
    """
    here = package_dir("helpers")
    installed = installed_dir("helpers")
    if here is None or installed == here:
        return None
    course = os.path.dirname(here)
    pip = os.path.join(os.path.dirname(sys.executable), "pip")
    found = (f"imports helpers from {installed}"
             if installed else "cannot import helpers at all")
    return (f"WARNING: this course's helpers is {here}, but nbgrader, as "
            f"this environment ({sys.prefix}) installs the course, {found}: "
            "its editable install points at another copy. Kernels are then "
            "started afresh instead of forked from the zygote (slower), and "
            "grading imports that copy's helpers (public checks included). "
            "To grade this course with its "
            f"own code, run '{pip} install -e .' in {course} (or use an "
            "environment of its own), then grade again.")
