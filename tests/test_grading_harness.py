"""The clean room, its plain-data protocol and the trusted harness."""

import json
import time

import nbformat
import numpy as np
import pytest

from instructor.course.course_dir import assignments
from instructor.grading import harness, protocol
from instructor.grading.cleanroom import CleanRoom, StudentError
from instructor.grading.own_work import find_routes, outside_names
from instructor.grading.harness import answer_cells
from tests.test_nbgrader_roundtrip import REPO


def _roundtrip(value):
    return protocol.decode(json.loads(json.dumps(protocol.encode(value))))


def test_protocol_carries_plain_data():
    value = {"a": (1, 2.5, None, True), 3: [np.arange(6).reshape(2, 3)],
             "s": frozenset({"b", "c"}), "nan": float("nan"),
             "scalar": np.float32(1.5)}
    back = _roundtrip(value)
    assert back["a"] == (1, 2.5, None, True)
    assert np.array_equal(back[3][0], np.arange(6).reshape(2, 3))
    assert back["s"] == frozenset({"b", "c"}) and np.isnan(back["nan"])
    assert back["scalar"].shape == () and back["scalar"] == 1.5


@pytest.mark.parametrize("bad", [
    {"__ndarray__": "AAAA", "dtype": "|O", "shape": [1]},
    {"__ndarray__": "AAAA", "dtype": "<f8", "shape": [5]},
    {"__ndarray__": "not base64!", "dtype": "<f8", "shape": [1]},
    {"__pickle__": "gASVAAAAAAAAAAB9lC4="},
    {"__set__": [[1, 2]]},
    {"__dict__": [[[1], 2]]},
    {},
])
def test_protocol_refuses_anything_else(bad):
    with pytest.raises((protocol.ProtocolError, ValueError)):
        protocol.decode(bad)


def test_protocol_refuses_deep_nesting():
    value = []
    for _ in range(100):
        value = [value]
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(value)


CELLS = [
    ("good", "def double(x):\n    return np.asarray(x) * 2\n"),
    ("raiser", "class Oops(ValueError):\n    pass\n"
               "def raiser():\n    raise Oops('no')\n"),
    ("exiter", "import os\ndef exiter():\n    os._exit(3)\n"),
    ("sleeper", "import time\ndef sleeper():\n    time.sleep(60)\n"),
    ("equal", "class Equal:\n    def __eq__(self, other):\n"
              "        return True\ndef equal():\n    return Equal()\n"),
    ("course", "import helpers\n"),
    ("stuck", "while True:\n    pass\n"),
    ("after", "AFTER = 41 + 1\n"),
]


@pytest.fixture(scope="module")
def room():
    with CleanRoom(CELLS, prelude="import numpy as np", call_timeout=3,
                   cell_timeout=3) as clean_room:
        yield clean_room


def test_clean_room_runs_answers_without_course_code(room):
    assert np.array_equal(room.call("double", [1, 2]), [2, 4])
    assert "No module named 'helpers'" in str(room.cell_errors["course"])
    assert "TimeoutError" in str(room.cell_errors["stuck"])
    assert room.value("AFTER") == 42  # a stuck cell does not stop the rest


def test_student_exceptions_keep_their_class_names(room):
    with pytest.raises(StudentError) as error:
        room.call("raiser")
    assert error.value.is_a("ValueError") and error.value.ename == "Oops"


def test_exit_and_timeout_fail_one_call_only(room):
    with pytest.raises(StudentError, match="ProcessEnded"):
        room.call("exiter")
    with pytest.raises(StudentError, match="TimeoutError"):
        room.call("sleeper")
    assert np.array_equal(room.call("double", 3), 6)
    assert room.restarts >= 2


def test_objects_with_behaviour_cannot_come_back(room):
    with pytest.raises(StudentError, match="not a number"):
        room.call("equal")


@pytest.mark.parametrize("bad", [
    {"__ndarray__": "", "dtype": "not-a-dtype", "shape": [0]},
    {"__ndarray__": "", "dtype": "<f8", "shape": [1] * 65},
    {"__ndarray__": 7, "dtype": "<f8", "shape": [0]},
])
def test_malformed_arrays_are_protocol_errors_not_grader_errors(bad):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(bad)


def test_a_reply_of_millions_of_values_is_refused_before_parsing():
    text = json.dumps({"id": "x", "ok": True, "value": [[]] * 1_100_000})
    with pytest.raises(protocol.ProtocolError, match="more than"):
        protocol.loads(text)
    assert protocol.loads(json.dumps([[]] * 1000)) == [[]] * 1000


HOSTILE_CELLS = [
    # Shadows the builtins and the prelude's names the grader's code uses.
    ("shadow", "isinstance = lambda obj, cls: True\nall = any\n"
               "np = None\nglobals = lambda: {}\n"
               "def answer():\n    return [1, 2]\n"),
    # Stops reading its requests while keeping the pipe open: the next
    # request (a cell larger than the pipe holds) can never be written.
    ("stall", "import os, sys\n_fd = int(sys.argv[1])\n_keep = os.dup(_fd)\n"
              "_r, _w = os.pipe()\nos.dup2(_r, _fd)\n"),
    ("large", "VALUE = 1\n# " + "x" * 200_000 + "\n"),
]


