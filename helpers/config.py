"""Course-wide settings read from environment variables."""

import os
from pathlib import Path

QUICK_ENV = "FACES_STYLES_QUICK"
ASSETS_ENV = "FACES_STYLES_ASSETS"
DATA_ENV = "FACES_STYLES_DATA"

REPO_ROOT = Path(__file__).resolve().parent.parent


def quick_mode():
    """Return True when the small, quick configuration is requested.

    Set ``FACES_STYLES_QUICK=1`` (CI and autograding do) to shrink datasets,
    image sizes and iteration counts so every notebook runs in seconds.
    """
    value = os.environ.get(QUICK_ENV, "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


def pick(full, quick):
    """Return ``quick`` in the quick configuration, ``full`` otherwise."""
    return quick if quick_mode() else full
