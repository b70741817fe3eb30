"""Instructor tooling: assignment discovery, output stripping, problems."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from instructor.course import (
    caches,
    course_dir,
    manage,
    reports,
    scratch,
    submissions,
)


def test_assignments_are_the_solution_folders():
    names = course_dir.assignments()
    assert "00_setup" in names
    assert names == sorted(names)


def test_keep_checked_outputs_strips_everything_else():
    checked = new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(1)",
                            outputs=[new_output("stream", text="1\n")],
                            execution_count=3)
    other = new_code_cell("print(2)",
                          outputs=[new_output("stream", text="2\n")],
                          execution_count=4)
    notebook = manage.keep_checked_outputs(new_notebook(cells=[checked, other]))
    assert notebook.cells[0].outputs[0].text == "1\n"
    assert notebook.cells[1].outputs == []
    assert notebook.cells[0].execution_count == 3
    assert notebook.cells[1].execution_count is None


def test_submission_problems_name_missing_and_renamed(tmp_path):
    (tmp_path / "solutions" / "a1").mkdir(parents=True)
    nbformat.write(new_notebook(), tmp_path / "solutions" / "a1" / "a1.ipynb")
    folder = tmp_path / "submitted" / "s1" / "a1"
    folder.mkdir(parents=True)
    nbformat.write(new_notebook(), folder / "a1 (copy).ipynb")
    problems = submissions.submission_problems("a1", "s1", root=tmp_path)
    assert problems == [
        "a1.ipynb is missing (graded as 0)",
        "a1 (copy).ipynb is not part of the assignment and was ignored "
        "(renamed notebook?)",
    ]
    assert submissions.submissions("a1", root=tmp_path) == ["s1"]


def test_command_line_usage_message(capsys):
    assert manage.main(["nonsense"]) == 2
    assert "usage" in capsys.readouterr().out


def _load_course_config(monkeypatch, argv):
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.delenv("FACES_STYLES_QUICK", raising=False)
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    monkeypatch.setattr("sys.argv", argv)
    loader = PyFileConfigLoader("nbgrader_config.py",
                                path=str(manage.REPO_ROOT))
    return loader.load_config()


def test_grading_commands_run_in_quick_configuration(monkeypatch):
    import os

    config = _load_course_config(monkeypatch, ["nbgrader", "autograde", "a"])
    assert os.environ.get("FACES_STYLES_QUICK") == "1"
    assert os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "0"
    assert config.Execute.timeout > 0
    assert config.Execute.kernel_name == "python3"
    assert config.CourseDirectory.source_directory == "solutions"
    assert config.CourseDirectory.release_directory == "notebooks"


def test_learners_lab_keeps_the_full_configuration(monkeypatch):
    import os

    _load_course_config(monkeypatch, ["jupyter-lab"])
    assert "FACES_STYLES_QUICK" not in os.environ
    assert "TF_ENABLE_ONEDNN_OPTS" not in os.environ


def test_the_report_warns_when_a_zygote_failed_and_says_what_ran_instead():
    report = {"00_setup": {
        "execution": {"sandbox": "bubblewrap", "zygote_failure":
                      "[Errno 111] Connection refused"},
        "room_zygote_failure": "the zygote did not fork"}}
    problems = reports.report_problems(report)
    assert problems == [
        "WARNING 00_setup: the kernel could not be forked from the worker's "
        "zygote ([Errno 111] Connection refused); it ran in a fresh sandbox",
        "WARNING 00_setup: the clean room could not be forked from the "
        "worker's zygote (the zygote did not fork); it ran in a fresh sandbox"]
    report["00_setup"]["execution"]["zygote_failure"] = None
    del report["00_setup"]["room_zygote_failure"]
    assert reports.report_problems(report) == []


def test_the_cache_is_made_readable_while_other_processes_write_it(
        tmp_path, monkeypatch):
    # matplotlib and notebooks make and delete temporary files in the cache
    # while `prepare` walks it: one that is gone when reached is skipped.
    (tmp_path / "sub").mkdir(mode=0o700)
    (tmp_path / "sub" / "private.npz").write_bytes(b"x")
    (tmp_path / "sub" / "private.npz").chmod(0o600)
    walk = caches.os.walk

    def walk_with_vanished_entries(top, *args, **kwargs):
        for parent, folders, files in walk(top, *args, **kwargs):
            yield parent, folders + [".built.d"], files + [".part"]

    monkeypatch.setattr(caches.os, "walk", walk_with_vanished_entries)
    caches._readable_by_everyone(tmp_path)
    assert (tmp_path / "sub").stat().st_mode & 0o005 == 0o005
    assert (tmp_path / "sub" / "private.npz").stat().st_mode & 0o004


# -- what the terminal report prints of a submission -------------------------

def test_the_terminal_report_escapes_what_a_submission_wrote():
    from instructor.course import terminal

    report = {"graded": True, "score": (0.0, 3.0), "problems": [
        "answer 'a' failed: Error: \x1b[1A\x1b[2K\rall good\nhonest: 3/3",
        "we\u202eird\x00 \udcff.ipynb is not part of the assignment",
        "Grüße, Zoë — 顔認識 ✓ 🙂 keeps its letters"]}
    lines = terminal.report_lines("00_setup", "stu\x1b[8mdent", report)
    assert lines == [
        "00_setup stu\\x1b[8mdent: 0/3",
        "    answer 'a' failed: Error: \\x1b[1A\\x1b[2K\\rall good"
        "\\nhonest: 3/3",
        "    we\\u202eird\\x00 \\udcff.ipynb is not part of the assignment",
        "    Grüße, Zoë — 顔認識 ✓ 🙂 keeps its letters"]
    assert terminal.printable_lines("a\x1b\nb\r") == "a\\x1b\nb\\r"


# -- a course that is not ready to grade --------------------------------------

def _record(root, student, notebook):
    """Record a graded notebook as the coordinator does (no kernel runs)."""
    from instructor.course import coordinator

    return coordinator.Recorder(root).record({
        "assignment": "00_setup", "student": student, "fingerprint": "test",
        "returncode": 0, "errors": [],
        "files": {"00_setup.ipynb": nbformat.writes(notebook).encode(),
                  "timestamp.txt": b"2030-01-01 00:00:00.000000 UTC"}})


def test_grading_before_release_says_which_command_fixes_it(tmp_path,
                                                            capsys):
    import shutil

    from instructor.course import coordinator

    root = tmp_path / "course"
    scratch.write_course_config(root)
    shutil.copytree(manage.REPO_ROOT / "solutions" / "00_setup",
                    root / "solutions" / "00_setup")
    source = nbformat.read(root / "solutions" / "00_setup" / "00_setup.ipynb",
                           4)
    folder = root / "submitted" / "learner" / "00_setup"
    folder.mkdir(parents=True)
    nbformat.write(source, folder / "00_setup.ipynb")
    # The command stops before grading anything, and says what to run.
    assert manage.main(["autograde", "00_setup", f"--root={root}"]) == 2
    error = capsys.readouterr().err
    assert "00_setup is not in the gradebook" in error, error
    assert "make release ASSIGNMENT=00_setup" in error, error
    # Recording alone says what nbgrader's log said, not "see above".
    entry = _record(root, "learner", source)
    assert entry["returncode"] == 1
    assert ("No assignment with ID '00_setup' exists in the database"
            in entry["errors"][-1]), entry["errors"]
    # Released, the same check passes and the grades are recorded.
    manage.release(["00_setup"], root=root)
    coordinator.check_released(["00_setup"], root)
    assert _record(root, "learner", source)["returncode"] == 0


def test_feedback_follows_a_regrade(tmp_path):
    from nbformat.v4 import new_output

    root = scratch.temporary_course(tmp_path / "course", ["00_setup"])
    release = nbformat.read(root / "notebooks" / "00_setup" / "00_setup.ipynb",
                            4)
    source = nbformat.read(root / "solutions" / "00_setup" / "00_setup.ipynb",
                           4)
    honest = scratch.fill_in_answers(release, source)
    for student in ("kept", "regraded"):
        (root / "submitted" / student / "00_setup").mkdir(parents=True)
        assert _record(root, student, honest)["returncode"] == 0
    manage.feedback(["00_setup"], root=root)

    def page(student):
        return (root / "feedback" / student / "00_setup" / "00_setup.html"
                ).read_text()

    assert "Score: 3.0 / 3.0" in page("regraded")
    # Regraded (new hidden tests): same submission, same timestamp.
    failed = nbformat.from_dict(honest)
    for cell in failed.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == (
                "test_to_unit_range"):
            cell.outputs = [new_output("error", ename="AssertionError",
                                       evalue="REGRADED", traceback=[])]
    assert _record(root, "regraded", failed)["returncode"] == 0
    assert manage.scores("00_setup", root)["regraded"] == (1.0, 3.0)
    manage.feedback(["00_setup"], root=root)
    assert "Score: 1.0 / 3.0" in page("regraded")
    assert "REGRADED" in page("regraded")
    assert "Score: 3.0 / 3.0" in page("kept")


def test_a_course_whose_helpers_is_not_the_installed_one_is_named(tmp_path):
    import json
    import shutil
    import subprocess
    import sys

    # A copy of the course run with this environment, whose editable
    # install points at the original: nbgrader's processes import the
    # original's helpers, so the zygotes' settings (the copy's) never match.
    copy = tmp_path / "copy"
    for package in ("helpers", "instructor"):
        shutil.copytree(manage.REPO_ROOT / package, copy / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    code = """if True:
        import json
        from instructor.course import installed
        from instructor.grading import kernel
        print(json.dumps([installed.helpers_mismatch(),
                          kernel.course_read_only_paths()[0],
                          installed.installed_dir("helpers")]))
    """
    found = {}
    for name, folder in (("copy", copy), ("course", manage.REPO_ROOT)):
        result = subprocess.run([sys.executable, "-c", code], cwd=folder,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        found[name] = json.loads(result.stdout.splitlines()[-1])
    warning, bound, installed = found["copy"]
    original = str(manage.REPO_ROOT.resolve() / "helpers")
    assert bound == str(copy / "helpers") and installed == original
    assert warning.startswith("WARNING: "), warning
    for part in (f"this course's helpers is {copy / 'helpers'}",
                 f"imports helpers from {original}", "forked from the zygote",
                 f"install -e .' in {copy}"):
        assert part in warning, (part, warning)
    # The course itself, as installed: no warning.
    assert found["course"] == [None, original, original]
