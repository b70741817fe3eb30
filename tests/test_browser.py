"""End to end: a learner's released notebook in JupyterLab in a real browser.

Starts JupyterLab on localhost, opens the released 00_setup notebook (with the
exercises completed, as a learner would have it) in headless Chromium driven
by Playwright, runs all cells in the quick configuration, saves, and checks
that no cell produced an error, that progress bars and figures render and
that nbgrader's Lab extension is present as learners get it: with the
learner settings (``helpers.lab_settings``) the instructor-only panels
(Create Assignment, Formgrader, Course List) and their server extensions
are gone and the Validate button and the assignment list stay.  A
screenshot is kept in ``artifacts/``.

Without a Chromium on the machine the test is skipped with the reason; CI
sets ``FACES_STYLES_REQUIRE_BROWSER=1`` (and installs Debian's chromium) so
there it can never be skipped.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from helpers import settings
from helpers.lab_settings import (
    INSTRUCTOR_PLUGINS,
    VALIDATE_PLUGIN,
    write_settings,
)
from instructor.course.scratch import fill_in_answers

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "artifacts"
ASSIGNMENT = "00_setup"
NOTEBOOK = "00_setup.ipynb"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


RUN_ALL_CELLS = """() => {
    // Wait until the notebook's kernel is connected and idle (the status
    // bar can say "Idle" before that), then run every cell; the flag holds
    // the outcome once the last cell has finished or one has failed.
    window.facesStylesRunAll = null;
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    (async () => {
        const panel = window.jupyterapp.shell.currentWidget;
        await panel.context.ready;
        await panel.sessionContext.ready;
        for (let tries = 0; tries < 1200; tries++) {
            const kernel = panel.sessionContext.session?.kernel;
            if (kernel && kernel.connectionStatus === "connected"
                    && kernel.status === "idle") {
                break;
            }
            await sleep(100);
        }
        return window.jupyterapp.commands.execute("notebook:run-all-cells");
    })().then(
        (ok) => { window.facesStylesRunAll = String(ok); },
        (error) => { window.facesStylesRunAll = "error: " + error; });
}"""


PLUGIN_STATE = """(names) => {
    // "activated", "registered" (loaded, not started) or "absent".
    const app = window.jupyterapp;
    const state = {};
    for (const name of names) {
        state[name] = !app.hasPlugin(name) ? "absent"
            : app.isPluginActivated(name) ? "activated" : "registered";
    }
    return state;
}"""

INSTRUCTOR_COMMANDS = """() => [
    "nbgrader:open-create-assignment", "nbgrader:open-formgrader",
    "nbgrader:open-formgrader-local", "nbgrader:open-course-list",
].filter((id) => window.jupyterapp.commands.hasCommand(id))"""

SIDE_PANELS = """() => ["left", "right"].flatMap((area) =>
    Array.from(window.jupyterapp.shell.widgets(area)).map(
        (widget) => widget.title.label || widget.title.caption || widget.id))
