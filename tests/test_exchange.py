"""nbgrader's exchange between real users of this machine.

An instructor user and five learner users are created (and removed
afterwards); the exchange is a shared directory configured by
``deploy/jupyterhub/nbgrader_config.py``.  Every step runs as its user
(``runuser``): the instructor releases 00_setup, the students fetch and
submit it (one submits late after a first, early submission), the
instructor collects, autogrades (sandboxed, through Dask) and releases
feedback, and each student fetches their own.  No student can list the
exchange's submissions or feedback, nor read another's submission.

Beside the honest students, in the same run, learners attack the exchange
(issue 20): one (stu4) makes the course's exchange folder before the first
release, hands in links to the instructor's files (the gradebook, hidden
tests, the solution notebook, ``/dev/zero``, an unreadable file), hard
links, a FIFO, a folder with a malformed time in its name, and a
submission in stu1's name; another (stu0) submits late, then backdates its
submission's name and ``timestamp.txt`` and deletes its secret.  The
instructor's commands first refuse a course root other users can read,
then run after the ``chmod`` they print.
"""

import datetime
import os
import pwd
import re
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

from helpers import settings
from instructor.course import caches, course_dir, manage, scratch, submissions

REPO = Path(__file__).resolve().parent.parent
DEPLOY_CONFIG = REPO / "deploy" / "jupyterhub" / "nbgrader_config.py"
ASSIGNMENT = "00_setup"
NOTEBOOK = "00_setup.ipynb"
COURSE = "faces_and_styles"
WRONG = """
import numpy as np
def to_unit_range(image):
    return np.asarray(image, np.float32)
"""

if os.geteuid() != 0 or not shutil.which("useradd") or not shutil.which(
        "runuser") or not shutil.which("bwrap"):
    if settings.value("REQUIRE_EXCHANGE"):
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
                      ("inst", "stu0", "stu1", "stu2", "stu3", "stu4")}
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

    def course(self, role, task, root, check=True):
        return self.run(role, sys.executable, "-m", "instructor.course",
                        task, ASSIGNMENT, f"--root={root}", cwd=root,
                        check=check)

    def shell(self, role, script):
        return self.run(role, "sh", "-ec", script)


def _write_as(users, role, path, notebook):
    nbformat.write(notebook, path)
    shutil.chown(path, users.names[role], users.names[role])


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    from helpers.assets import get_data_home

    exchange = Path(tempfile.mkdtemp(prefix="faces-styles-exchange-"))
    exchange.chmod(0o1777)
    config_dir = Path(tempfile.mkdtemp(prefix="faces-styles-jupyter-"))
    config_dir.chmod(0o755)
    shutil.copy(DEPLOY_CONFIG, config_dir / "nbgrader_config.py")
    (config_dir / "nbgrader_config.py").chmod(0o644)
    # The course's Python (its base installation too) and data, for all.
    paths = [sys.prefix, sys.base_prefix, os.path.realpath(sys.executable),
             REPO, get_data_home()]
    if settings.value("ASSETS"):
        paths.append(settings.value("ASSETS"))
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


