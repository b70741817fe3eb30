"""How much of the solutions' code is still verbatim in ``helpers``.

Every line of at least ``MIN_LENGTH`` characters (whitespace stripped)
between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` in
``solutions/*/*.ipynb`` counts once per occurrence.  A line overlaps when it
is also a whole (stripped) line of a file under ``helpers/``; with
``--substring`` when it occurs anywhere inside such a line.  Idiomatic
lines (``IDIOMS``) are listed but not counted as overlap.

    python -m instructor.overlap [--substring] [--max-percent 5]
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIN_LENGTH = 30
IDIOMS = frozenset({
    "with tf.GradientTape() as tape:",
    "height, width = image.shape[:2]",
})
TEXT_SUFFIXES = (".py", ".json", ".md", ".txt", ".cfg", ".toml")


def solution_lines(root=ROOT):
    """Return (notebook, line) for each stripped line of a solution region."""
    lines = []
    for path in sorted(root.glob("solutions/*/*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            inside = False
            for line in "".join(cell["source"]).splitlines():
                text = line.strip()
                if text == "### BEGIN SOLUTION":
                    inside = True
                elif text == "### END SOLUTION":
                    inside = False
                elif inside:
                    lines.append((path.relative_to(root).as_posix(), text))
    return lines


def helpers_lines(root=ROOT):
    """Return the set of stripped lines of the text files under helpers/."""
    found = set()
    for path in sorted((root / "helpers").rglob("*")):
        if path.is_file() and path.suffix in TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8")
            found.update(line.strip() for line in text.splitlines())
    return found


def measure(root=ROOT, substring=False):
    """Return (counted lines, overlapping lines, idiomatic matches)."""
    counted = [(where, text) for where, text in solution_lines(root)
               if len(text) >= MIN_LENGTH]
    shipped = helpers_lines(root)
    if substring:
        blob = "\n".join(shipped)
        present = [item for item in counted if item[1] in blob]
    else:
        present = [item for item in counted if item[1] in shipped]
    overlapping = [item for item in present if item[1] not in IDIOMS]
    idioms = [item for item in present if item[1] in IDIOMS]
    return counted, overlapping, idioms


def main(argv=None):
    """Print the overlap and fail when it exceeds ``--max-percent``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--substring", action="store_true",
                        help="count lines found inside longer lines too")
    parser.add_argument("--max-percent", type=float, default=None,
                        help="exit with status 1 above this percentage")
    args = parser.parse_args(argv)
    counted, overlapping, idioms = measure(substring=args.substring)
    percent = 100.0 * len(overlapping) / max(len(counted), 1)
    for where, text in overlapping:
        print(f"overlap  {where}: {text}")
    for where, text in idioms:
        print(f"idiom    {where}: {text}")
    print(f"{len(overlapping)} of {len(counted)} solution lines of "
          f">= {MIN_LENGTH} characters are verbatim in helpers/: "
          f"{percent:.1f} %")
    if args.max_percent is not None and percent > args.max_percent:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