"""


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def completed_release(folder):
    """Write the release notebook with the solution code filled in."""
    release = nbformat.read(REPO / "notebooks" / ASSIGNMENT / NOTEBOOK, 4)
    source = nbformat.read(REPO / "solutions" / ASSIGNMENT / NOTEBOOK, 4)
    notebook = fill_in_answers(release, source)
    path = folder / NOTEBOOK
    nbformat.write(notebook, path)
    return path


@pytest.fixture
def chromium():
    path = find_chromium()
    if path is None:
        if settings.value("REQUIRE_BROWSER"):
            pytest.fail("FACES_STYLES_REQUIRE_BROWSER is set but no chromium "
                        "was found on PATH")
        pytest.skip("no Chromium browser on this machine: install Debian's "
                    "'chromium' package to run the JupyterLab browser test")
    return path


@pytest.fixture
def jupyter_lab(tmp_path):
    notebook_dir = tmp_path / "lab"
    notebook_dir.mkdir()
    completed_release(notebook_dir)
    port, token = free_port(), "faces-and-styles-test"
    # The learner's settings, as the bundle's `make install` writes them.
    write_settings(tmp_path / "config")
    env = dict(os.environ, FACES_STYLES_QUICK="1",
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser",
         f"--port={port}", "--ip=127.0.0.1", "--allow-root",
         f"--ServerApp.token={token}", f"--ServerApp.root_dir={notebook_dir}",
         "--LabApp.news_url=", "--LabApp.expose_app_in_browser=True",
         "--ServerApp.disable_check_xsrf=False"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}",
                                   timeout=2)
            break
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.5)
    else:
        server.terminate()
        pytest.fail("JupyterLab did not start:\n"
                    + (tmp_path / "lab.log").read_text())
    yield {"base": base, "token": token, "dir": notebook_dir,
           "log": tmp_path / "lab.log"}
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def http_status(server, path):
    """Return the HTTP status of a GET of ``path`` on the test's server."""
    url = f"{server['base']}{path}?token={server['token']}"
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_learner_runs_released_notebook_in_jupyterlab(chromium, jupyter_lab):
    from playwright.sync_api import sync_playwright

    # The instructor server extensions are off, the learner's stay on.
    assert http_status(jupyter_lab, "/formgrader") == 404, (
        "the formgrader server extension still serves its pages")
    assert http_status(jupyter_lab, "/formgraders") == 404, (
        "the course list server extension still answers")
    assert http_status(jupyter_lab, "/assignments") != 404, (
        "the assignment list server extension is gone")

    ARTIFACTS.mkdir(exist_ok=True)
    url = (f"{jupyter_lab['base']}/lab/tree/{NOTEBOOK}"
           f"?token={jupyter_lab['token']}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_selector(".jp-NotebookPanel", timeout=60_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator"
                               "[data-status='idle']", timeout=60_000)

        # nbgrader's Lab extension: its menu and the Validate button stay,
        # the instructor-only panels are gone.
        menu_bar = page.locator(".lm-MenuBar-content").inner_text()
        assert "Nbgrader" in menu_bar, f"no Nbgrader menu in {menu_bar!r}"
        assert page.get_by_role("button", name="Validate").count() >= 1
        plugins = page.evaluate(PLUGIN_STATE, [VALIDATE_PLUGIN,
                                               *INSTRUCTOR_PLUGINS])
        assert plugins[VALIDATE_PLUGIN] == "activated", plugins
        shown = [name for name in INSTRUCTOR_PLUGINS
                 if plugins[name] != "absent"]
        assert not shown, f"instructor plugins loaded: {plugins}"
        assert not page.evaluate(INSTRUCTOR_COMMANDS), (
            "instructor commands registered")
        page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
        menu = page.locator(".lm-Menu-content").last
        menu.wait_for(timeout=10_000)
        entries = menu.inner_text()
        page.keyboard.press("Escape")
        assert "assignment list" in entries.lower(), entries
        for label in ("Course List", "Formgrader", "Create Assignment"):
            assert label.lower() not in entries.lower(), (
                f"{label!r} in the menu: {entries!r}")
        panels = page.evaluate(SIDE_PANELS)
        assert not [title for title in panels
                    if "assignment" in title.lower()
                    or "formgrader" in title.lower()], panels

        # Run every cell through JupyterLab's own command (what the Run menu
        # calls) and wait for the promise it returns: it settles when the
        # last cell has finished or one has failed.  Watching prompts for
        # "[*]" instead raced with the menu and with fast cells.
        page.evaluate(RUN_ALL_CELLS)
        page.wait_for_function("() => window.facesStylesRunAll !== null",
                               timeout=300_000)
        outcome = page.evaluate("() => window.facesStylesRunAll")
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator"
                               "[data-status='idle']", timeout=60_000)
        page.evaluate("() => window.jupyterapp.commands"
                      ".execute('docmanager:save').then(() => true)")
        images = page.locator(".jp-RenderedImage img").count()
        page.screenshot(path=str(ARTIFACTS / "jupyterlab_00_setup.png"),
                        full_page=True)
        browser.close()

    saved = nbformat.read(jupyter_lab["dir"] / NOTEBOOK, 4)
    code_cells = [c for c in saved.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code_cells), "not every cell ran"
    errors = [
        (index, output.get("ename"), output.get("evalue"))
        for index, cell in enumerate(code_cells)
        for output in cell.outputs if output.output_type == "error"
    ]
    assert not errors, f"cells raised errors in the browser: {errors}"
    assert outcome == "true", f"Run All Cells reported {outcome!r}"
    assert images >= 1, "the figure did not render inline"
    texts = "".join(
        output.get("text", "") for cell in code_cells
        for output in cell.outputs)
    assert "quick configuration" in texts
    assert "all public tests passed" in texts
