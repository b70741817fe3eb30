"""nbgrader's exchange between real users of this machine.

An instructor user and three student users are created (and removed
afterwards); the exchange is a shared directory configured by
``deploy/jupyterhub/nbgrader_config.py``.  Every step runs as its user
(``runuser``): the instructor releases 00_setup, the students fetch and
submit it (one submits late after a first, early submission), the
instructor collects, autogrades (sandboxed, through Dask) and releases
feedback, and each student fetches their own.  No student can list the
exchange's submissions or feedback, nor read another's submission.
"""

import datetime
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from instructor.course import manage

REPO = Path(__file__).resolve().parent.parent
DEPLOY_CONFIG = REPO / "deploy" / "jupyterhub" / "nbgrader_config.py"
ASSIGNMENT = "00_setup"
NOTEBOOK = "00_setup.ipynb"
COURSE = "faces_and_styles"
REQUIRE_ENV = "FACES_STYLES_REQUIRE_EXCHANGE"
WRONG = """
import numpy as np
def to_unit_range(image):
    return np.asarray(image, np.float32)
"""

if os.geteuid() != 0 or not shutil.which("useradd") or not shutil.which(
        "runuser") or not shutil.which("bwrap"):
    if os.environ.get(REQUIRE_ENV):
        raise RuntimeError("the exchange test needs root, useradd, runuser "
                           "and bubblewrap")
    pytest.skip("creating users needs root (and useradd, runuser, bwrap)",
                allow_module_level=True)


def _open_path_for_others(paths):
    """Let other users traverse to ``paths``; return the modes to restore."""
    changed = {}
    for path in paths:
        path = Path(path).resolve()
        for folder in [path, *path.parents]:
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH and folder not in changed:
                changed[folder] = mode
                folder.chmod(mode | stat.S_IXOTH)
    return changed


