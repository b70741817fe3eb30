"""The clean room: a fresh sandboxed Python that holds only a submission's answers.

Hidden tests never run student code in the notebook's kernel.  The grader
starts this separate process in the sandbox with no course code at all
(``helpers`` and ``instructor`` are absent), executes the submission's
answer cells in it, and then asks it, one request at a time, to call a
function with given inputs and send the result back as plain data
(:mod:`instructor.grading.protocol`).  Every comparison happens in the
grader's own process.  A call that crashes the process, exits or runs past
its time limit fails that call only: the room is started again for the next.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import select
import subprocess
import sys
import time
import uuid

from helpers.settings import EXERCISE_CALL_TIMEOUT
from instructor.grading import (
    grader_memory,
    protocol,
    room_guard,
    zygote,
    zygote_client,
)
from instructor.grading.sandbox import Limits, Sandbox, package_dir

MAX_REPLY_BYTES = 64 << 20

RUNNER = protocol.ENCODER_SOURCE + inspect.getsource(room_guard) + r'''
import builtins as _builtins, functools as _functools, json as _json
import os as _os, sys as _sys, traceback as _traceback, types as _types

_requests = _os.fdopen(int(_sys.argv[1]), "r")
_replies = _os.fdopen(int(_sys.argv[2]), "w")
_runner = _sys.modules["__main__"]
_main = _types.ModuleType("__main__")
_sys.modules["__main__"] = _main
_namespace = _main.__dict__
# The grader's snippets see these, whatever the answers rebind or patch:
# the builtins as they were at start, and the names the prelude bound.
_real_builtins = dict(vars(_builtins))
_prelude_names = {}
# ... and the libraries as they were before the first answer cell ran
# (room_guard): put back before each snippet and after each answer
# function a snippet calls.
_guard = None


def _take_snapshot():
    global _guard
    if _guard is None:
        _guard = Snapshot(skip=[_main], also=[_runner])


def _restore():
    _guard.restore()
    _sys.settrace(None)
    _sys.setprofile(None)
    if _guard.threads_started():
        raise RuntimeError(
            "your answers started a thread that is still running; the "
            "grader's checks do not run beside it")


def _guarded(function):
    @_functools.wraps(function)
    def guarded(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            _restore()
    return guarded


def _error(error):
    try:
        text = str(error)
    except BaseException:
        text = "(the exception's message could not be read)"
    frames = [line for line in _traceback.format_exception(
        type(error), error, error.__traceback__)]
    # The last line of an answer cell that ran, and whether the exception
    # was raised right there (a stub) or deeper, in a library.
    where, innermost = None, False
    for frame, number in _traceback.walk_tb(error.__traceback__):
        innermost = frame.f_code.co_filename.startswith("<answer cell ")
        if innermost:
            where = [frame.f_code.co_filename, number]
    return {"ename": type(error).__name__,
            "mro": [cls.__name__ for cls in type(error).__mro__],
            "evalue": text[:4000], "traceback": "".join(frames)[-4000:],
            "where": where, "innermost": innermost}


def _handle(request):
    op = request["op"]
    if op == "exec":
        if request["label"] != "<grader prelude>":
            _take_snapshot()
        code = compile(request["code"], request["label"], "exec")
        exec(code, _namespace)
        if request["label"] == "<grader prelude>":
            _prelude_names.update(
                (key, value) for key, value in _namespace.items()
                if not key.startswith("__"))
        return None
    if op == "call":
        name = request["name"]
        if name not in _namespace:
            raise NameError(f"name {name!r} is not defined by your answers")
        function = _namespace[name]
        args = _decode(request["args"])
        kwargs = _decode(request["kwargs"])
        return function(*args, **kwargs)
    if op == "run":
        _take_snapshot()
        _restore()
        scope = {key: _guarded(value)
                 if isinstance(value, _types.FunctionType) else value
                 for key, value in _namespace.items()
                 if key not in _real_builtins}
        scope.update(_prelude_names)
        scope["__builtins__"] = _real_builtins
        scope.update(_decode(request["inputs"]))
        exec(compile(request["code"], "<hidden test>", "exec"), scope)
        _restore()
        return scope.get("result")
    if op == "value":
        name = request["name"]
        if name not in _namespace:
            raise NameError(f"name {name!r} is not defined by your answers")
        return _namespace[name]
    raise ValueError(f"unknown request {op!r}")


for _line in _requests:
    _request = _json.loads(_line)
    try:
        _value = _handle(_request)
    except BaseException as _exception:
        _reply = {"id": _request["id"], "ok": False,
                  "error": _error(_exception)}
    else:
        try:
            _reply = {"id": _request["id"], "ok": True,
                      "value": _encode(_value)}
        except BaseException as _exception:
            _reply = {"id": _request["id"], "ok": False,
                      "error": dict(_error(_exception), unsendable=True)}
    _replies.write(_json.dumps(_reply) + "\n")
    _replies.flush()
'''


#: The interpreter's options for a clean room: isolated mode.
ROOM_FLAGS = ("-I",)
#: Installed libraries a clean-room zygote imports before it forks.
ROOM_PRELOAD = ("numpy", "tensorflow")


def hidden_packages():
    """Return the course packages a clean room must not see."""
    hidden = []
    python = [os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)]
    for name in ("helpers", "instructor"):
        path = package_dir(name)
        if path and any(path.startswith(p + os.sep) for p in python):
            hidden.append(path)
    return hidden


def room_environment(extra=None):
    """Return the environment variables of a clean room's process."""
    env = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0",
           "PYTHONHASHSEED": "0", "CUDA_VISIBLE_DEVICES": ""}
    env.update(extra or {})
    return env


