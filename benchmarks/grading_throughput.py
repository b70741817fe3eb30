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
"""

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from instructor.course import manage

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
    manage.temporary_course(root, names,
                            extra_config=PLAIN_NBGRADER if baseline else "")
    for name in names:
        for path in sorted((root / "notebooks" / name).glob("*.ipynb")):
            source = nbformat.read(root / "solutions" / name / path.name, 4)
            notebook = manage.fill_in_answers(nbformat.read(path, 4), source)
            for index in range(students):
                folder = root / "submitted" / f"student{index:03d}" / name
                folder.mkdir(parents=True, exist_ok=True)
                nbformat.write(notebook, folder / path.name)


def measure(names, students, workers, baseline=False):
    """Grade a fresh class and return the figures as a dict."""
    with tempfile.TemporaryDirectory(prefix="grading_") as temporary:
        root = Path(temporary)
        build_class(root, names, students, baseline)
        start = time.perf_counter()
        reports = manage.autograde(names, root=root, workers=workers)
        seconds = time.perf_counter() - start
    failures = [
        (name, student) for name, report in reports.items()
        for student, entry in report.items()
        if not entry["graded"] or entry["score"][0] != entry["score"][1]
    ]
    return {
        "pipeline": "plain nbgrader" if baseline else "sandboxed + harness",
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
    parser.add_argument("--json", type=Path, default=None)
    arguments = parser.parse_args()
    names = arguments.assignments or manage.assignments()
    results = []
    for workers, _, baseline in [
            (w, r, b) for w in arguments.workers
            for r in range(arguments.rounds)
            for b in ([True, False] if arguments.baseline else [False])]:
        result = measure(names, arguments.students, workers, baseline)
        results.append(result)
        print(f"{result['pipeline']}: {result['students']} students x "
              f"{len(names)} assignments, {workers} worker(s): "
              f"{result['seconds']} s, {result['seconds_per_student']} s "
              f"per student, {result['students_per_minute']} "
              f"students/minute; not full marks: "
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
