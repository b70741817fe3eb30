"""The exchange between real users, trusting nothing a learner controls.

nbgrader's exchange (``deploy/jupyterhub/nbgrader_config.py``) is a folder
that every account writes.  Learners own their submissions in
``<exchange>/<course>/inbound/``, so their names, ``timestamp.txt`` and
files are theirs to forge.  This module makes the course's exchange
folders, checks who owns them, and collects submissions itself:

- a submission is collected only from the account it names;
- only regular files owned by that account, not hard links, within the
  size limits are copied, each opened without following links;
- a submission's time is the latest change time (ctime) of its folder and
  files, which no learner can set backwards, and the collected
  ``timestamp.txt`` says that time, so nbgrader's lateness uses it;
- what is left out, and every submission skipped, is reported with the
  learner's name, and the rest of the class is collected.

The layout nbgrader expects is kept: ``submitted/<student>/<assignment>/``
with ``timestamp.txt`` and ``submission_secret.txt``.
"""

import datetime
import fnmatch
import os
import pwd
import shutil
import stat
from pathlib import Path

COURSE_FOLDERS = {"outbound": 0o755, "inbound": 0o2733, "feedback": 0o711}
COURSE_FOLDER_MODE = 0o755
#: A submission with more files or folders than this is not collected.
MAX_ENTRIES = 500
MAX_DEPTH = 8
MAX_SECRET_BYTES = 4096
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"
#: Changes this long after the time a submission names are reported.
CHANGED_AFTER_SECONDS = 60


class ExchangeProblem(RuntimeError):
    """The exchange cannot be used safely; the message says what to do."""


def settings(root):
    """Return nbgrader's configuration for the course at ``root``.

    Loaded as nbgrader loads it: every Jupyter configuration folder
    (``/etc/jupyter``, ``$JUPYTER_CONFIG_DIR``, ...), then the course root.
    """
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    for folder in [*reversed(jupyter_config_path()), str(root)]:
        if (Path(folder) / "nbgrader_config.py").is_file():
            config.merge(PyFileConfigLoader("nbgrader_config.py",
                                            path=folder).load_config())
    return config


def configured(root):
    """Return True when the course's configuration names an exchange."""
    return "root" in settings(root).Exchange


def course_folder(root):
    """Return ``<exchange>/<course>`` of the course at ``root``."""
    from nbgrader.exchange.default.exchange import Exchange

    config = settings(root)
    exchange = config.Exchange.get("root") or Exchange.root.default_value
    course_id = config.CourseDirectory.get("course_id") or ""
    if not course_id:
        raise ExchangeProblem(
            "no course id is configured: set c.CourseDirectory.course_id in "
            "the course's nbgrader_config.py")
    return Path(exchange) / course_id


def _user(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _check_exchange_root(exchange):
    info = os.lstat(exchange)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise ExchangeProblem(f"the exchange {exchange} is not a folder")
    if info.st_uid not in (0, os.geteuid()):
        raise ExchangeProblem(
            f"the exchange {exchange} is owned by {_user(info.st_uid)}, not "
            "by root or you: a learner could replace the course's folders "
            f"in it. As root: mkdir a new one owned by root (chmod 1777) "
            "and point Exchange.root at it.")
    if info.st_mode & stat.S_IWOTH and not info.st_mode & stat.S_ISVTX:
        raise ExchangeProblem(
            f"the exchange {exchange} can be written by everyone but has no "
            "sticky bit, so any learner can rename the course's folder and "
            f"put their own in its place. As root: chmod 1777 {exchange}")


def check_course_folder(root, make=False):
    """Check (or, with ``make``, create) the exchange's course folders.

    Each must be a real folder owned by the instructor with nbgrader's
    modes (modes are corrected); one owned by anyone else (a learner who
    made it first) stops the command with what to do.  Returns the course
    folder.
    """
    course = course_folder(root)
    exchange = course.parent
    if not exchange.is_dir():
        raise ExchangeProblem(
            f"the exchange {exchange} does not exist. As root: "
            f"mkdir -p {exchange} && chmod 1777 {exchange}")
    _check_exchange_root(exchange)
    me = os.geteuid()
    for path, mode in [(course, COURSE_FOLDER_MODE),
                       *[(course / name, mode)
                         for name, mode in COURSE_FOLDERS.items()]]:
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            if not make:
                raise ExchangeProblem(
                    f"{path} does not exist: run make release-assignment "
                    "first") from None
            os.mkdir(path, 0o700)
            os.chmod(path, mode)
            print(f"made {path} (mode {mode:04o})")
            continue
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
            owner = _user(info.st_uid)
            raise ExchangeProblem(
                f"{path} is not a folder (made by {owner}). As root, move it "
                f"aside (mv {path} {path}.suspect) and run the command again.")
        if info.st_uid != me:
            raise ExchangeProblem(
                f"{path} is owned by {_user(info.st_uid)}, not by you "
                f"({_user(me)}): a learner who made it could read or replace "
                "what is released and submitted there. As root, move it "
                f"aside (mv {path} {path}.suspect), then run "
                "make release-assignment again to make it anew.")
        if stat.S_IMODE(info.st_mode) != mode:
            os.chmod(path, mode)
            print(f"{path}: mode {stat.S_IMODE(info.st_mode):04o} changed to "
                  f"{mode:04o}")
    return course


def _ignored(name, patterns):
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def _parse_name(name, assignment):
    """Return (student, claimed time or None) of an inbound entry's name,
    or None when it is not a submission of ``assignment``."""
    from nbgrader.utils import parse_utc

    parts = name.rsplit("+", 3)
    if len(parts) < 3 or parts[1] != assignment:
        return None
    try:
        return parts[0], parse_utc(parts[2])
    except (ValueError, OverflowError, TypeError):
        return parts[0], None


def _latest_change(folder_fd, info, depth=0, count=None):
    """Return the latest ctime in a folder's tree, and its entry count,
    without following any link (``info`` is the folder's own stat)."""
    count = [0] if count is None else count
    latest = info.st_ctime
    for name in os.listdir(folder_fd):
        count[0] += 1
        if count[0] > MAX_ENTRIES:
            break
        entry = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
        latest = max(latest, entry.st_ctime)
        if stat.S_ISDIR(entry.st_mode) and depth < MAX_DEPTH:
            try:
                fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY
                             | os.O_NOFOLLOW, dir_fd=folder_fd)
            except OSError:
                continue
            try:
                latest = max(latest, _latest_change(
                    fd, os.fstat(fd), depth + 1, count)[0])
            finally:
                os.close(fd)
    return latest, count[0]


