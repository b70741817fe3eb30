"""Cheats graded in the one run of ``tests/test_cheating_class.py``.

Each module of this package adds to the class, so that every grading
feature is tested with a hostile submission beside the honest students in
the same run, and several features can be worked on side by side:

- ``CHEATS``: {student: (extra cell before the answer, answer source)},
  graded on 00_setup like the cheats of ``test_cheating_class``;
- ``FLAGGED``: {student: text (or tuple of texts) the report must show};
- ``ENVIRONMENT``: settings for the grading run (they apply to everyone,
  so they must leave the honest students' grading unchanged);
- ``prepare(root)``: optional, called after every submission is written
  (to add files or change a submission beside its notebook);
- ``test_*(graded)`` functions: collected by ``test_cheating_class``,
  where the module-scoped ``graded`` and ``feedback`` fixtures live.
"""

import importlib
import pkgutil


def modules():
    """Return this package's cheat modules, in name order."""
    return [importlib.import_module(f"{__name__}.{info.name}")
            for info in sorted(pkgutil.iter_modules(__path__),
                               key=lambda info: info.name)]
