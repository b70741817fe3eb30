"""Where the CPU seconds of grading one submission go, per assignment.

For each assignment a completed submission (the solution's answers in the
released notebook) is graded as one Dask task would grade it, and then
its parts are measured apart, in the quick configuration:

- ``task``: the whole grading task (``instructor.course.cluster``), the
  grader process and everything it starts, counted by a cgroup, without
  the worker's one-off costs (its fork server's start and the
  assignment's template, reported apart);
- ``nbgrader process``: the task's forked nbgrader alone (its own CPU);
- ``kernel``: the notebook executed in a sandboxed kernel as grading does
  (forked from the worker's zygote where grading forks it), with the
  kernel's own CPU seconds read before the first cell (start and
  ``ipykernel``) and after every cell;
- ``hidden tests``: the harness in the grader process and the clean
  room's sandboxed Python (its start, prelude and answer cells, calls);
- ``other``: task - nbgrader process - kernel - clean room: bubblewrap and
  the shells around the sandboxes, and the difference between the separate
  runs (a TensorFlow import alone varies by a second or more).

    python benchmarks/grading_breakdown.py [--assignments 00_setup ...] \
        [--json breakdown.json] [--cells 5]

Needs cgroup v1's cpuacct controller (``instructor.course.cpu``).
"""

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from instructor.course import (  # noqa: E402
    caches,
    cluster,
    coordinator,
    course_dir,
    scratch,
)
from instructor.course.cpu import CpuMeter  # noqa: E402

CPU_EXPRESSION = "sum(__import__('os').times()[:4])"


def _own_cpu():
    times = os.times()
    return times.user + times.system


class _Joined:
    """Put this process in a CpuMeter's cgroup for a block; count children."""

    def __init__(self):
        self.meter = CpuMeter()
        self.children = None

    def __enter__(self):
        self.meter.__enter__()
        if self.meter.path is None:
            raise RuntimeError("no cgroup cpuacct: cannot count children")
        self._home = Path("/proc/self/cgroup").read_text()
        self.meter.join()
        self._own = _own_cpu()
        return self

    def __exit__(self, *exc_info):
        own = _own_cpu() - self._own
        usage = int((self.meter.path / "cpuacct.usage").read_text()) / 1e9
        parent = self.meter.path.parent / "cgroup.procs"
        parent.write_text(str(os.getpid()))
        self.meter.__exit__(*exc_info)
        self.own = own
        self.children = usage - own
        return False


def _kernel_client(notebook, folder, skipped=()):
    """Return an nbclient that records the kernel's CPU after each cell.

    The cells in ``skipped`` are left out, as grading leaves them out.
    """
    from nbclient import NotebookClient

    from instructor.grading.kernel import SandboxKernelManager

    class Timed(NotebookClient):
        async def _cpu(self):
            msg_id = self.kc.execute(
                "", silent=True, store_history=False,
                user_expressions={"cpu": CPU_EXPRESSION})
            reply = await self.async_wait_for_reply(msg_id)
            text = reply["content"]["user_expressions"]["cpu"]["data"]
            return float(text["text/plain"])

        async def async_execute_cell(self, cell, cell_index, **kwargs):
            if cell_index in skipped:
                return cell
            if not hasattr(self, "cpu_marks"):
                self.cpu_marks = [(None, await self._cpu(), 0.0)]
            started = time.perf_counter()
            result = await super().async_execute_cell(cell, cell_index,
                                                      **kwargs)
            if cell.cell_type == "code":
                self.cpu_marks.append((cell_index, await self._cpu(),
                                       time.perf_counter() - started))
            return result

    return Timed(notebook, timeout=600, kernel_name="python3",
                 kernel_manager_class=SandboxKernelManager,
                 allow_errors=True, shutdown_kernel="immediate",
                 resources={"metadata": {"path": str(folder)}})


def kernel_profile(path, source):
    """Execute a notebook in a sandboxed kernel; return its CPU seconds.

    Runs what grading runs: not the demos of the instructor's notebook
    ``source``, not the cells after the last graded one.
    """
    from instructor.grading import demos

    notebook = nbformat.read(path, 4)
    skipped = demos.skipped_by_grading(notebook, demos.demo_sources(source))
    client = _kernel_client(notebook, path.parent, skipped)
    with _Joined() as joined:
        client.execute()
    marks = client.cpu_marks
    cells = []
    for (_, before, _), (index, after, wall) in zip(marks, marks[1:]):
        source = notebook.cells[index].source.strip().splitlines() or [""]
        cells.append({"cell": index, "cpu": round(after - before, 2),
                      "wall": round(wall, 2), "first_line": source[0][:60]})
    return {"start": round(marks[0][1], 2),
            "cells_total": round(marks[-1][1] - marks[0][1], 2),
            "total": round(marks[-1][1], 2),
            "outside_kernel": round(joined.children - marks[-1][1], 2),
            "cells": cells}


