"""A cheating class: honest students and submissions that each cheat one way.

Everyone is graded in one run of ``instructor.course.manage.autograde`` on
the small 00_setup assignment (to_unit_range, 2 points; center_crop, 1
point).  Each cheat targets ``to_unit_range``: it must score 0 there (the
1 GB printer is honest and keeps its points), the report must flag what can
be detected, the honest students keep full marks, nobody's gradebook entry
is touched by a submission, and grading finishes.
"""

import json
import os

import nbformat
import pytest
from nbgrader.api import Gradebook

import cheats
from instructor.course import manage, scratch

ASSIGNMENT = "00_setup"
NOTEBOOK = "00_setup.ipynb"

WRONG = '''
def to_unit_range(image):
    """Return an RGB float32 copy of a uint8 image scaled to [0, 1]."""
    return np.zeros((1, 1, 3), np.float32)
'''
VALIDATED_ALIAS = '''
def to_unit_range(image{default}):
    """Return an RGB float32 copy of an image, its pixels in [0, 1]."""
    image = np.asarray(image)
    if image.ndim not in (2, 3, 4) or (
            image.ndim > 2 and image.shape[-1] != 3):
        raise ValueError("not a gray or RGB image: %s" % (image.shape,))
    if image.dtype != np.uint8 and not (
            image.dtype.kind == "f" and 0 <= image.min() <= image.max() <= 1):
        raise ValueError("neither uint8 nor floats in [0, 1]: %s" % image.dtype)
    convert = {call}
    if image.ndim == 4:
        return np.stack([convert(one) for one in image])
    return convert(image)
'''
SEARCH = '''
import os
def _search(names):
    found = []
    for top, folders, files in os.walk("/"):
        folders[:] = [f for f in folders if f not in (
            "proc", "sys", "dev", "usr", "site-packages", "lib")]
        found += [os.path.join(top, n) for n in folders + files if n in names]
    return sorted(found)
'''