def _stamp(moment):
    """A time as nbgrader's submit writes it."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def _submit(users, role, notebook, *options):
    """Write ``notebook`` into the role's assignment and submit it; return
    the inbound folder that ``nbgrader submit`` printed."""
    _write_as(users, role, users.home(role) / ASSIGNMENT / NOTEBOOK,
              notebook)
    result = users.nbgrader(role, "submit", ASSIGNMENT, *options)
    (folder,) = re.findall(r"Destination: (.+)$",
                           result.stdout + result.stderr, re.MULTILINE)
    return Path(folder.strip())


def _refusals(users, root, exchange):
    """Run the instructor's commands where they must refuse, doing what
    each message says after it; return {case: the command's process}."""
    refused = {}
    # Debian's useradd makes homes that every account can read.
    users.home("inst").chmod(0o755)
    for task in ("release-assignment", "feedback"):
        refused[f"private {task}"] = users.course("inst", task, root,
                                                  check=False)
    users.shell("inst", f"chmod go-rwx {root}")
    # A learner makes the course's exchange folder before the release.
    course = exchange / COURSE
    users.run("stu4", "mkdir", "-m", "0777", str(course), check=False)
    refused["learner's course folder"] = users.course(
        "inst", "release-assignment", root, check=False)
    # What the message tells root to do.
    if course.stat().st_uid != pwd.getpwnam(users.names["inst"]).pw_uid:
        course.rename(course.with_name(course.name + ".suspect"))
    exchange.chmod(0o777)
    refused["no sticky bit"] = users.course("inst", "release-assignment",
                                            root, check=False)
    exchange.chmod(0o1777)
    return refused


def _hand_in_links(users, folder, root):
    """stu4 replaces its submission's files by links and odd files."""
    users.shell("stu4", f"""
        cd '{folder}'
        rm {NOTEBOOK}
        ln -s {root}/solutions/{ASSIGNMENT}/{NOTEBOOK} {NOTEBOOK}
        ln -s {root}/gradebook.db gradebook.db
        ln -s {REPO}/instructor/exercises/nb00_setup.py exercise.py
        ln -s {REPO}/instructor/exercises exercises
        ln -s /dev/zero zeros.npy
        ln -s /etc/shadow unreadable.txt
        echo mine > private.txt && chmod 000 private.txt
        echo twice > notes.txt && ln notes.txt notes-again.txt
        mkfifo pipe
        echo 'my own notes' > readme.txt
    """)
    # A hard link to the instructor's file, as a machine without
    # fs.protected_hardlinks allows.
    os.link(root / "gradebook.db", folder / "grades.db")


def _run_cycle(users, exchange):
    root = users.home("inst") / "course"
    scratch.temporary_course(root, [ASSIGNMENT])
    caches.prepare(root, [ASSIGNMENT])
    # Grading adds matplotlib's font list to the shared data cache, which
    # root (its owner here) builds; the instructor could not.
    from instructor.grading.kernel import matplotlib_font_list

    matplotlib_font_list()
    inst = users.names["inst"]
    subprocess.run(["chown", "-R", f"{inst}:{inst}", str(root)], check=True)
    refused = _refusals(users, root, exchange)
    logs = {"release": users.course("inst", "release-assignment", root)}
    release = nbformat.read(root / "notebooks" / ASSIGNMENT / NOTEBOOK, 4)
    source = nbformat.read(root / "solutions" / ASSIGNMENT / NOTEBOOK, 4)
    solved = scratch.fill_in_answers(release, source)
    partial = scratch.fill_in_answers(release, source)
    [cell for cell in partial.cells if cell.metadata.get(
        "nbgrader", {}).get("solution")][0].source = WRONG

    for role in users.names:
        if role != "inst":
            users.nbgrader(role, "fetch_assignment", ASSIGNMENT)
            assert (users.home(role) / ASSIGNMENT / NOTEBOOK).is_file()
    for role, notebook in (("stu1", solved), ("stu2", partial),
                           ("stu3", release)):
        _submit(users, role, notebook)
    _hand_in_links(users, _submit(users, "stu4", release), root)
    inbound = exchange / COURSE / "inbound"
    users.shell("stu4", f"mkdir '{inbound}/{users.names['stu4']}+"
                        f"{ASSIGNMENT}+not-a-time+x'")
    # stu4 submits a wrong notebook in stu1's name, after stu1.
    _submit(users, "stu4", partial, f"--student={users.names['stu1']}")
    # The due date passes; student 3 then resubmits a completed notebook,
    # a few seconds late; student 0 submits late and backdates it.
    time.sleep(1.5)
    due = datetime.datetime.now(datetime.timezone.utc)
    users.nbgrader("inst", "db", "assignment", "add", ASSIGNMENT,
                   f"--duedate={due.strftime('%Y-%m-%d %H:%M:%S UTC')}",
                   cwd=root)
    time.sleep(1.5)
    _submit(users, "stu3", solved)
    late = _submit(users, "stu0", solved)
    backdated = _stamp(due - datetime.timedelta(hours=1))
    name = late.name.split("+")
    users.shell("stu0", f"""
        cd '{inbound}'
        mv '{late.name}' '{name[0]}+{name[1]}+{backdated}+{name[3]}'
        cd '{name[0]}+{name[1]}+{backdated}+{name[3]}'
        printf '%s' '{backdated}' > timestamp.txt
        rm submission_secret.txt
    """)

    # What student 2 can see of the others in the exchange.
    spying = {
        "list_inbound": users.run("stu2", "ls", str(inbound), check=False),
        "read_other": users.run("stu2", "sh", "-c",
                                f"cat {inbound}/{users.names['stu1']}+*/"
                                f"{NOTEBOOK}", check=False),
    }

    logs["collect"] = users.course("inst", "collect", root)
    logs["autograde"] = users.run(
        "inst", sys.executable, "-m", "instructor.course", "autograde",
        ASSIGNMENT, f"--root={root}", "--workers=2", cwd=root)
    logs["feedback"] = users.course("inst", "feedback", root)
    logs["release_feedback"] = users.course("inst", "release-feedback", root,
                                            check=False)
    spying["list_feedback"] = users.run(
        "stu2", "ls", str(exchange / COURSE / "feedback"), check=False)
    for role in ("stu0", "stu1", "stu2", "stu3"):
        logs[role] = users.nbgrader(role, "fetch_feedback", ASSIGNMENT,
                                    check=False)
    logs.update(refused)
    logs = {key: result.stdout + result.stderr for key, result in logs.items()}
    logs["returncodes"] = {key: result.returncode
                           for key, result in refused.items()}
    return root, spying, logs, dict(users.names, due=due, exchange=exchange)


def _feedback(users_home, assignment=ASSIGNMENT):
    found = sorted((users_home / assignment / "feedback").glob(
        f"*/{NOTEBOOK.replace('.ipynb', '.html')}"))
    return found


def _gradebook(root, field):
    with Gradebook(course_dir.db_url(root)) as gradebook:
        return {submission.student.id: getattr(submission, field)
                for submission in gradebook.find_assignment(
                    ASSIGNMENT).submissions}


def _answers(path):
    notebook = nbformat.read(path, 4)
    return [cell.source for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("solution")]


def test_each_student_gets_their_own_feedback(cycle):
    root, _, logs, names = cycle
    scores = {name[2:6]: score for name, score in
              _gradebook(root, "score").items()}
    # stu1's own work, not the wrong notebook stu4 submitted in its name;
    # stu4's notebook was a link to the solution: not collected.
    expected = {"stu0": 3, "stu1": 3, "stu2": 1, "stu3": 3}
    assert {role: scores.get(role) for role in expected} == expected, (
        logs["autograde"])
    assert not scores.get("stu4"), scores
    for role in ("stu1", "stu2", "stu3"):
        found = _feedback(Path("/home") / names[role])
        assert len(found) == 1, (role, found, logs)
        html = found[0].read_text()
        # Only student 2's to_unit_range failed its hidden test.
        assert ("HiddenTestFailed" in html) == (role == "stu2"), role


def test_students_cannot_see_each_other(cycle):
    """nbgrader's model: inbound/ and feedback/ cannot be listed by
    students, and each submission and feedback file has an unguessable
    name (a random suffix, a hash of the submission's secret)."""
    _, spying, _, _ = cycle
    for name, result in spying.items():
        assert result.returncode != 0, (name, result.stdout)
    for name in ("list_inbound", "list_feedback"):
        assert "Permission denied" in spying[name].stderr, spying[name]
    assert "No such file" in spying["read_other"].stderr


def test_resubmission_after_the_due_date_is_collected_and_late(cycle):
    root, _, logs, names = cycle
    late = _gradebook(root, "total_seconds_late")
    assert names["stu3"] in late, logs["autograde"]
    assert late[names["stu1"]] == late[names["stu2"]] == 0
    assert late[names["stu3"]] > 0
    # The latest submission was collected: the completed notebook.
    answers = _answers(root / "submitted" / names["stu3"] / ASSIGNMENT
                       / NOTEBOOK)
    assert answers and not any("raise NotImplementedError()" in answer
                               for answer in answers)


def test_a_backdated_submission_is_late(cycle):
    """stu0 submitted after the due date, then renamed its inbound folder
    and rewrote timestamp.txt to an hour before it: its time is when its
    files last changed, as late as stu3's honest few seconds."""
    root, _, logs, names = cycle
    late = _gradebook(root, "total_seconds_late")
    assert names["stu0"] in late and names["stu3"] in late, logs["autograde"]
    assert 0 < late[names["stu0"]] < 600, late
    assert 0 < late[names["stu3"]] < 600, late
    stamp = (root / "submitted" / names["stu0"] / ASSIGNMENT
             / "timestamp.txt").read_text()
    from nbgrader.utils import parse_utc

    assert parse_utc(stamp) > names["due"].replace(tzinfo=None)
    assert re.search(rf"{names['stu0']}: its name says .* but its files "
                     "changed at", logs["collect"]), logs["collect"]


def test_collect_takes_only_the_learners_own_regular_files(cycle):
    """stu4's links, hard links, FIFO and unreadable file are left out and
    reported; nothing collected is a link or holds an instructor's file."""
    root, _, logs, names = cycle
    stu4 = names["stu4"]
    folder = root / "submitted" / stu4 / ASSIGNMENT
    assert sorted(os.listdir(folder)) == [
        "readme.txt", "submission_secret.txt", "timestamp.txt"]
    assert (folder / "readme.txt").read_text() == "my own notes\n"
    expected = {
        NOTEBOOK: "a symbolic link", "gradebook.db": "a symbolic link",
        "exercise.py": "a symbolic link", "exercises": "a symbolic link",
        "zeros.npy": "a symbolic link", "unreadable.txt": "a symbolic link",
        "private.txt": "could not be read", "notes.txt": "a hard link",
        "notes-again.txt": "a hard link", "pipe": "not a regular file",
        "grades.db": f"owned by {names['inst']}",
    }
    for name, why in expected.items():
        assert f"{stu4}: left out {name!r}: {why}" in logs["collect"], (
            name, logs["collect"])
    hidden = (REPO / "instructor" / "exercises" / "nb00_setup.py").read_bytes()
    for path in (root / "submitted").rglob("*"):
        assert not path.is_symlink(), path
        if path.is_file():
            assert path.stat().st_nlink == 1, path
            data = path.read_bytes()
            assert not data.startswith(b"SQLite format 3"), path
            assert hidden not in data, path


def test_a_submission_in_another_learners_name_is_not_collected(cycle):
    root, _, logs, names = cycle
    assert (f"CHEATING ATTEMPT? {names['stu4']} submitted as "
            f"{names['stu1']}") in logs["collect"], logs["collect"]
    source = root / "solutions" / ASSIGNMENT / NOTEBOOK
    answers = _answers(root / "submitted" / names["stu1"] / ASSIGNMENT
                       / NOTEBOOK)
    assert answers == _answers(source)


def test_one_learner_cannot_break_the_exchange_for_the_class(cycle):
    """Each is skipped with the learner's name; the class goes on (the
    honest students' grades and feedback are checked above)."""
    root, _, logs, names = cycle
    assert re.search(rf"SKIPPED {names['stu4']}: .*not-a-time.* malformed "
                     "time", logs["collect"]), logs["collect"]
    assert (f"SKIPPED {names['stu0']}: no submission_secret.txt"
            in logs["release_feedback"]), logs["release_feedback"]
    assert _feedback(Path("/home") / names["stu0"]) == []
    # The course's exchange folder a learner made first was refused.
    refused = logs["learner's course folder"]
    assert logs["returncodes"]["learner's course folder"] == 2, refused
    assert f"owned by {names['stu4']}" in refused, refused
    assert "mv " in refused and ".suspect" in refused, refused
    assert logs["returncodes"]["no sticky bit"] == 2, logs["no sticky bit"]
    assert "chmod 1777" in logs["no sticky bit"], logs["no sticky bit"]


def test_the_exchange_folders_are_the_instructors(cycle):
    root, _, _, names = cycle
    course = names["exchange"] / COURSE
    modes = {"": 0o755, "outbound": 0o755, "inbound": 0o2733,
             "feedback": 0o711}
    for name, mode in modes.items():
        info = os.lstat(course / name)
        assert stat.S_ISDIR(info.st_mode), name
        assert info.st_uid == pwd.getpwnam(names["inst"]).pw_uid, name
        assert stat.S_IMODE(info.st_mode) == mode, (name, oct(info.st_mode))


def test_instructor_commands_refuse_a_course_others_can_read(cycle):
    """With a 0755 home, the course root could be read by every learner:
    the exchange commands and, with an exchange configured, the others
    refuse and print the chmod; after it, they ran (the cycle above)."""
    root, _, logs, _ = cycle
    for task in ("release-assignment", "feedback"):
        message = logs[f"private {task}"]
        assert logs["returncodes"][f"private {task}"] == 2, message
        assert f"{root}: can be read" in message, message
        assert f"chmod go-rwx {root}" in message, message
    assert "Released as" in logs["release"], logs["release"]
    assert stat.S_IMODE(root.stat().st_mode) & 0o077 == 0


def test_grading_leaves_out_hard_links(tmp_path):
    """A hard link in a collected submission may name a file the learner
    could not read: grading never binds it into the sandbox."""
    folder = tmp_path / "submitted" / "learner" / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("mine")
    secret = tmp_path / "gradebook.db"
    secret.write_text("the instructor's")
    os.link(secret, folder / "copy.txt")
    taken, left_out = submissions.submitted_files(folder)
    assert sorted(taken) == ["notes.txt"]
    assert left_out == ["copy.txt is a hard link (the same file has another "
                        "name) and was ignored"]


def test_a_single_user_course_without_exchange_is_not_checked(monkeypatch,
                                                             capsys):
    """Developers and CI run a 0755 course as one user: no refusal there;
    the same course with an exchange configured is refused."""
    course = Path(tempfile.mkdtemp(prefix="faces-styles-open-course-"))
    config_dir = Path(tempfile.mkdtemp(prefix="faces-styles-no-config-"))
    try:
        course.chmod(0o755)
        (course / "solutions").mkdir()
        scratch.write_course_config(course)
        monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(config_dir))
        assert manage.main(["feedback", f"--root={course}"]) == 0
        with open(course / "nbgrader_config.py", "a") as config:
            config.write(f"c.Exchange.root = {str(config_dir)!r}\n")
        capsys.readouterr()
        assert manage.main(["feedback", f"--root={course}"]) == 2
        assert f"chmod go-rwx {course}" in capsys.readouterr().err
    finally:
        shutil.rmtree(course)
        shutil.rmtree(config_dir)
