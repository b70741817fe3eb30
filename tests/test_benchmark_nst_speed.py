"""benchmarks/nst_speed.py end to end on a tiny problem (figures, not speed)."""

import importlib.util
import json
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "nst_speed.py"


def load_benchmark():
    spec = importlib.util.spec_from_file_location("nst_speed", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_nst_speed_writes_every_figure(tmp_path):
    output = tmp_path / "nst_speed.json"
    figures = load_benchmark().main([
        "--size", "32", "--adam-steps", "5", "--max-fast-iterations", "40",
        "--precision", "mixed", "--no-progress", "--json", str(output)])
    written = json.loads(output.read_text())
    assert written == figures
    required = {"adam_seconds", "fast_seconds", "speedup", "adam_final_loss",
                "fast_final_loss", "seconds_per_step_256", "seconds_per_step_400"}
    assert required <= set(written)
    assert written["fast_precision"] == "mixed"
    assert written["fast_final_loss"] <= written["adam_final_loss"]
    # Ratios of the unrounded times: recomputing them from the printed
    # (rounded) seconds agrees only to the rounding.
    assert written["speedup"] == pytest.approx(
        written["adam_seconds"] / written["fast_seconds"], rel=2e-3, abs=2e-3)
    assert 0 < written["seconds_per_step_256"] < written["seconds_per_step_400"]
    assert written["speedup_float32"] == pytest.approx(
        written["adam_seconds"] / written["fast_float32_seconds"], rel=2e-3,
        abs=2e-3)
