"""Grading spread over a Dask cluster; one coordinator writes the results.

A task grades one (student, assignment) on whatever worker gets it: in a
private course of its own (a temporary directory with the assignment's
source and a throw-away SQLite gradebook) it runs ``nbgrader autograde``,
whose kernel runs in the bubblewrap sandbox as in local grading, and
returns the autograded files and nbgrader's errors as plain data.  The
coordinator alone writes the course: it replays nbgrader's own
``SaveAutoGrades`` and ``AssignLatePenalties`` on the returned notebooks
into the course's gradebook (SQLite or PostgreSQL), puts the files in
``autograded/`` and appends a line to ``grading_journal.jsonl``.  A
coordinator started again skips every submission whose journal line has
the same fingerprint (same submitted files, same source, same grading
code: hidden tests, references, harness, public checks and the course's
nbgrader config), so a killed run loses nothing already recorded and
grades only what is left or changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shlex
import shutil
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

from helpers import settings
from instructor.grading import interpreter_probe, zygote

JOURNAL_NAME = "grading_journal.jsonl"
STAGING_NAME = ".grading_staging"
SCHEDULER_ENV = "DASK_SCHEDULER"
#: Folders of the code that decides grades (in the fingerprint).
GRADING_CODE = {"instructor": ("grading", "hidden_tests", "reference"),
                "helpers": ("checks",)}
#: Grading settings the coordinator hands to the workers' nbgrader.
PASSED_ENV_PREFIXES = (settings.PREFIX,)
NOT_PASSED_ENV = tuple(settings.variable(name) for name in (
    "ASSETS", "DATA", "ZYGOTE", "ROOM_ZYGOTE"))


# -- the task, run on a worker -----------------------------------------------

def read_tree(folder):
    """Return {relative path: bytes} of the plain files under ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
        and ".ipynb_checkpoints" not in path.parts
    }


