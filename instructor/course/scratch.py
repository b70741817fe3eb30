"""Scratch courses: temporary copies of this course, for tests and benchmarks."""

import copy
import shutil
from pathlib import Path

from helpers.config import REPO_ROOT
from instructor.course.course_dir import SOURCE_DIR
from instructor.course.manage import release


def write_course_config(root):
    """Make ``root`` a course directory that uses this course's config.

    Used for temporary courses (tests, benchmarks): the repository's
    ``nbgrader_config.py`` is loaded, then the course root and gradebook
    are pointed at ``root``.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"load_subconfig({str(REPO_ROOT / 'nbgrader_config.py')!r})\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{root / 'gradebook.db'}'\n"
    )


def temporary_course(root, names, extra_config=""):
    """Make ``root`` a course with ``names`` copied from solutions/ and released.

    For tests and benchmarks; ``extra_config`` is appended to its
    ``nbgrader_config.py``.
    """
    root = Path(root)
    write_course_config(root)
    if extra_config:
        with open(root / "nbgrader_config.py", "a") as config:
            config.write(extra_config)
    for name in names:
        shutil.copytree(REPO_ROOT / SOURCE_DIR / name,
                        root / SOURCE_DIR / name,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    release(names, root=root)
    return root


def fill_in_answers(release, source):
    """Return a copy of a release notebook with the source's answers.

    Simulates a student who completed every exercise: each answer cell of
    ``release`` gets the code of the answer cell with the same grade_id in
    the instructor's ``source`` notebook.
    """
    answers = {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in source.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }
    filled = copy.deepcopy(release)
    for cell in filled.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = answers[meta["grade_id"]]
    return filled
