"""The JupyterHub settings shipped for a class are ones JupyterHub knows.

JupyterHub ignores a misspelt setting with a log line, so a typo in
deploy/jupyterhub/jupyterhub_config.py would leave, say, the memory limit
or the allowed users silently unset.  These tests load the file into
JupyterHub's own classes.
"""

from pathlib import Path

from jupyterhub.app import JupyterHub
from jupyterhub.auth import LocalAuthenticator, PAMAuthenticator
from jupyterhub.spawner import LocalProcessSpawner

from instructor.course import bundle

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"


def load(path=CONFIG):
    """Return the config ``path`` gives, as the hub loads it."""
    hub = JupyterHub()
    hub.load_config_file(str(path))
    return hub.config


def unknown_settings(config):
    """Return the settings in ``config`` that no JupyterHub class has."""
    classes = {cls.__name__: cls for cls in
               [*JupyterHub().classes, LocalAuthenticator, PAMAuthenticator]}
    unknown = []
    for section, settings in config.items():
        known = (classes[section].class_traits(config=True)
                 if section in classes else {})
        unknown += [f"{section}.{name}" for name in settings
                    if name not in known]
    return unknown


def test_every_setting_is_one_jupyterhub_has(tmp_path):
    assert unknown_settings(load()) == []
    misspelt = tmp_path / "jupyterhub_config.py"
    misspelt.write_text(CONFIG.read_text().replace(
        "c.Spawner.mem_limit", "c.Spawner.memory_limit").replace(
        "c.Authenticator.allowed_users", "c.Authenticater.allowed_users"))
    assert sorted(unknown_settings(load(misspelt))) == [
        "Authenticater.allowed_users", "Spawner.memory_limit"]


def test_the_settings_are_valid_for_the_default_spawner_and_pam():
    config = load()
    spawner = LocalProcessSpawner(config=config)
    assert spawner.mem_limit == 4 * 1024 ** 3
    assert spawner.cpu_limit == 2.0
    assert spawner.default_url == "/lab"
    authenticator = PAMAuthenticator(config=config)
    assert authenticator.admin_users <= authenticator.allowed_users
    assert not authenticator.create_system_users


def test_the_single_user_command_is_the_learner_bundles():
    # Started from the learner bundle's environment (never the instructor's
    # repository), where `make install-hub` installs it: the bundle test
    # installs the hub extra and runs the command.
    command = Path(load().Spawner.cmd[0])
    install = command.parents[2]
    assert install.name == bundle.BUNDLE_NAME
    assert command.relative_to(install) == Path(
        ".venv/bin/jupyterhub-singleuser")
    assert 'pip install -e ".[hub]"' in bundle.LEARNER_MAKEFILE
    assert "install-hub:" in bundle.LEARNER_MAKEFILE



def test_each_learner_writes_their_own_data_cache(tmp_path, monkeypatch):
    # The cache is written (chips, encodings): in each user's home, not in
    # the bundle's folder, which belongs to root.
    from helpers.assets import get_data_home

    data = load().Spawner.environment["FACES_STYLES_DATA"]
    assert data.startswith("~/")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_data_home(data) == tmp_path / data[2:]
    assert (tmp_path / data[2:]).is_dir()