def write_tree(folder, files):
    """Write {relative path: bytes} under ``folder`` (no path may leave it)."""
    folder = Path(folder)
    for name, data in files.items():
        target = (folder / name).resolve()
        if os.path.commonpath([target, folder.resolve()]) != str(
                folder.resolve()):
            raise ValueError(f"path leaves its folder: {name!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def fingerprint(*trees):
    """Return a hash of {relative path: bytes} trees."""
    digest = hashlib.sha256()
    for tree in trees:
        for name in sorted(tree):
            digest.update(name.encode() + b"\0")
            digest.update(hashlib.sha256(tree[name]).digest())
        digest.update(b"\1")
    return digest.hexdigest()


_WORKER_LOCK = threading.RLock()
_WORKER_STATE = {}


def _worker_home():
    """Return this worker process's scratch folder (made once)."""
    with _WORKER_LOCK:
        home = _WORKER_STATE.get("home")
        if home is None:
            home = Path(tempfile.mkdtemp(prefix="faces-styles-worker-"))
            _WORKER_STATE["home"] = home
        return home


def _nbgrader(args, root, env, cgroup=None):
    """Run ``nbgrader ARGS`` in ``root`` in a fresh child of a fork server.

    Returns (exit code, output, CPU seconds of the server and of the child
    as the server's rusage saw them).
    """
    from instructor.course.forkserver import run_nbgrader
    from instructor.course.course_dir import nbgrader_environment

    return run_nbgrader(args, root, nbgrader_environment(env), cgroup)


def _fixture_dir(payload):
    """Return the hidden tests' fixture cache this worker uses, prepared."""
    wanted = payload.get("fixture_dir")
    if wanted and Path(wanted).is_dir() and os.access(wanted, os.W_OK):
        return Path(wanted)
    # Another machine: a cache of its own, filled once per assignment.
    from instructor.course.caches import prepare
    from instructor.grading import harness

    local = harness.default_fixture_dir(_worker_home())
    key = ("prepared", payload["assignment"])
    with _WORKER_LOCK:
        if key not in _WORKER_STATE:
            os.environ.setdefault(settings.variable("GRADING_CACHE"),
                                  str(local))
            prepare(_worker_home(), [payload["assignment"]])
            _WORKER_STATE[key] = True
    return local


def _private_config(root, payload, fixtures=None):
    """Write a private course's config: the course's, then its own paths.

    The course's ``nbgrader_config.py`` travels in the payload, so an
    instructor's settings (preprocessors, limits) apply on every worker;
    the private course then points at itself and a throw-away SQLite
    gradebook.
    """
    root = Path(root)
    (root / "course_nbgrader_config.py").write_text(payload["config"])
    lines = [
        "c = get_config()",
        f"load_subconfig({str(root / 'course_nbgrader_config.py')!r})",
        f"c.CourseDirectory.root = {str(root)!r}",
        f"c.CourseDirectory.db_url = 'sqlite:///{root / 'gradebook.db'}'",
    ]
    if fixtures is not None:
        lines.append(f"c.HiddenTests.cache_dir = {str(fixtures)!r}")
    (root / "nbgrader_config.py").write_text("\n".join(lines) + "\n")


def _template(payload, env, cgroup=None):
    """Return a private course with the assignment generated (cached).

    Also returns the CPU seconds of the fork server it used (its start,
    when this was the worker's first task); zero when cached.
    """
    from instructor.course.course_dir import SOURCE_DIR

    assignment = payload["assignment"]
    key = ("template", assignment, payload["source_hash"])
    with _WORKER_LOCK:
        if key in _WORKER_STATE:
            return _WORKER_STATE[key], {"cpu": 0.0, "children": 0.0}
        root = _worker_home() / (
            f"template-{assignment}-{payload['source_hash'][:16]}")
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        _private_config(root, payload)
        write_tree(root / SOURCE_DIR / assignment, payload["source"])
        code, output, used = _nbgrader(
            ["generate_assignment", assignment, "--force"], root, env,
            cgroup)
        if code != 0:
            raise RuntimeError(f"nbgrader generate_assignment {assignment} "
                               f"failed on a worker:\n{output}")
        _WORKER_STATE[key] = root
        return root, used


@contextlib.contextmanager
def _zygotes(env):
    """Lend the zygotes for what nbgrader will start with ``env``.

    Yields {environment variable: zygote}: one that kernels fork from
    (unless notebooks are not run, verdicts only) and one for clean rooms;
    a zygote that cannot run here is left out.
    """
    from helpers.notebook import grading_environment
    from instructor.course.course_dir import nbgrader_environment
    from instructor.grading import kernel
    from instructor.grading.cleanroom import room_zygote_specification

    # As nbgrader's process will see it once the course config has loaded.
    environ = grading_environment(nbgrader_environment(env))
    wanted = {zygote.ROOM_ZYGOTE_ENV: room_zygote_specification(
        environ=environ)}
    if not settings.value("VERDICTS_ONLY", environ):
        wanted[zygote.ZYGOTE_ENV] = kernel.zygote_specification(environ)
    with contextlib.ExitStack() as stack:
        lent = {variable: stack.enter_context(zygote.lent(spec))
                for variable, spec in wanted.items()}
        yield {variable: found for variable, found in lent.items()
               if found is not None}


def grade_task(payload):
    """Grade one submission in a private course; return plain data.

    ``payload`` holds the assignment, the student, the assignment's source
    files, the submitted files and the grading settings.  The answer has
    the autograded files, nbgrader's return code and error lines, and the
    CPU seconds the grading used (grader and sandboxed kernels together,
    when this machine's cgroups can count them, with the worker's one-off
    costs: its fork server's start and the assignment's template).
    """
    from instructor.course.cpu import CpuMeter
    from instructor.course.course_dir import SOURCE_DIR, log_errors

    started = time.perf_counter()
    if payload["code_hash"] != grading_code_hash():
        raise RuntimeError(
            f"worker {_worker_name()} has other grading code (hidden tests, "
            "references, harness or public checks) than the coordinator: "
            "install the course's current version on every worker")
    # A worker elsewhere may not run its Python in the sandbox: say why.
    interpreter_probe.check_for_kernels()
    env = dict(payload.get("env") or {})
    fixtures = _fixture_dir(payload)
    env[settings.variable("GRADING_CACHE")] = str(fixtures)
    assignment, student = payload["assignment"], payload["student"]
    root = Path(tempfile.mkdtemp(prefix="task-", dir=_worker_home()))
    try:
        with CpuMeter() as meter, _zygotes(env) as zygotes:
            template, setup = _template(payload, env, meter.procs)
            for variable, lent in zygotes.items():
                env[variable] = lent.handle()
                setup = dict(setup, cpu=setup["cpu"] + lent.take_start_cpu())
            _private_config(root, payload, fixtures)
            shutil.copy(template / "gradebook.db", root / "gradebook.db")
            (root / SOURCE_DIR).symlink_to(template / SOURCE_DIR)
            write_tree(root / "submitted" / student / assignment,
                       payload["submission"])
            code, output, used = _nbgrader(
                ["autograde", assignment, "--create", "--force",
                 f"--student={student}"], root, env, meter.procs)
        cpu = meter.seconds + setup["cpu"] + used["cpu"]
        if meter.method != CpuMeter.CGROUP:
            cpu += setup["children"] + used["children"]
        return {
            "assignment": assignment, "student": student,
            "fingerprint": payload["fingerprint"],
            "returncode": code, "errors": log_errors(output),
            "files": read_tree(root / "autograded" / student / assignment),
            "seconds": time.perf_counter() - started,
            "cpu_seconds": cpu, "grader_cpu_seconds": used.get("grader"),
            # The worker's one-off part: server start, template.
            "setup_cpu_seconds": setup["cpu"] + (setup.get("grader") or 0),
            "worker": _worker_name(),
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _worker_name():
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"


# -- the coordinator ---------------------------------------------------------

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


def grading_code_hash(bases=None):
    """Return a hash of the code that decides grades, as installed here.

    The hidden tests and the references they compare with, the harness
    and sandbox, and the public checks that test cells call: a change to
    any of them changes every fingerprint, so the next run regrades.
    ``bases`` maps "instructor" and "helpers" to other copies (tests).
    """
    import helpers
    import instructor

    bases = bases or {package.__name__: Path(package.__file__).parent
                      for package in (instructor, helpers)}
    trees = {}
    for package, folders in GRADING_CODE.items():
        for folder in folders:
            trees.update({
                f"{package}/{folder}/{name}": data
                for name, data in read_tree(Path(bases[package]) / folder)
                .items()
                if name.endswith((".py", ".json"))
                and "__pycache__" not in name})
    return fingerprint(trees)


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
