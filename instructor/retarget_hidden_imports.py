"""Point the hidden tests of solutions/ at instructor.reference.

The hidden tests (between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN
TESTS``) compared learners' functions with references imported from
``helpers``; the references now live in ``instructor.reference``.  This
script rewrites only those import lines, and the names they bind where a
function moved, inside hidden-test regions; everything else in the notebook
file stays byte for byte (nbformat's layout: one-space indent, sorted
keys).  It is idempotent::

    python -m instructor.retarget_hidden_imports
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"

#: Import line in helpers -> its replacement (text, names to rename).
IMPORTS = {
    "from helpers.faces import verification as reference":
        ("from instructor.reference import verification as reference", {}),
    "from helpers.faces.losses import triplet_loss as reference_loss":
        ("from instructor.reference.triplet import triplet_loss as "
         "reference_loss", {}),
    "from helpers.faces import pair_classifier":
        ("from instructor.reference import pair_features",
         {"pair_classifier.": "pair_features."}),
    "import helpers.style as reference":
        ("from instructor.reference import style as reference", {}),
    "from helpers.checks import style as style_checks":
        ("from instructor.reference import style as style_checks", {}),
    "from helpers.convolutions import keras_conv_output_shape":
        ("from instructor.reference.convolutions import "
         "keras_conv_output_shape", {}),
}
#: ``siamese as _reference`` served both references and engine code.
SIAMESE = "from helpers.faces import siamese as _reference"
SIAMESE_ENGINE = {"_reference.build_encoder(": "build_encoder("}


def _retarget_region(lines):
    """Return the lines of one hidden-test region with imports retargeted."""
    text = "".join(lines)
    renames = {}
    for old, (new, names) in IMPORTS.items():
        if any(line.rstrip("\n") == old for line in lines):
            text = text.replace(old + "\n", new + "\n")
            renames.update(names)
    if any(line.rstrip("\n") == SIAMESE for line in lines):
        new = "from instructor.reference import triplet as _reference"
        if any(old in text for old in SIAMESE_ENGINE):
            new = "from helpers.faces.siamese import build_encoder\n" + new
            renames.update(SIAMESE_ENGINE)
        text = text.replace(SIAMESE + "\n", new + "\n")
    for old, new in renames.items():
        text = text.replace(old, new)
    return text.splitlines(keepends=True)


def retarget_source(lines):
    """Return a cell's source lines with every hidden region retargeted."""
    result, region = [], None
    for line in lines:
        if region is not None:
            if line.strip() == END:
                result += _retarget_region(region) + [line]
                region = None
            else:
                region.append(line)
        else:
            result.append(line)
            if line.strip() == BEGIN:
                region = []
    if region is not None:
        raise ValueError(f"{BEGIN} without {END}")
    return result


def render(notebook):
    """Return notebook JSON text the way nbformat writes it."""
    return json.dumps(notebook, sort_keys=True, indent=1,
                      ensure_ascii=False) + "\n"


def retarget(path):
    """Rewrite one notebook file; return True if it changed."""
    text = path.read_text(encoding="utf-8")
    notebook = json.loads(text)
    if render(notebook) != text:
        raise ValueError(f"{path} is not in nbformat's layout; not touched")
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["source"] = retarget_source(cell["source"])
    new_text = render(notebook)
    if new_text != text:
        path.write_text(new_text, encoding="utf-8")
    return new_text != text


def main():
    """Retarget every solution notebook and list the changed ones."""
    for path in sorted(ROOT.glob("solutions/*/*.ipynb")):
        if retarget(path):
            print(f"retargeted {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
