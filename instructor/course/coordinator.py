"""Grading spread over a Dask cluster; this process alone writes the results.

Each (student, assignment) is one task (:func:`instructor.course.cluster.
grade_task`) run on whatever worker gets it.  The coordinator alone writes
the course: it replays nbgrader's own ``SaveAutoGrades`` and
``AssignLatePenalties`` on the returned notebooks into the course's
gradebook (SQLite or PostgreSQL), puts the files in ``autograded/`` and
appends a line to ``grading_journal.jsonl``.  A coordinator started again
skips every submission whose journal line has the same fingerprint (same
submitted files, same source, same grading code: hidden tests,
references, harness, public checks and the course's nbgrader config), so
a killed run loses nothing already recorded and grades only what is left
or changed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shlex
import shutil
import sys
import time
import warnings
from pathlib import Path

from helpers import settings
from instructor.course.cluster import (
    fingerprint,
    grade_task,
    grading_code_hash,
    read_tree,
    write_tree,
)
from instructor.grading import zygote

JOURNAL_NAME = "grading_journal.jsonl"
STAGING_NAME = ".grading_staging"
SCHEDULER_ENV = "DASK_SCHEDULER"
#: Grading settings the coordinator hands to the workers' nbgrader.
PASSED_ENV_PREFIXES = (settings.PREFIX,)
NOT_PASSED_ENV = tuple(settings.variable(name) for name in (
    "ASSETS", "DATA", "ZYGOTE", "ROOM_ZYGOTE"))


def journal(root):
    """Return {(assignment, student): last journal entry} of a course."""
    entries = {}
    path = Path(root) / JOURNAL_NAME
    if not path.is_file():
        return entries
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line cut short by a crash
        entries[(entry["assignment"], entry["student"])] = entry
    return entries


def _append_journal(root, entry):
    with open(Path(root) / JOURNAL_NAME, "a") as handle:
        handle.write(json.dumps(entry) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def passed_environment():
    """Return the grading settings of this process that workers must use."""
    return {key: value for key, value in os.environ.items()
            if key.startswith(PASSED_ENV_PREFIXES)
            and key not in NOT_PASSED_ENV}


def build_payload(assignment, student, root, code_hash=None):
    """Return the task's payload for one submission of the course.

    ``code_hash`` is :func:`grading_code_hash` (computed when not given).
    """
    from instructor.course.course_dir import SOURCE_DIR
    from instructor.course.submissions import submitted_files
    from instructor.grading import harness
    from instructor.grading.preprocessors import verdicts_only_requested

    source = read_tree(Path(root) / SOURCE_DIR / assignment)
    taken, _ = submitted_files(
        Path(root) / "submitted" / student / assignment)
    submission = {name: path.read_bytes() for name, path in taken.items()}
    config = (Path(root) / "nbgrader_config.py").read_bytes()
    source_hash = fingerprint(source, {"nbgrader_config.py": config})
    code_hash = code_hash or grading_code_hash()
    settings = {"nbgrader_config.py": config,
                "grading code": code_hash.encode()}
    if verdicts_only_requested():
        # Regrade when the mode changes: the scores may differ.
        settings["grading mode"] = b"verdicts only"
    return {
        "config": config.decode(),
        "assignment": assignment, "student": student,
        "source": source, "source_hash": source_hash,
        "submission": submission, "code_hash": code_hash,
        "fingerprint": fingerprint(source, submission, settings),
        "env": passed_environment(),
        "fixture_dir": str(harness.default_fixture_dir(root).resolve()),
    }


class Recorder:
    """Write returned grading results into the course, in this process only.

    nbgrader's ``Autograde`` converter runs in-process with only the
    preprocessors that record (``SaveAutoGrades``, ``AssignLatePenalties``):
    the notebooks were executed and graded by the worker.
    """

    def __init__(self, root):
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader

        _scripts_on_path()
        self.root = Path(root).resolve()
        config = PyFileConfigLoader(
            "nbgrader_config.py", path=str(self.root)).load_config()
        overrides = Config()
        overrides.Autograde.sanitize_preprocessors = []
        overrides.Autograde.autograde_preprocessors = [
            "nbgrader.preprocessors.SaveAutoGrades",
            "nbgrader.preprocessors.AssignLatePenalties",
            "nbgrader.preprocessors.CheckCellMetadata",
        ]
        overrides.CourseDirectory.submitted_directory = STAGING_NAME
        overrides.CourseDirectory.root = str(self.root)
        config.merge(overrides)
        self.config = config
        self.coursedir = CourseDirectory(config=config)

    def record(self, result):
        """Write one result: gradebook, autograded/ files, journal line."""
        from nbgrader.converters import Autograde
        from nbgrader.utils import capture_log

        assignment, student = result["assignment"], result["student"]
        staging = self.root / STAGING_NAME / student / assignment
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            write_tree(staging, result["files"])
            self.coursedir.assignment_id = assignment
            self.coursedir.student_id = student
            app = Autograde(coursedir=self.coursedir, config=self.config)
            app.force = True
            app.create_student = True
            with warnings.catch_warnings():
                # nbgrader's own SQLAlchemy autoflush notes.
                warnings.simplefilter("ignore")
                outcome = capture_log(app)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        errors = list(result["errors"])
        if not outcome["success"]:
            errors.append("[ERROR] recording the grades failed: "
                          + _recording_error(outcome))
        entry = {
            "assignment": assignment, "student": student,
            "fingerprint": result["fingerprint"],
            "returncode": result["returncode"] if outcome["success"] else 1,
            "errors": errors, "worker": result.get("worker"),
            "seconds": round(result.get("seconds") or 0, 2),
            "cpu_seconds": result.get("cpu_seconds"),
            "setup_cpu_seconds": result.get("setup_cpu_seconds"),
            "recorded_at": time.time(),
        }
        _append_journal(self.root, entry)
        return entry


def _recording_error(outcome):
    """Return why nbgrader could not record, from its log (not its note).

    nbgrader's exception only says "see the above traceback"; the reason
    is the last exception line of the log it wrote meanwhile.
    """
    reasons = [line.strip() for line in (outcome.get("log") or "")
               .splitlines()
               if re.match(r"\s*[A-Za-z_][\w.]*(Error|Exception|Entry): ",
                           line)]
    if reasons:
        return reasons[-1][-2000:]
    return (outcome.get("error") or "").strip()[-2000:]


def _scripts_on_path():
    """Let nbgrader find this environment's scripts (``alembic``).

    A new gradebook runs ``alembic`` by name, which a command started as
    ``.venv/bin/python -m ...`` does not have on its PATH.
    """
    bin_dir = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", "")
    if bin_dir not in path.split(os.pathsep):
        os.environ["PATH"] = path + os.pathsep + bin_dir


class NotReleased(RuntimeError):
    """An assignment to grade is not in the course's gradebook."""