def room_zygote_specification(limits=None, extra=None, environ=None):
    """Return the settings of the zygote that clean rooms fork from."""
    environ = os.environ if environ is None else environ
    return zygote.specification(
        room_environment(extra), [], [], {},
        limits or Limits.from_environment(environ),
        preload=ROOM_PRELOAD, hide=hidden_packages(), flags=ROOM_FLAGS)


class StudentError(Exception):
    """The submission's code raised, exited, crashed or timed out.

    ``reported`` is True for an exception the clean room reported (the
    submission's own: its name, text and traceback are the submission's
    to choose) and False for what the grader saw itself (a time limit, an
    ended process, unreadable data).  ``location`` is ``(label, line)`` of
    the last line of an answer cell that ran, checked against the cells the
    grader sent; ``raised_there`` says the exception came from that line
    itself, not from a library it called; ``unsendable`` that the answer's
    result could not be sent back as plain data.
    """

    def __init__(self, ename, evalue, mro=(), traceback="", reported=False,
                 location=None, raised_there=False, unsendable=False):
        super().__init__(f"{ename}: {evalue}" if evalue else ename)
        self.ename = ename
        self.evalue = evalue
        self.mro = tuple(mro) or (ename,)
        self.traceback = traceback
        self.reported = reported
        self.location = location
        self.raised_there = raised_there
        self.unsendable = unsendable

    def is_a(self, name):
        """Return True when the student's exception class is (a subclass of) ``name``."""
        return name in self.mro


