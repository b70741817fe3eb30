"""Kernels forked from a zygote: as isolated as a fresh sandbox, and cheaper.

Each test starts a real zygote (bubblewrap, its own user, a tmpfs slot)
and forks children that behave like hostile submissions: they try to
reach the zygote, leave something for the next child, or outlive their
grader.  The zygote needs root (its own user and tmpfs); elsewhere the
kernels start as fresh sandboxes and these tests do not apply.
"""

import fcntl
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from instructor.grading import cgroup, kernel, zygote, zygote_client
from instructor.grading.sandbox import GIB, Limits

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="a zygote needs root (its own user, a tmpfs)")


@pytest.fixture(scope="module")
def started(tmp_path_factory):
    # A read-only folder under /tmp, where the course may live (the
    # children's /tmp is the slot's, emptied between children).
    course = tmp_path_factory.mktemp("course_under_tmp")
    course.chmod(0o755)
    (course / "data.txt").write_text("course data")
    spec = zygote.specification(
        {"LANG": "C.UTF-8"}, [str(REPO / "helpers"), str(course)], [], {},
        Limits(), preload=("numpy",))
    running = zygote.Zygote(spec)
    running.course = course
    yield running
    running.close()


@pytest.fixture
def client(started):
    assert started.alive(), "an earlier test killed the zygote"
    return zygote_client.ZygoteClient(started.handle())


@pytest.fixture
def spawned(monkeypatch):
    """Record every child a zygote is asked for (its arguments)."""
    calls = []
    spawn = zygote_client.ZygoteClient.spawn

    def counted(self, *args, **kwargs):
        calls.append(args)
        return spawn(self, *args, **kwargs)

    monkeypatch.setattr(zygote_client.ZygoteClient, "spawn", counted)
    return calls


def run(client, code, limits=None, timeout=60):
    """Fork a child that runs ``code``; return (what it wrote, process)."""
    client.prepare({}, {})
    process = client.spawn(
        textwrap.dedent(code), {"PATH": "/usr/bin:/bin", "HOME": "/home/learner"},
        client.work_dir, limits=limits)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        pass
    result = client.slot / "work" / "out.json"
    written = json.loads(result.read_text()) if result.exists() else None
    process.out_of_memory = client.out_of_memory()
    client.release(process)
    return written, process


def test_a_child_is_sandboxed_like_a_fresh_kernel(client, started):
    written, _ = run(client, f"""
        import json, os, socket
        out = {{"uid": os.getuid(), "pid": os.getpid(),
               "solutions": os.path.exists({str(REPO / 'solutions')!r}),
               "instructor": os.path.exists({str(REPO / 'instructor')!r}),
               "helpers": os.path.isdir({str(REPO / 'helpers')!r}),
               "control": os.path.exists({str(started.control)!r}),
               "capabilities": [line.split()[1] for line in
                                open("/proc/self/status")
                                if line.startswith("CapEff")]}}
        try:
            socket.create_connection(("1.1.1.1", 53), timeout=2)
            out["network"] = "reachable"
        except OSError as error:
            out["network"] = type(error).__name__
        json.dump(out, open("out.json", "w"))
    """)
    assert written == {"uid": started.sandbox.uid, "pid": 2,
                       "solutions": False, "instructor": False,
                       "helpers": True, "control": False,
                       "capabilities": ["0000000000000000"],
                       "network": "OSError"}


def test_a_child_can_neither_signal_nor_read_nor_trace_the_zygote(client,
                                                                  started):
    written, _ = run(client, """
        import ctypes, json, os, signal
        out = {"killed": [], "read": [], "traced": []}
        own = os.readlink("/proc/self")
        for name in os.listdir("/proc"):
            if not name.isdigit() or name == own:
                continue
            pid = int(name)
            # /proc numbers are the zygote's namespace's; signals and ptrace
            # take numbers of the child's own, where 1 is its init and 2
            # the child itself.
            if pid > 2:
                try:
                    os.kill(pid, signal.SIGKILL)
                    out["killed"].append(pid)
                except OSError:
                    pass
            for part in ("mem", "environ"):
                try:
                    open(f"/proc/{pid}/{part}", "rb").read(1)
                    out["read"].append(f"{pid}/{part}")
                except OSError:
                    pass
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.ptrace(16, pid, None, None) == 0:  # PTRACE_ATTACH
                out["traced"].append(pid)
        json.dump(out, open("out.json", "w"))
    """)
    assert written == {"killed": [], "read": [], "traced": []}
    assert started.alive()
    again, _ = run(client, "open('out.json', 'w').write('1')")
    assert again == 1


