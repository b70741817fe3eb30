"""Run this environment's Python once in a sandbox before grading.

Every kernel would otherwise die before replying to kernel_info when the
sandbox's user cannot reach the interpreter: :func:`check` names the paths
it cannot read instead.  The probe itself is a shell script beside this
module (``interpreter_probe.sh``), read as text and run inside the sandbox.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from instructor.grading.interpreter import needed
from instructor.grading.sandbox import Sandbox, SandboxUnavailable, package_dir

#: The probe: checks each path it is given, then starts the interpreter.
PROBE = Path(__file__).with_name("interpreter_probe.sh").read_text(
    encoding="utf-8")
#: What the probe's Python imports: what a kernel imports to start.
PROBE_CODE = "import ipykernel.kernelapp"
_CHECKED = set()


def check(read_only=()):
    """Run this environment's Python once in a sandbox, or explain why not.

    ``read_only`` lists the other paths a kernel is shown (they must be
    readable by the sandbox's user too).  Raises ``SandboxUnavailable``
    naming the paths the sandbox's user cannot reach, or with the
    interpreter's own error.  A check that passed is not run again.
    """
    key = (sys.executable, tuple(sorted(map(str, read_only))))
    if key in _CHECKED:
        return
    dirs, links = needed()
    paths = [*links, *dirs, *map(str, read_only)]
    with Sandbox(read_only=list(read_only)) as box:
        if box.unsafe:
            return
        result = subprocess.run(
            box.command(["/bin/sh", "-c", PROBE, "probe", sys.executable,
                         PROBE_CODE, *paths]),
            env=box.environment(), capture_output=True, text=True,
            timeout=300)
    if result.returncode == 0:
        _CHECKED.add(key)
        return
    raise SandboxUnavailable(
        f"The grading sandbox cannot run this environment's Python "
        f"({sys.executable}): {_explain(result.stdout + result.stderr)} "
        "Until then every kernel would die before replying to kernel_info, "
        "so grading stops here.")


def check_for_kernels():
    """:func:`check` with what every kernel is shown: the course's helpers."""
    check([path for path in [package_dir("helpers")] if path])


def _explain(output):
    """Return what the probe's output says is wrong, and what to do."""
    found = {"missing": [], "unreadable": [], "not executable": []}
    for line in output.splitlines():
        kind, _, path = line.partition(": ")
        if kind in found and path not in found[kind]:
            found[kind].append(path)
    unreadable = found["unreadable"] + [
        path for path in found["not executable"]
        if path not in found["missing"]]
    # What lies in an unreadable folder looks missing: name the folder.
    missing = [path for path in found["missing"]
               if not any(os.path.commonpath([path, folder]) == folder
                          for folder in unreadable)]
    unreadable = [path for path in unreadable
                  if not any(path != folder and os.path.commonpath(
                      [path, folder]) == folder for folder in unreadable)]
    if not unreadable and not missing:
        return f"it failed with:\n{output.strip()[-2000:]}\n"
    said = []
    if unreadable:
        said.append(
            "it runs as a user of its own, which cannot read "
            f"{', '.join(unreadable)}. Make the environment readable by "
            f"every user (e.g. 'chmod -R o+rX {unreadable[0]}'), or make one "
            "in a folder every user can read.")
    if missing:
        said.append(
            f"{', '.join(missing)}, which the kernel needs, is not there "
            "inside the sandbox (under /proc, /dev or a folder the sandbox "
            "hides?): use an environment that lives elsewhere.")
    return " ".join(said)
