"""nbgrader settings shared by the instructor and every student of a hub.

Install as ``/etc/jupyter/nbgrader_config.py`` on the JupyterHub machine
(tests/test_exchange.py uses this very file).  The exchange is a directory
that every user can write: create it once as root with
``mkdir -p /srv/nbgrader/exchange && chmod 0777 /srv/nbgrader/exchange``;
nbgrader makes the course's inbound, outbound and feedback folders inside
it with its own permissions.  ``FACES_STYLES_EXCHANGE`` moves it (tests).
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when loading config)

c.CourseDirectory.course_id = "faces_and_styles"
c.Exchange.root = os.environ.get("FACES_STYLES_EXCHANGE",
                                 "/srv/nbgrader/exchange")
# Submissions and feedback are matched to the hub's user names.
c.Exchange.path_includes_course = False
