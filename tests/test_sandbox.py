"""The bubblewrap sandbox: what a sandboxed process can see and use."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from instructor.grading import sandbox
from instructor.grading.sandbox import GIB, MIB, Limits, Sandbox

REPO = Path(__file__).resolve().parent.parent


def run_inside(code, timeout=60, **settings):
    """Run Python code in a fresh sandbox; return (returncode, stdout)."""
    with Sandbox(**settings) as box:
        result = subprocess.run(
            box.command([sys.executable, "-c", textwrap.dedent(code)]),
            env=box.environment(), capture_output=True, text=True,
            timeout=timeout)
    return result.returncode, result.stdout + result.stderr


def test_course_material_and_the_gradebook_are_invisible(tmp_path):
    gradebook = tmp_path / "gradebook.db"
    gradebook.write_text("secret")
    code = f"""
        import os
        for path in [{str(REPO / 'solutions')!r}, {str(REPO / 'instructor')!r},
                     {str(gradebook)!r}, {str(tmp_path)!r}, "/root/.ssh"]:
            print(path, os.path.exists(path))
        print("helpers", os.path.isdir({str(REPO / 'helpers')!r}))
    """
    code_, out = run_inside(code, read_only=[str(REPO / "helpers")])
    assert code_ == 0, out
    for line in out.splitlines():
        if line.startswith("helpers"):
            assert line.endswith("True")
        else:
            assert line.endswith("False"), line


def test_no_network_and_no_other_processes():
    code_, out = run_inside("""
        import os, socket
        try:
            socket.create_connection(("1.1.1.1", 53), timeout=3)
            print("network: reachable")
        except OSError as error:
            print("network:", type(error).__name__)
        print("processes:", sorted(int(p) for p in os.listdir("/proc")
                                   if p.isdigit()))
    """)
    assert code_ == 0, out
    assert "network: reachable" not in out
    processes = eval(out.split("processes:")[1])
    assert max(processes) < 10, processes  # only the sandbox's own


@pytest.mark.skipif(os.geteuid() != 0, reason="own user ids need root")
def test_runs_as_an_unprivileged_user_of_its_own():
    code_, out = run_inside("import os; print(os.getuid(), os.getgid())")
    uid, gid = map(int, out.split())
    assert uid >= sandbox.UID_BASE and gid == uid


def test_writes_only_to_its_private_scratch():
    code_, out = run_inside(f"""
        import os
        for path in ["/usr/x", {str(REPO / 'helpers' / 'x')!r}, "x",
                     "/tmp/x"]:
            try:
                open(path, "w").write("x")
                print(path, "written")
            except OSError as error:
                print(path, type(error).__name__)
    """, read_only=[str(REPO / "helpers")])
    lines = dict(line.rsplit(" ", 1) for line in out.splitlines())
    assert lines["/usr/x"] != "written"
    assert lines[str(REPO / "helpers" / "x")] != "written"
    assert lines["x"] == "written" and lines["/tmp/x"] == "written"
    assert not (REPO / "helpers" / "x").exists()


def test_huge_allocation_and_huge_files_fail_inside():
    code_, out = run_inside("""
        try:
            block = bytearray(30 * 2**30)
            print("allocated")
        except MemoryError:
            print("MemoryError")
        try:
            with open("big", "wb") as handle:
                handle.write(b"x" * (64 << 20))
            print("written")
        except OSError as error:
            print("file:", type(error).__name__)
    """, limits=Limits(file_size=16 * MIB))
    assert "MemoryError" in out
    assert "written" not in out.replace("file:", "")


def test_memory_limit_kills_a_process_that_touches_too_much():
    with Sandbox(limits=Limits(memory=GIB // 2)) as box:
        if not (box.cgroup and box.cgroup.available):
            pytest.skip("no writable cgroup on this machine")
        result = subprocess.run(
            box.command([sys.executable, "-c",
                         "import numpy as np\nblocks = []\n"
                         "for _ in range(16):\n"
                         "    blocks.append(np.ones(1 << 26))\n"
                         "print('survived')"]),
            env=box.environment(), capture_output=True, text=True,
            timeout=120)
        assert "survived" not in result.stdout
        assert box.out_of_memory()


def test_the_memory_limit_counts_swap_too():
    with Sandbox(limits=Limits(memory=GIB)) as box:
        if not (box.cgroup and box.cgroup.available):
            pytest.skip("no writable cgroup on this machine")
        memory = box.cgroup.paths[0]
        if (memory / "memory.swap.max").exists():
            assert (memory / "memory.swap.max").read_text().strip() == "0"
        else:
            assert (memory / "memory.swappiness").read_text().strip() == "0"
            memsw = memory / "memory.memsw.limit_in_bytes"
            if memsw.exists():
                assert int(memsw.read_text()) == GIB


def test_fork_bomb_hits_the_process_limit():
    code_, out = run_inside("""
        import os, time
        children = 0
        try:
            for _ in range(200):
                if os.fork() == 0:
                    time.sleep(30)
                    os._exit(0)
                children += 1
        except OSError as error:
            print("stopped after", children, type(error).__name__, flush=True)
        else:
            print("forked", children, flush=True)
        os._exit(0)
    """, limits=Limits(processes=50))
    assert "stopped after" in out, out
    assert int(out.split("stopped after")[1].split()[0]) < 60


BUSY = """
import os, time
deadline = time.monotonic() + {seconds}
while time.monotonic() < deadline:
    pass
