"""Neural style transfer speed: baseline Adam loop vs the engine's fast method.

One content image and one painting at 256 px on the long side.  The baseline
is the TensorFlow tutorial's Adam loop (learning rate 0.02, beta_1 0.99,
epsilon 0.1, 1000 steps, started from the content image); the fast method is
``helpers.style.fast_transfer`` (coarse-to-fine L-BFGS in the [0, 1] box),
run until its float32 total cost at 256 px is at or below the baseline's
final cost.  Both use the same cost (engine defaults) and the same truncated
VGG16, which is loaded before timing starts.

The fast method runs with ``--precision`` (default ``auto``: bfloat16
convolutions for most iterations where the CPU has bfloat16 instructions,
see ``helpers.style.precision``).  When that resolves to ``mixed`` the fast
method is also timed in float32, and ``fast_float32_seconds`` and
``speedup_float32`` report it, so the gain of the method alone is visible.

    FACES_STYLES_ASSETS=/work/shared/assets .venv/bin/python benchmarks/nst_speed.py \
        --json artifacts/nst_speed.json

``--adam-steps`` shortens the baseline for trial runs; reported figures use
the default 1000.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def seconds_per_step(content, style, size, repeats=5):
    """Median wall time of one loss-and-gradient evaluation at ``size`` px."""
    from helpers.style.images import resize, shape_for_long_side
    from helpers.style.objective import StyleCost

    shape = shape_for_long_side(content.shape, size)
    cost = StyleCost(resize(content, shape), style)
    image = cost.content[None]
    cost.value_and_grad(image)[0].numpy()  # trace and warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        cost.value_and_grad(image)[1].numpy()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--content", default="china")
    parser.add_argument("--style", default="starry_night")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--adam-steps", type=int, default=1000)
    parser.add_argument("--max-fast-iterations", type=int, default=1000,
                        help="cap on L-BFGS iterations at the final size")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--save-images", type=Path,
                        help="folder for adam.png and fast.png")
    parser.add_argument("--precision", default="auto", choices=("auto", "float32", "mixed"),
                        help="arithmetic of the fast method (default: auto)")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    from helpers.style.images import as_image
    from helpers.style.transfer import (adam_transfer, default_iterations,
                                        default_levels, fast_transfer)
    from helpers.style.vgg import load_vgg16

    progress = not args.no_progress
    content = as_image(args.content, kind="content")
    style = as_image(args.style, kind="style")
    load_vgg16()

    print(f"Adam baseline: {args.adam_steps} steps at {args.size} px ...", flush=True)
    adam = adam_transfer(content, style, size=args.size, steps=args.adam_steps,
                         progress=progress)
    print(f"  {adam.seconds:.1f} s, final loss {adam.final_loss:.6g}", flush=True)

    levels = default_levels(args.size)
    iterations = list(default_iterations(len(levels)))
    iterations[-1] = args.max_fast_iterations
    print(f"Fast method: levels {levels}, until loss <= {adam.final_loss:.6g} ...", flush=True)

    def run_fast(precision):
        result = fast_transfer(content, style, size=args.size, levels=levels,
                               iterations=tuple(iterations), target_loss=adam.final_loss,
                               progress=progress, precision=precision)
        print(f"  {result.config['precision']}: {result.seconds:.1f} s, final loss "
              f"{result.final_loss:.6g}"
              + ("" if result.final_loss <= adam.final_loss else "  (target NOT reached)"),
              flush=True)
        return result

    fast = run_fast(args.precision)
    reached = fast.final_loss <= adam.final_loss
    fast_float32 = run_fast("float32") if fast.config["precision"] != "float32" else fast

    per_256 = seconds_per_step(content, style, 256)
    per_400 = seconds_per_step(content, style, 400)
    figures = {
        "adam_seconds": round(adam.seconds, 3),
        "fast_seconds": round(fast.seconds, 3),
        "speedup": round(adam.seconds / fast.seconds, 3),
        "adam_final_loss": adam.final_loss,
        "fast_final_loss": fast.final_loss,
        "seconds_per_step_256": round(per_256, 4),
        "seconds_per_step_400": round(per_400, 4),
        "fast_precision": fast.config["precision"],
        "fast_float32_seconds": round(fast_float32.seconds, 3),
        "speedup_float32": round(adam.seconds / fast_float32.seconds, 3),
    }
    details = {
        "adam_steps": args.adam_steps,
        "fast_reached_target": reached,
        "fast_float32_reached_target": fast_float32.final_loss <= adam.final_loss,
        "fast_levels": list(levels),
        "fast_evaluations": fast.config["evaluations"],
        "content": args.content, "style": args.style, "size": args.size,
        "cpu_count": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "machine": platform.platform(),
    }
    for key, value in figures.items():
        print(f"{key}: {value}")
    print(f"(fast method: {details['fast_evaluations']} loss/gradient evaluations; "
          f"load average {details['load_average']})")
    if args.save_images:
        adam.save(args.save_images / "adam.png")
        fast.save(args.save_images / "fast.png")
        if fast_float32 is not fast:
            fast_float32.save(args.save_images / "fast_float32.png")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return figures


if __name__ == "__main__":
    main()
