"""The learner's JupyterLab settings: nbgrader's instructor panels hidden.

The browser test (tests/test_browser.py) checks the effect in JupyterLab;
these check the file that is written and that the bundle writes it.
"""

import json

from helpers.lab_settings import (
    INSTRUCTOR_PLUGINS,
    INSTRUCTOR_SERVER_EXTENSIONS,
    VALIDATE_PLUGIN,
    write_settings,
)
from instructor.course.bundle import LEARNER_MAKEFILE, LEARNER_README


def test_instructor_plugins_are_disabled_and_locked(tmp_path):
    path = write_settings(tmp_path)
    assert path == tmp_path / "labconfig" / "page_config.json"
    settings = json.loads(path.read_text())
    for key in ("disabledExtensions", "lockedExtensions"):
        assert settings[key] == {name: True for name in INSTRUCTOR_PLUGINS}
    assert VALIDATE_PLUGIN not in json.dumps(settings)
    assert {name.split(":")[1] for name in INSTRUCTOR_PLUGINS} == {
        "create-assignment", "formgrader", "course-list"}


def test_other_settings_are_kept_and_writing_twice_changes_nothing(tmp_path):
    path = tmp_path / "labconfig" / "page_config.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"disabledExtensions": ["some:plugin"],
                                "other": 1}))
    write_settings(tmp_path)
    once = path.read_text()
    write_settings(tmp_path)
    assert path.read_text() == once
    settings = json.loads(once)
    assert settings["other"] == 1
    assert settings["disabledExtensions"]["some:plugin"] is True


def test_instructor_server_extensions_are_disabled_others_kept(tmp_path):
    path = tmp_path / "jupyter_server_config.json"
    path.write_text(json.dumps({"ServerApp": {
        "jpserver_extensions": {"some.extension": True}, "port": 9999}}))
    write_settings(tmp_path)
    server = json.loads(path.read_text())["ServerApp"]
    assert server["port"] == 9999
    assert server["jpserver_extensions"] == {
        "some.extension": True,
        **{name: False for name in INSTRUCTOR_SERVER_EXTENSIONS}}
    assert {name.rsplit(".", 1)[1] for name in
            INSTRUCTOR_SERVER_EXTENSIONS} == {"formgrader", "course_list"}


def test_the_learner_bundle_installs_the_settings():
    assert "$(BIN)/python -m helpers.lab_settings" in LEARNER_MAKEFILE
    assert "python -m helpers.lab_settings" in LEARNER_README