#: name -> (extra cell put before the answer, answer cell source)
CHEATS = {
    "swallow_check": ("", "import numpy as np\n"
                      "import helpers.checks.nb00_setup as checks\n"
                      "checks.check_to_unit_range = lambda f: print("
                      "'to_unit_range: all public tests passed.')\n" + WRONG),
    "hide_tracebacks": ("", "import numpy as np\n"
                        "get_ipython().set_custom_exc((BaseException,), "
                        "lambda *a, **k: None)\n"
                        "get_ipython().showtraceback = lambda *a, **k: None\n"
                        + WRONG),
    "patch_numpy_and_checks": ("", "import numpy as np, numpy.testing\n"
                               "np.allclose = np.array_equal = lambda *a, "
                               "**k: True\n"
                               "np.isclose = lambda *a, **k: np.True_\n"
                               "numpy.testing.assert_allclose = lambda *a, "
                               "**k: None\n"
                               "import helpers.checks.common as common\n"
                               "common.assert_own_function = lambda *a, **k: "
                               "None\n" + WRONG),
    "always_equal": ("", "import numpy as np\n"
                     "class Anything(np.ndarray):\n"
                     "    def __eq__(self, other): return True\n"
                     "    __ne__ = lambda self, other: False\n"
                     "class Whatever:\n"
                     "    def __eq__(self, other): return True\n"
                     "    def __array__(self, *a, **k):\n"
                     "        raise TypeError('no')\n"
                     "def to_unit_range(image):\n"
                     "    return Whatever()\n"),
    "read_solutions_and_hidden_tests": (
        "", "import numpy as np\n" + SEARCH +
        "print('FOUND:', _search(['solutions', 'instructor', "
        "'exercises']))\n" + WRONG),
    "read_other_students": (
        "", "import numpy as np\n" + SEARCH +
        "print('FOUND:', _search(['submitted', 'autograded', 'feedback']))\n"
        + WRONG),
    "write_gradebook": (
        "", "import numpy as np, sqlite3\n" + SEARCH +
        "FOUND = _search(['gradebook.db'])\n"
        "for path in FOUND:\n"
        "    with sqlite3.connect(path) as db:\n"
        "        db.execute('UPDATE grade SET manual_score = 0')\n"
        "print('FOUND:', FOUND)\n" + WRONG),
    "os_exit": ("", "import numpy as np, os\n"
                "def to_unit_range(image):\n    os._exit(0)\n"),
    "sys_exit": ("", "import numpy as np, sys\n"
                 "def to_unit_range(image):\n    sys.exit(0)\n"),
    "kill_parent": ("", "import numpy as np, os, signal\n"
                    "for pid in [os.getppid(), 1] + list(range(2, 300)):\n"
                    "    try:\n        os.kill(pid, signal.SIGKILL)\n"
                    "    except OSError:\n        pass\n" + WRONG),
    "fork_bomb": ("", "import numpy as np, os\n"
                  "def to_unit_range(image):\n"
                  "    while True:\n"
                  "        try:\n            os.fork()\n"
                  "        except OSError:\n            pass\n"),
    "memory_hog": ("", "import numpy as np\n"
                   "def to_unit_range(image):\n"
                   "    blocks = []\n"
                   "    for _ in range(120):  # 30 GiB, 256 MiB at a time\n"
                   "        blocks.append(np.ones(1 << 28, np.uint8))\n"
                   "    return blocks\n"),
    "network": ("", "import numpy as np, socket, urllib.request\n"
                "def to_unit_range(image):\n"
                "    try:\n"
                "        socket.create_connection(('1.1.1.1', 53), timeout=3)\n"
                "        urllib.request.urlopen('https://pypi.org', timeout=3)\n"
                "    except OSError as error:\n"
                "        print('NETWORK:', error)\n"
                "        raise\n"),
    "partial_score_forgery": ("", "import numpy as np\n"
                              "def to_unit_range(image):\n"
                              "    get_ipython().displayhook(2.0)\n"
                              "    raise SystemExit\n"),
    "alias_plain": (
        "", "from helpers.style.images import to_float_image as "
            "to_unit_range\n"),
    "alias_eval": (
        "import helpers.style.images",
        "import numpy as np\n" + VALIDATED_ALIAS.format(
            default="", call='eval("helpers.style.images.to_float_image")')),
    "alias_default_argument": (
        "import helpers.style.images", "import numpy as np\n"
        "import helpers.style.images as _images\n" + VALIDATED_ALIAS.format(
            default=", _convert=_images.to_float_image", call="_convert")),
    "alias_closure": (
        "from helpers.style.images import to_float_image as _f",
        "import numpy as np\n"
        "def _make(convert=None):\n"
        "    convert = _f\n"
        "    def inner(image):\n        return convert(image)\n"
        "    return inner\n" + VALIDATED_ALIAS.format(
            default="", call="_make()")),
    "alias_sys_modules": (
        "import helpers.style.images", "import numpy as np, sys\n"
        + VALIDATED_ALIAS.format(default="", call='sys.modules['
                                 '"helpers.style.images"].to_float_image')),
    "alias_importlib": (
        "", "import numpy as np, importlib\n" + VALIDATED_ALIAS.format(
            default="", call='importlib.import_module("helpers.style.images")'
                             '.to_float_image')),
    "alias_dunder_import": (
        "", "import numpy as np\n" + VALIDATED_ALIAS.format(
            default="", call='__import__("helpers.style.images", '
                             'fromlist=["x"]).to_float_image')),
    "alias_exec_source": (
        "import inspect, helpers.style.images as m\n"
        "SOURCE = inspect.getsource(m.to_float_image)",
        "import numpy as np\nexec(SOURCE)\n" + VALIDATED_ALIAS.format(
            default="", call="to_float_image")),
    "alias_getattr_module": (
        "import helpers.style.images as M",
        "import numpy as np\n" + VALIDATED_ALIAS.format(
            default="", call='getattr(M, "to_float_image")')),
    "metadata_flood": (
        "from IPython.display import publish_display_data\n"
        "for _ in range(20):\n"
        "    publish_display_data({'text/plain': '.'}, "
        "metadata={'pad': 'A' * (10 << 20)})", "import numpy as np\n" + WRONG),
    # Stops reading the clean room's requests (keeping the pipe open); the
    # next answer cell is larger than the pipe holds.
    "stall_requests": ("", "import numpy as np, os, sys\n"
                       "if len(sys.argv) == 3 and sys.argv[1].isdigit():\n"
                       "    _fd = int(sys.argv[1])\n"
                       "    _keep = os.dup(_fd)\n"
                       "    _r, _w = os.pipe()\n"
                       "    os.dup2(_r, _fd)\n" + WRONG),
    "fake_report": ("", "import numpy as np\n" + WRONG),
    "big_file": ("", "import numpy as np\n" + WRONG),
    "alias_checks_attribute": (
        "import helpers.checks.common",
        "import numpy as np\n" + VALIDATED_ALIAS.format(
            default="", call="(lambda x: helpers.checks.common.to_numpy(x)"
                             ".astype(np.float32) / 255)")),
}
#: The report names what these did.
FLAGGED = {
    "swallow_check": "reaches for course code",
    "patch_numpy_and_checks": "reaches for course code",
    "os_exit": "kernel died",
    "kill_parent": "kernel died",
    "fork_bomb": "ran past the time limit of a cell",
    # Under a heavy load the hog may fill its memory more slowly than the
    # cell's time limit: either way the report says what stopped it.
    "memory_hog": ("memory limit", "ran past the time limit of a cell"),
    "alias_plain": "from helpers.style.images import ...",
    "alias_eval": "eval()",
    "alias_default_argument": "import helpers.style.images",
    "alias_closure": "answers use names that no answer cell defines",
    "alias_sys_modules": "sys.modules",
    "alias_importlib": "importlib",
    "alias_dunder_import": "__import__",
    "alias_exec_source": "exec()",
    "alias_getattr_module": "answers use names that no answer cell defines",
    "alias_checks_attribute": "the course package 'helpers'",
    "print_gigabyte": "output truncated",
    "metadata_flood": "output truncated",
    "fake_report": "the grader's report file name and was ignored",
    "big_file": "larger than 16 MiB and was ignored",
}
#: Short time limits and a small process limit keep the fork bomb cheap.
ENVIRONMENT = {"FACES_STYLES_CELL_TIMEOUT": "20",
               "FACES_STYLES_CALL_TIMEOUT": "20",
               "FACES_STYLES_SANDBOX_PROCESSES": "128"}