class _Copy:
    """Copy one submission's tree, taking only what its owner may hand in."""

    def __init__(self, owner, ignore):
        from instructor.course.submissions import (MAX_NOTEBOOK_BYTES,
                                                   MAX_OTHER_FILE_BYTES)

        self.owner = owner
        self.ignore = ignore
        self.limits = (MAX_NOTEBOOK_BYTES, MAX_OTHER_FILE_BYTES)
        self.left_out = []
        self.latest = 0.0
        self.entries = 0

    def tree(self, source_fd, destination, prefix="", depth=0):
        os.mkdir(destination, 0o755)
        for name in sorted(os.listdir(source_fd)):
            relative = prefix + name
            self.entries += 1
            if self.entries > MAX_ENTRIES:
                self.left_out.append(f"{prefix or './'!r}: more than "
                                     f"{MAX_ENTRIES} entries, the rest")
                return
            info = os.stat(name, dir_fd=source_fd, follow_symlinks=False)
            self.latest = max(self.latest, info.st_ctime)
            if _ignored(name, self.ignore):
                continue
            why = self._refusal(info)
            if why is None and stat.S_ISDIR(info.st_mode):
                why = self._folder(source_fd, name, info,
                                   destination / name, relative, depth)
            elif why is None:
                why = self._file(source_fd, name, info, destination / name)
            if why:
                self.left_out.append(f"{relative!r}: {why}")

    def _refusal(self, info):
        mode = info.st_mode
        if stat.S_ISLNK(mode):
            return "a symbolic link (not followed)"
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            return "not a regular file (a FIFO, socket or device)"
        if info.st_uid != self.owner:
            return (f"owned by {_user(info.st_uid)}, not by the submitting "
                    "account")
        if stat.S_ISREG(mode) and info.st_nlink > 1:
            return "a hard link (the same file has another name)"
        return None

    def _open(self, folder_fd, name, info, flags):
        fd = os.open(name, flags | os.O_RDONLY | os.O_NOFOLLOW
                     | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder_fd)
        opened = os.fstat(fd)
        if (opened.st_ino, opened.st_dev) != (info.st_ino, info.st_dev):
            os.close(fd)
            raise OSError("it was replaced while being collected")
        why = self._refusal(opened)
        if why:
            os.close(fd)
            raise OSError(why)
        self.latest = max(self.latest, opened.st_ctime)
        return fd, opened

    def _folder(self, folder_fd, name, info, destination, relative, depth):
        if depth >= MAX_DEPTH:
            return f"more than {MAX_DEPTH} folders deep"
        try:
            fd, _ = self._open(folder_fd, name, info, os.O_DIRECTORY)
        except OSError as error:
            return f"could not be read ({error.strerror or error})"
        try:
            self.tree(fd, destination, relative + "/", depth + 1)
        finally:
            os.close(fd)
        return None

    def _file(self, folder_fd, name, info, destination):
        limit = self.limits[0 if name.endswith(".ipynb") else 1]
        if info.st_size > limit:
            return f"larger than {limit >> 20} MiB"
        try:
            fd, _ = self._open(folder_fd, name, info, 0)
        except OSError as error:
            return f"could not be read ({error.strerror or error})"
        with os.fdopen(fd, "rb") as source:
            data = source.read(limit + 1)
        if len(data) > limit:
            return f"larger than {limit >> 20} MiB"
        destination.write_bytes(data)
        destination.chmod(0o644)
        return None


def _stamp(seconds):
    return datetime.datetime.fromtimestamp(
        seconds, datetime.timezone.utc).strftime(TIMESTAMP_FORMAT)


