"""A memory, process-count and CPU cgroup (v1 or v2) around one sandbox."""

from __future__ import annotations

import contextlib
import os
import re
import time
import uuid
from pathlib import Path

PREFIX = "faces-styles-"
# Made by this module: the owner's pid (absent in older versions) and a
# random part.  Other groups of the course (the benchmarks' CPU meters) and
# of anyone else are never swept.
SANDBOX_GROUP = re.compile(PREFIX + r"(?:(\d+)-)?[0-9a-f]{12}")
# An empty group whose owner is gone is removed only this long after it was
# made, in case its owner lives in another PID namespace and is about to
# move a process into it.
STALE_AFTER_SECONDS = 10.0


def remove_stale(parent):
    """Remove the empty groups in ``parent`` left by graders that died.

    A group is named after the process that made it; one whose owner no
    longer runs, and that holds no process, is removed.  Groups still in
    use refuse to go (rmdir fails), so nothing alive is touched.
    """
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        match = SANDBOX_GROUP.fullmatch(entry.name)
        if match is None or not entry.is_dir(follow_symlinks=False):
            continue
        owner = match.group(1)
        if owner is not None and Path(f"/proc/{int(owner)}").exists():
            continue
        with contextlib.suppress(OSError):
            if now - entry.stat().st_mtime > STALE_AFTER_SECONDS:
                os.rmdir(entry.path)


class Cgroup:
    """A memory and pids cgroup (v1 or v2) for one sandbox, when allowed.

    ``enter_command`` returns a shell prefix that moves the process into the
    cgroup before it starts the sandbox, so no child escapes the limit.
    ``available`` is False when this machine does not let us create one;
    the address-space and process rlimits still apply then.  Where the cpu
    controller is writable too, the sandbox also gets a CPU group of its
    own, so that all its processes together weigh as much as one process
    of another sandbox: a fork bomb cannot starve its neighbours
    (``cpu_shared`` says whether it did).  Groups named after this
    process are left by a grader that is killed; the next one made beside
    them removes them (``remove_stale``).
    """

    def __init__(self, limits, root="/sys/fs/cgroup"):
        self.limits = limits
        self.root = Path(root)
        self.paths = []
        self.cpu_shared = False
        self.name = f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}"
        try:
            self._create()
        except OSError:
            self.remove()
            self.paths = []

    @property
    def available(self):
        return bool(self.paths)

    def _own(self, controller):
        """Return this process's cgroup path for a v1 controller ('' = v2)."""
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if controller in controllers.split(","):
                return path
        return None

    def _create(self):
        memory_v1 = self.root / "memory"
        if (memory_v1 / "memory.limit_in_bytes").exists() or (
                memory_v1.is_dir() and (self.root / "pids").is_dir()):
            for controller, settings in (
                ("memory", {"memory.limit_in_bytes": self.limits.memory}),
                ("pids", {"pids.max": self.limits.processes}),
            ):
                parent = self.root / controller / (
                    self._own(controller) or "/").lstrip("/")
                remove_stale(parent)
                path = parent / self.name
                path.mkdir()
                self.paths.append(path)
                for key, value in settings.items():
                    (path / key).write_text(str(value))
            self._no_swap_v1(self.paths[0])
            self._cpu_group_v1()
            return
        unified = self.root
        if not (unified / "cgroup.controllers").exists():
            unified = self.root / "unified"
        controllers = (unified / "cgroup.controllers").read_text().split()
        if not {"memory", "pids"} <= set(controllers):
            raise OSError("cgroup v2 without memory and pids controllers")
        parent = unified / (self._own("") or "/").lstrip("/")
        remove_stale(parent)
        path = parent / self.name
        path.mkdir()
        self.paths.append(path)
        (path / "memory.max").write_text(str(self.limits.memory))
        (path / "memory.swap.max").write_text("0")
        (path / "pids.max").write_text(str(self.limits.processes))
        # The weight applies only where the parent passes cpu down.
        subtree = (parent / "cgroup.subtree_control").read_text().split()
        self.cpu_shared = "cpu" in subtree

    def _no_swap_v1(self, path):
        """Keep a v1 memory group out of swap, as memory.swap.max=0 does in v2.

        Where the machine has swap, the memory limit alone would let a
        process that allocates without end page out for minutes instead of
        being stopped.
        """
        with contextlib.suppress(OSError):
            (path / "memory.swappiness").write_text("0")
        with contextlib.suppress(OSError):  # only with swap accounting
            (path / "memory.memsw.limit_in_bytes").write_text(
                str(self.limits.memory))

    def _cpu_group_v1(self):
        """Add a v1 cpu group of the default weight, when that is allowed."""
        parent = self.root / "cpu" / (self._own("cpu") or "/").lstrip("/")
        if not (parent / "cpu.shares").exists():
            return
        remove_stale(parent)
        path = parent / self.name
        try:
            path.mkdir()
        except OSError:
            return
        self.paths.append(path)
        self.cpu_shared = True

    def enter_command(self):
        """Return argv that joins the cgroup(s) and then runs its arguments."""
        if not self.paths:
            return []
        joins = " && ".join(
            f"echo $$ > {str(path / 'cgroup.procs')!r}" for path in self.paths)
        return ["/bin/sh", "-c", f'{joins} && exec "$@"', "sandbox"]

    def out_of_memory(self):
        """Return True when the kernel OOM-killed something in the cgroup."""
        for path in self.paths:
            for name, key in (("memory.events", "oom_kill"),
                              ("memory.oom_control", "oom_kill")):
                try:
                    text = (path / name).read_text()
                except OSError:
                    continue
                for line in text.splitlines():
                    parts = line.split()
                    if len(parts) == 2 and parts[0] == key and int(parts[1]):
                        return True
            try:
                if int((path / "memory.failcnt").read_text()) > 0:
                    return True
            except (OSError, ValueError):
                pass
        return False

    def kill_all(self):
        """SIGKILL every process still in the cgroup."""
        for path in self.paths:
            try:
                pids = (path / "cgroup.procs").read_text().split()
            except OSError:
                continue
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(int(pid), 9)

    def remove(self):
        """Kill what is left and delete the cgroup directories."""
        self.kill_all()
        for path in reversed(self.paths):
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    self.kill_all()
                    time.sleep(0.05)
