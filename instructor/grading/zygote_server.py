"""The zygote's own program, run by the sandbox's Python (never imported).

instructor.grading.zygote reads this file as text and starts it with
``python -c`` inside the sandbox, which cannot see the course's files.  It
imports the libraries named on its command line, then forks one child per
request that arrives on the listening socket it was given: arguments are
the socket's file number, the grader's user id and the libraries to import,
comma-separated.  Its first line on standard output says whether it is
ready and what it could not import.
"""

import contextlib
import ctypes
import json
import os
import signal
import socket
import struct
import sys
import traceback

_libc = ctypes.CDLL(None, use_errno=True)
_NEW_NAMESPACES = 0x10000000 | 0x20000000 | 0x08000000 | 0x40000000


def _start(argv):
    """Import the libraries, say so, and return (listener, grader's uid)."""
    listener = socket.socket(fileno=int(argv[1]))
    grader_uid = int(argv[2])
    failed = []
    for name in [name for name in argv[3].split(",") if name]:
        try:
            __import__(name)
        except Exception as error:
            failed.append(f"{name}: {type(error).__name__}: {error}")
    # Children need namespaces of their own: a machine that forbids
    # unprivileged user namespaces gets fresh sandboxes instead.
    probe = os.fork()
    if probe == 0:
        os._exit(0 if _libc.unshare(_NEW_NAMESPACES) == 0 else 1)
    if os.waitstatus_to_exitcode(os.waitpid(probe, 0)[1]) != 0:
        failed.append("new user namespaces are not allowed here")
    # No process of this user may trace the zygote or read its memory.
    _libc.prctl(4, 0, 0, 0, 0)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    os.write(1, (json.dumps({"ready": True, "failed": failed})
                 + "\n").encode())
    return listener, grader_uid


def _read_line(connection, limit=1 << 22, fds=None):
    data = b""
    while not data.endswith(b"\n"):
        chunk, ancillary, _, _ = connection.recvmsg(
            1 << 16, socket.CMSG_SPACE(16 * 4))
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                received = list(struct.unpack(f"{len(payload) // 4}i",
                                              payload[:len(payload) // 4 * 4]))
                if fds is None:
                    for handle in received:
                        os.close(handle)
                else:
                    fds.extend(received)
        if not chunk or len(data) > limit:
            raise EOFError
        data += chunk
    return data


def _drop_capabilities():
    # What the new user namespace granted: none of it is needed.
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    if _libc.capset(header, data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def _grandchild(request, fds):
    try:
        _libc.prctl(4, 1, 0, 0, 0)  # an ordinary process from here on
        _drop_capabilities()
        # A session and process group of its own: kill(0, ...) would
        # otherwise reach the zygote's group.
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for handle in (0, 1, 2):
            os.dup2(null, handle)
        # The files the grader sent become 3, 4, ...; nothing else stays.
        moved = [os.dup(handle) for handle in fds]
        for number, handle in enumerate(moved, start=3):
            os.dup2(handle, number)
        os.closerange(3 + len(fds), 1 << 16)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = list(request.get("argv") or [sys.executable])
        scope = {"__name__": "__main__", "__builtins__": __builtins__}
        exec(compile(request["code"], "<forked by the zygote>", "exec"), scope)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (
            0 if stop.code is None else 1)
    except BaseException:
        code = 1
    os._exit(code)


def _init(request, fds):
    # Process 1 of the new PID namespace, as bubblewrap's: it starts the
    # student's process (2), reaps orphans and ends, with everything in
    # the namespace, when that process ends.
    try:
        _drop_capabilities()
        os.setsid()
        pid = os.fork()
        if pid == 0:
            _grandchild(request, fds)
        null = os.open(os.devnull, os.O_RDWR)
        for handle in (0, 1, 2):
            os.dup2(null, handle)
        os.closerange(3, 1 << 16)
        while True:
            waited, status = os.waitpid(-1, 0)
            if waited == pid:
                os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    except BaseException:
        os._exit(6)


def _child(listener, connection, request, fds):
    listener.close()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    try:
        # The grader reads our real process id from this message's
        # credentials and moves us into the kernel's cgroup.
        connection.sendall(b"forked\n")
        if _read_line(connection) != b"go\n":
            os._exit(3)
        uid, gid = os.getuid(), os.getgid()
        # Dumpable again (the zygote is not): else the user namespace's
        # id maps, in /proc/self, would belong to root.
        _libc.prctl(4, 1, 0, 0, 0)
        if _libc.unshare(_NEW_NAMESPACES) != 0:
            os._exit(4)
        with open("/proc/self/setgroups", "w") as handle:
            handle.write("deny")
        with open("/proc/self/uid_map", "w") as handle:
            handle.write(f"{uid} {uid} 1")
        with open("/proc/self/gid_map", "w") as handle:
            handle.write(f"{gid} {gid} 1")
        # Not dumpable again: the student's code, our child, cannot trace us.
        _libc.prctl(4, 0, 0, 0, 0)
        pid = os.fork()
        if pid == 0:
            connection.close()
            _init(request, fds)
        connection.close()
        for handle in fds:
            os.close(handle)
        _, status = os.waitpid(pid, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    except BaseException:
        os._exit(5)


def _serve(listener, grader_uid):
    """Fork a child for each request of the grader's user, for ever."""
    while True:
        connection, _ = listener.accept()
        fds = []
        try:
            peer = struct.unpack("3i", connection.getsockopt(
                socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
            if peer[1] != grader_uid:
                raise PermissionError("not the grader")
            request = json.loads(_read_line(connection, fds=fds))
            if os.fork() == 0:
                _child(listener, connection, request, fds)
        except Exception:
            with contextlib.suppress(OSError):
                connection.sendall((json.dumps(
                    {"error": traceback.format_exc(limit=2)}) + "\n").encode())
        finally:
            connection.close()
            for handle in fds:
                os.close(handle)


if __name__ == "__main__":
    _serve(*_start(sys.argv))
