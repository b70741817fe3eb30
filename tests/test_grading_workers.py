"""What a grading worker relies on: its fork server and the code hash.

The fork server grades each task in a fresh child (nothing of one task
survives into the next), with the task's own environment, and takes its
child down when the worker goes.  The grading-code hash changes with a
hidden test, a reference or a public check, not with other course code.
"""

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from instructor.course import cluster, forkserver

#: An nbgrader config that records the process that loaded it.
PROBE_CONFIG = """
import os, sys
sys.faces_probe = getattr(sys, "faces_probe", 0) + 1
with open("probe.txt", "a") as handle:
    handle.write(f"{os.getpid()} {os.environ.get('PROBE')} "
                 f"{sys.faces_probe}\\n")
if os.environ.get("PROBE_SLEEP"):
    import time
    time.sleep(float(os.environ["PROBE_SLEEP"]))
"""


def _course(folder):
    folder.mkdir()
    (folder / "nbgrader_config.py").write_text(PROBE_CONFIG)
    return folder


def _probes(folder):
    return [line.split() for line in
            (folder / "probe.txt").read_text().splitlines()]


def test_each_task_runs_in_a_fresh_child_with_its_environment(tmp_path):
    server = forkserver.ForkServer()
    try:
        first, second = _course(tmp_path / "a"), _course(tmp_path / "b")
        env = dict(os.environ)
        assert server.run([], first, dict(env, PROBE="one"),
                          first / "log") == 0
        assert server.used["cpu"] > 0  # the server's start, counted once
        assert server.run([], second, dict(env, PROBE="two"),
                          second / "log") == 0
        assert server.used["cpu"] < 0.5
    finally:
        server.close()
    one, two = _probes(first), _probes(second)
    # nbgrader loads the config twice per command: counts 1, 2 each time.
    assert [probe[1:] for probe in one] == [["one", "1"], ["one", "2"]]
    assert [probe[1:] for probe in two] == [["two", "1"], ["two", "2"]]
    assert one[0][0] != two[0][0] != str(server.process.pid)


def test_run_nbgrader_returns_the_output_and_exit_code(tmp_path):
    course = _course(tmp_path / "course")
    code, output, cpu = forkserver.run_nbgrader(["--version"], course,
                                                dict(os.environ))
    assert code == 0
    assert "nbgrader version" in output
    assert set(cpu) >= {"cpu", "children", "grader"}
    assert not list(course.glob(".nbgrader-*"))  # log files removed


def test_the_child_dies_when_the_worker_goes(tmp_path):
    course = _course(tmp_path / "course")
    server = forkserver.ForkServer()
    env = dict(os.environ, PROBE="slow", PROBE_SLEEP="60")
    failure = {}

    def run():
        try:
            server.run([], course, env, course / "log")
        except forkserver.ServerError as error:
            failure["error"] = error

    waiting = threading.Thread(target=run)
    waiting.start()
    deadline = time.monotonic() + 60
    while not (course / "probe.txt").is_file():
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.1)
    child = int(_probes(course)[0][0])
    server.process.stdin.close()  # what the end of the worker does
    waiting.join(timeout=20)
    assert not waiting.is_alive() and "error" in failure
    assert server.process.wait(timeout=20) is not None
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists():
        assert time.monotonic() < deadline, "the child outlived its server"
        time.sleep(0.1)


@pytest.fixture
def code_copy(tmp_path):
    """A copy of the packages whose grading code the hash covers."""
    import helpers
    import instructor

    bases = {}
    for package in (instructor, helpers):
        source = Path(package.__file__).resolve().parent
        target = tmp_path / package.__name__
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(
            "__pycache__"))
        bases[package.__name__] = target
    return bases


def test_grading_code_hash_follows_hidden_tests_only(code_copy):
    original = cluster.grading_code_hash(code_copy)
    assert original == cluster.grading_code_hash()
    bundle = code_copy["instructor"] / "course" / "bundle.py"
    bundle.write_text(bundle.read_text() + "\n# a comment\n")
    assert cluster.grading_code_hash(code_copy) == original
    for changed in (code_copy["instructor"] / "exercises" / "nb00_setup.py",
                    code_copy["instructor"] / "exercises" / "spec.py",
                    code_copy["helpers"] / "checks" / "nb00_setup.py"):
        text = changed.read_text()
        changed.write_text(text + "\n# changed\n")
        assert cluster.grading_code_hash(code_copy) != original, changed
        changed.write_text(text)
    assert cluster.grading_code_hash(code_copy) == original


def test_a_worker_refuses_other_grading_code(tmp_path):
    payload = {"code_hash": "0" * 64}
    with pytest.raises(RuntimeError, match="other grading code"):
        cluster.grade_task(payload)
