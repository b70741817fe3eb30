"""Nothing a student wrote or produced runs in the instructor's browser.

A small 00_setup class is graded in one run: an honest student, whose
notebook also holds a figure, maths and a table, and a hostile one, whose
markdown and outputs carry every way we know of to run a script or fetch a
URL (``<script>``, event handlers, SVG, ``javascript:`` links, iframes,
forms, embedded objects, JavaScript, Markdown and widget outputs, ...).
Each payload would mark the page, fetch a URL on a loopback listener of
this test and, through the formgrader's API and the instructor's session,
set the honest student's grades to 0.

JupyterLab then runs from the course root with the course's
``jupyter_server_config.py`` (its Content-Security-Policy) and headless
Chromium opens the hostile submission in the formgrader (Manual Grading)
and its feedback from disk: no script runs, nothing is fetched, the honest
student's grades are unchanged, and neither page holds a script, handler,
frame, form or object of the student's.  The honest student's figure,
maths and table still render, the policy blocks what a script that got
through would send elsewhere, and JupyterLab works under it.
"""

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from traitlets.config.loader import PyFileConfigLoader

from cheats.html_injection import (
    hostile_markdown, hostile_outputs, inert_problems, with_cells)
from helpers import settings
from instructor.course import manage, scratch
from test_browser import (
    CHROMIUM_FLAGS, RUN_ALL_CELLS, find_chromium, free_port)

REPO = Path(__file__).resolve().parent.parent
SERVER_CONFIG = REPO / "jupyter_server_config.py"
ASSIGNMENT = "00_setup"
NOTEBOOK = "00_setup.ipynb"
TOKEN = "faces-and-styles-sanitised-html"
MATHS = r"$\frac{a}{b} < 1$"
#: The student's part of a page, and what it may not hold.
CONTAINER = "#notebook-container"
ACTIVE_CONTENT = ("script, iframe, frame, form, object, embed, svg, math,"
                  " style, link, meta, base")
INSPECT_CONTENT = """(selector) => {
    const root = document.querySelector(selector);
    const found = {elements: [], handlers: [], urls: []};
    if (!root) { return null; }
    for (const element of root.querySelectorAll("%s")) {
        found.elements.push(element.outerHTML.slice(0, 200));
    }
    for (const element of root.querySelectorAll("*")) {
        for (const attribute of element.attributes) {
            const value = attribute.value.trim().toLowerCase();
            if (attribute.name.startsWith("on")) {
                found.handlers.push(element.outerHTML.slice(0, 200));
            }
            if (/^(javascript|vbscript|data:text)/.test(value)) {
                found.urls.push(element.outerHTML.slice(0, 200));
            }
        }
    }
    return found;
}""" % ACTIVE_CONTENT
RECORD_VIOLATIONS = """
window.facesStylesViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.facesStylesViolations.push(
        event.effectiveDirective + " " + event.blockedURI);
});
"""
#: A figure rendered, and the maths reached the page intact.
HONEST_RENDERING = """(maths) => {
    const images = Array.from(document.querySelectorAll(
        "img[src^='data:image/png']")).filter(
            (image) => image.complete && image.naturalWidth > 0);
    const text = document.body.innerText;
    return {figures: images.length, maths: text.includes(maths),
            tables: document.querySelectorAll("#notebook-container table")
                .length};
}"""


HONEST_FIGURE = """\
import matplotlib.pyplot as plt
figure, axes = plt.subplots(figsize=(2, 2))
axes.plot([0, 1, 2], [0, 1, 0])
plt.show()
"""
HONEST_MARKDOWN = f"""\
Maths: {MATHS}, and a table:

| a | b |
|---|---|
| 1 | 2 |
"""


class Listener(BaseHTTPRequestHandler):
    """Records every request: nothing may reach it."""

    hits = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def listener():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Listener.hits = []
    yield f"http://127.0.0.1:{server.server_address[1]}", Listener.hits
    server.shutdown()
    server.server_close()


def _grades(root, student):
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student)
        return {grade.name: (grade.score, grade.manual_score)
                for notebook in submission.notebooks
                for grade in notebook.grades}


def grade_class(root, url):
    """Grade the honest and the hostile student; write their feedback.

    ``url`` is the listener's.  Returns the autograde reports.
    """
    scratch.temporary_course(root, [ASSIGNMENT])
    release = nbformat.read(root / "notebooks" / ASSIGNMENT / NOTEBOOK, 4)
    source = nbformat.read(root / "solutions" / ASSIGNMENT / NOTEBOOK, 4)
    v4 = nbformat.v4
    notebooks = {
        "honest": with_cells(scratch.fill_in_answers(release, source),
                              v4.new_markdown_cell(HONEST_MARKDOWN),
                              v4.new_code_cell(HONEST_FIGURE)),
        "hostile": with_cells(scratch.fill_in_answers(release, source),
                               v4.new_markdown_cell(hostile_markdown(url)),
                               v4.new_code_cell(hostile_outputs(url))),
    }
    for student, notebook in notebooks.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / NOTEBOOK)
    reports = manage.autograde([ASSIGNMENT], root=root, workers=2)[ASSIGNMENT]
    manage.feedback([ASSIGNMENT], root=root)
    return reports


