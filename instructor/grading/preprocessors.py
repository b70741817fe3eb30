"""nbgrader preprocessors: sandboxed execution and the harness's verdicts.

``SandboxedExecute`` replaces nbgrader's ``Execute``: the kernel runs in the
sandbox, outputs are capped while they arrive, a whole notebook has a
wall-clock limit on top of the per-cell timeout, and a kernel that dies
(exit, crash, memory limit) ends execution without ending the grading.
It runs only what can change a score: not the cells after the last graded
code cell, and not the instructor's demo cells (``demos``) that a
submission left unchanged, unless the answers read a name only a demo binds.

``HiddenTests`` then runs the hidden tests in the clean room and writes
their verdicts into the grade cells: a grade cell keeps its points only if
its own code ran without error in the kernel AND its hidden tests passed.
Outputs that nbgrader would read as a partial score (``execute_result``)
are turned into plain displays, so a submission cannot print its grade.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import threading
import time
from pathlib import Path

from nbclient.exceptions import CellExecutionComplete, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Float, Integer, Unicode, default

from helpers import settings
from instructor.grading import demos, grader_memory, harness
from instructor.grading.kernel_client import DROPPED, MAX_MESSAGE_BYTES
from instructor.grading.sandbox import unsafe_requested

REPORT_NAME = "grading_report.json"
#: Environment variable: grade from the hidden tests alone, without
#: executing the notebook (large cohorts).
VERDICTS_ONLY_ENV = settings.variable("VERDICTS_ONLY")
VERDICTS_ONLY_NOTE = ("[graded from the hidden tests alone: this notebook was"
                      " not run when grading, so the outputs are not shown]\n")
NAME_ERROR = re.compile(r"name '([^']+)' is not defined")
#: Output where the kernel sent a message larger than the grader takes.
DROPPED_NOTE = ("[output dropped: the kernel sent a message larger than the "
                "grader accepts ({size} MiB); what this cell printed after it "
                "was not kept]\n")
#: Output that stands in for a cell grading did not run.
NOT_RUN_NOTE = ("[not run when grading: no graded cell comes after this one,"
                " so it cannot change a score; your own notebook keeps its "
                "output]\n")


#: The grading reports this process has written (see _write_report).
_WRITTEN_REPORTS = set()


def verdicts_only_requested():
    """Return True when grading must not execute notebooks."""
    return settings.value("VERDICTS_ONLY")


def _new_events(executed):
    """Return the record of one execution that the grading report keeps."""
    return {"kernel_died_in": None, "out_of_memory": False,
            "time_limit_in": None, "truncated_cells": [],
            "timed_out_cells": [], "sandbox": None, "zygote_failure": None,
            "not_run_after": None, "demos_skipped": [], "executed": executed,
            "oversize_message_cells": [], "grader_memory_in": None}


def _error_output(ename, evalue):
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


def _stream_output(text):
    return NotebookNode(output_type="stream", name="stdout", text=text)


def _output_size(output):
    """Return how many bytes an output takes in the notebook's JSON.

    All of it counts: text, data, traceback, and the metadata a kernel can
    attach to any output.
    """
    return len(json.dumps(output, default=str))


class SandboxedExecute(Execute):
    """Execute a submission with its kernel in the bubblewrap sandbox."""

    notebook_timeout = Float(
        help="Wall-clock limit for a whole notebook, in seconds "
        "(FACES_STYLES_NOTEBOOK_TIMEOUT, 1800).",
    ).tag(config=True)
    max_cell_output_bytes = Integer(
        1 << 20, help="Outputs of one cell beyond this are dropped.",
    ).tag(config=True)
    max_notebook_output_bytes = Integer(
        8 << 20, help="Outputs of a notebook beyond this are dropped.",
    ).tag(config=True)
    run_notebook = Bool(
        help="Execute the notebook in its sandboxed kernel.  False grades "
        "from the hidden tests alone (FACES_STYLES_VERDICTS_ONLY=1): about "
        "40 % fewer CPU seconds, no fresh outputs in the feedback.",
    ).tag(config=True)
    skip_demos = Bool(
        True, help="Skip the cells that are, unchanged, demo cells of the "
        "instructor's source notebook (tagged 'demo').",
    ).tag(config=True)
    run_after_last_grade = Bool(
        False, help="Also run the cells after the last graded code cell "
        "(they cannot change a score: the hidden tests run apart).",
    ).tag(config=True)
    grader_memory_gib = Float(
        help="Memory the grading process itself may use, GiB (0: no cap).  "
        "Past it the kernel is killed (it sent more than the grader takes "
        "in), and allocations fail 1 GiB further "
        "(FACES_STYLES_GRADER_MEMORY_GIB, 2).",
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A flood of output may still be arriving after the cell finished:
        # wait a while for it, then go on (it is capped anyway) instead of
        # abandoning the whole submission.
        self.raise_on_iopub_timeout = False
        self.iopub_timeout = 30
        # The sandbox is thrown away: kill the kernel when the notebook is
        # done instead of letting it tear TensorFlow down (a CPU-second).
        self.shutdown_kernel = "immediate"
        if not unsafe_requested():
            from instructor.grading.kernel import SandboxKernelManager

            self.kernel_manager_class = SandboxKernelManager

    @default("notebook_timeout")
    def _notebook_timeout_default(self):
        return settings.value("NOTEBOOK_TIMEOUT")

    @default("timeout")
    def _cell_timeout_default(self):
        return int(settings.value("CELL_TIMEOUT")) or None

    @default("run_notebook")
    def _run_notebook_default(self):
        return not verdicts_only_requested()

    @default("grader_memory_gib")
    def _grader_memory_default(self):
        return grader_memory.cap_bytes() / grader_memory.GIB

    def preprocess(self, nb, resources=None, km=None):
        resources = resources if resources is not None else {}
        self._memory_cap = int(self.grader_memory_gib * grader_memory.GIB)
        if not unsafe_requested():
            grader_memory.limit_data(self._memory_cap)
        if not self.run_notebook:
            return self._verdicts_only(nb, resources)
        sources = self._demo_sources(resources)
        original = copy.deepcopy(nb) if sources else None
        nb, resources = self._execute(nb, resources, km, sources)
        needed = self._demo_names_needed(nb)
        if needed:
            # The submission reads what a skipped demo binds: grade the
            # notebook as its author ran it, demos included.
            nb, resources = self._execute(original, resources, km,
                                          frozenset())
            self._events["demos_run_because"] = needed
        resources.setdefault("faces_styles", {})["execution"] = self._events
        return nb, resources

    def _verdicts_only(self, nb, resources):
        """Leave the notebook unexecuted; say so in its first code cell."""
        self._events = _new_events(executed=False)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [_stream_output(VERDICTS_ONLY_NOTE)]
                cell.execution_count = None
                break
        resources.setdefault("faces_styles", {})["execution"] = self._events
        return nb, resources

    def _demo_sources(self, resources):
        """Return the sources of the instructor's demo cells (maybe none)."""
        info = resources.get("nbgrader", {})
        if not self.skip_demos or not info.get("assignment"):
            return frozenset()
        from nbgrader.coursedir import CourseDirectory

        course = CourseDirectory(config=self.config)
        folder = course.format_path(course.source_directory, ".",
                                    info["assignment"])
        return demos.demo_sources(
            Path(folder) / f"{info.get('notebook')}.ipynb")

    def _demo_names_needed(self, nb):
        """Return the demo-bound names a NameError of this run names."""
        skipped = self._events["demos_skipped"]
        if not skipped or self._events["kernel_died_in"] is not None:
            return []
        bound = set()
        for index in skipped:
            try:
                bound |= demos.bound_and_read(nb.cells[index].source)[0]
            except SyntaxError:
                continue
        missing = set()
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                if (output.get("output_type") == "error"
                        and output.get("ename") == "NameError"):
                    found = NAME_ERROR.search(str(output.get("evalue", "")))
                    if found and found.group(1) in bound:
                        missing.add(found.group(1))
        return sorted(missing)

    def _execute(self, nb, resources, km, sources):
        self._events = _new_events(executed=True)
        self._skipped = demos.skipped_by_grading(
            nb, sources, self.run_after_last_grade)
        after = [index for index, why in self._skipped.items()
                 if why == "after"]
        self._events["not_run_after"] = min(after) - 1 if after else None
        self._cell_bytes = {}
        self._total_bytes = 0
        self._dead = False
        self._cell_index = None
        self._deadline = time.monotonic() + self.notebook_timeout
        self._expired = threading.Event()
        self._memory_hit = threading.Event()
        self._watchdog_stop = threading.Event()
        watchdog = threading.Thread(target=self._watchdog, daemon=True)
        watchdog.start()
        try:
            return super().preprocess(nb, resources, km=km)
        finally:
            self._watchdog_stop.set()

    def _watchdog(self):
        """Kill the kernel past the notebook's time or the grader's memory."""
        while not self._watchdog_stop.wait(0.1):
            if time.monotonic() > self._deadline:
                self._expired.set()
            elif grader_memory.over_cap(self._memory_cap):
                self._memory_hit.set()
            else:
                continue
            manager = getattr(self, "km", None)
            process = getattr(getattr(manager, "provisioner", None),
                              "process", None)
            if process is not None and process.poll() is None:
                process.kill()
            return

    def _memory_reason(self, index):
        self._events["grader_memory_in"] = index
        return (f"the kernel sent more than the grader takes in: the grading "
                f"process passed its memory cap of {self.grader_memory_gib:g}"
                f" GiB ({grader_memory.CAP_ENV})")

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        why = self._skipped.get(index)
        if why is not None:
            # "after": grades are settled, what runs now cannot change them.
            cell.outputs = [_stream_output(
                NOT_RUN_NOTE if why == "after" else demos.SKIPPED_NOTE)]
            cell.execution_count = None
            if why == "demo":
                self._events["demos_skipped"].append(index)
            return cell, resources
        if self._events["sandbox"] is None and getattr(self, "km", None):
            sandbox = getattr(self.km, "sandbox", None)
            self._events["sandbox"] = (sandbox.describe() if sandbox else
                                       "UNSAFE: no sandbox")
            self._events["zygote_failure"] = getattr(
                self.km, "zygote_failure", None)
        if self._dead:
            cell.outputs = [_error_output(
                "NotRun", "not run: " + self._dead)]
            return cell, resources
        self._cell_index = index
        dropped = len(getattr(getattr(self, "kc", None), "dropped", ()))
        try:
            return super().preprocess_cell(cell, resources, index)
        except MemoryError:
            # The last wall (grader_memory.limit_data): the kernel goes.
            self._memory_hit.set()
            with contextlib.suppress(Exception):
                self.km.provisioner.process.kill()
            return self._kernel_died(cell, resources, index,
                                     self._memory_reason(index))
        except DeadKernelError:
            if self._expired.is_set():
                reason = (f"the notebook ran past its {self.notebook_timeout:g}"
                          " s time limit")
                self._events["time_limit_in"] = index
            elif self._memory_hit.is_set():
                reason = self._memory_reason(index)
            elif getattr(self.km, "out_of_memory", lambda: False)():
                reason = "the kernel ran out of its memory limit"
                self._events["out_of_memory"] = True
            else:
                reason = ("the kernel died (exit(), os._exit, a crash or a "
                          "killed process)")
            return self._kernel_died(cell, resources, index, reason)
        finally:
            self._note_dropped(cell, index, dropped)

    def _kernel_died(self, cell, resources, index, reason):
        self._events["kernel_died_in"] = index
        cell.outputs.append(_error_output("KernelDied", reason))
        self._dead = f"{reason} in an earlier cell"
        return cell, resources

    def _note_dropped(self, cell, index, before):
        """Say so in the cell where the kernel sent a message too large."""
        dropped = getattr(getattr(self, "kc", None), "dropped", ())
        if len(dropped) <= before:
            return
        self._events["oversize_message_cells"].append(index)
        if index not in self._events["truncated_cells"]:
            self._events["truncated_cells"].append(index)
        cell.outputs.append(_stream_output(
            DROPPED_NOTE.format(size=MAX_MESSAGE_BYTES >> 20)))

    def process_message(self, msg, cell, cell_index):
        if msg.get("msg_type") == DROPPED:
            # What the kernel sent after it may be lost too: stop waiting.
            raise CellExecutionComplete()
        return super().process_message(msg, cell, cell_index)

    async def _async_handle_timeout(self, timeout, cell=None):
        # Interrupted (interrupt_on_timeout): the report says which cells.
        timed_out = self._events["timed_out_cells"]
        if self._cell_index is not None and self._cell_index not in timed_out:
            timed_out.append(self._cell_index)
        return await super()._async_handle_timeout(timeout, cell)

    def output(self, outs, msg, display_id, cell_index):
        out = super().output(outs, msg, display_id, cell_index)
        if out is None:
            return out
        size = _output_size(out)
        used = self._cell_bytes.get(cell_index, 0)
        if (used + size > self.max_cell_output_bytes
                or self._total_bytes + size > self.max_notebook_output_bytes):
            if outs and outs[-1] is out:
                outs.pop()
            if cell_index not in self._events["truncated_cells"]:
                self._events["truncated_cells"].append(cell_index)
                outs.append(_stream_output(
                    "[output truncated: this cell printed more than the "
                    "grader keeps]\n"))
            return None
        self._cell_bytes[cell_index] = used + size
        self._total_bytes += size
        return out


