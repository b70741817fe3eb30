"""Operating-system sandbox for student code: bubblewrap plus limits.

Every process that runs student code (the notebook's kernel and the
clean-room process that the hidden tests call) is started through
:meth:`Sandbox.command`.  Inside it the student sees the Python
environment and the system directories read-only, a private scratch
directory, and only what the caller lists in ``read_only``; there is no
network, no view of other processes, and the process runs as a user of
its own with limits on memory, processes, file size and open files.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from helpers import settings
from instructor.grading.cgroup import Cgroup

GIB = 1 << 30
MIB = 1 << 20

#: Environment variable that lets an instructor grade without a sandbox.
UNSAFE_ENV = settings.variable("UNSAFE_GRADING")
#: First user id handed to sandboxes when grading runs as root.
UID_BASE = settings.value("SANDBOX_UID_BASE")
UID_SLOTS = 1000
SLOT_DIR = Path(tempfile.gettempdir()) / "faces-styles-sandbox-slots"
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc")
#: Where the private scratch directory appears inside the sandbox.
HOME = "/home/learner"
#: Threads a sandboxed process may compute with; 0 (the default) leaves
#: the libraries' own choice, one per core, which cost fewer CPU seconds
#: per submission than one thread when measured (docs/instructors.md).
THREADS_ENV = settings.variable("SANDBOX_THREADS")


def thread_environment(environ=None):
    """Return the variables that cap TensorFlow's and BLAS's thread pools."""
    threads = settings.value("SANDBOX_THREADS", environ)
    if threads == 0:
        return {}
    text = str(threads)
    return {"TF_NUM_INTRAOP_THREADS": text, "TF_NUM_INTEROP_THREADS": text,
            "OMP_NUM_THREADS": text, "OPENBLAS_NUM_THREADS": text,
            "MKL_NUM_THREADS": text}


class SandboxUnavailable(RuntimeError):
    """The sandbox tool is missing or does not work on this machine."""


def unsafe_requested():
    """Return True when the instructor asked to grade without a sandbox."""
    return settings.value("UNSAFE_GRADING")


def _memory_limit(environ):
    return int(settings.value("SANDBOX_MEMORY_GIB", environ) * GIB)


def _process_limit(environ):
    return settings.value("SANDBOX_PROCESSES", environ)


@dataclass
class Limits:
    """Resource limits of one sandbox, in bytes and counts.

    Memory and processes default to the instructor's settings in the
    environment when the limits are made.
    """

    memory: int = field(default_factory=lambda: _memory_limit(os.environ))
    address_space: int | None = None
    processes: int = field(
        default_factory=lambda: _process_limit(os.environ))
    file_size: int = 100 * MIB
    scratch_size: int = 512 * MIB
    open_files: int = 1024

    @classmethod
    def from_environment(cls, environ):
        """Return the default limits that ``environ``'s settings give."""
        return cls(memory=_memory_limit(environ),
                   processes=_process_limit(environ))

    def __post_init__(self):
        for name in ("memory", "processes", "file_size", "scratch_size",
                     "open_files"):
            if int(getattr(self, name)) <= 0:
                raise ValueError(f"Limits.{name} must be positive, got "
                                 f"{getattr(self, name)!r}")
        if self.address_space is None:
            # TensorFlow reserves far more address space than it touches
            # (about 3.6 GB for a quick notebook that uses 1.6 GB): the
            # resident limit is the cgroup's, this only stops huge mallocs.
            self.address_space = max(2 * self.memory, self.memory + 4 * GIB)


def bwrap_path():
    """Return the path of ``bwrap`` or raise SandboxUnavailable."""
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(
            "Grading runs every submission in a bubblewrap sandbox, but "
            "'bwrap' is not installed. Install it (Debian/Ubuntu: "
            "'apt-get install bubblewrap'; Fedora: 'dnf install bubblewrap'),"
            f" or set {UNSAFE_ENV}=1 to grade WITHOUT isolation (student "
            "code can then read solutions and the gradebook; the report "
            "says so)."
        )
    return path


def package_dir(name):
    """Return the directory of an importable package, or None."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.realpath(list(spec.submodule_search_locations)[0])


def _inside_lexically(path, parents):
    """Return True when ``path`` is one of ``parents`` or lies in one."""
    return any(os.path.commonpath([path, parent]) == parent
               for parent in parents)


@contextlib.contextmanager
def uid_slot():
    """Yield a user id that no other running sandbox uses (root only)."""
    SLOT_DIR.mkdir(mode=0o700, exist_ok=True)
    start = (os.getpid() * 7919) % UID_SLOTS
    for offset in range(UID_SLOTS):
        slot = (start + offset) % UID_SLOTS
        handle = open(SLOT_DIR / f"slot-{slot}.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        try:
            yield UID_BASE + slot
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
        return
    raise SandboxUnavailable(f"all {UID_SLOTS} sandbox user ids are in use")


@dataclass
class Sandbox:
    """One sandboxed process tree: its scratch directory, user and cgroup.

    Use as a context manager; :meth:`command` wraps an argv so that it runs
    inside the sandbox.  ``read_only`` lists host paths made visible at the
    same path; ``files`` maps names in the scratch work directory to host
    files bound read-only there (a submission's extra files).  Each folder
    of ``private_copies`` appears writable at its own path, as a private
    tree whose files link to the originals (a cache the process may add to
    without touching the shared one).  ``home_files`` maps paths under the
    sandbox's home to host files bound read-only there.
    """

    limits: Limits = field(default_factory=Limits)
    read_only: list = field(default_factory=list)
    writable: list = field(default_factory=list)
    hide: list = field(default_factory=list)
    files: dict = field(default_factory=dict)
    private_copies: list = field(default_factory=list)
    home_files: dict = field(default_factory=dict)
    env: dict = field(default_factory=dict)
    unsafe: bool = field(default_factory=unsafe_requested)
    #: A zygote's slot (instructor.grading.zygote): its folders replace the
    #: private tmpfs and scratch, so the grader can empty them between the
    #: zygote's children; nothing else is writable.
    slot: Path | None = None

    def __enter__(self):
        self._stack = contextlib.ExitStack()
        self.uid = None
        self.cgroup = None
        if self.unsafe:
            self.scratch = Path(tempfile.mkdtemp(prefix="faces-styles-unsafe-"))
            self._stack.callback(shutil.rmtree, self.scratch, True)
            return self
        self.bwrap = bwrap_path()
        if os.geteuid() == 0:
            self.uid = self._stack.enter_context(uid_slot())
        self.cgroup = Cgroup(self.limits)
        self._stack.callback(self.cgroup.remove)
        if self.slot is not None:
            self.slot_copies = []
            for index, folder in enumerate(self.private_copies):
                copy = Path(self.slot) / f"private-{index}"
                original = Path(self.slot) / f"original-{index}"
                copy.mkdir(exist_ok=True)
                original.mkdir(exist_ok=True)
                self.slot_copies.append((copy, folder, original))
            self.scratch = Path(self.slot) / "run"
            return self
        # Host directory for what must be shared with the grader (sockets).
        self.scratch = Path(tempfile.mkdtemp(prefix="faces-styles-sandbox-"))
        self._stack.callback(shutil.rmtree, self.scratch, True)
        if self.uid is not None:
            os.chown(self.scratch, self.uid, self.uid)
        self._copies = []
        for index, folder in enumerate(self.private_copies):
            from helpers.assets import link_tree

            # The copy hides the original at its path: the links point to
            # the original bound read-only at a second path.
            original = self.scratch / f"original-{index}"
            original.mkdir()
            copy = link_tree(folder, self.scratch / f"private-{index}",
                             link_to=original)
            if self.uid is not None:
                for path in [copy, *copy.rglob("*")]:
                    if path.is_dir() and not path.is_symlink():
                        os.chown(path, self.uid, self.uid)
            self._copies.append((copy, folder, original))
        return self

    def __exit__(self, *exc_info):
        self._stack.close()
        return False

    @property
    def work_dir(self):
        """The working directory of the sandboxed process (inside path)."""
        if self.unsafe:
            return str(self.scratch)
        return f"{HOME}/work"

    def _mounts(self):
        # First, so that later binds under /tmp stay visible.
        if self.slot is not None:
            args = ["--bind", str(Path(self.slot) / "tmp"), "/tmp"]
        else:
            args = ["--perms", "1777", "--size",
                    str(self.limits.scratch_size), "--tmpfs", "/tmp"]
        for directory in SYSTEM_DIRS:
            if os.path.islink(directory):
                args += ["--symlink", os.readlink(directory), directory]
            elif os.path.isdir(directory):
                args += ["--ro-bind", directory, directory]
        made = set(SYSTEM_DIRS) | {"/", "/tmp"}

        def parents(path):
            # bwrap would create missing parents with mode 0700, which the
            # sandbox's own user could not enter.
            found = []
            for parent in reversed(Path(path).parents):
                if str(parent) not in made:
                    made.add(str(parent))
                    found += ["--perms", "0755", "--dir", str(parent)]
            return found

        from instructor.grading.interpreter import needed

        bound, links = needed()
        for directory in bound:
            args += parents(directory) + ["--ro-bind", directory, directory]
        # The links on the way to the interpreter, where no bound folder
        # has them already (a course's .venv linking to another one).
        for link, target in sorted(links.items()):
            if not _inside_lexically(link, [*SYSTEM_DIRS, *bound]):
                args += parents(link) + ["--symlink", target, link]
                made.add(link)
        for path in self.read_only:
            args += parents(path) + ["--ro-bind", str(path), str(path)]
        for path in self.hide:
            args += ["--tmpfs", str(path)]
        if self.slot is not None:
            return args + self._slot_mounts(parents)
        args += parents(self.scratch)
        args += ["--bind", str(self.scratch), str(self.scratch)]
        for path in self.writable:
            args += parents(path) + ["--bind", str(path), str(path)]
        for copy, folder, original in self._copies:
            args += ["--ro-bind", str(folder), str(original),
                     "--bind", str(copy), str(folder)]
        args += ["--proc", "/proc", "--dev", "/dev",
                 "--perms", "1777", "--tmpfs", "/dev/shm",
                 "--ro-bind-try", "/sys/devices/system/cpu",
                 "/sys/devices/system/cpu"]
        args += ["--perms", "0777", "--size", str(self.limits.scratch_size),
                 "--tmpfs", HOME]
        args += ["--perms", "0777", "--dir", f"{HOME}/work"]
        for name, source in sorted(self.home_files.items()):
            folder = str(Path(HOME, name).parent)
            if folder != HOME:
                args += ["--perms", "0777", "--dir", folder]
            args += ["--ro-bind", str(source), f"{HOME}/{name}"]
        for name, source in sorted(self.files.items()):
            if "/" in name or name in ("", ".", ".."):
                raise ValueError(f"not a plain file name: {name!r}")
            args += ["--ro-bind", str(source), f"{HOME}/work/{name}"]
        return args

    def _slot_mounts(self, parents):
        """The rest of a zygote's mounts: the slot's folders, nothing else."""
        slot = Path(self.slot)
        args = parents(slot / "run")
        args += ["--bind", str(slot / "run"), str(slot / "run")]
        for copy, folder, original in self.slot_copies:
            args += parents(original) + [
                "--ro-bind", str(folder), str(original),
                "--bind", str(copy), str(folder)]
        args += ["--proc", "/proc", "--dev", "/dev",
                 "--bind", str(slot / "shm"), "/dev/shm",
                 "--ro-bind-try", "/sys/devices/system/cpu",
                 "/sys/devices/system/cpu"]
        (slot / "home" / "work").mkdir(exist_ok=True)
        args += parents(HOME) + ["--bind", str(slot / "home"), HOME,
                 "--bind", str(slot / "work"), f"{HOME}/work"]
        return args

    def _environment(self):
        env = {
            "PATH": os.pathsep.join([os.path.dirname(sys.executable),
                                     "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": HOME,
            "USER": "learner",
            "LOGNAME": "learner",
            "LANG": "C.UTF-8",
            "MPLCONFIGDIR": f"{HOME}/.matplotlib",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONNOUSERSITE": "1",
            **thread_environment(),
        }
        env.update({key: str(value) for key, value in self.env.items()})
        return env

    def _limit_command(self):
        limits = self.limits
        nproc = limits.processes
        if self.uid is None:
            # Without a user of its own the process limit counts every
            # process of this user; leave room for those already running.
            nproc += _processes_of_current_user()
        command = []
        if self.uid is not None:
            command += ["setpriv", f"--reuid={self.uid}",
                        f"--regid={self.uid}", "--clear-groups",
                        "--inh-caps=-all", "--bounding-set=-all",
                        "--no-new-privs", "--"]
        command += ["prlimit", f"--as={limits.address_space}",
                    f"--nproc={nproc}", f"--fsize={limits.file_size}",
                    f"--nofile={limits.open_files}", "--core=0", "--"]
        return command

    def command(self, argv):
        """Return the argv that runs ``argv`` inside this sandbox."""
        argv = [str(arg) for arg in argv]
        if self.unsafe:
            return argv
        # Not --unshare-all: as root that adds a user namespace in which
        # the sandbox's own user id does not exist.
        sandbox = [self.bwrap, "--unshare-pid", "--unshare-net",
                   "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                   "--die-with-parent",
                   "--new-session", "--hostname", "sandbox",
                   *self._mounts(), "--chdir", self.work_dir,
                   "--clearenv"]
        for key, value in sorted(self._environment().items()):
            sandbox += ["--setenv", key, value]
        enter = self.cgroup.enter_command() if self.cgroup else []
        return [*enter, *sandbox, "--", *self._limit_command(), *argv]

    def environment(self):
        """Return the host environment to start the command with."""
        if self.unsafe:
            env = dict(os.environ)
            env.update(self._environment())
            env["HOME"] = str(self.scratch)
            env["MPLCONFIGDIR"] = str(self.scratch / ".matplotlib")
            return env
        return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}

    def out_of_memory(self):
        """Return True when the memory limit killed a process."""
        return bool(self.cgroup and self.cgroup.out_of_memory())

    def describe(self):
        """Return one line saying how this sandbox isolates and limits."""
        if self.unsafe:
            return (f"UNSAFE: no sandbox ({UNSAFE_ENV} is set); student code "
                    "ran with the grader's permissions")
        limits = self.limits
        memory = (f"memory {limits.memory / GIB:g} GiB (cgroup)"
                  if self.cgroup and self.cgroup.available else
                  f"address space {limits.address_space / GIB:g} GiB "
                  "(no cgroup available)")
        user = f"uid {self.uid}" if self.uid is not None else "user namespace"
        if self.cgroup and self.cgroup.cpu_shared:
            memory += ", one fair CPU share"
        return (f"bubblewrap, no network, {user}, {memory}, "
                f"{limits.processes} processes, files up to "
                f"{limits.file_size / MIB:g} MiB")


def _processes_of_current_user():
    """Return how many processes the current user runs now."""
    uid = os.getuid()
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    count += 1
    return count