@pytest.fixture(scope="module")
def course(tmp_path_factory, listener):
    root = tmp_path_factory.mktemp("sanitised_html") / "course"
    return root, grade_class(root, listener[0])


@pytest.fixture(scope="module")
def jupyter(course, tmp_path_factory):
    """JupyterLab with the formgrader, from the course root, on loopback."""
    root, _ = course
    state = tmp_path_factory.mktemp("jupyter")
    port = free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(state / "config"),
               JUPYTER_RUNTIME_DIR=str(state / "runtime"),
               JUPYTER_DATA_DIR=str(state / "data"))
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    log_path = state / "jupyter.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser",
             f"--config={SERVER_CONFIG}", f"--port={port}", "--ip=127.0.0.1",
             "--allow-root", f"--ServerApp.token={TOKEN}",
             f"--ServerApp.root_dir={root}", "--LabApp.news_url=",
             "--LabApp.expose_app_in_browser=True"],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}",
                                       timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    pytest.fail("JupyterLab did not start:\n"
                                + log_path.read_text())
                time.sleep(0.5)
        yield {"base": base, "root": root, "log": log_path}
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (skipped without one, as in test_browser)."""
    from playwright.sync_api import sync_playwright

    path = find_chromium()
    if path is None:
        if settings.value("REQUIRE_BROWSER"):
            pytest.fail("FACES_STYLES_REQUIRE_BROWSER is set but no chromium "
                        "was found on PATH")
        pytest.skip("no Chromium browser on this machine: install Debian's "
                    "'chromium' package to run the sanitised HTML test")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path,
                                              args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@contextlib.contextmanager
def _opened(browser, jupyter, url, listener_url):
    """Open ``url`` in a fresh context logged in to the server.

    Yields the page, the dialogs it opened and the addresses other than the
    server's and the listener's it asked for (these requests are refused).
    """
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    elsewhere = []

    def route(request_route):
        request_url = request_route.request.url
        if request_url.startswith((jupyter["base"], listener_url, "data:",
                                   "blob:", "file:")):
            request_route.continue_()
        else:
            elsewhere.append(request_url)
            request_route.abort()

    try:
        context.route("**/*", route)
        page = context.new_page()
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message),
                                          dialog.dismiss()))
        # Logs in (the token sets the session and the _xsrf cookies).
        page.goto(f"{jupyter['base']}/formgrader?token={TOKEN}")
        page.goto(url, wait_until="load")
        # Time for whatever a payload chained (fetches, grade requests).
        page.wait_for_timeout(3000)
        yield page, dialogs, elsewhere
    finally:
        context.close()


def _submission_id(root, student):
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return gradebook.find_submission_notebook(
            NOTEBOOK[:-len(".ipynb")], ASSIGNMENT, student).id


def _feedback(root, student):
    return (root / "feedback" / student / ASSIGNMENT
            / NOTEBOOK.replace(".ipynb", ".html"))


def _assert_inert(page, dialogs, elsewhere, hits):
    """No payload ran, nothing was fetched, no active content is left."""
    assert page.evaluate("() => window.facesStylesXss") is None
    assert dialogs == []
    assert hits == [], f"the page fetched from the listener: {hits}"
    assert all(url.startswith(
        "https://cdnjs.cloudflare.com/ajax/libs/mathjax/")
        for url in elsewhere), elsewhere
    found = page.evaluate(INSPECT_CONTENT, CONTAINER)
    assert found is not None, page.content()[:2000]
    assert found == {"elements": [], "handlers": [], "urls": []}, found


def test_both_are_graded_and_the_autograded_notebook_is_inert(course):
    root, reports = course
    for student in ("honest", "hostile"):
        assert reports[student]["graded"], reports[student]
        assert reports[student]["score"] == (3, 3), reports[student]
    graded = nbformat.read(root / "autograded" / "hostile" / ASSIGNMENT
                           / NOTEBOOK, 4)
    assert inert_problems(graded) == []


def test_the_formgrader_shows_the_hostile_submission_inert(
        course, jupyter, browser, listener):
    root, _ = course
    url, hits = listener
    hits.clear()
    before = _grades(root, "honest")
    assert all(manual is None for _, manual in before.values()), before
    address = (f"{jupyter['base']}/formgrader/submissions/"
               f"{_submission_id(root, 'hostile')}/")
    with _opened(browser, jupyter, address, url) as (page, dialogs, elsewhere):
        assert _grades(root, "honest") == before, "a payload changed a grade"
        assert page.locator(".nbgrader_cell").count() >= 2, (
            page.content()[:3000])
        _assert_inert(page, dialogs, elsewhere, hits)


def test_the_hostile_feedback_opened_from_disk_is_inert(
        course, browser, jupyter, listener):
    root, _ = course
    url, hits = listener
    hits.clear()
    address = _feedback(root, "hostile").as_uri()
    with _opened(browser, jupyter, address, url) as (page, dialogs, elsewhere):
        _assert_inert(page, dialogs, elsewhere, hits)


def test_honest_figures_maths_and_tables_still_render(
        course, jupyter, browser, listener):
    root, _ = course
    url, hits = listener
    hits.clear()
    pages = {
        "formgrader": f"{jupyter['base']}/formgrader/submissions/"
                      f"{_submission_id(root, 'honest')}/",
        "feedback": _feedback(root, "honest").as_uri(),
    }
    for name, address in pages.items():
        with _opened(browser, jupyter, address, url) as (page, _, _):
            shown = page.evaluate(HONEST_RENDERING, MATHS)
            violations = page.evaluate("() => window.facesStylesViolations")
        assert shown["figures"] >= 1 and shown["tables"] >= 1, (name, shown)
        assert shown["maths"], (name, shown)
        assert violations == [], (name, violations)
    assert hits == []


def _header(jupyter, path):
    request = urllib.request.Request(
        f"{jupyter['base']}{path}",
        headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers.get("Content-Security-Policy")


def _config(path):
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


def test_the_server_and_the_hub_send_the_course_policy(jupyter):
    settings = _config(SERVER_CONFIG).ServerApp.get("tornado_settings")
    headers = (settings or {}).get("headers", {})
    policy = headers.get("Content-Security-Policy", "")
    assert "default-src 'none'" in policy, f"{SERVER_CONFIG}: {settings}"
    for path in ("/lab", "/formgrader/manage_assignments"):
        assert _header(jupyter, path) == policy, path
    hub = _config(REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py")
    assert list(hub.Spawner.args) == [
        "--ServerApp.tornado_settings=" + json.dumps({"headers": headers})]


SEND_ELSEWHERE = """(listener) => {
    fetch(listener + "/csp-fetch", {mode: "no-cors"}).catch(() => null);
    new Image().src = listener + "/csp-image";
    const script = document.createElement("script");
    script.src = listener + "/csp-script.js";
    document.body.appendChild(script);
    const frame = document.createElement("iframe");
    frame.src = listener + "/csp-frame";
    document.body.appendChild(frame);
    const embed = document.createElement("object");
    embed.data = listener + "/csp-object";
    document.body.appendChild(embed);
    navigator.sendBeacon(listener + "/csp-beacon", "x");
    return true;
}"""


def test_the_policy_blocks_what_a_script_would_send_elsewhere(
        course, jupyter, browser, listener):
    """A script that got through could still reach nothing but the server."""
    root, _ = course
    url, hits = listener
    hits.clear()
    address = (f"{jupyter['base']}/formgrader/submissions/"
               f"{_submission_id(root, 'honest')}/")
    with _opened(browser, jupyter, address, url) as (page, _, _):
        page.evaluate(SEND_ELSEWHERE, url)
        page.wait_for_timeout(2000)
        violations = page.evaluate("() => window.facesStylesViolations")
    assert hits == [], f"the policy let these through: {hits}"
    blocked = {entry.split()[0] for entry in violations}
    assert {"connect-src", "img-src", "script-src-elem", "frame-src",
            "object-src"} <= blocked, violations


LAB_NOTEBOOK = "lab_check.ipynb"


def test_jupyterlab_works_under_the_policy(jupyter, browser, listener):
    """JupyterLab runs a notebook and shows its figure and maths."""
    url, _ = listener
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(HONEST_MARKDOWN),
        nbformat.v4.new_code_cell("%matplotlib inline\n" + HONEST_FIGURE)])
    notebook.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, jupyter["root"] / LAB_NOTEBOOK)
    address = f"{jupyter['base']}/lab/tree/{LAB_NOTEBOOK}"
    with _opened(browser, jupyter, address, url) as (page, dialogs, _):
        page.wait_for_selector(".jp-NotebookPanel", timeout=60_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator"
                               "[data-status='idle']", timeout=60_000)
        page.evaluate(RUN_ALL_CELLS)
        page.wait_for_function("() => window.facesStylesRunAll !== null",
                               timeout=120_000)
        assert page.evaluate("() => window.facesStylesRunAll") == "true"
        page.wait_for_selector(".jp-RenderedImage img", timeout=30_000)
        page.wait_for_selector(".jp-RenderedMarkdown mjx-container",
                               timeout=30_000)
        violations = page.evaluate("() => window.facesStylesViolations")
    assert violations == [] and dialogs == [], (violations, dialogs)
