"""Instructor tasks: release, refresh solution outputs, autograde, feedback.

Every task is a thin layer over nbgrader's own command line, run from the
course root so that ``nbgrader_config.py`` applies.
"""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat

from helpers.config import QUICK_ENV, REPO_ROOT

SOURCE_DIR = "solutions"
#: The largest files grading takes from a submission; bigger ones are left
#: out (and reported), so one submission cannot fill the grader's memory.
MAX_NOTEBOOK_BYTES = 64 << 20
MAX_OTHER_FILE_BYTES = 16 << 20
RELEASE_DIR = "notebooks"
NBVAL_MARK = "# NBVAL_CHECK_OUTPUT"


def assignments(root=REPO_ROOT):
    """Return the assignment folder names found under ``solutions/``."""
    source = Path(root) / SOURCE_DIR
    return sorted(
        path.name
        for path in source.iterdir()
        if path.is_dir() and any(path.glob("*.ipynb"))
    )


def nbgrader_environment(env=None):
    """Return this process's environment with ``env`` for an nbgrader run."""
    full_env = dict(os.environ, **(env or {}))
    # nbgrader calls the ``alembic`` script of this environment by name.
    bin_dir = str(Path(sys.executable).parent)
    full_env["PATH"] = bin_dir + os.pathsep + full_env.get("PATH", "")
    return full_env


def nbgrader(*args, root=REPO_ROOT, env=None, check=True):
    """Run ``nbgrader ARGS`` in the course root and return the process."""
    command = [sys.executable, "-m", "nbgrader", *args]
    return subprocess.run(
        command, cwd=root, env=nbgrader_environment(env), check=check,
        capture_output=True, text=True,
    )


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


def write_course_config(root):
    """Make ``root`` a course directory that uses this course's config.

    Used for temporary courses (tests, benchmarks): the repository's
    ``nbgrader_config.py`` is loaded, then the course root and gradebook
    are pointed at ``root``.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"load_subconfig({str(REPO_ROOT / 'nbgrader_config.py')!r})\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{root / 'gradebook.db'}'\n"
    )


def temporary_course(root, names, extra_config=""):
    """Make ``root`` a course with ``names`` copied from solutions/ and released.

    For tests and benchmarks; ``extra_config`` is appended to its
    ``nbgrader_config.py``.
    """
    import shutil

    root = Path(root)
    write_course_config(root)
    if extra_config:
        with open(root / "nbgrader_config.py", "a") as config:
            config.write(extra_config)
    for name in names:
        shutil.copytree(REPO_ROOT / SOURCE_DIR / name,
                        root / SOURCE_DIR / name,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    release(names, root=root)
    return root


def fill_in_answers(release, source):
    """Return a copy of a release notebook with the source's answers.

    Simulates a student who completed every exercise: each answer cell of
    ``release`` gets the code of the answer cell with the same grade_id in
    the instructor's ``source`` notebook.
    """
    answers = {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in source.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }
    filled = copy.deepcopy(release)
    for cell in filled.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = answers[meta["grade_id"]]
    return filled


def execute_solutions(names=None, root=REPO_ROOT, timeout=900):
    """Execute solution notebooks in the quick configuration, in place."""
    from nbclient import NotebookClient

    from helpers.notebook import REPRODUCIBLE_ENV

    os.environ[QUICK_ENV] = "1"
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


def submissions(assignment, root=REPO_ROOT):
    """Return the student ids with a submission of ``assignment``."""
    submitted = Path(root) / "submitted"
    if not submitted.is_dir():
        return []
    return sorted(
        path.name for path in submitted.iterdir()
        if (path / assignment).is_dir()
    )


def submitted_files(folder):
    """Return ({relative path: Path} that grading takes, [left out, why]).

    Plain files only (no links, no checkpoints); files over the size
    limits, hard links (a file with another name, perhaps one the learner
    could not read) and a file that would pose as the grader's report are
    left out.
    """
    from instructor.grading.preprocessors import REPORT_NAME

    folder = Path(folder)
    taken, left_out = {}, []
    if not folder.is_dir():
        return taken, left_out
    for path in sorted(folder.rglob("*")):
        if (not path.is_file() or path.is_symlink()
                or ".ipynb_checkpoints" in path.parts):
            continue
        name = str(path.relative_to(folder))
        limit = (MAX_NOTEBOOK_BYTES if path.suffix == ".ipynb"
                 else MAX_OTHER_FILE_BYTES)
        if name == REPORT_NAME:
            left_out.append(f"{name} is the grader's report file name and "
                            "was ignored")
        elif path.stat().st_size > limit:
            left_out.append(f"{name} is larger than {limit >> 20} MiB and "
                            "was ignored")
        elif path.stat().st_nlink > 1:
            left_out.append(f"{name} is a hard link (the same file has "
                            "another name) and was ignored")
        else:
            taken[name] = path
    return taken, left_out


def submission_problems(assignment, student, root=REPO_ROOT):
    """Return human-readable problems with a submission's files."""
    expected = {
        path.name for path in (Path(root) / SOURCE_DIR / assignment).glob(
            "*.ipynb")
    }
    folder = Path(root) / "submitted" / student / assignment
    taken, left_out = submitted_files(folder)
    present = {name for name in taken
               if name.endswith(".ipynb") and "/" not in name}
    problems = left_out + [
        f"{name} is missing (graded as 0)" for name in sorted(expected - present)
    ]
    problems += [
        f"{name} is not part of the assignment and was ignored "
        "(renamed notebook?)" for name in sorted(present - expected)
    ]
    return problems


