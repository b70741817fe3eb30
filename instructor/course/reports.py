"""What the grader's report of one autograded submission says."""

import json
from pathlib import Path

from helpers.config import REPO_ROOT


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
