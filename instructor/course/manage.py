"""Instructor tasks: release, refresh solution outputs, autograde, feedback.

Every task is a thin layer over nbgrader's own command line, run from the
course root so that ``nbgrader_config.py`` applies (``course_dir``); the
command line is ``python -m instructor.course TASK [ASSIGNMENT ...]``.
"""

import os
import sys
from pathlib import Path

import nbformat

from helpers import settings
from helpers.config import REPO_ROOT
from instructor.course.caches import prepare
from instructor.course.course_dir import (SOURCE_DIR, assignments, db_url,
                                          nbgrader)
from instructor.course.reports import grading_report, report_problems
from instructor.course.submissions import submission_problems, submissions

NBVAL_MARK = "# NBVAL_CHECK_OUTPUT"


def release(names=None, root=REPO_ROOT):
    """Regenerate the student notebooks of ``names`` (default: all)."""
    for name in names or assignments(root):
        result = nbgrader(
            "generate_assignment", name, "--force", root=root, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"nbgrader generate_assignment {name} failed:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        print(f"released {name}")


def keep_checked_outputs(notebook):
    """Drop outputs except in cells that nbval compares (NBVAL_CHECK_OUTPUT)."""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)  # nbclient's timestamps
        # nbval refuses compared cells without an execution count.
        if NBVAL_MARK not in cell.source:
            cell.outputs = []
            cell.execution_count = None
    return notebook


def execute_solutions(names=None, root=REPO_ROOT, timeout=900):
    """Execute solution notebooks in the quick configuration, in place."""
    from nbclient import NotebookClient

    from helpers.notebook import REPRODUCIBLE_ENV

    os.environ[settings.variable("QUICK")] = "1"
    for key, value in REPRODUCIBLE_ENV.items():
        os.environ.setdefault(key, value)
    for name in names or assignments(root):
        for path in sorted((Path(root) / SOURCE_DIR / name).glob("*.ipynb")):
            notebook = nbformat.read(path, as_version=4)
            client = NotebookClient(
                notebook, timeout=timeout, kernel_name="python3",
                record_timing=False,
                resources={"metadata": {"path": str(path.parent)}},
            )
            client.execute()
            nbformat.write(keep_checked_outputs(notebook), path)
            print(f"executed {path.relative_to(root)}")


def check_sandbox():
    """Stop with instructions when the sandbox cannot run kernels.

    The sandbox tool must be there (unless grading is unsafe) and this
    environment's Python must run inside it, with the course's helpers.
    """
    from instructor.grading import interpreter_probe
    from instructor.grading.sandbox import bwrap_path, unsafe_requested

    if unsafe_requested():
        print("WARNING: grading WITHOUT a sandbox (FACES_STYLES_UNSAFE_GRADING"
              " is set): student code runs with your permissions.")
        return
    bwrap_path()
    interpreter_probe.check_for_kernels()