# More of the class: tests/cheats/ (their tests are collected here too).
CHEAT_MODULES = cheats.modules()
for _module in CHEAT_MODULES:
    CHEATS.update(getattr(_module, "CHEATS", {}))
    FLAGGED.update(getattr(_module, "FLAGGED", {}))
    ENVIRONMENT.update(getattr(_module, "ENVIRONMENT", {}))
    globals().update({name: value for name, value in vars(_module).items()
                      if name.startswith("test_") and callable(value)})
#: A forged report beside the notebook (it must change nothing).
FORGED_REPORT = {
    "00_setup.ipynb": {
        "execution": {"sandbox": "UNSAFE: forged"},
        "verdicts": {"test_center_crop": {"grader_error": True,
                                          "message": "forged"}}},
    "zz": 1,
}


def _cells(notebook, key):
    return [c for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get(key)]


def _submission(release, source, extra, answer):
    notebook = scratch.fill_in_answers(release, source)
    cell = _cells(notebook, "solution")[0]
    cell.source = answer
    if extra:
        notebook.cells.insert(notebook.cells.index(cell),
                              nbformat.v4.new_code_cell(extra))
    return notebook


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("cheating_class")
    scratch.temporary_course(root, [ASSIGNMENT])
    release = nbformat.read(root / "notebooks" / ASSIGNMENT / NOTEBOOK, 4)
    source = nbformat.read(root / "solutions" / ASSIGNMENT / NOTEBOOK, 4)
    honest = _cells(source, "solution")[0].source

    def submit(student, notebook):
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / NOTEBOOK)

    # One honest student is graded first: cheaters must not touch that entry.
    submit("early_honest", scratch.fill_in_answers(release, source))
    manage.autograde([ASSIGNMENT], root=root, workers=1)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        before = gradebook.find_submission(ASSIGNMENT, "early_honest").score

    submit("honest", scratch.fill_in_answers(release, source))
    for student, (extra, answer) in CHEATS.items():
        submit(student, _submission(release, source, extra, answer))
    submit("print_gigabyte", _submission(
        release, source, "", "for _ in range(1024):\n"
        "    print('x' * (1 << 20))\n" + honest))
    stalled = root / "submitted" / "stall_requests" / ASSIGNMENT / NOTEBOOK
    notebook = nbformat.read(stalled, 4)
    _cells(notebook, "solution")[-1].source += "\n# " + "x" * 200_000
    nbformat.write(notebook, stalled)
    folder = root / "submitted"
    (folder / "fake_report" / ASSIGNMENT / "grading_report.json").write_text(
        json.dumps(FORGED_REPORT))
    (folder / "big_file" / ASSIGNMENT / "notes.bin").write_bytes(
        b"x" * (17 << 20))
    for module in CHEAT_MODULES:
        if hasattr(module, "prepare"):
            module.prepare(root)
    old = dict(os.environ)
    os.environ.update(ENVIRONMENT)
    try:
        reports = manage.autograde([ASSIGNMENT], root=root, workers=2)
    finally:
        for key in ENVIRONMENT:
            if key in old:
                os.environ[key] = old[key]
            else:
                os.environ.pop(key)
    return root, reports[ASSIGNMENT], before


