"""What a sandbox must show for this environment's Python to run in it.

A sandboxed process starts the grader's own interpreter by the path the
grader was started with (``sys.executable``), which may pass through
symbolic links (a course copy whose ``.venv`` links to another one, a
venv's ``bin/python`` linking to a system Python).  The sandbox binds the
real directories (the venv, the base installation, folders that ``.pth``
files add) read-only and makes the links at their own paths, so the same
path works inside; :func:`check` runs the interpreter once in a sandbox
before grading and names what it could not reach.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
from pathlib import Path

#: Where this package's course lives: no bound folder may hold it.
COURSE_CODE = str(Path(__file__).resolve().parents[2])
#: Links resolved before a path is taken as a loop (as the kernel's).
MAX_LINKS = 40

PROBE = r'''
python=$1; code=$2; shift 2
bad=0
for path in "$python" "$@"; do
    if [ ! -e "$path" ]; then
        echo "missing: $path"; bad=1
    elif [ ! -r "$path" ] || { [ -d "$path" ] && [ ! -x "$path" ]; }; then
        echo "unreadable: $path"; bad=1
    fi
done
[ -x "$python" ] || { echo "not executable: $python"; bad=1; }
[ "$bad" = 0 ] || exit 3
exec "$python" -c "$code"
'''
#: What the probe's Python imports: what a kernel imports to start.
PROBE_CODE = "import ipykernel.kernelapp"
_CHECKED = set()


def resolve(path, links=None, depth=0):
    """Return the real path of ``path``, adding the links met to ``links``.

    ``links`` maps each symbolic link's path (its folder resolved) to its
    target as written, so the link can be made again elsewhere.
    """
    links = {} if links is None else links
    current = "/"
    for part in Path(os.path.abspath(path)).parts[1:]:
        candidate = os.path.join(current, part)
        if not os.path.islink(candidate):
            current = candidate
            continue
        if depth >= MAX_LINKS:
            raise OSError(f"too many levels of symbolic links: {path}")
        target = os.readlink(candidate)
        links[candidate] = target
        current = resolve(os.path.join(current, target), links, depth + 1)
    return os.path.normpath(current)


def _holds_course_code(folder):
    return os.path.commonpath([COURSE_CODE, folder]) == folder


def pth_dirs():
    """Return the real folders that ``.pth`` files add to ``sys.path``.

    A folder that holds the course's instructor code (an old-style
    editable install names the course root) is left out: the sandbox
    must not show it; the kernel binds the course's ``helpers`` itself.
    """
    found = set()
    for site_dir in site.getsitepackages():
        if not os.path.isdir(site_dir):
            continue
        for name in sorted(os.listdir(site_dir)):
            if not name.endswith(".pth"):
                continue
            try:
                lines = Path(site_dir, name).read_text().splitlines()
            except (OSError, UnicodeDecodeError):
                continue
            for line in lines:
                line = line.rstrip()
                if not line or line.startswith(("#", "import ", "import\t")):
                    continue
                folder = os.path.realpath(os.path.join(site_dir, line))
                if os.path.isdir(folder) and not _holds_course_code(folder):
                    found.add(folder)
    return found


def needed():
    """Return (real folders to bind, {link: target} to make) for Python."""
    links = {}
    dirs = {resolve(path, links) for path in (sys.prefix, sys.base_prefix,
                                              sys.exec_prefix)}
    executable = resolve(sys.executable, links)
    dirs.add(os.path.dirname(os.path.dirname(executable)))
    dirs |= pth_dirs()
    return sorted(dirs), links


def check(read_only=()):
    """Run this environment's Python once in a sandbox, or explain why not.

    ``read_only`` lists the other paths a kernel is shown (they must be
    readable by the sandbox's user too).  Raises ``SandboxUnavailable``
    naming the paths the sandbox's user cannot reach, or with the
    interpreter's own error.  A check that passed is not run again.
    """
    from instructor.grading.sandbox import Sandbox, SandboxUnavailable

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
    from instructor.grading.sandbox import package_dir

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
