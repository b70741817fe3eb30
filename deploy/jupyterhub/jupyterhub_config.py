"""JupyterHub settings for a Faces and Styles class (one machine).

Copy to ``/etc/jupyterhub/jupyterhub_config.py`` and adapt the user
names.  Every learner and the instructor log in as a Unix user of the
machine (PAM), start JupyterLab in the learner bundle's environment, and
meet in the nbgrader exchange configured by ``nbgrader_config.py`` beside
this file (installed as ``/etc/jupyter/nbgrader_config.py``).

The single-user environment is the learner bundle (``make student-bundle``
writes ``dist/faces-and-styles-student``), copied to ``BUNDLE`` and
installed there with its ``make install-hub``: the course's ``helpers``
package, JupyterLab with nbgrader's learner panels, and JupyterHub's
``jupyterhub-singleuser``.  Never the instructor's repository: its
packages hold the solutions.
"""

import json

BUNDLE = "/opt/faces-and-styles-student"
#: What every page of a single-user server may load and send: the policy
#: of the course's ``jupyter_server_config.py`` (a test keeps them equal).
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval' "
    "https://cdnjs.cloudflare.com/ajax/libs/mathjax/",
    "style-src 'self' 'unsafe-inline' "
    "https://cdnjs.cloudflare.com/ajax/libs/mathjax/",
    "font-src 'self' data: https://cdnjs.cloudflare.com/ajax/libs/mathjax/",
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

# Unix users: the instructor and one user per learner.
c.Authenticator.allowed_users = {"instructor", "student1", "student2"}
c.Authenticator.admin_users = {"instructor"}
c.LocalAuthenticator.create_system_users = False

# Each user's JupyterLab runs in their home, in the bundle's environment.
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.cmd = [f"{BUNDLE}/.venv/bin/jupyterhub-singleuser"]
c.Spawner.args = ["--ServerApp.tornado_settings=" + json.dumps(
    {"headers": {"Content-Security-Policy": CONTENT_SECURITY_POLICY}})]
c.Spawner.environment = {
    # The asset files of data/assets.json, in one folder every user may
    # read (fill it once; without it each learner downloads them).
    "FACES_STYLES_ASSETS": "/opt/faces-and-styles-assets",
    # What the notebooks derive from them (face chips, encodings), per user.
    "FACES_STYLES_DATA": "~/.cache/faces-and-styles",
}
# A style transfer with VGG16 needs about 2 GB; leave headroom.  Only
# spawners that enforce limits apply these (systemdspawner's
# SystemdSpawner, DockerSpawner, KubeSpawner); JupyterHub's default
# LocalProcessSpawner just passes them on as MEM_LIMIT and CPU_LIMIT.
c.Spawner.mem_limit = "4G"
c.Spawner.cpu_limit = 2.0
