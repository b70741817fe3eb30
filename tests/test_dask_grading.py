"""Grading on a real Dask cluster: a scheduler and two workers on loopback.

The test starts ``dask scheduler`` and two ``dask worker`` processes, as on
a cluster, and grades a small class of the 00_setup assignment through
them (one cluster and one graded class for every test).  One worker is
killed while it grades a (deliberately slow) submission: the scheduler
gives the task to the other worker.  The grades must equal those of
``nbgrader autograde`` run in place (graded meanwhile, beside the
cluster), each submission is recorded in the gradebook once, a second run
grades only what changed, and a change of the grading code sends every
submission again, which a worker with other grading code refuses.
"""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from course_fixtures import grade_in_place
from helpers.notebook import REPRODUCIBLE_ENV
from instructor.course import (
    caches,
    cluster,
    coordinator,
    course_dir,
    manage,
    scratch,
    submissions,
)
from instructor.course.reports import grading_report

ASSIGNMENT = "00_setup"
NOTEBOOK = "00_setup.ipynb"
WRONG = '''
import numpy as np
def to_unit_range(image):
    """Return an RGB float32 copy of a uint8 image scaled to [0, 1]."""
    return np.asarray(image, np.float32)
'''
#: The slow student's first cell: long enough to kill its worker mid-task.
SLOW_CELL = "import time\ntime.sleep(12)"
DASK = str(Path(sys.executable).parent / "dask")

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="grading needs bubblewrap")


def _cells(notebook, key):
    return [c for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get(key)]


def _class(root):
    """Make a course in ``root`` and return {student: notebook} submitted."""
    scratch.temporary_course(root, [ASSIGNMENT])
    release = nbformat.read(root / "notebooks" / ASSIGNMENT / NOTEBOOK, 4)
    source = nbformat.read(root / "solutions" / ASSIGNMENT / NOTEBOOK, 4)
    partial = scratch.fill_in_answers(release, source)
    _cells(partial, "solution")[0].source = WRONG
    slow = scratch.fill_in_answers(release, source)
    slow.cells.insert(0, nbformat.v4.new_code_cell(SLOW_CELL))
    return {"a_slow": slow, "full": scratch.fill_in_answers(release, source),
            "partial": partial, "blank": release}


def _submit(root, student, notebook):
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / NOTEBOOK)


def _grades(root):
    """Return {student: {grade cell: score}} and the submission count."""
    with Gradebook(course_dir.db_url(root)) as gradebook:
        assignment = gradebook.find_assignment(ASSIGNMENT)
        grades = {
            submission.student.id: {
                grade.name: grade.score for notebook in submission.notebooks
                for grade in notebook.grades}
            for submission in assignment.submissions}
        return grades, len(assignment.submissions)


def _start(command, log):
    # As on a cluster: without the test session's TensorFlow settings,
    # which the course's nbgrader config adds for grading.
    env = {key: value for key, value in os.environ.items()
           if key not in REPRODUCIBLE_ENV}
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, env=env)


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """Yield (address, {worker name: process}) of a loopback cluster."""
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    log = open(folder / "dask.log", "w")
    processes = {"scheduler": _start(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0",
         "--no-dashboard", "--scheduler-file", str(scheduler_file)], log)}
    for name in ("w1", "w2"):
        processes[name] = _start(
            [DASK, "worker", "--scheduler-file", str(scheduler_file),
             "--name", name, "--nthreads", "1", "--nworkers", "1",
             "--no-nanny", "--no-dashboard", "--memory-limit", "0",
             "--host", "127.0.0.1"], log)
    try:
        from distributed import Client

        deadline = time.monotonic() + 120
        while not scheduler_file.exists():
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.2)
        with Client(scheduler_file=str(scheduler_file)) as client:
            client.wait_for_workers(2, timeout=120)
            address = client.scheduler.address
        yield address, processes
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _kill_when_executing(address, processes, student, killed):
    """Kill the worker that executes ``student``'s task (after 4 s)."""
    from distributed import Client

    def executing(dask_worker):
        return [str(task.key) for task in dask_worker.state.executing]

    with Client(address) as client:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not killed:
            for worker, keys in client.run(executing).items():
                if any(f"-{student}-" in key for key in keys):
                    name = client.scheduler_info()["workers"][worker]["name"]
                    time.sleep(4)  # its sandboxed kernel is running now
                    os.killpg(processes[name].pid, signal.SIGKILL)
                    killed.update(name=name, address=worker)
                    return
            time.sleep(0.5)


def _grade_in_place(local, notebooks, outcome):
    """The reference: the submissions graded by nbgrader in the course."""
    for student in ("full", "partial", "blank"):
        _submit(local, student, notebooks[student])
        outcome[student] = grade_in_place(ASSIGNMENT, student,
                                          local)