def log_errors(log):
    """Return the error lines of an nbgrader log worth reporting."""
    errors = [line for line in log.splitlines() if "[ERROR]" in line
              or "| ERROR]" in line]
    # nbgrader's own note when a cell hits the per-cell timeout.
    return [line for line in errors if "Interrupting kernel" not in line]


def grade_in_place(assignment, student, root):
    """Grade one submission with ``nbgrader autograde`` in the course itself.

    The single-machine way, without Dask (it writes the gradebook from the
    grading process); kept as the reference that cluster grading equals.
    """
    result = nbgrader("autograde", assignment, "--create", "--force",
                      f"--student={student}", root=root, check=False)
    return result.returncode, log_errors(result.stdout + result.stderr)


def grading_report(assignment, student, root=REPO_ROOT):
    """Return the grader's report of one autograded submission (or {})."""
    from instructor.grading.preprocessors import REPORT_NAME

    path = Path(root) / "autograded" / student / assignment / REPORT_NAME
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return report if isinstance(report, dict) else {}


def report_problems(report):
    """Return the flags a grading report raises, as readable lines."""
    problems = []
    for notebook, entry in sorted(report.items()):
        if not isinstance(entry, dict):
            continue
        execution = entry.get("execution") or {}
        sandbox = execution.get("sandbox") or ""
        if sandbox.startswith("UNSAFE"):
            problems.append(f"WARNING {notebook}: {sandbox}")
        for part, why in (("kernel", execution.get("zygote_failure")),
                          ("clean room", entry.get("room_zygote_failure"))):
            if why:
                problems.append(
                    f"WARNING {notebook}: the {part} could not be forked "
                    f"from the worker's zygote ({str(why)[:200]}); it ran "
                    "in a fresh sandbox")
        if execution.get("time_limit_in") is not None:
            problems.append(
                f"{notebook}: the notebook time limit was reached in cell "
                f"{execution['time_limit_in']}; later cells did not run")
        elif execution.get("out_of_memory"):
            problems.append(
                f"{notebook}: the kernel hit the memory limit in cell "
                f"{execution.get('kernel_died_in')}; later cells did not run")
        elif execution.get("kernel_died_in") is not None:
            problems.append(
                f"{notebook}: the kernel died in cell "
                f"{execution['kernel_died_in']} (exit, crash or killed); "
                "later cells did not run")
        if execution.get("timed_out_cells"):
            problems.append(
                f"{notebook}: cells {execution['timed_out_cells']} ran past "
                "the time limit of a cell and were interrupted")
        if execution.get("demos_run_because"):
            problems.append(
                f"{notebook}: the answers read "
                f"{', '.join(execution['demos_run_because'])}, which only "
                "demo cells define: graded with the demos run")
        if execution.get("truncated_cells"):
            problems.append(f"{notebook}: output truncated in cells "
                            f"{execution['truncated_cells']}")
        for line in entry.get("limits") or []:  # the grader's own bounds
            problems.append(f"{notebook}: {str(line)[:400]}")
        for label, routes in sorted((entry.get("findings") or {}).items()):
            problems.append(f"{notebook}: answer {label!r} reaches for "
                            f"course code: {'; '.join(routes)}")
        if entry.get("outside_names"):
            problems.append(
                f"{notebook}: answers use names that no answer cell defines "
                f"(they fail when graded): {', '.join(entry['outside_names'])}")
        for label, error in sorted((entry.get("cell_errors") or {}).items()):
            problems.append(f"{notebook}: answer {label!r} failed when run "
                            f"on its own: {error[:200]}")
        for grade_id, verdict in sorted((entry.get("verdicts") or {}).items()):
            if verdict.get("grader_error"):
                problems.append(f"{notebook}: GRADER ERROR in {grade_id}: "
                                f"{verdict.get('message', '')[:300]}")
    return problems


def check_sandbox():
    """Stop with instructions when the sandbox cannot run kernels.

    The sandbox tool must be there (unless grading is unsafe) and this
    environment's Python must run inside it, with the course's helpers.
    """
    from instructor.grading import interpreter
    from instructor.grading.sandbox import bwrap_path, unsafe_requested

    if unsafe_requested():
        print("WARNING: grading WITHOUT a sandbox (FACES_STYLES_UNSAFE_GRADING"
              " is set): student code runs with your permissions.")
        return
    bwrap_path()
    interpreter.check_for_kernels()


def _readable_by_everyone(folder):
    """Let the sandbox's own user read the shared cache (files written by
    older versions, or by a user with umask 077, were private).

    Other processes may be writing the cache meanwhile (matplotlib's font
    cache, a notebook's chips): what vanishes during the walk is skipped.
    """
    import stat

    def widen(path, is_folder):
        try:
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                return
            wanted = mode | stat.S_IROTH | (stat.S_IXOTH if is_folder else 0)
            if wanted != mode:
                os.chmod(path, wanted)
        except FileNotFoundError:
            pass

    widen(folder, True)
    for parent, folders, files in os.walk(folder):
        for name in folders:
            widen(os.path.join(parent, name), True)
        for name in files:
            widen(os.path.join(parent, name), False)


def prepare(root=REPO_ROOT, names=None):
    """Fill the shared data cache that sandboxed notebooks read, once.

    Sandboxed kernels see the data cache read-only and have no network, so
    everything they load must be there first: LFW extracted, the face
    encoder converted, VGG16's weights and the paintings downloaded, and
    what the notebooks cache there (``instructor.course.warm``).  The
    hidden tests' fixtures (photo encodings, reference training steps) are
    computed here too, once, into the course's ``.grading_cache``.
    """
    from helpers.assets import (AssetError, fetch_asset, get_data_home,
                                load_registry)
    from helpers.data.lfw import lfw_image_dir

    problems = []
    try:
        lfw_image_dir()
    except AssetError as error:
        problems.append(str(error))
    for name in load_registry():
        if name in ("lfw_home", "vgg16_notop"):
            continue
        try:
            fetch_asset(name)
        except AssetError as error:
            problems.append(str(error))
    from helpers.assets import find_local_asset

    if find_local_asset("vgg16_notop") is None:
        try:
            from helpers.style.vgg import load_vgg16

            load_vgg16()
        except Exception as error:  # noqa: BLE001 - reported, not fatal
            problems.append(f"VGG16 weights: {error}")
    from helpers.faces.encoder import _cache_path, load_keras_model

    if not _cache_path().is_file():
        load_keras_model()
    from instructor.course.warm import warm_data_cache

    problems += warm_data_cache(root, names or assignments(root))
    _readable_by_everyone(get_data_home())
    from instructor.grading import harness

    harness.prepare_fixtures(harness.default_fixture_dir(root), names)
    for problem in problems:
        print(f"prepare: {problem}")
    return problems


def course_config(root=REPO_ROOT):
    """Return the nbgrader configuration a course's root loads."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py",
                              path=str(Path(root))).load_config()


def db_url(root=REPO_ROOT):
    """Return the gradebook's database URL of a course (SQLite or other)."""
    config = course_config(root)
    url = config.CourseDirectory.get("db_url")
    return url or f"sqlite:///{Path(root) / 'gradebook.db'}"


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
    from instructor.course import cluster, forkserver, terminal

    check_sandbox()
    names = names or assignments(root)
    pairs = [(name, student) for name in names
             for student in submissions(name, root)]
    cluster.check_released({name for name, _ in pairs}, root)
    mismatch = forkserver.helpers_mismatch()
    if mismatch:
        print(mismatch)
    prepare(root, names)
    with cluster.client_for(workers, scheduler) as client:
        recorded = cluster.grade_submissions(pairs, root, client,
                                             on_result=on_result)
    entries = {**cluster.journal(root), **recorded}
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
    from instructor.course.cluster import NotReleased
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
