"""Instructor tooling: assignment discovery, output stripping, problems."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from instructor.course import manage


def test_assignments_are_the_solution_folders():
    names = manage.assignments()
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
    problems = manage.submission_problems("a1", "s1", root=tmp_path)
    assert problems == [
        "a1.ipynb is missing (graded as 0)",
        "a1 (copy).ipynb is not part of the assignment and was ignored "
        "(renamed notebook?)",
    ]
    assert manage.submissions("a1", root=tmp_path) == ["s1"]


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
    problems = manage.report_problems(report)
    assert problems == [
        "WARNING 00_setup: the kernel could not be forked from the worker's "
        "zygote ([Errno 111] Connection refused); it ran in a fresh sandbox",
        "WARNING 00_setup: the clean room could not be forked from the "
        "worker's zygote (the zygote did not fork); it ran in a fresh sandbox"]
    report["00_setup"]["execution"]["zygote_failure"] = None
    del report["00_setup"]["room_zygote_failure"]
    assert manage.report_problems(report) == []


def test_the_cache_is_made_readable_while_other_processes_write_it(
        tmp_path, monkeypatch):
    # matplotlib and notebooks make and delete temporary files in the cache
    # while `prepare` walks it: one that is gone when reached is skipped.
    (tmp_path / "sub").mkdir(mode=0o700)
    (tmp_path / "sub" / "private.npz").write_bytes(b"x")
    (tmp_path / "sub" / "private.npz").chmod(0o600)
    walk = manage.os.walk

    def walk_with_vanished_entries(top, *args, **kwargs):
        for parent, folders, files in walk(top, *args, **kwargs):
            yield parent, folders + [".built.d"], files + [".part"]

    monkeypatch.setattr(manage.os, "walk", walk_with_vanished_entries)
    manage._readable_by_everyone(tmp_path)
    assert (tmp_path / "sub").stat().st_mode & 0o005 == 0o005
    assert (tmp_path / "sub" / "private.npz").stat().st_mode & 0o004
