"""A throw-away PostgreSQL server for tests (Debian's ``postgresql``).

The server runs as the ``postgres`` user (PostgreSQL refuses root), on
loopback, with its data in a temporary directory, and trusts local
connections.  ``start`` returns the server and a SQLAlchemy URL for
nbgrader's ``db_url``.
"""

import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

def binaries():
    """Return the folder of PostgreSQL's server programs, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return Path(found[-1]).parent if found else None


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_user(user, command):
    if os.geteuid() == 0:
        return ["runuser", "-u", user, "--", *command]
    return command


class Server:
    """A running PostgreSQL server in ``folder``; ``stop()`` ends it."""

    def __init__(self, folder, user="postgres"):
        self.folder = Path(folder)
        self.user = user
        self.bin = binaries()
        self.port = free_port()
        self.process = None

    def start(self, database="gradebook"):
        data = self.folder / "data"
        data.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, self.user)
            shutil.chown(data, self.user)
        subprocess.run(_as_user(self.user, [
            str(self.bin / "initdb"), "-D", str(data), "-U", "postgres",
            "--auth=trust", "-E", "UTF8", "--no-sync"]),
            check=True, capture_output=True, cwd="/")
        self.log = open(self.folder / "server.log", "w")
        self.process = subprocess.Popen(_as_user(self.user, [
            str(self.bin / "postgres"), "-D", str(data), "-h", "127.0.0.1",
            "-p", str(self.port), "-k", str(data), "-c", "fsync=off"]),
            stdout=self.log, stderr=subprocess.STDOUT, cwd="/",
            start_new_session=True)
        deadline = time.monotonic() + 60
        while subprocess.run(
                [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p",
                 str(self.port)], capture_output=True).returncode != 0:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not start:\n"
                                   + (self.folder / "server.log").read_text())
            time.sleep(0.3)
        subprocess.run([str(self.bin.parent / "bin" / "createdb") if (
            self.bin / "createdb").exists() else "createdb", "-h",
            "127.0.0.1", "-p", str(self.port), "-U", "postgres", database],
            check=True, capture_output=True)
        return self

    def url(self, database="gradebook"):
        """Return the SQLAlchemy URL of ``database`` (psycopg 3 driver)."""
        return (f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/"
                f"{database}")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # "smart" shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()
