"""A full-configuration painting with a learner's cost functions vs the engine's.

Notebook 05 paints with the learner's own ``compute_content_cost``,
``compute_style_cost`` (with their ``compute_layer_style_cost`` and
``gram_matrix``), ``total_cost`` and ``total_variation_cost``, passed to the
engine as ``costs=``.  This script runs ``helpers.style.fast_transfer`` with
its full-configuration defaults (256 px, levels 64/128/256, 50/40/80 L-BFGS
iterations, ``precision="auto"``) twice on the same images: with the
engine's own cost terms, and with the functions of the solution notebook's
answer cells (what a learner who passed the exercises runs); the engine's
terms are normalised differently (4 times the exercises' content and style
costs), so the learner's final loss is a quarter of the engine's.  VGG16 is
loaded before timing starts.  The goal is a learner's painting under two
minutes on the course's 2-core machine.

    FACES_STYLES_ASSETS=/work/shared/assets .venv/bin/python \
        benchmarks/nst_learner_costs.py --json /tmp/nst_learner_costs.json
"""

from __future__ import annotations

import argparse
import json
import linecache
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NOTEBOOK = ROOT / "solutions" / "05_style_transfer" / "05_style_transfer.ipynb"


def solution_costs(notebook=NOTEBOOK):
    """The cost functions defined by the solution notebook's answer cells."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    namespace = {"__name__": "__main__"}
    exec("import numpy as np\nimport tensorflow as tf", namespace)
    for index, cell in enumerate(cells):
        if cell["metadata"].get("nbgrader", {}).get("solution"):
            source = "".join(cell["source"]) + "\n"
            filename = f"<{notebook.stem} cell {index}>"
            # AutoGraph reads the source of the functions it traces.
            linecache.cache[filename] = (len(source), None,
                                         source.splitlines(True), filename)
            exec(compile(source, filename, "exec"), namespace)
    return {"content": namespace["compute_content_cost"],
            "style": namespace["compute_style_cost"],
            "total": namespace["total_cost"],
            "tv": namespace["total_variation_cost"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--content", default="china")
    parser.add_argument("--style", default="starry_night")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--iterations", type=int, nargs="+",
                        help="L-BFGS iterations per level (default: the engine's)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    from helpers.style.transfer import fast_transfer
    from helpers.style.vgg import load_vgg16

    load_vgg16()
    costs = solution_costs()
    runs = {}
    for label, given in (("engine", None), ("learner", costs)):
        result = fast_transfer(args.content, args.style, size=args.size,
                               iterations=args.iterations, costs=given,
                               progress=not args.no_progress)
        runs[label] = result
        print(f"{label} costs: {result.seconds:.1f} s, final loss "
              f"{result.final_loss:.6g} ({result.config['precision']}, "
              f"{result.config['evaluations']} evaluations)", flush=True)
    figures = {
        "engine_seconds": round(runs["engine"].seconds, 3),
        "learner_seconds": round(runs["learner"].seconds, 3),
        "engine_final_loss": runs["engine"].final_loss,
        "learner_final_loss": runs["learner"].final_loss,
        "precision": runs["learner"].config["precision"],
        "size": args.size,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    for key, value in figures.items():
        print(f"{key}: {value}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return figures


if __name__ == "__main__":
    main()