@pytest.fixture(scope="module")
def feedback(graded):
    """Generate the class's feedback once; return {student: HTML text}."""
    root = graded[0]
    manage.feedback([ASSIGNMENT], root=root)
    pages = {}
    for student in sorted(path.name for path in (root / "feedback").iterdir()):
        page = (root / "feedback" / student / ASSIGNMENT
                / NOTEBOOK.replace(".ipynb", ".html"))
        if page.is_file():
            pages[student] = page.read_text()
    return pages


def _grades(root, student):
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student)
        return {grade.name: (grade.score, grade.manual_score)
                for notebook in submission.notebooks
                for grade in notebook.grades}


def _outputs(root, student):
    notebook = nbformat.read(
        root / "autograded" / student / ASSIGNMENT / NOTEBOOK, 4)
    return "".join(output.get("text", "") + output.get("evalue", "")
                   for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.outputs)


def test_grading_finishes_for_everyone(graded):
    root, reports, _ = graded
    expected = {"early_honest", "honest", "print_gigabyte", *CHEATS}
    assert set(reports) == expected
    for student in expected:
        assert reports[student]["graded"], (student, reports[student])


def test_honest_students_keep_full_marks(graded):
    root, reports, before = graded
    for student in ("early_honest", "honest"):
        score, max_score = reports[student]["score"]
        assert score == max_score == 3, (student, reports[student])
    assert before == 3


def test_every_cheat_scores_zero_on_what_it_cheats(graded):
    root, _, _ = graded
    for student in CHEATS:
        score = _grades(root, student)["test_to_unit_range"][0]
        assert score == 0, f"{student} earned {score} on to_unit_range"


def test_the_report_flags_what_can_be_detected(graded):
    _, reports, _ = graded
    for student, flags in FLAGGED.items():
        problems = "\n".join(reports[student]["problems"])
        flags = (flags,) if isinstance(flags, str) else flags
        assert any(flag in problems for flag in flags), (student, problems)


def test_a_forged_report_changes_nothing(graded):
    root, reports, _ = graded
    problems = "\n".join(reports["fake_report"]["problems"])
    assert "forged" not in problems and "UNSAFE" not in problems
    report = json.loads((root / "autograded" / "fake_report" / ASSIGNMENT
                         / "grading_report.json").read_text())
    assert set(report) == {"00_setup"}


def test_output_limits_count_everything_an_output_holds(graded):
    root, _, _ = graded
    flooded = root / "autograded" / "metadata_flood" / ASSIGNMENT / NOTEBOOK
    assert flooded.stat().st_size < 16 << 20


def test_nothing_of_the_course_or_other_students_is_visible(graded):
    root, _, _ = graded
    for student in ("read_solutions_and_hidden_tests", "read_other_students",
                    "write_gradebook"):
        text = _outputs(root, student)
        assert "FOUND: []" in text, (student, text[-2000:])
    assert "NETWORK:" in _outputs(root, "network")


def test_no_submission_wrote_the_gradebook(graded):
    root, _, _ = graded
    for student in ("early_honest", "honest", "write_gradebook"):
        grades = _grades(root, student)
        assert all(manual is None for _, manual in grades.values()), grades
    assert _grades(root, "early_honest")["test_to_unit_range"][0] == 2


def test_the_printer_keeps_its_points_and_its_output_is_capped(graded):
    root, reports, _ = graded
    assert reports["print_gigabyte"]["score"][0] == 3
    graded_file = root / "autograded" / "print_gigabyte" / ASSIGNMENT / NOTEBOOK
    assert graded_file.stat().st_size < 20 << 20