def test_nothing_of_one_child_reaches_the_next(client, started):
    first, _ = run(client, """
        import ctypes, json, os, time
        for path in ("/tmp/left", "/dev/shm/left", "/home/learner/left",
                     "left"):
            open(path, "w").write("secret")
        libc = ctypes.CDLL(None, use_errno=True)
        segment = libc.shmget(4242, 4096, 0o1000 | 0o666)  # IPC_CREAT
        if os.fork() == 0:  # a daemon that outlives the kernel
            os.setsid()
            if os.fork() == 0:
                time.sleep(30)
                open("/tmp/late", "w").write("secret")
                os._exit(0)
            os._exit(0)
        json.dump({"segment": segment}, open("out.json", "w"))
    """, timeout=5)
    assert first["segment"] >= 0
    assert zygote.processes_of(started.sandbox.uid) == [started.pid]
    second, _ = run(client, """
        import ctypes, json, os
        libc = ctypes.CDLL(None, use_errno=True)
        json.dump({"tmp": sorted(os.listdir("/tmp")),
                   "shm": os.listdir("/dev/shm"),
                   "home": sorted(os.listdir("/home/learner")),
                   "work": os.listdir("."),
                   "segment": libc.shmget(4242, 4096, 0)},
                  open("out.json", "w"))
    """)
    kept = started.kept["tmp"]
    assert second == {"tmp": kept, "shm": [], "home": ["work"], "work": [],
                      "segment": -1}
    if str(started.course).startswith("/tmp/"):
        assert kept  # the mount point of the course's folder
    third, _ = run(client, f"""
        import json
        json.dump(open({str(started.course / 'data.txt')!r}).read(),
                  open("out.json", "w"))
    """)
    assert third == "course data"


def test_the_memory_limit_is_the_childs_own(client, started):
    _, process = run(client, """
        blocks = []
        for _ in range(64):
            blocks.append(bytearray(64 << 20))
        open("out.json", "w").write("1")
    """, limits=Limits(memory=GIB // 2))
    assert process.returncode is not None and process.out_of_memory
    written, _ = run(client, "open('out.json', 'w').write('2')")
    assert written == 2 and started.alive()


def test_only_the_grader_may_ask_for_a_child(started):
    socket_path = started.control / "zygote.sock"
    code = ("import socket; s = socket.socket(socket.AF_UNIX); "
            f"s.connect({str(socket_path)!r}); print('connected')")
    result = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
         sys.executable, "-c", code], capture_output=True, text=True)
    assert "connected" not in result.stdout
    assert "PermissionError" in result.stderr


GRADER = """
import json, sys, time
sys.path.insert(0, {repo!r})
from instructor.grading import zygote_client
client = zygote_client.ZygoteClient({handle!r})
client.prepare({{}}, {{}})
process = client.spawn("import time; open('x', 'w'); time.sleep(60)",
                       {{"PATH": "/usr/bin"}}, client.work_dir)
print(json.dumps([str(path) for path in process.cgroup.paths]), flush=True)
time.sleep(120)
"""


def test_a_grader_killed_mid_kernel_leaves_nothing_behind(started,
                                                          monkeypatch):
    # A real grader process forks a kernel and is killed with it running.
    grader = subprocess.Popen(
        [sys.executable, "-c",
         GRADER.format(repo=str(REPO), handle=started.handle())],
        stdout=subprocess.PIPE, text=True)
    try:
        groups = [Path(path) for path in json.loads(grader.stdout.readline())]
        time.sleep(0.5)
        assert len(zygote.processes_of(started.sandbox.uid)) > 1
    finally:
        grader.kill()
        grader.wait()
    assert groups and all(group.is_dir() for group in groups)
    # The next grader kills the kernel, empties the slot and removes the
    # dead grader's empty cgroups once they are old enough (10 s in
    # grading, 2 s here; never 0: tests beside this one, in other
    # processes, make groups of their own in the same parent).
    monkeypatch.setattr(cgroup, "STALE_AFTER_SECONDS", 2)
    time.sleep(2.5)
    client = zygote_client.ZygoteClient(started.handle())
    written, _ = run(client, """
        import json, os
        json.dump(os.listdir("."), open("out.json", "w"))
    """)
    assert written == []
    assert zygote.processes_of(started.sandbox.uid) == [started.pid]
    assert not any(group.exists() for group in groups), groups