class CleanRoom:
    """A sandboxed process holding the answers of one submission.

    ``prelude`` (e.g. ``import numpy as np``) runs first, then each of
    ``cells`` (``(label, source)`` pairs).  Failures of the cells are kept
    in :attr:`cell_errors`; a failing cell does not stop the others.
    The process is forked from the worker's clean-room zygote where there
    is one, and started in a fresh sandbox where there is none or forking
    fails (:attr:`zygote_failure` then says why).  ``budget`` (seconds)
    bounds all of the room's work together, from now on, restarts
    included: a request is cut short when it runs out, and none runs after.
    """

    def __init__(self, cells, prelude="", limits=None,
                 call_timeout=EXERCISE_CALL_TIMEOUT, cell_timeout=30.0,
                 env=None, budget=None):
        self.cells = list(cells)
        self.prelude = prelude
        self.limits = limits or Limits()
        self.call_timeout = call_timeout
        self.cell_timeout = cell_timeout
        self.budget = budget
        self._budget_end = None if budget is None else (
            time.monotonic() + budget)
        self.env = dict(env or {})
        self.cell_errors = {}
        self._skipped = set()  # cells that ended the process: never rerun
        self.restarts = 0
        self.process = None
        self.sandbox = None
        self.zygote_failure = None  # why forking from a zygote failed

    # -- process life ------------------------------------------------------

    def start(self):
        """Start the process and run the prelude and the answer cells.

        A cell that raises is recorded in :attr:`cell_errors`; a cell that
        ends the process or runs past ``cell_timeout`` is recorded too and
        left out from then on, and the room starts again without it.
        """
        while not self._start_once():
            pass

    def budget_spent(self):
        """Return True when the room's time budget has run out."""
        return self._budget_end is not None and (
            time.monotonic() >= self._budget_end)

    def _start_once(self):
        self.stop()
        if self.budget_spent():
            return True  # nothing runs any more; each request says why
        client = None if self.zygote_failure else (
            zygote_client.ZygoteClient.from_environment(
                room_zygote_specification(self.limits, self.env),
                zygote.ROOM_ZYGOTE_ENV))
        request_read, self._request_write = os.pipe()
        self._reply_read, reply_write = os.pipe()
        try:
            if client is not None:
                # Forked from a zygote that has imported the libraries.
                self.sandbox = client
                try:
                    client.prepare({}, {})
                    self.process = client.spawn(
                        RUNNER, client.child_environment, client.work_dir,
                        argv=["-c", "3", "4"], fds=(request_read, reply_write))
                except (zygote.ZygoteError, OSError) as error:
                    # Given up: this room and its restarts start fresh.
                    self.zygote_failure = str(error) or type(error).__name__
                    self.sandbox = None
                    with contextlib.suppress(zygote.ZygoteError, OSError):
                        client.release(client.process)
            if self.sandbox is None:
                self.sandbox = Sandbox(
                    limits=self.limits, env=room_environment(self.env),
                    hide=hidden_packages()).__enter__()
                command = grader_memory.child_prefix() + self.sandbox.command(
                    [sys.executable, *ROOM_FLAGS, "-c", RUNNER,
                     str(request_read), str(reply_write)])
                self.process = subprocess.Popen(
                    command, env=self.sandbox.environment(),
                    cwd=self.sandbox.scratch, stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    pass_fds=(request_read, reply_write),
                    start_new_session=True)
        finally:
            os.close(request_read)
            os.close(reply_write)
        os.set_blocking(self._request_write, False)
        self._buffer = bytearray()
        if self.prelude:
            try:
                self._request({"op": "exec", "code": self.prelude,
                               "label": "<grader prelude>"}, timeout=120)
            except StudentError:
                if not self.budget_spent():
                    raise
                return True
        for index, (label, source) in enumerate(self.cells):
            if index in self._skipped:
                continue
            try:
                self._request({"op": "exec", "code": source,
                               "label": f"<answer cell {label}>"},
                              timeout=self.cell_timeout)
            except StudentError as error:
                self.cell_errors[label] = error
                if self.process is None:  # it ended the process
                    self._skipped.add(index)
                    return False
        return True

    def stop(self):
        """End the process (and everything it started).

        Killed, not asked to exit: a Python that imported TensorFlow spends
        a CPU-second or more tearing it down, for nothing.
        """
        if self.process is not None:
            if isinstance(self.process, zygote_client.ForkedProcess):
                self.process.kill()
            elif self.process.poll() is None:
                try:
                    os.killpg(self.process.pid, 9)
                except OSError:
                    pass
            for handle in (self._request_write, self._reply_read):
                try:
                    os.close(handle)
                except OSError:
                    pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self.process = None
        if self.sandbox is not None:
            self.sandbox.__exit__(None, None, None)
            self.sandbox = None

    def describe(self):
        """Return one line saying how the room's process is isolated."""
        return self.sandbox.describe() if self.sandbox is not None else ""

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()
        return False

    # -- requests ----------------------------------------------------------

    def _read_reply(self, deadline):
        """Return the next reply line; never hold more than MAX_REPLY_BYTES.

        The bound is counted in bytes as they arrive, before anything is
        decoded or parsed; the buffer grows in place.
        """
        searched = 0
        while True:
            end = self._buffer.find(b"\n", searched)
            if end >= 0:
                break
            searched = len(self._buffer)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self._reply_read], [], [],
                                        min(remaining, 1.0))
            if not ready:
                continue
            chunk = os.read(self._reply_read, 1 << 20)
            if not chunk:
                raise EOFError
            self._buffer += chunk
            if len(self._buffer) > MAX_REPLY_BYTES:
                raise protocol.ProtocolError(
                    f"reply larger than {MAX_REPLY_BYTES >> 20} MiB")
        with memoryview(self._buffer) as view, view[:end] as part:
            line = str(part, "utf-8", "replace")  # decoded without a copy
        del self._buffer[:end + 1]
        return line

    def _write_request(self, data, deadline):
        """Write a request, never waiting past ``deadline``.

        A process that stops reading its requests (or holds the pipe open
        and reads elsewhere) runs out of time like one that never replies.
        """
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            _, ready, _ = select.select([], [self._request_write], [],
                                        min(remaining, 1.0))
            if ready:
                try:
                    view = view[os.write(self._request_write, view):]
                except BlockingIOError:
                    continue

    def _died(self, what):
        oom = self.sandbox is not None and self.sandbox.out_of_memory()
        self.stop()
        reason = ("the memory limit was reached" if oom else
                  "it exited (exit(), os._exit), crashed or was killed")
        return StudentError("ProcessEnded",
                            f"the grading process ended during {what}: "
                            f"{reason}")

    def _out_of_budget(self, what):
        return StudentError(
            "TimeoutError", f"{what} did not run: the hidden tests' time "
            f"budget of {self.budget:g} s had run out")

    def _request(self, request, timeout=None):
        what = request.get("name") or request.get("label") or request["op"]
        if self.budget_spent():
            raise self._out_of_budget(what)
        if self.process is None:
            if request["op"] == "exec":
                raise StudentError("ProcessEnded", "the process had ended")
            self.restarts += 1
            self.start()
            if self.process is None:  # the budget ran out meanwhile
                raise self._out_of_budget(what)
        request = dict(request, id=uuid.uuid4().hex)
        limit = timeout or self.call_timeout
        cut = self._budget_end is not None and (
            self._budget_end - time.monotonic() < limit)
        try:
            deadline = time.monotonic() + limit
            if cut:
                deadline = self._budget_end
            self._write_request((json.dumps(request) + "\n").encode(),
                                deadline)
            while True:
                reply = protocol.loads(self._read_reply(deadline))
                if isinstance(reply, dict) and reply.get("id") == request["id"]:
                    break
        except TimeoutError:
            self.stop()
            if cut:
                raise StudentError(
                    "TimeoutError", f"{what} was stopped when the hidden "
                    f"tests' time budget of {self.budget:g} s ran out") \
                    from None
            raise StudentError(
                "TimeoutError", f"{what} did not finish within "
                f"{limit:g} s") from None
        except (EOFError, BrokenPipeError, OSError):
            raise self._died(what) from None
        except protocol.ProtocolError as error:
            self.stop()
            raise StudentError("ProtocolError", str(error)) from None
        if not reply.get("ok"):
            error = reply.get("error") or {}
            if not isinstance(error, dict):
                error = {}
            mro = error.get("mro") if isinstance(error.get("mro"), list) else ()
            location = self._answer_line(error.get("where"))
            raise StudentError(str(error.get("ename", "Error"))[:100],
                               str(error.get("evalue", ""))[:4000],
                               [str(name)[:100] for name in mro][:50],
                               str(error.get("traceback", ""))[:4000],
                               reported=True, location=location,
                               raised_there=location is not None
                               and error.get("innermost") is True,
                               unsendable=error.get("unsendable") is True)
        try:
            return protocol.decode(reply.get("value"))
        except protocol.ProtocolError as error:
            raise StudentError(
                "ProtocolError", f"{what} returned data the grader cannot "
                f"read: {error}") from None

    def _answer_line(self, where):
        """Return ``(label, line)`` the room named, if it is one of ours.

        The room says where an exception was raised; it is believed only
        as far as it names a line that exists in an answer cell the grader
        sent, so that what is shown from it is the learner's own source.
        """
        if not (isinstance(where, list) and len(where) == 2
                and isinstance(where[0], str) and isinstance(where[1], int)
                and not isinstance(where[1], bool)):
            return None
        for label, source in self.cells:
            if where[0] == f"<answer cell {label}>":
                if 1 <= where[1] <= len(source.splitlines()):
                    return label, where[1]
                return None
        return None

    def call(self, name, *args, **kwargs):
        """Call the submission's ``name`` with plain-data arguments."""
        return self._request({"op": "call", "name": name,
                              "args": protocol.encode(list(args)),
                              "kwargs": protocol.encode(kwargs)})

    def run(self, code, timeout=None, **inputs):
        """Run grader code beside the answers; return its ``result`` variable."""
        return self._request({"op": "run", "code": code,
                              "inputs": protocol.encode(inputs)},
                             timeout=timeout)

    def value(self, name):
        """Return the value of a variable the answers define."""
        return self._request({"op": "value", "name": name})