def check_released(names, root):
    """Raise NotReleased when the gradebook lacks one of ``names``.

    Grades are recorded against the assignment that ``nbgrader
    generate_assignment`` (``make release``) put in the gradebook: without
    it every submission would be graded and then fail to be recorded.
    """
    from nbgrader.api import Gradebook, MissingEntry

    from instructor.course.course_dir import db_url

    url = db_url(root)
    names = sorted(set(names))
    if url.startswith("sqlite:///") and not os.path.exists(
            url[len("sqlite:///"):]):
        missing = names  # no gradebook yet: nothing was released
    else:
        _scripts_on_path()
        missing = []
        with Gradebook(url) as gradebook:
            for name in names:
                try:
                    gradebook.find_assignment(name)
                except MissingEntry:
                    missing.append(name)
    if missing:
        listed = " ".join(missing)
        raise NotReleased(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
            f"not in the gradebook ({url}): grades are recorded against the "
            "released assignment. Release it first ('make release "
            f"ASSIGNMENT={shlex.quote(listed)}', or 'python -m "
            f"instructor.course release {listed}'), then grade again.")


@contextlib.contextmanager
def client_for(workers=None, scheduler=None):
    """Yield a Dask client: of ``scheduler`` (or $DASK_SCHEDULER), or local.

    Without a scheduler address a ``LocalCluster`` is started with
    ``workers`` single-threaded worker processes (default: one per core).
    """
    from distributed import Client, LocalCluster

    address = scheduler or os.environ.get(SCHEDULER_ENV, "").strip()
    if address:
        with Client(address) as client:
            yield client
        return
    try:
        with LocalCluster(n_workers=workers or os.cpu_count() or 1,
                          threads_per_worker=1, processes=False,
                          dashboard_address=":0", memory_limit=0,
                          silence_logs=logging.ERROR) as cluster, \
                Client(cluster) as client:
            yield client
    finally:
        # The local workers' zygotes live in this process.
        zygote.close_all()


