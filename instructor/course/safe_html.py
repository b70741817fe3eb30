"""Sanitised HTML: nothing a student wrote or produced runs in a browser.

A submission's markdown and its cells' outputs reach the instructor's
browser in the formgrader (Manual Grading) and everyone's in the feedback
HTML, both rendered by nbconvert's ``HTMLExporter``.  ``nbgrader_config.py``
wires in two parts of this module:

- ``SanitizeOutputs``, nbconvert's ``SanitizeHTML`` preprocessor for what
  code cells produced: HTML is cleaned, Markdown is rendered and cleaned,
  JavaScript, SVG, widget views and every other type are dropped.  It runs
  last in autograding (so the autograded notebook on disk is clean) and
  again in the exporter of the formgrader and of the feedback.
- ``markdown2html``, the exporter's Markdown filter: nbconvert's own
  rendering, then the same cleaning.  Markdown is cleaned after rendering,
  never as source: cleaning the source would break maths such as
  ``$a<b$``, and a Markdown link to ``javascript:`` is only HTML once
  rendered.

Cleaning is bleach's (the library nbconvert uses), with an allow-list of
tags for text, tables, figures and code: scripts, styles, event handlers,
iframes, forms, embedded objects and links other than http, https, mailto
or within the page are removed or shown as text, and images only come from
``data:`` URLs of raster images (nothing is fetched from elsewhere).
"""

import re
from urllib.parse import urlsplit

import bleach
from jinja2 import pass_context
from nbconvert.filters.markdown_mistune import (
    IPythonRenderer, MarkdownWithMath)
from nbconvert.preprocessors.sanitize import SanitizeHTML
from traitlets import Any, Bool, List, Set, Unicode

#: Tags kept; any other tag is shown as text (its attributes dropped).
TAGS = (
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col",
    "colgroup", "dd", "del", "details", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
    "small", "span", "strong", "sub", "summary", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var",
)
#: Attributes kept on each tag (besides the checked URLs: ``href`` on
#: links, ``src`` on images).
TAG_ATTRIBUTES = {
    "*": {"class", "title"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"},
    "h6": {"id"},
    "img": {"alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    "details": {"open"},
}
#: URL schemes bleach lets through; ``allowed_attribute`` narrows them.
PROTOCOLS = ("http", "https", "mailto", "data")
LINK_SCHEMES = {"", "http", "https", "mailto"}
#: The only image sources: raster images inside the page.
IMAGE_DATA_URL = re.compile(
    r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*",
    re.IGNORECASE)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
#: What an image output may hold: base64 text, which cannot close the
#: ``src`` attribute the exporter puts it in.
BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
RASTER_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


def allowed_attribute(tag, name, value):
    """Return whether bleach keeps attribute ``name`` of ``tag``."""
    if tag == "a" and name == "href":
        url = value.strip()
        if CONTROL_CHARACTERS.search(url):
            return False
        return urlsplit(url).scheme.lower() in LINK_SCHEMES
    if tag == "img" and name == "src":
        return IMAGE_DATA_URL.fullmatch(value.strip()) is not None
    return (name in TAG_ATTRIBUTES["*"]
            or name in TAG_ATTRIBUTES.get(tag, ()))


def clean(html, tags=TAGS, attributes=allowed_attribute):
    """Return ``html`` with only the allowed tags, attributes and URLs."""
    return bleach.clean(
        html, tags=tags, attributes=attributes, protocols=PROTOCOLS,
        strip=False, strip_comments=True)


def render_markdown(source, attachments=None, path=""):
    """Render Markdown as nbconvert's HTML exporter does, then clean it."""
    renderer = IPythonRenderer(
        escape=False, attachments=attachments or {}, embed_images=False,
        path=path, anchor_link_text="\u00b6", exclude_anchor_links=False)
    return clean(MarkdownWithMath(renderer=renderer).render(source))


@pass_context
def markdown2html(context, source):
    """Jinja filter: a cell's Markdown as clean HTML (for HTMLExporter)."""
    cell = context.get("cell") or {}
    resources = context.get("resources") or {}
    return render_markdown(
        source, attachments=cell.get("attachments"),
        path=resources.get("metadata", {}).get("path", ""))


class SanitizeOutputs(SanitizeHTML):
    """Clean what code cells produced; leave cell sources as they are.

    nbconvert's ``SanitizeHTML`` with this module's allow-list: ``text/html``
    is cleaned, ``text/markdown`` becomes clean ``text/html``, plain text,
    LaTeX, JSON and PNG/JPEG images stay, and every other output type
    (JavaScript, SVG, widget views, ...) is dropped.  An HTML output marked
    ``isolated`` is shown inline, and the notebook's widget state is
    dropped (it would load a widget manager that renders HTML).  Markdown
    cells are left as written: ``markdown2html`` cleans them when they are
    rendered.
    """

    enabled = Bool(True, config=True, help="Whether outputs are cleaned.")
    tags = List(Unicode(), default_value=list(TAGS), config=True,
                help="HTML tags kept in outputs.")
    attributes = Any(allowed_attribute, config=True,
                     help="HTML attributes kept in outputs (bleach's form).")
    sanitized_output_types = Set(
        {"text/html"}, config=True,
        help="Output types kept after cleaning with bleach.")

    def preprocess(self, nb, resources):
        """Drop the notebook's widget state, then clean each cell."""
        nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        """Clean the outputs of a code cell; other cells pass unchanged."""
        if cell.cell_type == "code":
            cell.outputs = self.sanitize_code_outputs(cell.outputs)
        return cell, resources

    def sanitize_code_outputs(self, outputs):
        """Render Markdown outputs as HTML, then clean as SanitizeHTML."""
        for output in outputs:
            data = output.get("data")
            if data is None:
                continue
            for key in RASTER_TYPES:
                image = data.get(key)
                if image is not None and not (
                        isinstance(image, str) and BASE64.fullmatch(image)):
                    del data[key]  # not base64: it would leave ``src``
            markdown = data.pop("text/markdown", None)
            if isinstance(markdown, str) and "text/html" not in data:
                data["text/html"] = render_markdown(markdown)
            metadata = output.get("metadata") or {}
            for key in list(metadata):
                if isinstance(metadata[key], dict):
                    metadata[key].pop("isolated", None)
        return super().sanitize_code_outputs(outputs)

    def sanitize_html_tags(self, html_str):
        """Return ``html_str`` cleaned with this preprocessor's allow-list."""
        return clean(html_str, tags=self.tags, attributes=self.attributes)
