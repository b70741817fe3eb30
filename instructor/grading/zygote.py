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
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from helpers import settings
from instructor.grading.cgroup import Cgroup
from instructor.grading.sandbox import (HOME, Limits, Sandbox,
                                        unsafe_requested)

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


# -- the worker's side: start and keep a zygote ------------------------------

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
            _reset(folder)
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


# -- nbgrader's side: fork a kernel from the zygote --------------------------

class ForkedProcess:
    """A process forked by the zygote, handled like a ``subprocess.Popen``.

    The process is not our child: it is watched through a pidfd, and
    killing it kills its whole cgroup.  Its exit status is not known to
    us; ``returncode`` is 1 once it has ended.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid, cgroup):
        self.pid = pid
        self.cgroup = cgroup
        self.returncode = None
        self._pidfd = os.pidfd_open(pid)

    def poll(self):
        if self.returncode is None:
            ready, _, _ = select.select([self._pidfd], [], [], 0)
            if ready:
                self._ended()
        return self.returncode

    def wait(self, timeout=None):
        if self.returncode is None:
            ready, _, _ = select.select([self._pidfd], [], [], timeout)
            if not ready:
                raise subprocess.TimeoutExpired("forked kernel", timeout)
            self._ended()
        return self.returncode

    def _ended(self):
        self.returncode = 1
        # Process 1 of its namespace has ended: make sure all else has.
        self.cgroup.kill_all()

    def send_signal(self, signum):
        if signum == signal.SIGKILL:
            self.kill()
            return
        for path in self.cgroup.paths[:1]:
            with contextlib.suppress(OSError):
                for pid in (path / "cgroup.procs").read_text().split():
                    with contextlib.suppress(OSError):
                        os.kill(int(pid), signum)

    def terminate(self):
        self.send_signal(signal.SIGTERM)

    def kill(self):
        self.cgroup.kill_all()
        with contextlib.suppress(OSError):
            signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)

    def close(self):
        with contextlib.suppress(OSError):
            os.close(self._pidfd)


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


def _empty(folder, keep=()):
    """Delete everything inside ``folder`` but ``keep`` (links not followed)."""
    left = [entry.path for entry in os.scandir(folder)
            if entry.name not in keep]
    if left:
        # rm works through any depth (Python's rmtree recurses) and stays
        # on this file system; permissions do not stop root.
        subprocess.run(["rm", "-rf", "--one-file-system", "--", *left],
                       check=True, capture_output=True)


def _reset(folder):
    """Make a slot folder root's, sticky and world-writable, as /tmp is."""
    os.chown(folder, 0, 0, follow_symlinks=False)
    os.chmod(folder, 0o1777, follow_symlinks=False)
    for name in os.listxattr(folder, follow_symlinks=False):
        with contextlib.suppress(OSError):
            os.removexattr(folder, name, follow_symlinks=False)


