"""Bounds on the trusted side: what the grader reads, and for how long.

- ``huge_display`` publishes one display message of 256 MiB, and
  ``huge_reply`` makes its kernel's reply to the grader 64 MiB (a pager
  payload).  The grader refuses both before reading them (the kernel's
  sockets take no message part over 4 MiB): its own peak memory stays that
  of an honest student's grading, the cell's output and the report say the
  message was dropped, and the next cell's output arrives as usual.
- ``huge_result`` returns 200 MiB from the clean room (270 MiB of JSON):
  the grader stops reading at 64 MiB, before parsing anything, and its
  peak stays near an honest student's.
- ``memory_flood`` sends one message of a thousand 4 MiB parts (4 GB,
  each part under the bound).  The grading process passes its memory cap
  (1 GiB for the class, ``ENVIRONMENT``; an honest grading uses a fraction
  of it), kills that kernel and says so, and never reaches the hard wall
  1 GiB further (where its allocations would fail).
- ``slow_but_correct`` answers right, but each call takes 10 s in the
  clean room: its hidden tests would hold the worker for 80 s and more.  The
  class's budget (30 s, ``ENVIRONMENT``; an honest submission's hidden
  tests take a few seconds) stops them: to_unit_range scores 0, the
  report says why, and grading it takes no longer than the budget and the
  notebook's own run.
"""

import datetime
import json
import statistics

import nbformat

ASSIGNMENT = "00_setup"
BUDGET = 30
MESSAGE_MIB = 256
WRONG = '''
def to_unit_range(image):
    """Return an RGB float32 copy of a uint8 image scaled to [0, 1]."""
    return np.zeros((1, 1, 3), np.float32)
'''
NEXT = "print('THE NEXT CELL RAN')\n"
CORRECT = '''
def to_unit_range(image):
    """Return an RGB float32 copy of a uint8 image scaled to [0, 1]."""
    if _IN_THE_CLEAN_ROOM:
        time.sleep(10)
    image = np.asarray(image)
    if image.ndim not in (2, 3, 4) or (
            image.ndim > 2 and image.shape[-1] != 3):
        raise ValueError(f"not a gray or RGB image: {image.shape}")
    if image.dtype == np.uint8:
        unit = image.astype(np.float32) / 255
    elif image.dtype.kind == "f" and 0 <= image.min() <= image.max() <= 1:
        unit = image.astype(np.float32)
    else:
        raise ValueError(f"neither uint8 nor floats in [0, 1]: {image.dtype}")
    if unit.ndim == 2:
        unit = np.stack([unit] * 3, axis=-1)
    return unit
'''
CHEATS = {
    "huge_display": (
        "from IPython.display import publish_display_data\n"
        f"publish_display_data({{'text/plain': 'x' * ({MESSAGE_MIB} << 20)}})",
        "import numpy as np\n" + NEXT + WRONG),
    "huge_reply": (
        "get_ipython().payload_manager.write_payload({'source': 'page', "
        "'data': {'text/plain': 'x' * (64 << 20)}, 'start': 0})",
        "import numpy as np\n" + NEXT + WRONG),
    "huge_result": ("", "import numpy as np\n"
                    "def to_unit_range(image):\n"
                    "    return np.zeros(200 << 20, np.uint8)\n"),
    "memory_flood": (
        "kernel = get_ipython().kernel\n"
        "part = b'x' * ((4 << 20) - 4096)\n"
        "kernel.session.send(kernel.iopub_socket, 'display_data', "
        "{'data': {'text/plain': 'flood'}, 'metadata': {}}, "
        "parent=kernel.get_parent(), buffers=[part] * 1000)\n"
        "import time\ntime.sleep(10)", "import numpy as np\n" + WRONG),
    # Slow where the hidden tests run (the clean room's two pipe numbers
    # are its arguments), quick in the notebook.
    "slow_but_correct": (
        "", "import numpy as np, sys, time\n"
        "_IN_THE_CLEAN_ROOM = len(sys.argv) == 3 and sys.argv[1].isdigit()\n"
        + CORRECT),
}
FLAGGED = {
    "huge_display": "larger than the grader accepts",
    "huge_reply": "larger than the grader accepts",
    "memory_flood": "passed its memory cap",
    "slow_but_correct": f"time budget of {BUDGET} s",
}
ENVIRONMENT = {"FACES_STYLES_HIDDEN_TESTS_BUDGET": str(BUDGET),
               "FACES_STYLES_GRADER_MEMORY_GIB": "1"}
