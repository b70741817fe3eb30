"""Measure autograding throughput for the whole course at class scale.

Builds a temporary course, releases every assignment, submits the completed
solution for N students, and grades them with ``instructor.course`` using W
parallel worker processes (nbgrader itself grades one student at a time).
Prints students per minute for the whole course (all assignments).

    python benchmarks/grading_throughput.py --students 6 --workers 1 2
"""

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from helpers.config import REPO_ROOT
from instructor.course import manage


def build_class(root, names, students):
    """Create a course in ``root`` with ``students`` completed submissions."""
    manage.write_course_config(root)
    for name in names:
        shutil.copytree(REPO_ROOT / "solutions" / name,
                        root / "solutions" / name)
    manage.release(names, root=root)
    for name in names:
        for path in sorted((root / "notebooks" / name).glob("*.ipynb")):
            source = nbformat.read(root / "solutions" / name / path.name, 4)
            notebook = manage.fill_in_answers(nbformat.read(path, 4), source)
            for index in range(students):
                folder = root / "submitted" / f"student{index:03d}" / name
                folder.mkdir(parents=True, exist_ok=True)
                nbformat.write(notebook, folder / path.name)


def measure(names, students, workers):
    """Grade a fresh class and return the figures as a dict."""
    with tempfile.TemporaryDirectory(prefix="grading_") as temporary:
        root = Path(temporary)
        build_class(root, names, students)
        start = time.perf_counter()
        reports = manage.autograde(names, root=root, workers=workers)
        seconds = time.perf_counter() - start
    failures = [
        (name, student) for name, report in reports.items()
        for student, entry in report.items()
        if not entry["graded"] or entry["score"][0] != entry["score"][1]
    ]
    return {
        "assignments": names,
        "students": students,
        "workers": workers,
        "seconds": round(seconds, 1),
        "students_per_minute": round(students * 60 / seconds, 2),
        "not_full_marks": failures,
    }


def main():
    """Parse arguments, run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--assignments", nargs="*", default=None)
    parser.add_argument("--json", type=Path, default=None)
    arguments = parser.parse_args()
    names = arguments.assignments or manage.assignments()
    results = []
    for workers in arguments.workers:
        result = measure(names, arguments.students, workers)
        results.append(result)
        print(f"{result['students']} students x {len(names)} assignments, "
              f"{workers} worker(s): {result['seconds']} s, "
              f"{result['students_per_minute']} students/minute (whole "
              f"course); not full marks: {result['not_full_marks']}")
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
