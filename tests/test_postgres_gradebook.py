"""The gradebook in PostgreSQL (nbgrader's ``db_url``, psycopg 3).

A real server from Debian's ``postgresql`` is started on loopback with its
data in a temporary directory (as the ``postgres`` user).  The 00_setup
course is released into it, three students are graded by a coordinator
that is killed after it recorded the first one, and a second coordinator
finishes the class: the first grades survive, nobody is graded twice, and
feedback and export work from the PostgreSQL gradebook.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from helpers import settings
from instructor.course import caches, course_dir, manage, scratch
from instructor.course.coordinator import JOURNAL_NAME
from instructor.course.coordinator import journal as journal_entries
import postgres_server

ASSIGNMENT = "00_setup"
NOTEBOOK = "00_setup.ipynb"
REPO = Path(__file__).resolve().parent.parent
WRONG = """
import numpy as np
def to_unit_range(image):
    return np.asarray(image, np.float32)
"""

if postgres_server.binaries() is None or shutil.which("bwrap") is None:
    if settings.value("REQUIRE_POSTGRES"):
        raise RuntimeError("PostgreSQL's server (Debian's postgresql) or "
                           "bubblewrap is not installed")
    pytest.skip("needs Debian's postgresql and bubblewrap",
                allow_module_level=True)


@pytest.fixture(scope="module")
def server():
    folder = Path(tempfile.mkdtemp(prefix="faces-styles-pg-"))
    server = postgres_server.Server(folder).start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _scores(url):
    with Gradebook(url) as gradebook:
        return {
            submission.student.id: submission.score
            for submission in gradebook.find_assignment(
                ASSIGNMENT).submissions}


@pytest.fixture(scope="module")
def course(server, tmp_path_factory):
    root = tmp_path_factory.mktemp("pg_course")
    scratch.temporary_course(
        root, [ASSIGNMENT],
        extra_config=f"c.CourseDirectory.db_url = {server.url()!r}\n")
    assert course_dir.db_url(root) == server.url()
    release = nbformat.read(root / "notebooks" / ASSIGNMENT / NOTEBOOK, 4)
    source = nbformat.read(root / "solutions" / ASSIGNMENT / NOTEBOOK, 4)
    partial = scratch.fill_in_answers(release, source)
    answers = [cell for cell in partial.cells
               if cell.metadata.get("nbgrader", {}).get("solution")]
    answers[0].source = WRONG
    for student, notebook in (("a_full", scratch.fill_in_answers(
            release, source)), ("b_partial", partial), ("c_blank", release)):
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / NOTEBOOK)
    caches.prepare(root, [ASSIGNMENT])

    # A coordinator killed right after it recorded its first result.
    journal = root / JOURNAL_NAME
    coordinator = subprocess.Popen(
        [sys.executable, "-m", "instructor.course", "autograde", ASSIGNMENT,
         f"--root={root}", "--workers=1"], cwd=REPO,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    deadline = time.monotonic() + 600
    while not (journal.is_file() and journal.read_text().strip()):
        assert coordinator.poll() is None, "the coordinator stopped early"
        assert time.monotonic() < deadline, "nothing was recorded in time"
        time.sleep(0.2)
    os.killpg(coordinator.pid, signal.SIGKILL)
    coordinator.wait()
    first = journal_entries(root)
    survived = _scores(server.url())

    reports = manage.autograde([ASSIGNMENT], root=root, workers=1)
    return root, first, survived, reports[ASSIGNMENT]


def test_grades_recorded_before_the_crash_survive(course, server):
    root, first, survived, _ = course
    assert len(first) >= 1
    for (_, student), entry in first.items():
        assert entry["returncode"] == 0
        assert student in survived
    lines = (root / JOURNAL_NAME).read_text().splitlines()
    students = [line.split('"student": "')[1].split('"')[0]
                for line in lines]
    assert sorted(students) == ["a_full", "b_partial", "c_blank"]


def test_the_class_is_graded_in_postgres(course, server):
    _, _, _, reports = course
    assert _scores(server.url()) == {"a_full": 3, "b_partial": 1,
                                     "c_blank": 0}
    assert reports["a_full"]["score"] == (3, 3)
    assert all(report["graded"] for report in reports.values())
    assert not (Path(course[0]) / "gradebook.db").exists()


def test_feedback_and_export_read_postgres(course):
    root, _, _, _ = course
    manage.feedback([ASSIGNMENT], root=root)
    assert (root / "feedback" / "a_full" / ASSIGNMENT
            / NOTEBOOK.replace(".ipynb", ".html")).is_file()
    course_dir.nbgrader("export", root=root)
    grades = (root / "grades.csv").read_text()
    assert "a_full" in grades and "c_blank" in grades