class Users:
    """Unix users made for the test, with the environment they run in."""

    def __init__(self, exchange, config_dir):
        suffix = os.urandom(3).hex()
        self.names = {role: f"fs{role}{suffix}" for role in
                      ("inst", "stu1", "stu2", "stu3")}
        self.env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "JUPYTER_CONFIG_DIR": str(config_dir),
            "FACES_STYLES_EXCHANGE": str(exchange),
        }
        for key in ("FACES_STYLES_ASSETS", "FACES_STYLES_DATA"):
            if key in os.environ:
                self.env[key] = os.environ[key]

    def create(self):
        for name in self.names.values():
            subprocess.run(["useradd", "--create-home", "--shell",
                            "/bin/bash", name], check=True)
            Path(f"/home/{name}").chmod(0o700)

    def remove(self):
        for name in self.names.values():
            subprocess.run(["pkill", "-KILL", "-u", name],
                           capture_output=True)
            subprocess.run(["userdel", "--remove", name], capture_output=True)

    def home(self, role):
        return Path("/home") / self.names[role]

    def run(self, role, *command, cwd=None, check=True):
        """Run ``command`` as the user of ``role``; return the process."""
        env = dict(self.env, HOME=str(self.home(role)),
                   USER=self.names[role])
        result = subprocess.run(
            ["runuser", "-u", self.names[role], "--", "env", "-i",
             *[f"{key}={value}" for key, value in env.items()], *command],
            cwd=cwd or self.home(role), capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"{command} as {role} failed:\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def nbgrader(self, role, *args, **kwargs):
        return self.run(role, sys.executable, "-m", "nbgrader", *args,
                        **kwargs)

    def course(self, role, task, root):
        return self.run(role, sys.executable, "-m", "instructor.course",
                        task, ASSIGNMENT, f"--root={root}", cwd=root)


def _write_as(users, role, path, notebook):
    nbformat.write(notebook, path)
    shutil.chown(path, users.names[role], users.names[role])


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    from helpers.assets import get_data_home

    exchange = Path(tempfile.mkdtemp(prefix="faces-styles-exchange-"))
    exchange.chmod(0o777)
    config_dir = Path(tempfile.mkdtemp(prefix="faces-styles-jupyter-"))
    config_dir.chmod(0o755)
    shutil.copy(DEPLOY_CONFIG, config_dir / "nbgrader_config.py")
    (config_dir / "nbgrader_config.py").chmod(0o644)
    # The course's Python (its base installation too) and data, for all.
    paths = [sys.prefix, sys.base_prefix, os.path.realpath(sys.executable),
             REPO, get_data_home()]
    if os.environ.get("FACES_STYLES_ASSETS"):
        paths.append(os.environ["FACES_STYLES_ASSETS"])
    modes = _open_path_for_others(paths)
    users = Users(exchange, config_dir)
    try:
        users.create()
        yield _run_cycle(users, exchange)
    finally:
        users.remove()
        for folder, mode in modes.items():
            folder.chmod(mode)
        shutil.rmtree(exchange, ignore_errors=True)
        shutil.rmtree(config_dir, ignore_errors=True)


def _run_cycle(users, exchange):
    root = users.home("inst") / "course"
    manage.temporary_course(root, [ASSIGNMENT])
    manage.prepare(root, [ASSIGNMENT])
    inst = users.names["inst"]
    subprocess.run(["chown", "-R", f"{inst}:{inst}", str(root)], check=True)
    users.course("inst", "release-assignment", root)
    release = nbformat.read(root / "notebooks" / ASSIGNMENT / NOTEBOOK, 4)
    source = nbformat.read(root / "solutions" / ASSIGNMENT / NOTEBOOK, 4)
    solved = manage.fill_in_answers(release, source)
    partial = manage.fill_in_answers(release, source)
    [cell for cell in partial.cells if cell.metadata.get(
        "nbgrader", {}).get("solution")][0].source = WRONG

    for role, notebook in (("stu1", solved), ("stu2", partial),
                           ("stu3", release)):
        users.nbgrader(role, "fetch_assignment", ASSIGNMENT)
        path = users.home(role) / ASSIGNMENT / NOTEBOOK
        assert path.is_file()
        _write_as(users, role, path, notebook)
        users.nbgrader(role, "submit", ASSIGNMENT)
    # The due date passes; student 3 then resubmits a completed notebook.
    time.sleep(1.5)
    due = datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S UTC")
    users.nbgrader("inst", "db", "assignment", "add", ASSIGNMENT,
                   f"--duedate={due}", cwd=root)
    time.sleep(1.5)
    _write_as(users, "stu3", users.home("stu3") / ASSIGNMENT / NOTEBOOK,
              solved)
    users.nbgrader("stu3", "submit", ASSIGNMENT)

    # What student 2 can see of the others in the exchange.
    inbound = exchange / COURSE / "inbound"
    spying = {
        "list_inbound": users.run("stu2", "ls", str(inbound), check=False),
        "read_other": users.run("stu2", "sh", "-c",
                                f"cat {inbound}/{users.names['stu1']}+*/"
                                f"{NOTEBOOK}", check=False),
    }

    users.course("inst", "collect", root)
    users.run("inst", sys.executable, "-m", "instructor.course", "autograde",
              ASSIGNMENT, f"--root={root}", "--workers=2", cwd=root)
    logs = {"feedback": users.course("inst", "feedback", root),
            "release": users.course("inst", "release-feedback", root)}
    spying["list_feedback"] = users.run(
        "stu2", "ls", str(exchange / COURSE / "feedback"), check=False)
    for role in ("stu1", "stu2", "stu3"):
        logs[role] = users.nbgrader(role, "fetch_feedback", ASSIGNMENT)
    logs = {key: result.stdout + result.stderr for key, result in logs.items()}
    return root, spying, logs


def _feedback(users_home, assignment=ASSIGNMENT):
    found = sorted((users_home / assignment / "feedback").glob(
        f"*/{NOTEBOOK.replace('.ipynb', '.html')}"))
    return found


def test_each_student_gets_their_own_feedback(cycle):
    root, _, logs = cycle
    with Gradebook(manage.db_url(root)) as gradebook:
        scores = {submission.student.id: submission.score
                  for submission in gradebook.find_assignment(
                      ASSIGNMENT).submissions}
    names = sorted(scores)
    assert len(names) == 3
    by_role = {name[2:6]: name for name in names}
    assert scores[by_role["stu1"]] == 3
    assert scores[by_role["stu2"]] == 1
    assert scores[by_role["stu3"]] == 3
    for role, name in by_role.items():
        found = _feedback(Path("/home") / name)
        assert len(found) == 1, (role, found, logs)
        html = found[0].read_text()
        # Only student 2's to_unit_range failed its hidden test.
        assert ("HiddenTestFailed" in html) == (role == "stu2"), role


def test_students_cannot_see_each_other(cycle):
    """nbgrader's model: inbound/ and feedback/ cannot be listed by
    students, and each submission and feedback file has an unguessable
    name (a random suffix, a hash of the submission's secret)."""
    _, spying, _ = cycle
    for name, result in spying.items():
        assert result.returncode != 0, (name, result.stdout)
    for name in ("list_inbound", "list_feedback"):
        assert "Permission denied" in spying[name].stderr, spying[name]
    assert "No such file" in spying["read_other"].stderr


def test_resubmission_after_the_due_date_is_collected_and_late(cycle):
    root, _, _ = cycle
    with Gradebook(manage.db_url(root)) as gradebook:
        late = {submission.student.id[2:6]: submission.total_seconds_late
                for submission in gradebook.find_assignment(
                    ASSIGNMENT).submissions}
    assert late["stu1"] == late["stu2"] == 0
    assert late["stu3"] > 0
    # The latest submission was collected: the completed notebook.
    (student,) = [path for path in (root / "submitted").iterdir()
                  if path.name.startswith("fsstu3")]
    collected = nbformat.read(student / ASSIGNMENT / NOTEBOOK, 4)
    answers = [cell.source for cell in collected.cells
               if cell.metadata.get("nbgrader", {}).get("solution")]
    assert answers and not any("raise NotImplementedError()" in answer
                               for answer in answers)