def test_forked_kernels_run_notebooks_as_fresh_kernels_do(monkeypatch,
                                                         spawned):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(
            "import os, sys\nprint(sys.path, os.getcwd(), "
            "os.environ.get('MPLBACKEND'))"),
        nbformat.v4.new_code_cell(
            "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()"),
    ])

    def execute():
        client = NotebookClient(
            nbformat.from_dict(notebook), timeout=120,
            kernel_manager_class=kernel.SandboxKernelManager)
        executed = client.execute()
        return ([output.get("text") for output in executed.cells[0].outputs
                 if output.get("name") == "stdout"],
                [output.output_type for output in executed.cells[1].outputs])

    fresh = execute()
    assert not spawned
    running = zygote.Zygote(kernel.zygote_specification())
    try:
        monkeypatch.setenv(zygote.ZYGOTE_ENV, running.handle())
        forked = execute()
        forked_again = execute()
    finally:
        running.close()
    assert len(spawned) == 2
    assert forked == fresh == forked_again
    assert forked[1] == ["display_data"]


def test_clean_rooms_fork_from_their_own_zygote(monkeypatch, spawned):
    # The clean room's zygote hides the course packages like a fresh room
    # and runs Python isolated; a room forked from it behaves the same.
    from instructor.grading.cleanroom import (
        CleanRoom, StudentError, room_zygote_specification)

    cells = [("good", "def double(x):\n    return np.asarray(x) * 2\n"),
             ("course", "import helpers\n"),
             ("exiter", "import os\ndef exiter():\n    os._exit(3)\n"),
             ("flags", "import sys\nFLAGS = sys.flags.isolated\n")]
    running = zygote.Zygote(room_zygote_specification())
    try:
        monkeypatch.setenv(zygote.ROOM_ZYGOTE_ENV, running.handle())
        with CleanRoom(cells, prelude="import numpy as np", call_timeout=10,
                       cell_timeout=10) as room:
            assert np.array_equal(room.call("double", [1, 2]), [2, 4])
            assert "No module named 'helpers'" in str(
                room.cell_errors["course"])
            assert room.value("FLAGS") == 1
            with pytest.raises(StudentError, match="ProcessEnded"):
                room.call("exiter")
            assert np.array_equal(room.call("double", 3), 6)  # restarted
    finally:
        running.close()
    assert len(spawned) == 2


def zygote_dies_when_asked_to_fork(monkeypatch, running):
    """Kill ``running`` just before the next child is asked of it."""
    spawn = zygote_client.ZygoteClient.spawn

    def dying(self, *args, **kwargs):
        os.kill(self.zygote_pid, signal.SIGKILL)
        while running.alive():
            time.sleep(0.02)
        return spawn(self, *args, **kwargs)

    monkeypatch.setattr(zygote_client.ZygoteClient, "spawn", dying)


