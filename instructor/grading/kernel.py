"""A Jupyter kernel manager that starts every kernel inside the sandbox.

The kernel talks to the grader over IPC sockets in the sandbox's private
scratch directory (it has no network), runs as the sandbox's own user, sees
the course's ``helpers`` package, the asset registry and the data cache
read-only, and nothing else of the course: not ``solutions/``, not the
gradebook, not anybody's submission.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import zmq
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager, in_pending_state
from traitlets import default

from helpers import settings
from instructor.grading import grader_memory, zygote, zygote_client
from instructor.grading.kernel_client import (MAX_MESSAGE_BYTES,
                                              RECEIVE_QUEUE,
                                              SandboxKernelClient)
from instructor.grading.sandbox import (Limits, Sandbox, package_dir,
                                        thread_environment)

#: Settings passed from the grader's environment into the kernel.
PASSED_ENV = (settings.variable("QUICK"), "TF_ENABLE_ONEDNN_OPTS",
              "TF_CPP_MIN_LOG_LEVEL", "PYTHONHASHSEED")


def _data_home(environ):
    from helpers.assets import get_data_home

    return get_data_home(settings.value("DATA", environ)).resolve()


def course_read_only_paths(environ=None):
    """Return the course paths a learner's notebook needs, read-only."""
    from helpers.assets import REGISTRY_PATH

    environ = os.environ if environ is None else environ
    paths = [package_dir("helpers"), str(REGISTRY_PATH),
             str(_data_home(environ))]
    assets = settings.value("ASSETS", environ)
    if assets and Path(assets).is_dir():
        paths.append(str(Path(assets).resolve()))
    return [path for path in paths if path]


def home_files(environ=None):
    """Return {path under the sandbox's home: host file} to put there."""
    font_list = matplotlib_font_list(environ)
    if font_list is None:
        return {}
    return {f".matplotlib/{font_list.name}": str(font_list)}


def private_caches(environ=None):
    """Return the cache folders a notebook must be able to add to.

    scikit-learn's joblib cache of LFW sits inside the shared data cache;
    the sandbox gives each notebook a private, writable copy at the same
    path, so cached entries (keyed by that path) are found.
    """
    environ = os.environ if environ is None else environ
    joblib = _data_home(environ) / "lfw_home" / "joblib"
    return [str(joblib)] if joblib.is_dir() else []