def scores(assignment, root=REPO_ROOT):
    """Return {student: (score, max_score)} from the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    totals = {}
    with Gradebook(db_url(root)) as gradebook:
        for student in submissions(assignment, root):
            try:
                submission = gradebook.find_submission(assignment, student)
            except MissingEntry:
                continue
            totals[student] = (submission.score, submission.max_score)
    return totals


def autograde(names=None, root=REPO_ROOT, workers=None, scheduler=None,
              on_result=None):
    """Autograde every submission of ``names`` (default: all) with Dask.

    Each (student, assignment) is one task, graded in its own sandbox on a
    worker of a Dask cluster: a ``LocalCluster`` of ``workers`` processes
    (default: one per core), or the running cluster at ``scheduler`` (or
    ``$DASK_SCHEDULER``, e.g. ``tcp://host:8786``).  This process alone
    writes the gradebook, ``autograded/`` and the journal, so a run that is
    killed loses nothing recorded and the next run grades only what is
    left or changed.  Returns {assignment: {student: report}} and prints
    the report per student (what a submission wrote, escaped).
    """
    from instructor.course import coordinator, installed, terminal

    check_sandbox()
    names = names or assignments(root)
    pairs = [(name, student) for name in names
             for student in submissions(name, root)]
    coordinator.check_released({name for name, _ in pairs}, root)
    mismatch = installed.helpers_mismatch()
    if mismatch:
        print(mismatch)
    prepare(root, names)
    with coordinator.client_for(workers, scheduler) as client:
        recorded = coordinator.grade_submissions(pairs, root, client,
                                             on_result=on_result)
    entries = {**coordinator.journal(root), **recorded}
    reports = {}
    for name in names:
        totals = scores(name, root)
        reports[name] = {}
        for student in submissions(name, root):
            entry = entries.get((name, student)) or {
                "returncode": 1, "errors": []}
            problems = (submission_problems(name, student, root)
                        + entry["errors"]
                        + report_problems(grading_report(name, student, root)))
            score = totals.get(student)
            reports[name][student] = {
                "graded": entry["returncode"] == 0 and score is not None,
                "score": score,
                "problems": problems,
            }
            for line in terminal.report_lines(name, student,
                                              reports[name][student]):
                print(line)
    if mismatch:
        print(mismatch)  # again, where the report ends
    return reports


def feedback(names=None, root=REPO_ROOT):
    """Generate HTML feedback for every autograded submission.

    ``--force``: nbgrader otherwise keeps a student's feedback when the
    submission's timestamp is unchanged, so a regrade's would be stale.
    """
    from instructor.course import terminal

    for name in names or assignments(root):
        result = nbgrader("generate_feedback", name, "--force", root=root,
                          check=False)
        # Its log names the learners' files: escaped.
        print(terminal.printable_lines(result.stdout + result.stderr))


def _exchange_step(step, names, root, extra=()):
    """Run one nbgrader exchange step per assignment; stop on failure."""
    from instructor.course.exchange import ExchangeProblem

    for name in names or assignments(root):
        arguments = extra(name) if callable(extra) else extra
        result = nbgrader(step, name, *arguments, root=root, check=False)
        print(result.stdout + result.stderr, end="")
        if result.returncode != 0:
            raise ExchangeProblem(f"nbgrader {step} {name} failed (its log "
                                  "is above)")


def release_assignment(names=None, root=REPO_ROOT):
    """Put the released notebooks into the exchange for students to fetch.

    The exchange's course folders are made (or checked) first: owned by
    the instructor, with nbgrader's modes.
    """
    from instructor.course import exchange

    exchange.check_course_folder(root, make=True)
    _exchange_step("release_assignment", names, root, ["--force"])


def collect(names=None, root=REPO_ROOT):
    """Copy the students' latest submissions from the exchange to submitted/.

    A newer resubmission replaces a collected one; what a learner cannot
    hand in (links, others' files, forged names) is left out and reported
    (``instructor.course.exchange``).
    """
    from instructor.course import exchange

    return {name: exchange.collect(name, root)
            for name in names or assignments(root)}


def release_feedback(names=None, root=REPO_ROOT):
    """Put each student's feedback into the exchange for them to fetch.

    Feedback whose submission had no secret is skipped and reported; the
    rest of the class's is released.
    """
    from instructor.course import exchange

    exchange.check_course_folder(root, make=True)
    excluded = exchange.settings(root).CourseDirectory.get(
        "student_id_exclude", "")

    def exclude(name):
        skipped = exchange.feedback_without_secret(name, root)
        for student, why in skipped.items():
            print(f"SKIPPED {student}: {why} in feedback/{student}/{name}, "
                  "so nbgrader cannot name its feedback for the learner; "
                  "the learner should submit again")
        students = [*filter(None, excluded.split(",")), *skipped]
        return ([f"--CourseDirectory.student_id_exclude={','.join(students)}"]
                if students else [])

    _exchange_step("release_feedback", names, root, exclude)


EXCHANGE_COMMANDS = ("release-assignment", "collect", "release-feedback")
COMMANDS = {
    "release-assignment": release_assignment,
    "collect": collect,
    "release-feedback": release_feedback,
    "release": release,
    "execute-solutions": execute_solutions,
    "autograde": lambda names=None, **options: autograde(names, **options),
    "feedback": feedback,
    "prepare": lambda names=None: prepare(names=names),
    "student-bundle": lambda names=None: student_bundle(),
}


def student_bundle(root=REPO_ROOT):
    """Build the learner bundle under dist/ and say where it is."""
    from instructor.course.bundle import build_bundle

    folder, archive = build_bundle(root=root)
    print(f"learner bundle: {folder}\n           zip: {archive}")
    return folder, archive


def main(argv=None):
    """Command line: ``python -m instructor.course TASK [ASSIGNMENT ...]``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python -m instructor.course {{{','.join(COMMANDS)}}} "
              "[ASSIGNMENT ...]")
        return 2
    from instructor.course.coordinator import NotReleased
    from instructor.grading.sandbox import SandboxUnavailable

    options = {}
    names = []
    for arg in argv[1:]:
        key, _, value = arg.partition("=")
        if key == "--scheduler" and argv[0] == "autograde":
            options["scheduler"] = value
        elif key == "--workers" and argv[0] == "autograde":
            options["workers"] = int(value)
        elif key == "--root" and argv[0] in (
                "autograde", "feedback", "release-assignment", "collect",
                "release-feedback"):
            options["root"] = Path(value).resolve()
        elif arg.startswith("--"):
            print(f"unknown option {arg!r}", file=sys.stderr)
            return 2
        else:
            names.append(arg)
    from instructor.course import exchange, permissions

    try:
        # Learners' accounts share the machine: the course must be private.
        # A single-user checkout (developers, CI) with no exchange is not.
        root = options.get("root", REPO_ROOT)
        if argv[0] in EXCHANGE_COMMANDS or exchange.configured(root):
            permissions.check_private(root)
        COMMANDS[argv[0]](names or None, **options)
    except (SandboxUnavailable, exchange.ExchangeProblem,
            permissions.CourseNotPrivate, NotReleased) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