print(sum(os.times()[:2]))
"""
BOMB = """
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
"""


@pytest.fixture
def without_autogroup():
    """Turn the kernel's per-session CPU groups off for the test, if allowed.

    Linux's autogroup already shares the CPU fairly between sessions (each
    sandbox is one); where it is off, only the sandbox's own group does.
    """
    switch = Path("/proc/sys/kernel/sched_autogroup_enabled")
    try:
        before = switch.read_text()
        switch.write_text("0")
    except OSError:
        before = None
    yield
    if before is not None:
        switch.write_text(before)


def test_a_fork_bomb_does_not_starve_another_sandbox(without_autogroup):
    # Each sandbox is one CPU group: 100 spinning processes in one weigh
    # as much as the single busy process in the other.
    seconds = 5

    def busy_cpu_seconds(box):
        busy = subprocess.run(
            box.command([sys.executable, "-c", BUSY.format(seconds=seconds)]),
            env=box.environment(), capture_output=True, text=True,
            timeout=60)
        return float(busy.stdout.split()[-1]), busy.stderr[-2000:]

    with Sandbox(limits=Limits(processes=100)) as bomb_box, \
            Sandbox() as busy_box:
        if not bomb_box.cgroup.cpu_shared:
            pytest.skip("no writable cpu cgroup on this machine")
        assert "fair CPU share" in busy_box.describe()
        # What the busy process gets from this machine as loaded now.
        alone, _ = busy_cpu_seconds(busy_box)
        bomb = subprocess.Popen(
            bomb_box.command([sys.executable, "-c", BOMB]),
            env=bomb_box.environment(), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            time.sleep(1.5)  # the bomb has filled its process limit
            beside_bomb, errors = busy_cpu_seconds(busy_box)
        finally:
            bomb_box.cgroup.kill_all()
            bomb.wait(timeout=30)
    # As one of 100 equal processes it would keep about 1/100 of what it
    # got alone (with n other busy tasks on the machine, (n+1)/(n+101));
    # as one of two groups, half or more.  Relative to its share alone,
    # the check holds however loaded the machine is.
    assert beside_bomb > 0.3 * alone, (beside_bomb, alone, errors)


def test_missing_bubblewrap_stops_with_instructions(monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    monkeypatch.delenv(sandbox.UNSAFE_ENV, raising=False)
    with pytest.raises(sandbox.SandboxUnavailable) as error:
        Sandbox().__enter__()
    assert "apt-get install bubblewrap" in str(error.value)
    assert sandbox.UNSAFE_ENV in str(error.value)


def test_unsafe_mode_says_so(monkeypatch):
    monkeypatch.setenv(sandbox.UNSAFE_ENV, "1")
    with Sandbox() as box:
        assert box.describe().startswith("UNSAFE")
        assert box.command(["true"]) == ["true"]


def test_limits_reject_nonsense():
    with pytest.raises(ValueError, match="memory"):
        Limits(memory=0)
    assert Limits(memory=4 * GIB).address_space == 8 * GIB


def test_compute_threads_can_be_capped(monkeypatch):
    names = ["TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS",
             "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"]
    code = f"import os; print([os.environ.get(n) for n in {names!r}])"
    monkeypatch.delenv(sandbox.THREADS_ENV, raising=False)
    _, out = run_inside(code)
    assert out.strip() == str([None] * 4)
    monkeypatch.setenv(sandbox.THREADS_ENV, "1")
    _, out = run_inside(code)
    assert out.strip() == str(["1"] * 4)
    monkeypatch.setenv(sandbox.THREADS_ENV, "two")
    with pytest.raises(ValueError, match="whole number"):
        sandbox.thread_environment()


def _run_with(python, code, timeout=300):
    """Run ``code`` with another interpreter that imports this checkout."""
    result = subprocess.run([str(python), "-c", textwrap.dedent(code)],
                            cwd=REPO, capture_output=True, text=True,
                            timeout=timeout)
    return result.returncode, result.stdout + result.stderr


def test_a_venv_reached_through_a_link_elsewhere_runs_inside(tmp_path):
    # A course copy under /tmp whose .venv links to the real environment:
    # the kernel command names the link, which the sandbox must show.
    (tmp_path / ".venv").symlink_to(os.path.realpath(sys.prefix))
    python = tmp_path / ".venv" / "bin" / Path(sys.executable).name
    code_, out = _run_with(python, """
        import subprocess, sys
        from instructor.grading import interpreter_probe, zygote
        from instructor.grading.sandbox import Limits, Sandbox
        interpreter_probe.check()
        with Sandbox() as box:
            result = subprocess.run(
                box.command([sys.executable, "-c",
                             "import sys, numpy; print('ran', sys.prefix)"]),
                env=box.environment(), capture_output=True, text=True)
        print(result.returncode, result.stdout, result.stderr)
        if zygote.enabled():
            # A zygote's sandbox (its /tmp is the slot's) runs it too.
            spec = zygote.specification({}, [], [], {}, Limits(),
                                        preload=("numpy",))
            zygote.Zygote(spec).close()
            print("zygote started")
    """)
    assert code_ == 0, out
    assert f"0 ran {tmp_path / '.venv'}" in out, out
    if os.geteuid() == 0:
        assert "zygote started" in out, out


@pytest.mark.skipif(os.geteuid() != 0,
                    reason="only a sandbox user of its own reads less")
def test_an_environment_the_sandbox_user_cannot_read_is_named(tmp_path):
    venv = tmp_path / "private-venv"
    subprocess.run([sys.base_prefix + "/bin/python3", "-m", "venv",
                    "--without-pip", str(venv)], check=True)
    venv.chmod(0o700)
    code_, out = _run_with(venv / "bin" / "python", """
        from instructor.grading import interpreter_probe, sandbox
        try:
            interpreter_probe.check()
        except sandbox.SandboxUnavailable as error:
            print("REFUSED:", error)
    """)
    assert code_ == 0, out
    assert f"which cannot read {venv}." in out, out
    assert f"'chmod -R o+rX {venv}'" in out and "kernel_info" in out, out


def test_folders_that_pth_files_add_are_shown_but_never_the_course(
        tmp_path, monkeypatch):
    from instructor.grading import interpreter

    extra = tmp_path / "extra"
    extra.mkdir()
    site_dir = tmp_path / "site-packages"
    site_dir.mkdir()
    (site_dir / "extra.pth").write_text(
        f"# a comment\n../extra\nimport os\n{REPO}\n{REPO.parent}\n"
        f"{tmp_path / 'gone'}\n")
    monkeypatch.setattr(interpreter.site, "getsitepackages",
                        lambda: [str(site_dir)])
    assert interpreter.pth_dirs() == {str(extra.resolve())}
    assert str(extra.resolve()) in interpreter.needed()[0]
    code_, out = run_inside(f"import os; print(os.listdir({str(extra)!r}))")
    assert code_ == 0 and out.strip() == "[]", out