def test_a_kernel_starts_fresh_when_its_zygote_dies(monkeypatch):
    # The zygote passes the liveness check, then dies before it forks.
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import os\nprint(os.getcwd(), 6 * 7)")])
    managers = []

    class Recorded(kernel.SandboxKernelManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            managers.append(self)

    running = zygote.Zygote(kernel.zygote_specification())
    try:
        monkeypatch.setenv(zygote.ZYGOTE_ENV, running.handle())
        zygote_dies_when_asked_to_fork(monkeypatch, running)
        executed = NotebookClient(
            nbformat.from_dict(notebook), timeout=120,
            kernel_manager_class=Recorded).execute()
        # The slot was freed: another grader can take the zygote's lock.
        lock_path = zygote_client.ZygoteClient(running.handle()).lock_path
        with open(lock_path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        running.close()
    assert executed.cells[0].outputs[0]["text"].split()[-1] == "42"
    assert managers[0].zygote_failure  # it tried, and says why it gave up


def test_a_clean_room_starts_fresh_when_its_zygote_dies(monkeypatch):
    from instructor.grading.cleanroom import CleanRoom, room_zygote_specification

    running = zygote.Zygote(room_zygote_specification())
    try:
        monkeypatch.setenv(zygote.ROOM_ZYGOTE_ENV, running.handle())
        zygote_dies_when_asked_to_fork(monkeypatch, running)
        with CleanRoom([("good", "def triple(x):\n    return 3 * x\n")],
                       call_timeout=60, cell_timeout=60) as room:
            assert room.call("triple", 14) == 42
            assert room.zygote_failure
            assert "forked" not in room.describe()
    finally:
        running.close()


def test_a_child_cannot_kill_its_process_group(client, started):
    # Signals to its process group (0) or to everything it may signal
    # (-1) reach only the child's own processes, never the zygote.
    run(client, "import os, signal\nos.kill(-1, signal.SIGKILL)\n")
    run(client, "import os, signal\nos.kill(0, signal.SIGKILL)\n")
    time.sleep(0.5)
    assert started.alive()
    written, _ = run(client, "open('out.json', 'w').write('3')")
    assert written == 3


def test_a_dead_zygote_is_not_used(started):
    spec = zygote.specification(
        {"LANG": "C.UTF-8"}, [], [], {}, Limits(), preload=())
    dying = zygote.Zygote(spec)
    handle = dying.handle()
    os.kill(dying.pid, signal.SIGKILL)
    time.sleep(0.5)
    os.environ[zygote.ZYGOTE_ENV] = handle
    try:
        assert zygote_client.ZygoteClient.from_environment(spec) is None
    finally:
        del os.environ[zygote.ZYGOTE_ENV]
        dying.close()


def test_a_child_cannot_change_the_slot_for_the_next(client):
    # The slot's folders are root's and sticky: their mode and extended
    # attributes cannot be changed, and a tree too deep for a recursive
    # delete is removed all the same.
    first, _ = run(client, """
        import json, os
        failed = []
        for path in ("/tmp", "/dev/shm", "/home/learner",
                     "/home/learner/work"):
            try:
                os.chmod(path, 0)
            except OSError:
                failed.append(path)
        try:
            os.setxattr("/tmp", "user.message", b"for the next student")
        except OSError:
            failed.append("xattr")
        os.chdir("/tmp")
        for _ in range(3000):
            os.mkdir("d")
            os.chdir("d")
        os.chdir("/home/learner/work")
        json.dump(failed, open("out.json", "w"))
    """)
    assert first == ["/tmp", "/dev/shm", "/home/learner",
                     "/home/learner/work", "xattr"]
    second, _ = run(client, """
        import json, os, tempfile
        tempfile.mkstemp()
        open("/dev/shm/x", "w").close()
        json.dump(os.listxattr("/tmp"), open("out.json", "w"))
    """)
    assert second == []


def test_a_thread_outliving_its_main_thread_is_killed(started):
    # The main thread exits, its zombie leader hides a live thread that
    # watches the work folder; the grader dies without ending it.
    orphaned = zygote_client.ZygoteClient(started.handle())
    orphaned.prepare({}, {})
    orphaned.spawn(textwrap.dedent("""
        import ctypes, threading, time
        def spy():
            while True:
                try:
                    open("/home/learner/work/answer.txt", "w").write("A")
                except OSError:
                    pass
                time.sleep(0.05)
        threading.Thread(target=spy).start()
        time.sleep(0.2)
        ctypes.CDLL(None).syscall(60, 0)  # exit: this thread only
    """), {"PATH": "/usr/bin"}, orphaned.work_dir)
    time.sleep(1)
    orphaned._lock.close()
    client = zygote_client.ZygoteClient(started.handle())
    written, _ = run(client, """
        import json, time
        open("answer.txt", "w").write("B")
        time.sleep(1)
        json.dump(open("answer.txt").read(), open("out.json", "w"))
    """)
    assert written == "B"
    assert zygote.processes_of(started.sandbox.uid) == [started.pid]
    orphaned.process.cgroup.remove()  # its grader would have, had it lived
