"""The grading task a Dask worker runs: one submission, graded privately.

A task grades one (student, assignment) on whatever worker gets it: in a
private course of its own (a temporary directory with the assignment's
source and a throw-away SQLite gradebook) it runs ``nbgrader autograde``,
whose kernel runs in the bubblewrap sandbox as in local grading, and
returns the autograded files and nbgrader's errors as plain data.  The
payload carries the fingerprint of the coordinator's grading code
(:func:`grading_code_hash`); a worker with other code refuses it.  The
coordinator (:mod:`instructor.course.coordinator`) builds the payloads and
alone writes the course.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from helpers import settings
from instructor.grading import interpreter_probe, zygote

#: Folders of the code that decides grades (in the fingerprint).
GRADING_CODE = {"instructor": ("grading", "exercises"),
                "helpers": ("checks",)}


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


