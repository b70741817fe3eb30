"""A zygote: one sandboxed Python that has imported TensorFlow, forking kernels.

Importing TensorFlow costs 4 to 6 CPU-seconds, paid by every sandboxed
kernel.  A grading worker instead starts one zygote per grading settings:
a bubblewrap sandbox like a kernel's, whose Python imports the installed
libraries (never the course's code) and then forks one child per kernel.
Each child, before any student code runs,

- is moved by the grader into a memory, pids and CPU cgroup of its own
  (the grader learns its real process id from the kernel, through the
  credentials of the message the child sends);
- enters new user, PID, IPC and network namespaces and a session of its
  own, and runs the student's code under a small init (process 1): it
  cannot see or signal the zygote, and when it ends, the kernel ends
  everything it started;
- drops its capabilities and closes every file the zygote had open.

The zygote is not dumpable (no other process of its user may trace it or
read its memory), and its only writable folders are the slot's: ``/tmp``,
``/dev/shm``, the home and work folders, the kernel's socket folder and the
private caches, all in one size-limited tmpfs of the grader's that it empties
between kernels, after killing every process of the previous one.  Kernels
of one zygote run one at a time.  Only the grader's user may ask it for a
child (its socket's peer credentials are checked, and the socket's path is
outside the sandbox).

This module is the worker's side (start a zygote, keep it in a pool);
nbgrader's side, which forks a kernel from it, is
:mod:`instructor.grading.zygote_client`; the zygote's own program is
``zygote_server.py``.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from helpers import settings
from instructor.grading.sandbox import Limits, Sandbox, unsafe_requested

#: The grader hands running zygotes to nbgrader's process through these:
#: one for notebook kernels, one for clean rooms.
ZYGOTE_ENV = settings.variable("ZYGOTE")
ROOM_ZYGOTE_ENV = settings.variable("ROOM_ZYGOTE")
#: Installed libraries a zygote imports before it forks (none of the course).
PRELOAD = ("numpy", "tensorflow", "ipykernel.kernelapp")
#: The slot's folders the children may write, emptied between kernels.
SLOT_FOLDERS = ("tmp", "shm", "home", "work", "run")

#: The zygote's program (a file of its own, read as text: the sandbox that
#: runs it cannot see the course's files).
SERVER = (Path(__file__).with_name("zygote_server.py")
          .read_text(encoding="utf-8"))


def enabled():
    """Return True unless zygotes are switched off or grading is unsafe."""
    return settings.value("ZYGOTE_KERNELS") and not unsafe_requested()


def specification(environment, read_only, private_copies, home_files,
                  limits, preload=PRELOAD, hide=(), flags=()):
    """Return what decides a zygote's children, as a JSON-able dict.

    ``hide`` lists folders covered by an empty one (the clean room's view
    of the course packages) and ``flags`` the interpreter's options.
    """
    return {
        "hide": sorted(hide),
        "flags": list(flags),
        "environment": dict(sorted(environment.items())),
        "read_only": sorted(read_only),
        "private_copies": list(private_copies),
        "home_files": dict(sorted(home_files.items())),
        "limits": {key: getattr(limits, key) for key in (
            "memory", "address_space", "processes", "file_size",
            "scratch_size", "open_files")},
        "preload": list(preload),
        "server": hashlib.sha256(SERVER.encode()).hexdigest(),
        "python": sys.executable,
    }


class ZygoteError(RuntimeError):
    """The zygote could not start or fork a child."""


class Zygote:
    """A running zygote and its slot (the folders its children write)."""

    def __init__(self, spec):
        self.spec = spec
        # Not under /tmp: the children's /tmp is one of the slot's folders.
        parent = "/var/tmp" if os.path.isdir("/var/tmp") else None
        self.base = Path(tempfile.mkdtemp(prefix="faces-styles-zygote-",
                                          dir=parent))
        self.slot = self.base / "slot"
        self.control = self.base / "control"
        self.process = None
        self.sandbox = None
        self._mounted = False
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self):
        if os.geteuid() != 0:
            raise ZygoteError("a zygote needs root (users and tmpfs)")
        _remove_stale(self.base.parent)
        limits = Limits(**self.spec["limits"])
        self.slot.mkdir()
        self.control.mkdir(mode=0o700)
        (self.control / "owner").write_text(str(os.getpid()))
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o",
             f"size={limits.scratch_size},mode=0755", "tmpfs",
             str(self.slot)], capture_output=True, text=True)
        if result.returncode != 0:
            raise ZygoteError(f"cannot mount the slot: {result.stderr}")
        self._mounted = True
        self.sandbox = Sandbox(
            limits=limits, read_only=self.spec["read_only"],
            env=self.spec["environment"], slot=self.slot,
            hide=self.spec["hide"],
            private_copies=self.spec["private_copies"]).__enter__()
        for name in SLOT_FOLDERS:
            (self.slot / name).mkdir(exist_ok=True)
        for folder in self._slot_roots():
            reset_folder(folder)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.control / "zygote.sock"))
        listener.listen(8)
        try:
            command = self.sandbox.command(
                [sys.executable, *self.spec["flags"], "-c", SERVER,
                 str(listener.fileno()),
                 str(os.geteuid()), ",".join(self.spec["preload"])])
            self.process = subprocess.Popen(
                command, env=self.sandbox.environment(),
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, pass_fds=(listener.fileno(),),
                start_new_session=True)
        finally:
            listener.close()
        ready, _, _ = select.select([self.process.stdout], [], [], 600)
        line = self.process.stdout.readline() if ready else b""
        try:
            reply = json.loads(line)
        except ValueError:
            reply = {}
        if not reply.get("ready"):
            raise ZygoteError("the zygote did not start")
        if reply.get("failed"):
            raise ZygoteError("the zygote could not import: "
                              + "; ".join(reply["failed"]))
        # What bubblewrap made in the slot (mount points of the course's
        # folders under /tmp, home/work) stays; the children cannot change
        # it (root's, in sticky or read-only folders).
        # (What the zygote's own imports wrote there is not kept.)
        self.kept = {
            name: sorted(entry.name for entry in os.scandir(self.slot / name)
                         if entry.stat(follow_symlinks=False).st_uid == 0)
            for name in SLOT_FOLDERS}
        found = processes_of(self.sandbox.uid)
        if len(found) != 1:
            raise ZygoteError(f"expected the zygote alone, found {found}")
        self.pid = found[0]
        with open(f"/proc/{self.pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        self._start_cpu = (int(fields[11]) + int(fields[12])) / os.sysconf(
            "SC_CLK_TCK")

    def take_start_cpu(self):
        """Return the CPU seconds of the zygote's start, once (then 0)."""
        seconds, self._start_cpu = self._start_cpu, 0.0
        return seconds

    def _slot_roots(self):
        return [self.slot / name for name in SLOT_FOLDERS] + [
            copy for copy, _, _ in self.sandbox.slot_copies]

    def alive(self):
        """Return True while the zygote runs and no kernel outlived its end."""
        return (self.process is not None and self.process.poll() is None
                and not (self.control / "poisoned").exists())

    def handle(self):
        """Return what nbgrader's process needs to use this zygote (JSON)."""
        return json.dumps({
            "socket": str(self.control / "zygote.sock"),
            "lock": str(self.control / "lock"),
            "slot": str(self.slot), "uid": self.sandbox.uid,
            "pid": self.pid, "kept": self.kept,
            "child_environment": self.sandbox._environment(),
            "description": self.sandbox.describe(),
            "private_copies": [
                [str(copy), folder, str(original)] for copy, folder, original
                in self.sandbox.slot_copies],
            "spec": self.spec,
        })

    def close(self):
        """Kill the zygote and every child, unmount and delete the slot."""
        if self.process is not None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
            self.process.stdout.close()
            self.process = None
        if self.sandbox is not None:
            self.sandbox.__exit__(None, None, None)
            self.sandbox = None
        if self._mounted:
            subprocess.run(["umount", "-l", str(self.slot)],
                           capture_output=True)
            self._mounted = False
        shutil.rmtree(self.base, ignore_errors=True)


