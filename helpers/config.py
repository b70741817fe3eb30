"""What notebooks call to pick a size: the quick or the full configuration.

The settings themselves (``FACES_STYLES_QUICK`` and the others) are
declared in :mod:`helpers.settings`.
"""

from pathlib import Path

from helpers import settings

REPO_ROOT = Path(__file__).resolve().parent.parent


def quick_mode():
    """Return True when the small, quick configuration is requested.

    Set ``FACES_STYLES_QUICK=1`` (CI and autograding do) to shrink datasets,
    image sizes and iteration counts so every notebook runs in seconds.
    """
    return settings.value("QUICK")


def pick(full, quick):
    """Return ``quick`` in the quick configuration, ``full`` otherwise."""
    return quick if quick_mode() else full
