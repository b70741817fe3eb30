"""Print, as JSON, the folder this Python imports the package ARGV[1] from.

Run by instructor.course.installed (read as text, ``python -c``) in an
empty folder, as nbgrader's processes would: null when it cannot.
"""

import importlib.util
import json
import os
import sys


def main(name):
    """Print where ``name`` is imported from (JSON), or null."""
    spec = importlib.util.find_spec(name)
    found = spec and spec.submodule_search_locations
    print(json.dumps(os.path.realpath(list(found)[0]) if found else None))


if __name__ == "__main__":
    main(sys.argv[1])