def _candidates(inbound_fd, assignment, skipped):
    """Return {student: [(time, name, claimed), ...]} of the valid inbound
    entries of ``assignment``; what is not valid goes to ``skipped``."""
    found = {}
    for name in sorted(os.listdir(inbound_fd)):
        parsed = _parse_name(name, assignment)
        if parsed is None:
            continue
        student, claimed = parsed
        try:
            info = os.stat(name, dir_fd=inbound_fd, follow_symlinks=False)
        except FileNotFoundError:
            continue
        owner = _user(info.st_uid)
        if owner != student:
            skipped.append(
                f"CHEATING ATTEMPT? {owner} submitted as {student} "
                f"({name!r}): not collected")
            continue
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
            skipped.append(f"{owner}: {name!r} is not a folder (a link?): "
                           "not collected")
            continue
        if claimed is None:
            skipped.append(f"{student}: {name!r} has a malformed time in its "
                           "name: not collected")
            continue
        try:
            fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                         dir_fd=inbound_fd)
            try:
                latest, count = _latest_change(fd, os.fstat(fd))
            finally:
                os.close(fd)
        except OSError as error:
            skipped.append(f"{student}: {name!r} could not be read "
                           f"({error.strerror or error}): not collected")
            continue
        if count > MAX_ENTRIES:
            skipped.append(f"{student}: {name!r} holds more than "
                           f"{MAX_ENTRIES} files and folders: not collected")
            continue
        found.setdefault(student, []).append((latest, name, claimed))
    return found


def _existing_time(folder):
    from nbgrader.utils import parse_utc

    try:
        text = (folder / "timestamp.txt").read_text().strip()
        return parse_utc(text)
    except (OSError, ValueError, OverflowError, TypeError):
        return None


def _naive_utc(seconds):
    return datetime.datetime.fromtimestamp(
        seconds, datetime.timezone.utc).replace(tzinfo=None)


def collect(assignment, root):
    """Collect each learner's latest submission of ``assignment``.

    Prints the instructor's report and returns it as a list of lines.
    """
    from nbgrader.coursedir import CourseDirectory

    course = check_course_folder(root)
    ignore = CourseDirectory(config=settings(root)).ignore
    report, skipped = [], []
    inbound_fd = os.open(course / "inbound", os.O_RDONLY | os.O_DIRECTORY
                         | os.O_NOFOLLOW)
    try:
        candidates = _candidates(inbound_fd, assignment, skipped)
        for student in sorted(candidates):
            latest, name, claimed = max(candidates[student])
            report += _collect_one(inbound_fd, name, student, assignment,
                                   root, ignore, claimed)
    finally:
        os.close(inbound_fd)
    if not candidates:
        report.append(f"no submissions of {assignment} to collect")
    report += [f"SKIPPED {line}" for line in skipped]
    for line in report:
        print(line)
    return report


def _collect_one(inbound_fd, name, student, assignment, root, ignore,
                 claimed):
    """Copy one submission into ``submitted/``; return the report lines."""
    destination = Path(root) / "submitted" / student / assignment
    staging = destination.with_name(f".{assignment}.collecting")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    try:
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                     dir_fd=inbound_fd)
        try:
            info = os.fstat(fd)
            if info.st_uid != pwd.getpwnam(student).pw_uid:
                raise OSError("its owner changed")
            copy = _Copy(info.st_uid, ignore)
            copy.latest = info.st_ctime
            copy.tree(fd, staging)
            latest = max(copy.latest, _latest_change(fd, os.fstat(fd))[0])
        finally:
            os.close(fd)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        return [f"SKIPPED {student}: {name!r} could not be collected "
                f"({error.strerror or error})"]
    time = _naive_utc(latest)
    existing = _existing_time(destination)
    if existing is not None and existing >= time:
        shutil.rmtree(staging)
        return [f"{student}: no newer submission to collect"]
    (staging / "timestamp.txt").write_text(_stamp(latest))
    lines = [f"{student}: collected the submission of {_stamp(latest)}"]
    if (claimed - time).total_seconds() < -CHANGED_AFTER_SECONDS:
        lines.append(f"    {student}: its name says {claimed} UTC but its "
                     f"files changed at {time} UTC: recorded as submitted "
                     "then")
    secret = staging / "submission_secret.txt"
    if not secret.is_file() or secret.stat().st_size > MAX_SECRET_BYTES:
        secret.unlink(missing_ok=True)
        lines.append(f"    {student}: no usable submission_secret.txt: "
                     "graded, but its feedback cannot be released (the "
                     "learner should submit again)")
    lines += [f"    {student}: left out {why}" for why in copy.left_out]
    if destination.exists():
        shutil.rmtree(destination)
    os.rename(staging, destination)
    return lines


def feedback_without_secret(assignment, root):
    """Return {student: why} whose feedback folder cannot be released."""
    problems = {}
    feedback = Path(root) / "feedback"
    if not feedback.is_dir():
        return problems
    for folder in sorted(feedback.glob(f"*/{assignment}")):
        for needed in ("timestamp.txt", "submission_secret.txt"):
            path = folder / needed
            if path.is_symlink() or not path.is_file():
                problems[folder.parent.name] = f"no {needed}"
                break
    return problems
