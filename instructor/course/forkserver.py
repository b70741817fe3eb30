"""A long-lived nbgrader process per worker that forks one child per task.

Starting ``python -m nbgrader`` costs about 2.5 CPU-seconds of imports
(nbgrader, nbconvert, SQLAlchemy, jupyter_client) before it grades
anything.  A worker instead starts this server once: it imports those
installed libraries, never the course's own code, and then, for each
request, forks a child that runs one nbgrader command exactly as ``python
-m nbgrader`` would (its own working directory, environment, arguments
and log file) and exits.  Every task therefore still grades in a fresh
process: nothing of one submission, nor of the course's grading code,
survives into the next, and a hidden test changed on disk is used by the
next task.  Student code never runs in the server or its children: it
runs in the sandboxed kernels and clean rooms the child starts.

Requests and replies are JSON lines on the server's stdin and stdout.
When its stdin closes (the worker ended, even by SIGKILL) the server
kills the child it is waiting for and exits; a child dies with the
server.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

#: Installed libraries the server imports once (none of the course's).
PRELOAD = ("nbgrader.apps.nbgraderapp", "numpy", "sqlite3",
           "sqlalchemy.dialects.sqlite")
POLL_SECONDS = 0.2


# -- the server process ------------------------------------------------------

def _set_death_signal():
    """Be killed when the process that started us ends."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


def _child(request, inherited):
    """In the forked child: run one nbgrader command and exit."""
    code = 1
    try:
        _set_death_signal()
        os.setpgid(0, 0)
        for handle in inherited:
            os.close(handle)
        if request.get("cgroup"):
            Path(request["cgroup"]).write_text(str(os.getpid()))
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                      0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # As ``python -m nbgrader`` run in the course root.
        sys.path[0] = request["cwd"]
        sys.argv = ["nbgrader", *request["args"]]
        from nbgrader.apps.nbgraderapp import NbGraderApp

        NbGraderApp.launch_instance(argv=request["args"])
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (
            0 if stop.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported in the log
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
            times = os.times()
            Path(request["cpu_file"]).write_text(
                str(times.user + times.system))
        os._exit(code)


class _Server:
    """The server's loop: read a request, fork, wait, reply."""

    def __init__(self):
        self.requests = sys.stdin.fileno()
        self.replies = os.fdopen(os.dup(sys.stdout.fileno()), "w")
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
        self.buffer = b""

    def reply(self, **fields):
        """Send one reply line with the server's CPU seconds so far."""
        times = os.times()
        fields.update(cpu=times.user + times.system,
                      children=times.children_user + times.children_system)
        self.replies.write(json.dumps(fields) + "\n")
        self.replies.flush()

    def read(self):
        """Read more requests; end the server at EOF (the worker ended)."""
        chunk = os.read(self.requests, 1 << 16)
        if not chunk:
            raise EOFError
        self.buffer += chunk

    def wait(self, pid):
        """Wait for the child; kill it when the worker has gone."""
        try:
            handle = os.pidfd_open(pid)
        except (AttributeError, OSError):
            handle = None
        try:
            while True:
                watched = [self.requests] + ([handle] if handle else [])
                ready, _, _ = select.select(
                    watched, [], [], None if handle else POLL_SECONDS)
                if self.requests in ready:
                    try:
                        self.read()
                    except EOFError:
                        with contextlib.suppress(OSError):
                            os.killpg(pid, signal.SIGKILL)
                        raise
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    return os.waitstatus_to_exitcode(status)
        finally:
            if handle is not None:
                os.close(handle)

    def loop(self):
        """Serve requests until the worker closes our stdin."""
        self.reply(ready=True)
        while True:
            while b"\n" not in self.buffer:
                self.read()
            line, self.buffer = self.buffer.split(b"\n", 1)
            request = json.loads(line)
            pid = os.fork()
            if pid == 0:
                _child(request, (self.requests, self.replies.fileno()))
            self.reply(returncode=self.wait(pid))


def serve():
    """Import the libraries, then fork a child per request until EOF."""
    for name in PRELOAD:
        __import__(name)
    with contextlib.suppress(EOFError, BrokenPipeError):
        _Server().loop()


# -- the worker's side --------------------------------------------------------

class ServerError(RuntimeError):
    """The fork server could not be started or ended unexpectedly."""


class ForkServer:
    """A running server; ``run`` grades one nbgrader command in a child."""

    def __init__(self):
        from instructor.course.course_dir import nbgrader_environment

        # NumPy's BLAS threads, started at import, would be forked half
        # alive: the server's children use one (they compare small arrays).
        env = nbgrader_environment({"OPENBLAS_NUM_THREADS": "1"})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "instructor.course.forkserver"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=env,
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(
                os.path.abspath(__file__)))))
        self.counted = {"cpu": 0.0, "children": 0.0}
        if not self._reply().get("ready"):
            raise ServerError("the grading fork server did not start")

    def _reply(self):
        line = self.process.stdout.readline()
        if not line:
            raise ServerError("the grading fork server ended")
        return json.loads(line)

    def alive(self):
        """Return True while the server process runs."""
        return self.process.poll() is None

    def run(self, args, cwd, env, log, cgroup=None):
        """Run ``nbgrader ARGS`` in a fresh child; return its exit code.

        ``self.used`` then holds the server's own CPU seconds since the
        last call (its start and imports the first time) as ``cpu``, those
        of the child and what it waited for as ``children``, and the
        child's own (without the processes it started) as ``grader``.
        """
        request = {"args": list(args), "cwd": str(cwd), "env": dict(env),
                   "log": str(log), "cpu_file": f"{log}.cpu",
                   "cgroup": str(cgroup) if cgroup else None}
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            raise ServerError(f"the grading fork server ended: {error}") \
                from None
        reply = self._reply()
        self.used = {key: reply[key] - self.counted[key]
                     for key in self.counted}
        self.counted = {key: reply[key] for key in self.counted}
        cpu_file = Path(request["cpu_file"])
        with contextlib.suppress(OSError, ValueError):
            self.used["grader"] = float(cpu_file.read_text())
        with contextlib.suppress(OSError):
            cpu_file.unlink()
        return reply["returncode"]

    def close(self):
        """End the server (it kills a child it still waits for)."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_POOL_LOCK = threading.Lock()
_IDLE = []


@atexit.register
def close_all():
    """End this process's idle fork servers."""
    with _POOL_LOCK:
        while _IDLE:
            _IDLE.pop().close()