def _progress(total, label):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=label, unit="submission", file=sys.stderr,
                dynamic_ncols=True, smoothing=0.1)


def grade_submissions(pairs, root, client, window=None, on_result=None):
    """Grade ``[(assignment, student)]`` on ``client``'s cluster.

    Returns {(assignment, student): journal entry} of what was recorded.
    Submissions already in the journal with the same fingerprint are not
    sent again; at most ``window`` tasks are in flight at once (their
    payloads hold whole notebooks).  ``on_result(entry)`` is called after
    each recording (tests use it to act mid-run).
    """
    from distributed import as_completed

    check_released([assignment for assignment, _ in pairs], root)
    recorder = Recorder(root)
    done = journal(root)
    code_hash = grading_code_hash()
    todo = []
    for assignment, student in pairs:
        # Only the fingerprint is kept: a payload holds whole submissions
        # and is built again when its task is sent.
        payload = build_payload(assignment, student, root, code_hash)
        previous = done.get((assignment, student))
        if previous and previous["fingerprint"] == payload["fingerprint"]:
            continue
        todo.append((assignment, student))
    threads = sum(client.nthreads().values()) or 1
    window = window or max(2, 2 * threads)
    recorded = {}
    progress = _progress(len(todo), "grading")
    pending = list(reversed(todo))
    futures = as_completed()
    keys = {}

    def send():
        assignment, student = pending.pop()
        payload = build_payload(assignment, student, root, code_hash)
        future = client.submit(
            grade_task, payload, pure=False, retries=1,
            key=f"grade-{assignment}-{student}-{payload['fingerprint'][:12]}"
                f"-{os.urandom(4).hex()}")
        keys[future.key] = (assignment, student)
        futures.add(future)

    try:
        while pending and futures.count() < window:
            send()
        for future in futures:
            pair = keys.pop(future.key)
            try:
                result = future.result()
            except Exception as error:  # noqa: BLE001 - reported per student
                result = {
                    "assignment": pair[0], "student": pair[1],
                    "fingerprint": None, "returncode": 1, "files": {},
                    "errors": [f"[ERROR] grading task failed: "
                               f"{type(error).__name__}: {error}"],
                }
            future.release()
            entry = (recorder.record(result) if result["files"]
                     else _unrecorded(root, result))
            recorded[pair] = entry
            progress.update(1)
            if on_result is not None:
                on_result(entry)
            if pending:
                send()
    finally:
        progress.close()
    return recorded


def _unrecorded(root, result):
    """Journal nothing for a task that returned no files; report it."""
    return {
        "assignment": result["assignment"], "student": result["student"],
        "fingerprint": None, "returncode": result["returncode"] or 1,
        "errors": list(result["errors"]) or [
            "[ERROR] nbgrader produced no autograded files"],
        "worker": result.get("worker"), "cpu_seconds": result.get(
            "cpu_seconds"),
    }
