"""The learner's JupyterLab: nbgrader's instructor panels hidden.

Learners need nbgrader's Validate button and its assignment list, not the
instructor's tools.  ``python -m helpers.lab_settings`` (run by the learner
bundle's ``make install``) disables and locks the Create Assignment,
Formgrader and Course List plugins in the Jupyter configuration of the
current Python environment (``<sys.prefix>/etc/jupyter``), so only that
environment's JupyterLab is affected.
"""

import json
import sys
from pathlib import Path

#: nbgrader's JupyterLab plugins that only instructors use.
INSTRUCTOR_PLUGINS = (
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
)
#: The plugin of the Validate button, which learners keep.
VALIDATE_PLUGIN = "@jupyter/nbgrader:validate-assignment"


def write_settings(config_dir):
    """Disable and lock the instructor plugins in ``config_dir``'s lab config.

    Other settings of ``labconfig/page_config.json`` are kept; the file's
    path is returned.
    """
    path = Path(config_dir) / "labconfig" / "page_config.json"
    settings = {}
    if path.is_file():
        settings = json.loads(path.read_text(encoding="utf-8") or "{}")
    for key in ("disabledExtensions", "lockedExtensions"):
        value = settings.get(key) or {}
        if isinstance(value, list):  # the JupyterLab 3 form
            value = {name: True for name in value}
        value.update({name: True for name in INSTRUCTOR_PLUGINS})
        settings[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    return path


def main():
    """Write the learner settings into this environment's Jupyter config."""
    path = write_settings(Path(sys.prefix) / "etc" / "jupyter")
    print(f"JupyterLab: nbgrader's instructor panels hidden ({path})")


if __name__ == "__main__":
    main()