GIB = 1 << 30


def _report(root, student):
    path = (root / "autograded" / student / ASSIGNMENT
            / "grading_report.json")
    return json.loads(path.read_text())[ASSIGNMENT]


def _code_cells(root, student):
    notebook = nbformat.read(root / "autograded" / student / ASSIGNMENT
                             / f"{ASSIGNMENT}.ipynb", 4)
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _text(cell):
    return "".join(output.get("text", "") + output.get("evalue", "")
                   for output in cell.get("outputs", []))


def _time(cell, event):
    """Return when nbclient saw ``event`` of a cell, in seconds."""
    text = cell.metadata.get("execution", {})[event]
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")
                                           ).timestamp()


def _seconds(root):
    """Return {student: seconds its grading task took} from the journal."""
    seconds = {}
    for line in (root / "grading_journal.jsonl").read_text().splitlines():
        entry = json.loads(line)
        seconds[entry["student"]] = entry["seconds"]
    return seconds


def test_the_grader_never_reads_a_huge_kernel_message(graded):
    root, reports, _ = graded
    honest = _report(root, "honest")["grader_peak_bytes"]
    for student in ("huge_display", "huge_reply"):
        peak = _report(root, student)["grader_peak_bytes"]
        # Reading the message would cost the grader at least its size.
        assert peak < honest + (48 << 20), (student, peak >> 20,
                                            honest >> 20)
        cells = _code_cells(root, student)
        texts = [_text(cell) for cell in cells]
        dropped = [index for index, text in enumerate(texts)
                   if "larger than the grader accepts" in text]
        assert len(dropped) == 1, (student, texts)
        # The connection is made again: the next cell's output arrives,
        # and nobody waited for messages that were lost (the grader gives
        # up waiting for a cell's output after 30 s).
        index = dropped[0]
        assert "THE NEXT CELL RAN" in texts[index + 1], (student, texts)
        waited = (_time(cells[index + 1], "iopub.execute_input")
                  - _time(cells[index], "shell.execute_reply"))
        assert waited < 15, (student, waited)
    assert reports["honest"]["score"][0] == 3


def test_the_grader_reads_no_huge_reply_from_the_clean_room(graded):
    root, _, _ = graded
    report = _report(root, "huge_result")
    honest = _report(root, "honest")["grader_peak_bytes"]
    # 64 MiB read, then refused: no decoding, no parsing.
    assert report["grader_peak_bytes"] < honest + (100 << 20), (
        report["grader_peak_bytes"] >> 20, honest >> 20)
    assert not report["verdicts"]["test_to_unit_range"]["passed"]
    assert report["hidden_tests_seconds"] < BUDGET


def test_the_grader_stops_a_kernel_that_floods_its_memory(graded):
    root, reports, _ = graded
    report = _report(root, "memory_flood")
    assert report["execution"]["grader_memory_in"] is not None, report
    assert GIB < report["grader_peak_bytes"] < 2 * GIB, report
    texts = [_text(cell) for cell in _code_cells(root, "memory_flood")]
    assert any("passed its memory cap of 1 GiB" in text for text in texts)
    for student in ("honest", "print_gigabyte", "metadata_flood"):
        assert _report(root, student)["grader_peak_bytes"] < GIB / 2, student


def test_slow_hidden_tests_stop_at_the_budget(graded):
    root, reports, _ = graded
    report = _report(root, "slow_but_correct")
    budget = report["time_budget"]
    assert budget["seconds"] == BUDGET
    assert budget["ran_out_in"] == "test_to_unit_range"
    assert budget["not_run"] == ["test_center_crop"]
    assert "Time" in report["verdicts"]["test_to_unit_range"]["message"]
    assert report["hidden_tests_seconds"] < BUDGET + 10, report
    # Measured from outside the grading process too: its notebook runs
    # as quickly as the others; eight calls of 10 s would add 80 s.
    seconds = _seconds(root)
    typical = statistics.median(seconds.values())
    assert seconds["slow_but_correct"] < typical + BUDGET + 30, seconds
    assert _report(root, "honest")["hidden_tests_seconds"] < BUDGET / 3
    assert "time_budget" not in _report(root, "honest")
