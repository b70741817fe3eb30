"""The submissions of a course: who handed in, and what grading takes."""

from pathlib import Path

from helpers.config import REPO_ROOT
from instructor.course.course_dir import SOURCE_DIR

#: The largest files grading takes from a submission; bigger ones are left
#: out (and reported), so one submission cannot fill the grader's memory.
#: The largest files grading takes from a submission; bigger ones are left
#: out (and reported), so one submission cannot fill the grader's memory.
MAX_NOTEBOOK_BYTES = 64 << 20
MAX_OTHER_FILE_BYTES = 16 << 20


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