def limits_reached(execution, report):
    """Return a line for each of the grader's own bounds a submission hit."""
    execution = execution or {}
    lines = []
    if execution.get("oversize_message_cells"):
        lines.append(
            "the kernel sent messages larger than the grader accepts "
            f"({MAX_MESSAGE_BYTES >> 20} MiB) in cells "
            f"{execution['oversize_message_cells']}; they were dropped")
    if execution.get("grader_memory_in") is not None:
        lines.append(
            "the grading process passed its memory cap "
            f"({grader_memory.CAP_ENV}) in cell "
            f"{execution['grader_memory_in']}: the kernel was killed")
    budget = report.get("time_budget")
    if budget:
        lines.append(
            f"the hidden tests ran past their time budget of "
            f"{budget['seconds']:g} s (FACES_STYLES_HIDDEN_TESTS_BUDGET) in "
            f"{budget['ran_out_in'] or 'the answer cells'}; not run: "
            f"{', '.join(budget['not_run']) or '-'}")
    return lines


class HiddenTests(NbGraderPreprocessor):
    """Run the hidden tests outside the kernel and record their verdicts."""

    cache_dir = Unicode(
        "", help="Where expensive test fixtures are cached (default: "
        ".grading_cache in the course root).",
    ).tag(config=True)
    call_timeout = Float(
        help="Time limit of one call into the submission, seconds.  0: "
        "each assignment's own (its hidden tests' CALL_TIMEOUT, else 60 s)"
        " (FACES_STYLES_CALL_TIMEOUT, 0).",
    ).tag(config=True)
    time_budget = Float(
        help="Time limit of all the hidden tests of one submission together "
        "(the clean room's start and restarts included), seconds; 0: none "
        "(FACES_STYLES_HIDDEN_TESTS_BUDGET, 300).",
    ).tag(config=True)

    @default("call_timeout")
    def _call_timeout_default(self):
        return settings.value("CALL_TIMEOUT")

    @default("time_budget")
    def _time_budget_default(self):
        return settings.value("HIDDEN_TESTS_BUDGET")

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        assignment = info.get("assignment")
        harness.set_fixture_dir(self.cache_dir or
                                harness.default_fixture_dir(Path.cwd()))
        grade_ids = [cell.metadata.nbgrader["grade_id"]
                     for cell in nb.cells if utils.is_grade(cell)]
        verdicts, report = harness.run_hidden_tests(
            nb, assignment, grade_ids, call_timeout=self.call_timeout or None,
            budget=self.time_budget or None)
        for cell in nb.cells:
            if not utils.is_grade(cell) or cell.cell_type != "code":
                continue
            self._apply(cell, verdicts.get(cell.metadata.nbgrader["grade_id"]))
        execution = resources.get("faces_styles", {}).get("execution")
        report = {
            "student": info.get("student"), "assignment": assignment,
            "notebook": info.get("notebook"), "execution": execution,
            "verdicts": harness.verdicts_to_json(verdicts), **report,
            "grader_peak_bytes": grader_memory.peak_bytes(),
        }
        report["limits"] = limits_reached(execution, report)
        self._write_report(resources, report)
        return nb, resources

    def _apply(self, cell, verdict):
        # Only the grader decides scores: no execute_result may act as a
        # partial score, and failures come first.
        for output in cell.outputs:
            if output.output_type == "execute_result":
                output.output_type = "display_data"
                output.pop("execution_count", None)
        if verdict is None:
            verdict = harness.Verdict(False, "no verdict (grader error)",
                                      grader_error=True)
        extra = [_stream_output(note.rstrip("\n") + "\n")
                 for note in verdict.notes]
        if verdict.passed:
            cell.outputs.extend(
                extra + [_stream_output("Hidden tests: passed.\n")])
        else:
            cell.outputs[:0] = [_error_output("HiddenTestFailed",
                                              verdict.message)] + extra

    def _write_report(self, resources, report):
        folder = resources.get("metadata", {}).get("path")
        if not folder:
            return
        path = Path(folder) / REPORT_NAME
        existing = {}
        # Merge only with what this process wrote for the submission's
        # other notebooks: a file of that name among the submitted files
        # (nbgrader copies them here) is replaced, never trusted.
        if path in _WRITTEN_REPORTS and path.is_file():
            try:
                existing = json.loads(path.read_text())
            except ValueError:
                existing = {}
        _WRITTEN_REPORTS.add(path)
        existing[report.get("notebook") or "notebook"] = report
        if path.is_symlink():
            path.unlink()
        path.write_text(json.dumps(existing, indent=1, default=str))