def test_answers_cannot_shadow_what_the_graders_code_uses():
    with CleanRoom(HOSTILE_CELLS[:1], prelude="import numpy as np",
                   call_timeout=10, cell_timeout=10) as room:
        checked = room.run("result = [isinstance(answer(), np.ndarray), "
                           "all([False, True]), 'answer' in globals()]")
    assert checked == [False, False, True]


def test_a_room_that_stops_reading_times_out_instead_of_hanging():
    started = time.monotonic()
    room = CleanRoom(HOSTILE_CELLS[1:], prelude="import numpy as np",
                     call_timeout=3, cell_timeout=3)
    room.start()
    try:
        assert "TimeoutError" in str(room.cell_errors["large"])
    finally:
        room.stop()
    assert time.monotonic() - started < 60


def test_every_grade_cell_has_exactly_one_hidden_test():
    registry = harness.load_hidden_tests()
    for assignment in assignments(REPO):
        path = REPO / "solutions" / assignment / f"{assignment}.ipynb"
        notebook = nbformat.read(path, 4)
        grade_ids = {cell.metadata.nbgrader["grade_id"]
                     for cell in notebook.cells
                     if cell.metadata.get("nbgrader", {}).get("grade")}
        assert set(registry.get(assignment, {})) == grade_ids, assignment
        assert "### BEGIN HIDDEN TESTS" not in path.read_text()


def test_solutions_have_no_route_findings_or_outside_names():
    for assignment in assignments(REPO):
        notebook = nbformat.read(
            REPO / "solutions" / assignment / f"{assignment}.ipynb", 4)
        sources = [source for _, source in answer_cells(notebook)]
        assert not [find_routes(source) for source in sources
                    if find_routes(source)]
        assert outside_names(sources, "import numpy as np\n"
                             "import tensorflow as tf") == []


@pytest.mark.parametrize("source, route", [
    ("import helpers.faces as f", "import helpers.faces"),
    ("from helpers.style import costs", "from helpers.style import ..."),
    ("def f(x, g=helpers.x):\n    return g(x)", "the course package"),
    ("import sys\ny = sys.modules['helpers']", "sys.modules"),
    ("import importlib", "importlib"),
    ("m = __import__('numpy')", "__import__()"),
    ("exec(code)", "exec()"),
    ("eval('1')", "eval()"),
    ("y = getattr(__import__('x'), 'f')", "getattr on"),
    ("import inspect\ns = inspect.getsource(f)", "inspect.getsource"),
    ("import linecache", "linecache"),
    ("x = 'helpers.faces.database'", "the string"),
    ("b = __builtins__", "__builtins__"),
])
def test_route_finder_names_each_route(source, route):
    assert any(route in found for found in find_routes(source)), (
        source, find_routes(source))


def test_a_broken_hidden_test_fails_closed(monkeypatch):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("def f():\n    return 1", metadata={
            "nbgrader": {"solution": True, "grade_id": "f"}}),
        nbformat.v4.new_code_cell("check(f)", metadata={
            "nbgrader": {"grade": True, "grade_id": "test_f"}}),
    ])
    monkeypatch.setitem(harness._TESTS, "fake", {
        "test_f": lambda student: 1 / 0})
    monkeypatch.setitem(harness._SETTINGS, "fake", {"prelude": ""})
    monkeypatch.setattr(harness, "load_hidden_tests", lambda: harness._TESTS)
    verdicts, _ = harness.run_hidden_tests(notebook, "fake",
                                           ["test_f", "test_unknown"])
    assert not verdicts["test_f"].passed and verdicts["test_f"].grader_error
    assert not verdicts["test_unknown"].passed
    assert verdicts["test_unknown"].grader_error


def test_routes_are_rejected_even_when_the_result_is_right(monkeypatch):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(
            "def f():\n    try:\n        import helpers\n"
            "    except ImportError:\n        pass\n    return 1",
            metadata={"nbgrader": {"solution": True, "grade_id": "f"}}),
        nbformat.v4.new_code_cell("check(f)", metadata={
            "nbgrader": {"grade": True, "grade_id": "test_f"}}),
    ])

    def test_f(student):
        assert student.f() == 1

    monkeypatch.setitem(harness._TESTS, "fake", {"test_f": test_f})
    monkeypatch.setitem(harness._SETTINGS, "fake", {"prelude": ""})
    monkeypatch.setattr(harness, "load_hidden_tests", lambda: harness._TESTS)
    verdicts, report = harness.run_hidden_tests(notebook, "fake")
    assert not verdicts["test_f"].passed
    assert "import helpers" in verdicts["test_f"].message
    assert report["findings"] == {"f": ["import helpers"]}


def test_the_grader_loads_hidden_tests_without_tensorflow():
    """Every grading process loads them: TensorFlow would cost seconds."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from instructor.grading.harness import load_hidden_tests\n"
            "load_hidden_tests()\n"
            "print(sorted(m for m in ('tensorflow', 'keras', 'sklearn')"
            " if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout
