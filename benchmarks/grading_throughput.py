"""Measure autograding throughput for the whole course at class scale.

Builds a temporary course, releases every assignment, submits the completed
solution for N students, and grades them with ``instructor.course`` using W
parallel worker processes (nbgrader itself grades one student at a time).
Prints students per minute and seconds per student for the whole course.
``--baseline`` also grades the same class with nbgrader's own pipeline (its
plain ``Execute``: no sandbox, no clean room, no hidden tests), so the cost
of sandboxed, trusted grading is measured in the same run.

    python benchmarks/grading_throughput.py --students 4 --workers 2 --baseline \
        --rounds 2

Grading goes through Dask: ``--cluster local`` (default) uses a
``LocalCluster`` of W workers, ``--cluster loopback`` starts a real
``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1 (as on a
cluster of two machines).  CPU seconds per student count the grading
processes and their sandboxed kernels (each task's cgroup ``cpuacct``
usage, measured on the worker) plus the coordinator's own CPU time; the
figure without one-off setup (each worker's fork server start and template
course per assignment, the coordinator's imports) is what a large class
pays per student.
"""

import argparse
import contextlib
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from instructor.course import caches, course_dir, manage, scratch

#: nbgrader 0.9's own autograde pipeline, for the baseline.
PLAIN_NBGRADER = """
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
"""


def build_class(root, names, students, baseline=False):
    """Create a course in ``root`` with ``students`` completed submissions."""
    scratch.temporary_course(root, names,
                            extra_config=PLAIN_NBGRADER if baseline else "")
    for name in names:
        for path in sorted((root / "notebooks" / name).glob("*.ipynb")):
            source = nbformat.read(root / "solutions" / name / path.name, 4)
            notebook = scratch.fill_in_answers(nbformat.read(path, 4), source)
            for index in range(students):
                folder = root / "submitted" / f"student{index:03d}" / name
                folder.mkdir(parents=True, exist_ok=True)
                nbformat.write(notebook, folder / path.name)


@contextlib.contextmanager
def loopback_cluster(workers=2):
    """Yield the address of a scheduler and ``workers`` workers on loopback."""
    dask = str(Path(sys.executable).parent / "dask")
    with tempfile.TemporaryDirectory(prefix="dask_") as folder:
        scheduler_file = Path(folder) / "scheduler.json"
        processes = [subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
             "--no-dashboard", "--scheduler-file", str(scheduler_file)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)]
        processes += [subprocess.Popen(
            [dask, "worker", "--scheduler-file", str(scheduler_file),
             "--nthreads", "1", "--no-nanny", "--no-dashboard",
             "--memory-limit", "0", "--host", "127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True) for _ in range(workers)]
        try:
            from distributed import Client

            while not scheduler_file.exists():
                time.sleep(0.2)
            with Client(scheduler_file=str(scheduler_file)) as client:
                client.wait_for_workers(workers, timeout=120)
                yield client.scheduler.address
        finally:
            for process in processes:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _own_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(names, students, workers, baseline=False, cluster="local"):
    """Grade a fresh class and return the figures as a dict."""
    from instructor.course.coordinator import journal

    with tempfile.TemporaryDirectory(prefix="grading_") as temporary, \
            (loopback_cluster(workers) if cluster == "loopback"
             else contextlib.nullcontext()) as address:
        root = Path(temporary)
        build_class(root, names, students, baseline)
        caches.prepare(root, names)
        # The coordinator's one-off imports (nbgrader's converter, Dask's
        # client), paid once per run, apart from the per-student figure.
        setup_start = _own_cpu()
        import distributed  # noqa: F401
        import nbgrader.converters  # noqa: F401
        coordinator_setup = _own_cpu() - setup_start
        start = time.perf_counter()
        cpu_start = _own_cpu()
        reports = manage.autograde(names, root=root, workers=workers,
                                   scheduler=address)
        seconds = time.perf_counter() - start
        coordinator_cpu = _own_cpu() - cpu_start
        entries = journal(root)
    task_cpu = [entry.get("cpu_seconds") or 0 for entry in entries.values()]
    # Paid once per worker (its fork server, each assignment's template):
    # in a large class they vanish per student.
    setup_cpu = sum(entry.get("setup_cpu_seconds") or 0
                    for entry in entries.values())
    per_assignment = {
        name: round(statistics.mean(
            entry.get("cpu_seconds") or 0 for (a, _), entry in entries.items()
            if a == name), 1) for name in names}
    failures = [
        (name, student) for name, report in reports.items()
        for student, entry in report.items()
        if not entry["graded"] or entry["score"][0] != entry["score"][1]
    ]
    return {
        "pipeline": "plain nbgrader" if baseline else "sandboxed + harness",
        "cluster": (f"loopback scheduler + {workers} workers"
                    if cluster == "loopback" else
                    f"LocalCluster, {workers} workers"),
        "cpu_seconds_per_student": round(
            (sum(task_cpu) + coordinator_setup + coordinator_cpu) / students,
            1),
        "cpu_seconds_per_student_without_setup": round(
            (sum(task_cpu) - setup_cpu + coordinator_cpu) / students, 1),
        "worker_setup_cpu_seconds": round(setup_cpu, 1),
        "coordinator_setup_cpu_seconds": round(coordinator_setup, 1),
        "coordinator_cpu_seconds": round(coordinator_cpu, 1),
        "cpu_seconds_per_submission": per_assignment,
        "assignments": names,
        "students": students,
        "workers": workers,
        "seconds": round(seconds, 1),
        "seconds_per_student": round(seconds / students, 1),
        "students_per_minute": round(students * 60 / seconds, 2),
        "not_full_marks": failures,
    }


def main():
    """Parse arguments, run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--assignments", nargs="*", default=None)
    parser.add_argument("--baseline", action="store_true",
                        help="also grade with nbgrader's plain pipeline")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the measurements, alternating "
                        "pipelines, and compare medians")
    parser.add_argument("--cluster", nargs="+", default=["local"],
                        choices=["local", "loopback"],
                        help="LocalCluster and/or a loopback scheduler with "
                        "W worker processes")
    parser.add_argument("--json", type=Path, default=None)
    arguments = parser.parse_args()
    names = arguments.assignments or course_dir.assignments()
    results = []
    for workers, cluster, _, baseline in [
            (w, c, r, b) for w in arguments.workers
            for c in arguments.cluster
            for r in range(arguments.rounds)
            for b in ([True, False] if arguments.baseline else [False])]:
        result = measure(names, arguments.students, workers, baseline,
                         cluster)
        results.append(result)
        print(f"{result['pipeline']} ({result['cluster']}): "
              f"{result['students']} students x "
              f"{len(names)} assignments: "
              f"{result['seconds']} s, {result['seconds_per_student']} s "
              f"per student, {result['students_per_minute']} "
              f"students/minute, {result['cpu_seconds_per_student']} "
              f"CPU-s per student, "
              f"{result['cpu_seconds_per_student_without_setup']} "
              f"without one-off setup (workers "
              f"{result['worker_setup_cpu_seconds']} s, coordinator "
              f"{result['coordinator_setup_cpu_seconds']} s in all); "
              f"coordinator {result['coordinator_cpu_seconds']} s; per "
              f"submission "
              f"{result['cpu_seconds_per_submission']}; not full marks: "
              f"{result['not_full_marks']}", flush=True)
    for workers in arguments.workers:
        medians = {
            pipeline: statistics.median(
                r["seconds"] for r in results
                if r["workers"] == workers and r["pipeline"] == pipeline)
            for pipeline in {r["pipeline"] for r in results}}
        if len(medians) == 2:
            plain, safe = medians["plain nbgrader"], medians[
                "sandboxed + harness"]
            print(f"{workers} worker(s), median of {arguments.rounds}: "
                  f"plain {plain:.1f} s, sandboxed {safe:.1f} s, "
                  f"{100 * (safe / plain - 1):+.1f} % time")
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