def _remove_stale(parent):
    """Unmount and delete the slots of zygotes whose owner has died.

    A worker killed outright leaves its zygotes' tmpfs mounted.
    """
    for base in Path(parent).glob("faces-styles-zygote-*"):
        owner = base / "control" / "owner"
        try:
            os.kill(int(owner.read_text()), 0)
            continue  # its owner still runs
        except ProcessLookupError:
            pass
        except (OSError, ValueError):
            # Being started now, or no longer readable: only if old.
            with contextlib.suppress(OSError):
                if time.time() - base.stat().st_mtime < 3600:
                    continue
        subprocess.run(["umount", "-l", str(base / "slot")],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


_POOL_LOCK = threading.Lock()
_IDLE = []
#: Settings for which no zygote could start here (not tried again).
_FAILED = set()


@contextlib.contextmanager
def lent(spec):
    """Yield an idle zygote for ``spec`` (started when none is), or None.

    None when zygotes are switched off or cannot run here (not root, no
    tmpfs, no user namespaces): kernels then start as fresh processes.
    """
    if not enabled():
        yield None
        return
    zygote = None
    with _POOL_LOCK:
        for candidate in list(_IDLE):
            if not candidate.alive():
                _IDLE.remove(candidate)
                candidate.close()
            elif candidate.spec == spec and zygote is None:
                _IDLE.remove(candidate)
                zygote = candidate
    key = json.dumps(spec, sort_keys=True)
    if zygote is None and key not in _FAILED:
        try:
            zygote = Zygote(spec)
        except (ZygoteError, OSError):
            _FAILED.add(key)
    if zygote is None:
        yield None
        return
    try:
        yield zygote
    finally:
        with _POOL_LOCK:
            if zygote.alive():
                _IDLE.append(zygote)
            else:
                zygote.close()


@atexit.register
def close_all():
    """Close every idle zygote of this process (and unmount its slot)."""
    with _POOL_LOCK:
        while _IDLE:
            _IDLE.pop().close()



def processes_of(uid):
    """Return the ids of the live processes whose real user is ``uid``."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status") as handle:
                fields = dict(line.split(":", 1) for line in handle
                              if ":" in line)
        except OSError:
            continue
        # A zombie thread-group leader may still have live threads.
        ended = (fields["State"].strip().startswith("Z")
                 and int(fields.get("Threads", "1")) <= 1)
        if int(fields["Uid"].split()[0]) == uid and not ended:
            found.append(int(entry.name))
    return sorted(found)


def empty_folder(folder, keep=()):
    """Delete everything inside ``folder`` but ``keep`` (links not followed)."""
    left = [entry.path for entry in os.scandir(folder)
            if entry.name not in keep]
    if left:
        # rm works through any depth (Python's rmtree recurses) and stays
        # on this file system; permissions do not stop root.
        subprocess.run(["rm", "-rf", "--one-file-system", "--", *left],
                       check=True, capture_output=True)


def reset_folder(folder):
    """Make a slot folder root's, sticky and world-writable, as /tmp is."""
    os.chown(folder, 0, 0, follow_symlinks=False)
    os.chmod(folder, 0o1777, follow_symlinks=False)
    for name in os.listxattr(folder, follow_symlinks=False):
        with contextlib.suppress(OSError):
            os.removexattr(folder, name, follow_symlinks=False)