def matplotlib_font_list(environ=None):
    """Return the path of matplotlib's font list, built once by the grader.

    A sandboxed kernel starts with an empty matplotlib folder and would
    rebuild the list (2-3 s) before its first plot with text; it gets this
    one instead.  Built in a subprocess so the grader never imports
    matplotlib itself.
    """
    from helpers.assets import replaced_atomically

    environ = os.environ if environ is None else environ
    folder = _data_home(environ) / "matplotlib"
    found = sorted(folder.glob("fontlist-v*.json"))
    if found:
        return found[-1]
    with replaced_atomically(folder / "built", suffix="") as marker:
        build = Path(str(marker) + ".d")
        build.mkdir()
        subprocess.run(
            [sys.executable, "-c", "import matplotlib.font_manager"],
            env=dict(os.environ, MPLCONFIGDIR=str(build)), check=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for path in build.glob("fontlist-v*.json"):
            path.chmod(0o644)
            os.replace(path, folder / path.name)
        shutil.rmtree(build, ignore_errors=True)
        marker.write_text("")
    found = sorted(folder.glob("fontlist-v*.json"))
    return found[-1] if found else None


def notebook_environment(environ=None):
    """Return the environment variables a sandboxed notebook gets."""
    environ = os.environ if environ is None else environ
    env = {key: environ[key] for key in PASSED_ENV if key in environ}
    env[settings.variable("DATA")] = str(_data_home(environ))
    env[settings.variable("READONLY_DATA")] = "1"
    # HDF5's file locks fail on a read-only mount (the encoder cache).
    env["HDF5_USE_FILE_LOCKING"] = "FALSE"
    assets = settings.value("ASSETS", environ)
    if assets and Path(assets).is_dir():
        env[settings.variable("ASSETS")] = str(Path(assets).resolve())
    return env


def zygote_specification(environ=None):
    """Return the zygote settings a kernel started with ``environ`` needs."""
    environ = os.environ if environ is None else environ
    return zygote.specification(
        # The backend ipykernel would choose, known before the zygote's
        # libraries import matplotlib.
        {"MPLBACKEND": "module://matplotlib_inline.backend_inline",
         **thread_environment(environ), **notebook_environment(environ)},
        course_read_only_paths(environ), private_caches(environ),
        home_files(environ), Limits.from_environment(environ))


def submission_files(folder):
    """Return {name: path} of the plain files beside a submitted notebook."""
    if not folder or not Path(folder).is_dir():
        return {}
    return {
        path.name: str(path) for path in sorted(Path(folder).iterdir())
        if path.is_file() and not path.is_symlink()
        and path.suffix != ".ipynb" and not path.name.startswith(".")
    }


#: What a zygote's child runs: the kernel, as ``python -m ipykernel_launcher``.
KERNEL_CODE = """
import sys
if sys.path[0] == "":
    del sys.path[0]
from ipykernel import kernelapp
kernelapp.launch_new_instance()
"""


class SandboxKernelManager(AsyncKernelManager):
    """Start the course's Python kernel in a bubblewrap sandbox.

    Where the grading worker handed down a zygote with the same settings
    (``instructor.grading.zygote``), the kernel is forked from it instead
    of started afresh: TensorFlow is then already imported.  A zygote that
    fails to fork (it died, or its slot could not be emptied) is given up
    and the kernel starts in a fresh sandbox.
    """

    limits = None  # a Limits instance; None means the defaults

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.transport = "ipc"
        self.sandbox = None
        self.zygote_failure = None  # why forking failed, if it did

    @property
    def kernel_spec(self):
        if self._kernel_spec is None:
            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f",
                      "{connection_file}"],
                display_name="Python 3 (sandboxed grading)",
                language="python",
                # Interrupt with a control message: a signal from outside
                # would not reach a kernel in its own session.
                interrupt_mode="message",
                metadata={"debugger": False},
            )
        return self._kernel_spec

    @default("client_factory")
    def _client_factory_default(self):
        return SandboxKernelClient

    def _create_connected_socket(self, channel, identity=None):
        # The manager's own control socket (interrupts, shutdown) reads
        # nothing, but ZeroMQ queues what arrives: bound it too.
        socket = super()._create_connected_socket(channel, identity)
        socket.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        socket.setsockopt(zmq.RCVHWM, RECEIVE_QUEUE.get(channel, 16))
        return socket

    def _forked(self):
        return isinstance(self.sandbox, zygote_client.ZygoteClient)

    @in_pending_state
    async def _async_start_kernel(self, **kw):
        # As jupyter_client's, with one retry in a fresh sandbox.
        self._attempted_start = True
        try:
            command, launch = await self._async_pre_start_kernel(**kw)
            await self._async_launch_kernel(command, **launch)
        except (zygote.ZygoteError, OSError) as error:
            if not self._forked():
                raise
            self._give_up_zygote(error)
            command, launch = await self._async_pre_start_kernel(**kw)
            await self._async_launch_kernel(command, **launch)
        await self._async_post_start_kernel(**launch)

    start_kernel = _async_start_kernel

    def _give_up_zygote(self, error):
        """Free the zygote after a failed fork; the next start is fresh."""
        self.log.warning("Forking the kernel failed (%s); starting it in a "
                         "fresh sandbox", error)
        self.zygote_failure = str(error) or type(error).__name__
        client, self.sandbox = self.sandbox, None
        # The lock is freed even when this fails; the next grader sweeps.
        with contextlib.suppress(zygote.ZygoteError, OSError):
            client.release(client.process)

    async def _async_pre_start_kernel(self, **kw):
        if self.sandbox is None:
            client = None
            if self.limits is None and self.zygote_failure is None:
                client = zygote_client.ZygoteClient.from_environment(
                    zygote_specification())
            if client is not None:
                self.sandbox = client
                client.prepare(submission_files(kw.get("cwd")), home_files())
            else:
                self.sandbox = Sandbox(
                    limits=self.limits or Limits(),
                    read_only=course_read_only_paths(),
                    files=submission_files(kw.get("cwd")),
                    private_copies=private_caches(),
                    home_files=home_files(),
                    env=notebook_environment(),
                ).__enter__()
        scratch = self.sandbox.scratch
        self.ip = str(scratch / "kernel")
        self.connection_file = str(scratch / "connection.json")
        kw["env"] = self.sandbox.environment()
        kw["cwd"] = str(scratch)
        # What the sandboxed process writes to its own stdout/stderr never
        # reaches the grader (outputs travel as kernel messages).
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
        kw["stdin"] = subprocess.DEVNULL
        command, kw = await super()._async_pre_start_kernel(**kw)
        # The kernel runs as the sandbox's user: let it read its ports/key.
        os.chmod(self.connection_file, 0o644)
        return command, kw

    def format_kernel_cmd(self, extra_arguments=None):
        command = super().format_kernel_cmd(extra_arguments)
        if self._forked():
            return command
        return grader_memory.child_prefix() + self.sandbox.command(command)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if not self._forked():
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        process = self.sandbox.spawn(
            KERNEL_CODE, self.sandbox.child_environment,
            self.sandbox.work_dir,
            argv=[sys.executable, *kernel_cmd[3:]])
        self.provisioner.process = process
        self.provisioner.pid = process.pid
        self.provisioner.pgid = None
        self._reconcile_connection_info(self.provisioner.connection_info)

    def out_of_memory(self):
        """Return True when the kernel hit the sandbox's memory limit."""
        return bool(self.sandbox and self.sandbox.out_of_memory())

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if self.sandbox is not None and not restart:
            self.sandbox.__exit__(None, None, None)
            self.sandbox = None

    cleanup_resources = _async_cleanup_resources
