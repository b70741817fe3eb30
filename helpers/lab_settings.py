"""The learner's JupyterLab: nbgrader's instructor tools switched off.

Learners need nbgrader's Validate button and its assignment list, not the
instructor's tools.  ``python -m helpers.lab_settings`` (run by the learner
bundle's ``make install``) disables and locks the Create Assignment,
Formgrader and Course List plugins, and disables the formgrader and course
list server extensions behind them, in the Jupyter configuration of the
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
#: nbgrader's server extensions that serve only the instructor plugins.
INSTRUCTOR_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.course_list",
)


def _read_json(path):
    """Return the JSON object in ``path`` ({} when absent or empty)."""
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8") or "{}")


def _write_json(path, settings):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")


def write_settings(config_dir):
    """Switch the instructor tools off in ``config_dir``'s Jupyter config.

    The plugins are disabled and locked in ``labconfig/page_config.json``
    and their server extensions disabled in ``jupyter_server_config.json``;
    other settings of both files are kept.  The lab file's path is returned.
    """
    path = Path(config_dir) / "labconfig" / "page_config.json"
    settings = _read_json(path)
    for key in ("disabledExtensions", "lockedExtensions"):
        value = settings.get(key) or {}
        if isinstance(value, list):  # the JupyterLab 3 form
            value = {name: True for name in value}
        value.update({name: True for name in INSTRUCTOR_PLUGINS})
        settings[key] = value
    _write_json(path, settings)
    write_server_settings(config_dir)
    return path


def write_server_settings(config_dir):
    """Disable the instructor server extensions in ``config_dir``.

    Returns the path of ``jupyter_server_config.json``; the file's other
    settings are kept.
    """
    path = Path(config_dir) / "jupyter_server_config.json"
    settings = _read_json(path)
    server = settings.setdefault("ServerApp", {})
    extensions = server.setdefault("jpserver_extensions", {})
    extensions.update({name: False for name in INSTRUCTOR_SERVER_EXTENSIONS})
    _write_json(path, settings)
    return path


def main():
    """Write the learner settings into this environment's Jupyter config."""
    path = write_settings(Path(sys.prefix) / "etc" / "jupyter")
    print(f"JupyterLab: nbgrader's instructor tools switched off "
          f"({path.parent.parent})")


if __name__ == "__main__":
    main()
