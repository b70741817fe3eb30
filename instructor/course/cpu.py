"""CPU seconds of a grading process and every process it starts.

Sandboxed kernels run in a session and PID namespace of their own, so the
``getrusage(RUSAGE_CHILDREN)`` of the grader misses them when an
intermediate process does not wait for them.  Where the machine has
cgroup v1's ``cpuacct`` controller, the meter makes a cpuacct cgroup, the
grading process joins it before it starts (``join``, called in the
child), and every descendant stays in it: ``cpuacct.usage`` counts them
all.  (The sandbox's own memory and pids cgroups are in other
hierarchies, so they do not move the kernel out of it; its cpu group,
where cpu and cpuacct share a hierarchy, nests inside the meter's.)  Elsewhere the
meter falls back to the rusage of waited-for children and says so.
"""

from __future__ import annotations

import contextlib
import os
import resource
import time
import uuid
from pathlib import Path

CPUACCT = Path("/sys/fs/cgroup/cpuacct")


def _own_cpuacct():
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if "cpuacct" in controllers.split(","):
                return path
    except OSError:
        pass
    return None


class CpuMeter:
    """Count the CPU seconds of a process tree started inside the block."""

    CGROUP = "cgroup cpuacct"
    CHILDREN = "rusage of children"

    def __init__(self):
        self.path = None
        self.seconds = None
        self.method = None

    def __enter__(self):
        own = _own_cpuacct()
        if own is not None and (CPUACCT / "cpuacct.usage").exists():
            path = CPUACCT / own.lstrip("/") / (
                f"faces-styles-cpu-{uuid.uuid4().hex[:12]}")
            with contextlib.suppress(OSError):
                path.mkdir()
                self.path = path
        self._children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return self

    @property
    def procs(self):
        """The cgroup's ``cgroup.procs`` file a process joins, or None."""
        return None if self.path is None else self.path / "cgroup.procs"

    def join(self):
        """Move the calling process into the meter's cgroup (in the child)."""
        if self.path is not None:
            with contextlib.suppress(OSError):
                (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def __exit__(self, *exc_info):
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        children = (after.ru_utime - self._children.ru_utime
                    + after.ru_stime - self._children.ru_stime)
        if self.path is not None:
            try:
                usage = int((self.path / "cpuacct.usage").read_text())
                self.seconds = usage / 1e9
                self.method = self.CGROUP
            except (OSError, ValueError):
                pass
            self._remove()
        if self.seconds is None:
            self.seconds = children
            self.method = self.CHILDREN
        return False

    def _remove(self):
        for _ in range(100):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                # Processes left (a kernel still exiting): wait for them.
                time.sleep(0.05)