def _join_own_cpuacct(pid):
    """Count ``pid`` in this process's cpuacct group (the task's meter)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if "cpuacct" in controllers.split(",") and \
                    "cpu" not in controllers.split(","):
                procs = Path("/sys/fs/cgroup/cpuacct") / path.lstrip("/") \
                    / "cgroup.procs"
                procs.write_text(str(pid))


class ZygoteClient:
    """nbgrader's use of a zygote its worker started (one kernel at a time)."""

    def __init__(self, handle):
        info = json.loads(handle)
        self.socket_path = info["socket"]
        self.lock_path = info["lock"]
        self.slot = Path(info["slot"])
        self.uid = int(info["uid"])
        self.zygote_pid = int(info["pid"])
        self.kept = {name: tuple(names)
                     for name, names in info["kept"].items()}
        self.control = Path(self.socket_path).parent
        self.private_copies = [
            (Path(copy), folder, Path(original))
            for copy, folder, original in info["private_copies"]]
        self.spec = info["spec"]
        self.child_environment = info["child_environment"]
        self.description = info["description"]
        self.process = None
        self._lock = None

    @classmethod
    def from_environment(cls, spec, variable=ZYGOTE_ENV):
        """Return a client of the zygote in ``$variable`` for ``spec``.

        None when there is none, or when it was started for other settings.
        """
        handle = os.environ.get(variable)
        if not handle or not enabled():
            return None
        try:
            client = cls(handle)
        except (ValueError, KeyError, TypeError):
            return None
        if client.spec != spec or not client.zygote_alive():
            return None
        return client

    def zygote_alive(self):
        """Return True while the zygote runs and has not been retired."""
        try:
            os.kill(self.zygote_pid, 0)
        except OSError:
            return False
        return not (self.control / "poisoned").exists()

    @property
    def scratch(self):
        """The folder of the kernel's connection file and sockets."""
        return self.slot / "run"

    def environment(self):
        """The grader's side has nothing to start: an empty environment."""
        return {"PATH": "/usr/bin:/bin"}

    def describe(self):
        """Return one line saying how the forked kernel is isolated."""
        return (f"{self.description}; forked from a zygote into its own "
                "user, PID, IPC and network namespaces and cgroup")

    def out_of_memory(self):
        """Return True when the memory limit killed the child's process."""
        return bool(self.process and self.process.cgroup.out_of_memory())

    def __exit__(self, *exc_info):
        self.release(self.process)
        self.process = None
        return False

    @property
    def work_dir(self):
        """The kernel's working folder, as its process sees it."""
        return f"{HOME}/work"

    def prepare(self, files, home_files):
        """Take the zygote and fill its slot for a new kernel."""
        lock = open(self.lock_path, "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
        except BaseException:
            lock.close()
            raise
        self._lock = lock
        # A grader killed mid-kernel leaves its kernel behind: end it first.
        self._sweep()
        self.wipe()
        from helpers.assets import link_tree

        for name, source in sorted(files.items()):
            if "/" in name or name in ("", ".", ".."):
                raise ValueError(f"not a plain file name: {name!r}")
            shutil.copyfile(source, self.slot / "work" / name)
            os.chmod(self.slot / "work" / name, 0o644)
        for name, source in sorted(home_files.items()):
            target = self.slot / "home" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            os.chmod(target, 0o644)
        for copy, folder, original in self.private_copies:
            link_tree(folder, copy, link_to=original)
        # The folders made now are the kernel's; the slot's own folders
        # stay root's (sticky, like /tmp), so it cannot change them.
        for folder in [self.slot / name for name in ("home", "work")] + [
                copy for copy, _, _ in self.private_copies]:
            for path in folder.rglob("*"):
                if path.is_dir() and not path.is_symlink() and \
                        path.name not in self.kept.get(folder.name, ()):
                    os.chown(path, self.uid, self.uid,
                             follow_symlinks=False)

    def spawn(self, code, env, cwd, argv=None, limits=None, fds=()):
        """Fork a child that runs ``code``; return its ForkedProcess.

        The child gets ``fds`` (our open files) as its 3, 4, ...
        """
        cgroup = Cgroup(limits or Limits(**self.spec["limits"]))
        if not cgroup.available:
            cgroup.remove()
            raise ZygoteError("no cgroup for the kernel")
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
            connection.settimeout(60)
            connection.connect(self.socket_path)
            request = (json.dumps({
                "code": code, "env": env, "cwd": cwd,
                "argv": argv or [sys.executable]}) + "\n").encode()
            ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                          struct.pack(f"{len(fds)}i", *fds))] if fds else []
            sent = connection.sendmsg([request], ancillary)
            connection.sendall(request[sent:])
            message, ancillary, _, _ = connection.recvmsg(
                4096, socket.CMSG_SPACE(12))
            credentials = [data for level, kind, data in ancillary
                           if level == socket.SOL_SOCKET
                           and kind == socket.SCM_CREDENTIALS]
            if message != b"forked\n" or not credentials:
                raise ZygoteError("the zygote did not fork: "
                                  + message.decode(errors="replace")[:2000])
            pid, uid, _ = struct.unpack("3i", credentials[0][:12])
            if uid != self.uid:
                raise ZygoteError(f"the forked child runs as {uid}, "
                                  f"not {self.uid}")
            process = ForkedProcess(pid, cgroup)
            for path in cgroup.paths:
                (path / "cgroup.procs").write_text(str(pid))
            _join_own_cpuacct(pid)
            connection.sendall(b"go\n")
            self.process = process
            return process
        except BaseException:
            cgroup.remove()
            raise
        finally:
            connection.close()

    def _sweep(self):
        """Kill every process of the zygote's user but the zygote itself.

        Nothing of one kernel may run when the next one's files are put in
        the slot; if something cannot be killed, the zygote is retired.
        """
        for _ in range(100):
            left = [pid for pid in processes_of(self.uid)
                    if pid != self.zygote_pid]
            if not left:
                return
            for pid in left:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            select.select([], [], [], 0.05)
        (self.control / "poisoned").write_text("a kernel outlived its end")
        raise ZygoteError("a forked kernel could not be ended")

    def wipe(self):
        """Empty the slot's folders (every child must have ended).

        Their owner, mode and extended attributes are set again too; a
        slot that cannot be emptied retires the zygote.
        """
        try:
            for name in SLOT_FOLDERS:
                _empty(self.slot / name, keep=self.kept.get(name, ()))
                _reset(self.slot / name)
            for copy, _, _ in self.private_copies:
                _empty(copy)
                _reset(copy)
        except (OSError, RecursionError) as error:
            (self.control / "poisoned").write_text(f"wipe failed: {error}")
            raise ZygoteError(f"the slot could not be emptied: {error}") \
                from None

    def release(self, process=None):
        """End ``process`` and its cgroup, empty the slot, free the zygote."""
        try:
            if process is not None:
                process.kill()
                process.cgroup.remove()
                process.close()
            if self._lock is None:  # never taken: the slot is another's
                return
            self._sweep()
            self.wipe()
        finally:
            if self._lock is not None:
                fcntl.flock(self._lock, fcntl.LOCK_UN)
                self._lock.close()
                self._lock = None
