"""What a sandbox must show for this environment's Python to run in it.

A sandboxed process starts the grader's own interpreter by the path the
grader was started with (``sys.executable``), which may pass through
symbolic links (a course copy whose ``.venv`` links to another one, a
venv's ``bin/python`` linking to a system Python).  The sandbox binds the
real directories (the venv, the base installation, folders that ``.pth``
files add) read-only and makes the links at their own paths, so the same
path works inside; ``interpreter_probe.check`` runs the interpreter once
in a sandbox before grading and names what it could not reach.
"""

from __future__ import annotations

import os
import site
import sys
from pathlib import Path

#: Where this package's course lives: no bound folder may hold it.
COURSE_CODE = str(Path(__file__).resolve().parents[2])
#: Links resolved before a path is taken as a loop (as the kernel's).
MAX_LINKS = 40


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