def hidden_test_profile(path, assignment, fixtures):
    """Run the hidden tests on a notebook; return grader and room seconds."""
    from nbgrader import utils

    from instructor.grading import harness

    notebook = nbformat.read(path, 4)
    harness.set_fixture_dir(fixtures)
    harness.load_hidden_tests()
    grade_ids = [cell.metadata.nbgrader["grade_id"] for cell in
                 notebook.cells if utils.is_grade(cell)]
    with _Joined() as joined:
        verdicts, _ = harness.run_hidden_tests(notebook, assignment,
                                               grade_ids)
    failed = sorted(g for g, v in verdicts.items() if not v.passed)
    return {"grader": round(joined.own, 2),
            "clean_room": round(joined.children, 2), "failed": failed}


@contextlib.contextmanager
def _zygotes_in_environment(env):
    """Hand this process the zygotes a grading task would use."""
    with cluster._zygotes(dict(env)) as zygotes:
        saved = {key: os.environ.get(key) for key in zygotes}
        os.environ.update({key: lent.handle()
                           for key, lent in zygotes.items()})
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _course(root, assignment):
    """Make a course with one completed submission; return its notebook."""
    scratch.temporary_course(root, [assignment])
    for path in sorted((root / "notebooks" / assignment).glob("*.ipynb")):
        source = nbformat.read(root / "solutions" / assignment / path.name, 4)
        filled = scratch.fill_in_answers(nbformat.read(path, 4), source)
        folder = root / "submitted" / "student" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(filled, folder / path.name)
        return folder / path.name
    raise ValueError(f"no notebook in assignment {assignment!r}")


def measure(assignment):
    """Return the breakdown of grading one submission of ``assignment``."""
    with tempfile.TemporaryDirectory(prefix="breakdown_") as folder:
        root = Path(folder)
        submitted = _course(root, assignment)
        caches.prepare(root, [assignment])
        payload = coordinator.build_payload(assignment, "student", root)
        task = cluster.grade_task(payload)
        fixtures = cluster._fixture_dir(payload)
        # Kernels and clean rooms fork from the worker's zygotes, as in
        # the task (the same zygotes, already started).
        with _zygotes_in_environment(payload["env"]):
            kernel = kernel_profile(
                submitted, root / "solutions" / assignment / submitted.name)
            tests = hidden_test_profile(submitted, assignment, fixtures)
    # A worker's one-off costs (its fork server, the assignment's template).
    setup = task.get("setup_cpu_seconds") or 0
    grader = task.get("grader_cpu_seconds") or 0
    total = task["cpu_seconds"] - setup
    return {"assignment": assignment, "task": round(total, 2),
            "worker_setup": round(setup, 2), "grader_process": round(grader, 2),
            "task_wall": round(task["seconds"], 2),
            "task_errors": task["errors"],
            "other": round(total - grader - kernel["total"]
                           - tests["clean_room"], 2),
            "kernel": kernel, "hidden_tests": tests}


def report(result, cells=5):
    """Print one assignment's breakdown, its costliest cells first."""
    kernel, tests = result["kernel"], result["hidden_tests"]
    print(f"{result['assignment']}: task {result['task']} CPU-s "
          f"({result['task_wall']} s wall; the worker's one-off fork server "
          f"and template {result['worker_setup']}) = nbgrader process "
          f"{result['grader_process']} + kernel {kernel['total']} (start "
          f"{kernel['start']}, cells {kernel['cells_total']}) + clean room "
          f"{tests['clean_room']} (hidden tests in the grader "
          f"{tests['grader']}) + other processes and run-to-run noise "
          f"{result['other']}; failed hidden tests: {tests['failed']}",
          flush=True)
    for cell in sorted(kernel["cells"], key=lambda c: -c["cpu"])[:cells]:
        print(f"    cell {cell['cell']:3d}: {cell['cpu']:6.2f} CPU-s "
              f"{cell['wall']:6.2f} s  {cell['first_line']}")


def main():
    """Parse arguments, measure each assignment and print the breakdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignments", nargs="*", default=None)
    parser.add_argument("--cells", type=int, default=5,
                        help="how many of the costliest cells to print")
    parser.add_argument("--json", type=Path, default=None)
    arguments = parser.parse_args()
    os.environ.setdefault("FACES_STYLES_QUICK", "1")
    from helpers.notebook import REPRODUCIBLE_ENV

    for key, value in REPRODUCIBLE_ENV.items():
        os.environ.setdefault(key, value)
    results = []
    for assignment in arguments.assignments or course_dir.assignments():
        results.append(measure(assignment))
        report(results[-1], arguments.cells)
        if arguments.json:
            arguments.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
