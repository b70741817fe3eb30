"""A shared machine's course root must be the instructor's alone.

On a machine where learners have accounts (a hub, the exchange), a course
root that other users can read hands them the solutions, hidden tests and
grades; one they can write lets them change the ``nbgrader_config.py``
that the next nbgrader command executes.  :func:`check_private` refuses,
with the ``chmod`` that fixes it, when the course root or one of its
instructor-only parts can be read or written by another user.

"Another user" is any account but the instructor and root: the "other"
permission bits, and the group bits when the group holds any account but
those two.  A path is reachable only when every folder above it can be
entered by another user, so a private home (``chmod 0700 ~``) or course
root protects everything below it.
"""

import functools
import grp
import os
import pwd
import stat
from pathlib import Path

#: The parts of a course root that only the instructor may read or write.
PRIVATE_PARTS = ("solutions", "instructor", "gradebook.db", "submitted",
                 "autograded", "feedback", ".grading_cache",
                 "nbgrader_config.py")


class CourseNotPrivate(RuntimeError):
    """Other users can read or write the course; the message says the fix."""


@functools.lru_cache(maxsize=None)
def _group_has_others(gid, me):
    """Return True when group ``gid`` holds an account but ``me`` and root."""
    try:
        members = set(grp.getgrgid(gid).gr_mem)
    except KeyError:
        return True
    members |= {entry.pw_name for entry in pwd.getpwall()
                if entry.pw_gid == gid}
    return bool(members - {_name(me), "root"})


def _name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _others_bits(info, me):
    """Return the permission bits another user gets on ``info``'s path."""
    bits = info.st_mode & stat.S_IRWXO
    if _group_has_others(info.st_gid, me):
        bits |= (info.st_mode & stat.S_IRWXG) >> 3
    return bits


def _reachable(path, me):
    """Return True when another user can enter every folder above ``path``."""
    return all(_others_bits(os.stat(folder), me) & stat.S_IXOTH
               for folder in Path(path).parents)


def exposures(root, me=None):
    """Return [(path, why)] for each private part other users can reach."""
    from instructor.grading.harness import default_fixture_dir

    me = os.geteuid() if me is None else me
    root = Path(root).resolve()
    found = []
    paths = [root, *(root / part for part in PRIVATE_PARTS)]
    for path in dict.fromkeys([*paths, default_fixture_dir(root)]):
        if not os.path.lexists(path):
            continue
        path = path.resolve()
        info = os.stat(path)
        if info.st_uid not in (me, 0):
            found.append((path, f"owned by {_name(info.st_uid)}"))
            continue
        if not _reachable(path, me):
            continue
        bits = _others_bits(info, me)
        if path != root and stat.S_ISDIR(info.st_mode):
            # A folder others can enter exposes what they can name in it.
            bits &= stat.S_IRWXO
        else:
            bits &= stat.S_IROTH | stat.S_IWOTH
        if bits:
            what = " and ".join(
                word for flag, word in ((stat.S_IROTH, "read"),
                                        (stat.S_IWOTH, "written"),
                                        (stat.S_IXOTH, "entered"))
                if bits & flag)
            found.append((path, f"can be {what} by other users (mode "
                                f"{stat.S_IMODE(info.st_mode):04o})"))
    return found


def check_private(root):
    """Refuse (CourseNotPrivate) when other users can reach the course."""
    root = Path(root).resolve()
    found = exposures(root)
    if not found:
        return
    fixes = []
    for path, why in found:
        if why.startswith("owned by"):
            fixes.append(f"chown {_name(os.geteuid())} {path}  (as root)")
        elif path == root or root in path.parents:
            fixes.append(f"chmod go-rwx {root}")
        else:
            fixes.append(f"chmod go-rwx {path}")
    lines = [f"  {path}: {why}" for path, why in found]
    raise CourseNotPrivate(
        "other users of this machine could read or change this course's "
        "solutions, hidden tests or grades:\n" + "\n".join(lines)
        + "\nMake it private, then run the command again:\n"
        + "\n".join(f"  {fix}" for fix in dict.fromkeys(fixes)))
