"""Jupyter server settings of the course: a Content-Security-Policy.

``make lab`` starts JupyterLab (and with it nbgrader's formgrader) with
``--config=jupyter_server_config.py``; the hub's single-user servers send
the same policy (``deploy/jupyterhub/jupyterhub_config.py``).

The policy is the second wall behind the sanitised HTML of
``instructor.course.safe_html``: a page may load scripts, styles, fonts,
images and frames only from the server itself (and MathJax from its CDN,
which the formgrader loads), may send requests only to the server, holds
no plugin objects, and submits forms and sets its base URL only to the
server.  Inline scripts stay allowed and ``eval`` too: nbgrader's
formgrader pages are made of inline scripts and JupyterLab compiles its
settings schemas at run time.  This file imports nothing of the course, so
that the learner bundle's servers can load it as it is.
"""

MATHJAX = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/"
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    f"script-src 'self' 'unsafe-inline' 'unsafe-eval' {MATHJAX}",
    f"style-src 'self' 'unsafe-inline' {MATHJAX}",
    f"font-src 'self' data: {MATHJAX}",
    "img-src 'self' data: blob:",
    "media-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-src 'self' blob:",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
])

c = get_config()  # noqa: F821 (provided by traitlets when loading config)
c.ServerApp.tornado_settings = {
    "headers": {"Content-Security-Policy": CONTENT_SECURITY_POLICY}}
