"""Fill the data cache with what the notebooks cache there, before grading.

Notebooks keep derived data in the data cache: face encodings of LFW
photos (``helpers.faces.pair_classifier.cached_encodings``) and
scikit-learn's LFW subsets (its joblib cache).  A sandboxed kernel sees
that cache read-only, so whatever is missing there is computed again by
every graded submission and thrown away.  Before grading, the solution
notebook of each assignment that caches data is therefore executed once,
trusted and outside the sandbox, in the quick configuration that grading uses, with
the cache writable.  A marker named after the notebook's code and the
``helpers`` package it calls makes this happen once per data cache and
version.  Nothing a submission computes is ever cached: the sandbox's
writes are discarded, so one student cannot change what another's
notebook reads.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

MARKERS = "prepared"
#: Course functions that keep their results in the data cache: only the
#: notebooks that call one of them are run (the others gain nothing).
CACHE_USERS = ("cached_encodings", "encode_pairs", "load_identities",
               "load_people", "fetch_lfw_people")


def _code_key(notebook_path):
    """Return a hash of a notebook's code cells and of ``helpers``."""
    import nbformat

    import helpers

    digest = hashlib.sha256()
    notebook = nbformat.read(notebook_path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            digest.update(cell.source.encode() + b"\0")
    package = Path(helpers.__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _marker(notebook_path):
    from helpers.assets import get_data_home

    return (get_data_home() / MARKERS
            / f"{Path(notebook_path).stem}-{_code_key(notebook_path)}")


def _kernel_environment():
    """Return the kernel's environment: the quick configuration, writable."""
    from helpers import settings
    from helpers.assets import get_data_home
    from helpers.notebook import REPRODUCIBLE_ENV

    env = dict(os.environ)
    env.pop(settings.variable("READONLY_DATA"), None)
    env.update(REPRODUCIBLE_ENV)
    env[settings.variable("QUICK")] = "1"
    env[settings.variable("DATA")] = str(get_data_home().resolve())
    return env


def warm_notebook(notebook_path, timeout=900):
    """Execute one solution notebook (a copy) to fill the data cache.

    Returns None when done (or done before), else the problem as text.
    """
    from nbclient import NotebookClient
    import nbformat

    marker = _marker(notebook_path)
    if marker.is_file():
        return None
    source = Path(notebook_path).parent
    with tempfile.TemporaryDirectory(prefix="faces-styles-warm-") as folder:
        copy = Path(folder) / source.name
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns(
            ".ipynb_checkpoints"))
        notebook = nbformat.read(copy / Path(notebook_path).name, 4)
        client = NotebookClient(
            notebook, timeout=timeout, kernel_name="python3",
            resources={"metadata": {"path": str(copy)}})
        try:
            client.execute(env=_kernel_environment())
        except Exception as error:  # noqa: BLE001 - reported by prepare
            return (f"{Path(notebook_path).name} did not run to the end in "
                    f"the quick configuration: {type(error).__name__}: "
                    f"{str(error)[-300:]}")
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("")
    return None


def uses_data_cache(notebook_path):
    """Return True when a notebook calls a function of ``CACHE_USERS``."""
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    return any(name in cell.source for cell in notebook.cells
               if cell.cell_type == "code" for name in CACHE_USERS)


def warm_data_cache(root, names):
    """Run each solution that caches data once; return the problems found."""
    problems = []
    for name in names:
        for path in sorted((Path(root) / "solutions" / name).glob("*.ipynb")):
            if not uses_data_cache(path):
                continue
            problem = warm_notebook(path)
            if problem:
                problems.append(problem)
    return problems
