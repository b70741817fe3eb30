"""nbgrader's side of a zygote: a kernel forked from the worker's zygote.

The grading worker starts the zygotes (:mod:`instructor.grading.zygote`)
and hands them to nbgrader's process through ``ZYGOTE_ENV`` and
``ROOM_ZYGOTE_ENV``; a :class:`ZygoteClient` takes one, fills its slot,
asks it for a child in a cgroup of its own (:class:`ForkedProcess`) and
empties the slot again when the kernel ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
from pathlib import Path

from instructor.grading.cgroup import Cgroup
from instructor.grading.sandbox import HOME, Limits
from instructor.grading.zygote import (
    SLOT_FOLDERS,
    ZYGOTE_ENV,
    ZygoteError,
    empty_folder,
    enabled,
    processes_of,
    reset_folder,
)


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
                empty_folder(self.slot / name, keep=self.kept.get(name, ()))
                reset_folder(self.slot / name)
            for copy, _, _ in self.private_copies:
                empty_folder(copy)
                reset_folder(copy)
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