@contextlib.contextmanager
def server():
    """Yield an idle fork server of this process (one per grading thread)."""
    with _POOL_LOCK:
        found = None
        while _IDLE and found is None:
            candidate = _IDLE.pop()
            if candidate.alive():
                found = candidate
    found = found or ForkServer()
    try:
        yield found
    except BaseException:
        found.close()
        raise
    if found.alive():
        with _POOL_LOCK:
            _IDLE.append(found)


def run_nbgrader(args, cwd, env, cgroup=None):
    """Run ``nbgrader ARGS`` in ``cwd``; return (code, output, CPU-s used).

    Uses an idle fork server of this process (a server that died is
    replaced and the command run again once).  The CPU seconds are a dict
    as in :meth:`ForkServer.run`.  ``cgroup`` is a ``cgroup.procs`` file
    the child joins first (to be counted with what it starts).
    """
    log = Path(cwd) / f".nbgrader-{os.getpid()}-{time.monotonic_ns()}.log"
    for attempt in (1, 2):
        try:
            with server() as grader:
                code = grader.run(args, cwd, env, log, cgroup)
                cpu = grader.used
            break
        except ServerError:
            if attempt == 2:
                raise
    try:
        output = log.read_text(errors="replace")
    finally:
        with contextlib.suppress(OSError):
            log.unlink()
    return code, output, cpu




if __name__ == "__main__":
    serve()
