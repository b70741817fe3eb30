"""Cgroups left by a grader that was killed are removed by the next one."""

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from instructor.grading import cgroup
from instructor.grading.cgroup import Cgroup
from instructor.grading.sandbox import Limits

REPO = Path(__file__).resolve().parent.parent

# A grader that makes a sandbox's cgroups, optionally starts a process in
# them, says where they are, and waits to be killed.
GRADER = """
import json, subprocess, sys, time
sys.path.insert(0, {repo!r})
from instructor.grading.cgroup import Cgroup
from instructor.grading.sandbox import Limits
group = Cgroup(Limits())
busy = None
if {busy!r}:
    busy = subprocess.Popen(group.enter_command() + ["sleep", "120"])
    while len(group.paths) and not (group.paths[0] / "cgroup.procs").read_text():
        time.sleep(0.02)
print(json.dumps({{"paths": [str(p) for p in group.paths],
                  "busy": busy.pid if busy else None}}), flush=True)
time.sleep(120)
"""


def killed_grader(busy=False):
    """Run a grader that makes cgroups, kill it; return (paths, busy pid)."""
    grader = subprocess.Popen(
        [sys.executable, "-c", GRADER.format(repo=str(REPO), busy=busy)],
        stdout=subprocess.PIPE, text=True)
    try:
        made = json.loads(grader.stdout.readline())
    finally:
        grader.kill()
        grader.wait()
    return [Path(path) for path in made["paths"]], made["busy"]


@pytest.fixture
def writable():
    probe = Cgroup(Limits())
    try:
        if not probe.available:
            pytest.skip("no writable cgroup on this machine")
    finally:
        probe.remove()


def test_the_groups_of_a_killed_grader_go_when_the_next_is_made(
        writable, monkeypatch):
    dead, _ = killed_grader()
    assert dead and all(path.is_dir() for path in dead)
    # Too young: its owner may be about to move a process in.
    Cgroup(Limits()).remove()
    assert all(path.is_dir() for path in dead)
    busy_groups, busy_pid = killed_grader(busy=True)
    live = Cgroup(Limits())  # ours: empty, but its owner runs
    meter = dead[0].parent / "faces-styles-cpu-0123456789ab"
    meter.mkdir()  # a benchmark's CPU meter, not a sandbox's group
    try:
        monkeypatch.setattr(cgroup, "STALE_AFTER_SECONDS", 0)
        Cgroup(Limits()).remove()
        assert not any(path.exists() for path in dead), dead
        # A group with a process in it stays until the process ends.
        assert all(path.is_dir() for path in busy_groups)
        assert all(path.is_dir() for path in live.paths)
        assert meter.is_dir()

        os.kill(busy_pid, 9)
        for _ in range(100):
            if not (busy_groups[0] / "cgroup.procs").read_text().strip():
                break
            time.sleep(0.05)
        Cgroup(Limits()).remove()
        assert not any(path.exists() for path in busy_groups), busy_groups
        assert all(path.is_dir() for path in live.paths)
    finally:
        live.remove()
        meter.rmdir()
        with contextlib.suppress(OSError):
            os.kill(busy_pid, 9)
