"""nbgrader settings shared by the instructor and every student of a hub.

Install as ``/etc/jupyter/nbgrader_config.py`` on the JupyterHub machine
(tests/test_exchange.py uses this very file).  The exchange is a directory
that every user can write, sticky as ``/tmp`` is, so that no learner can
rename the course's folder in it.  Create it once as root, with the course's
folder for the instructor before any learner can make it::

    mkdir -p /srv/nbgrader/exchange && chmod 1777 /srv/nbgrader/exchange
    install -d -o INSTRUCTOR -m 0755 /srv/nbgrader/exchange/faces_and_styles

``make release-assignment`` makes the course's inbound, outbound and
feedback folders inside it as the instructor; the instructor's commands
refuse an exchange folder anyone else owns, and (this file setting
``Exchange.root``) a course root other users can read.
``FACES_STYLES_EXCHANGE`` moves the exchange (tests); its default is
declared in the course's ``helpers/settings.py``, which the instructor's
environment and the learner bundle both install.
"""

from helpers import settings

c = get_config()  # noqa: F821 (provided by traitlets when loading config)

c.CourseDirectory.course_id = "faces_and_styles"
c.Exchange.root = settings.value("EXCHANGE")
# Submissions and feedback are matched to the hub's user names.
c.Exchange.path_includes_course = False