@pytest.fixture(scope="module")
def graded(scheduler, tmp_path_factory):
    address, processes = scheduler
    root = tmp_path_factory.mktemp("cluster_class")
    notebooks = _class(root)
    for student, notebook in notebooks.items():
        _submit(root, student, notebook)
    local = tmp_path_factory.mktemp("local_class")
    scratch.temporary_course(local, [ASSIGNMENT])
    caches.prepare(local, [ASSIGNMENT])
    in_place = {}
    reference = threading.Thread(target=_grade_in_place,
                                 args=(local, notebooks, in_place))
    reference.start()  # while the cluster waits for the slow student
    killed = {}
    killer = threading.Thread(target=_kill_when_executing, daemon=True,
                              args=(address, processes, "a_slow", killed))
    killer.start()
    reports = manage.autograde([ASSIGNMENT], root=root, scheduler=address)
    killer.join(timeout=5)
    reference.join()
    for student, (returncode, errors) in in_place.items():
        assert returncode == 0, (student, errors)
    return root, local, reports[ASSIGNMENT], killed, address


def test_grades_equal_local_grading(graded):
    root, local, reports, _, _ = graded
    on_cluster, _ = _grades(root)
    in_place, _ = _grades(local)
    for student in ("full", "partial", "blank"):
        assert on_cluster[student] == in_place[student], student
    assert reports["full"]["score"][0] == reports["full"]["score"][1] == 3
    assert reports["partial"]["score"][0] == 1  # center_crop only
    assert reports["blank"]["score"][0] == 0
    for student in ("full", "partial", "blank"):
        assert reports[student]["graded"], reports[student]
    autograded = root / "autograded" / "full" / ASSIGNMENT
    assert (autograded / NOTEBOOK).is_file()
    assert (autograded / "grading_report.json").is_file()


@pytest.mark.skipif(os.geteuid() != 0, reason="zygotes need root")
def test_workers_fork_kernels_from_a_zygote(graded):
    # The workers' zygotes were started for the settings nbgrader's own
    # process grades with (its config adds some): the kernels are forked.
    root, _, _, _, _ = graded
    for student in ("full", "partial", "blank"):
        report = grading_report(ASSIGNMENT, student, root)
        sandbox = report["00_setup"]["execution"]["sandbox"]
        assert "forked from a zygote" in sandbox, (student, sandbox)
        if student != "blank":  # a blank one has nothing to call
            room = report["00_setup"]["clean_room"]
            assert "forked from a zygote" in room, (student, room)


def test_killed_worker_task_is_graded_elsewhere(graded):
    root, _, reports, killed, _ = graded
    assert killed.get("name"), "no worker was killed mid-task"
    entry = coordinator.journal(root)[(ASSIGNMENT, "a_slow")]
    assert entry["worker"] != killed["address"]
    assert reports["a_slow"]["graded"], reports["a_slow"]
    assert reports["a_slow"]["score"] == (3, 3)


def test_nothing_is_graded_twice(graded):
    root, _, _, _, _ = graded
    lines = (root / coordinator.JOURNAL_NAME).read_text().splitlines()
    assert len(lines) == 4
    grades, count = _grades(root)
    assert count == 4 and set(grades) == {"a_slow", "full", "partial",
                                          "blank"}


def test_a_second_run_grades_only_what_changed(graded):
    root, _, _, _, address = graded
    journal = root / coordinator.JOURNAL_NAME
    before = journal.read_text().splitlines()
    reports = manage.autograde([ASSIGNMENT], root=root, scheduler=address)
    assert journal.read_text().splitlines() == before
    assert reports[ASSIGNMENT]["partial"]["score"][0] == 1

    # The partial student resubmits a complete notebook: only it is graded.
    release = nbformat.read(root / "notebooks" / ASSIGNMENT / NOTEBOOK, 4)
    source = nbformat.read(root / "solutions" / ASSIGNMENT / NOTEBOOK, 4)
    _submit(root, "partial", scratch.fill_in_answers(release, source))
    reports = manage.autograde([ASSIGNMENT], root=root, scheduler=address)
    added = journal.read_text().splitlines()[len(before):]
    assert len(added) == 1 and '"partial"' in added[0]
    assert reports[ASSIGNMENT]["partial"]["score"] == (3, 3)
    _, count = _grades(root)
    assert count == 4


def test_a_change_of_the_grading_code_sends_everyone_again(graded,
                                                          monkeypatch):
    root, _, _, _, address = graded
    from distributed import Client

    journal = root / coordinator.JOURNAL_NAME
    before = journal.read_text()
    pairs = [(ASSIGNMENT, student) for student in submissions.submissions(
        ASSIGNMENT, root)]
    # The coordinator now has other hidden tests than the workers.
    changed = cluster.grading_code_hash()[::-1]
    monkeypatch.setattr(coordinator, "grading_code_hash", lambda: changed)
    with Client(address) as client:
        sent = coordinator.grade_submissions(pairs, root, client)
    assert set(sent) == set(pairs)  # nothing was skipped as up to date
    for entry in sent.values():
        assert entry["fingerprint"] is None
        assert any("other grading code" in error
                   for error in entry["errors"]), entry
    assert journal.read_text() == before  # a refused task records nothing
