"""The grader's side of a sandboxed kernel's sockets: nothing unbounded.

Everything a kernel sends reaches the trusted grading process as ZeroMQ
messages, parsed there.  This client bounds each message part and each
channel's queue before anything is read, and makes up for what it refused
(see :class:`BoundedChannel`), for kernels started afresh and forked from
a zygote alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import time
import uuid
from queue import Empty

import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import Type
from zmq.utils.monitor import parse_monitor_message

#: The largest message part the grader takes from a kernel.  libzmq refuses
#: a larger one before it reads it (and drops the connection, which the
#: channel makes again).  No output that large could be kept: a cell keeps
#: 1 MiB (``SandboxedExecute.max_cell_output_bytes``).
MAX_MESSAGE_BYTES = 4 << 20
#: The most messages a channel holds unread (libzmq's default is 1000):
#: with the size bound, what a flooding kernel can queue in the grader.
RECEIVE_QUEUE = {"iopub": 64, "shell": 16, "control": 16, "stdin": 16}
#: The type of the note a channel returns for a message it dropped.
DROPPED = "faces_styles_dropped"


class BoundedChannel(AsyncZMQSocketChannel):
    """A channel whose socket takes no message part over the limit.

    Where libzmq dropped one, it also ended the connection for good; the
    channel sees that on the socket's monitor, connects again, and returns
    a note (:meth:`SandboxKernelClient.dropped_note`) in place of what was
    lost, so that nobody waits for it.
    """

    name = ""
    client = None

    def __init__(self, socket, session, loop=None):
        super().__init__(socket, session, loop)
        self.monitor = socket.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        self.poller = zmq.asyncio.Poller()
        self.poller.register(socket, zmq.POLLIN)
        self.poller.register(self.monitor, zmq.POLLIN)

    async def get_msg(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(
                0, deadline - time.monotonic())
            ready = dict(await self.poller.poll(
                None if left is None else int(left * 1000)))
            if self.socket in ready:
                return await self._recv()
            if self.monitor not in ready:
                raise Empty
            event = parse_monitor_message(
                await self.monitor.recv_multipart())
            endpoint = event["endpoint"].decode()
            with contextlib.suppress(zmq.ZMQError):
                self.socket.disconnect(endpoint)
            self.socket.connect(endpoint)
            note = await self.client.dropped_note(self.name)
            if note is not None:
                return note

    def close(self):
        if self.socket is not None:
            with contextlib.suppress(zmq.ZMQError):
                self.socket.disable_monitor()
            self.monitor.close(linger=0)
        super().close()


class SandboxKernelClient(AsyncKernelClient):
    """A kernel client that bounds every message before it is parsed.

    Each message part is at most :data:`MAX_MESSAGE_BYTES` and each
    channel queues at most :data:`RECEIVE_QUEUE` messages.  ``dropped``
    lists ``(channel, request id)`` of the messages that were too large.
    """

    shell_channel_class = Type(BoundedChannel)
    iopub_channel_class = Type(BoundedChannel)
    stdin_channel_class = Type(BoundedChannel)
    control_channel_class = Type(BoundedChannel)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dropped = []
        self.running = None  # the id of the last execute request

    def _context_default(self):
        context = super()._context_default()
        # Every socket of this client, the heartbeat's included.
        context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        return context

    def _create_connected_socket(self, channel, identity=None):
        socket = super()._create_connected_socket(channel, identity)
        socket.setsockopt(zmq.RCVHWM, RECEIVE_QUEUE.get(channel, 16))
        return socket

    def _named(self, channel, name):
        channel.name, channel.client = name, self
        return channel

    @property
    def shell_channel(self):
        return self._named(super().shell_channel, "shell")

    @property
    def iopub_channel(self):
        return self._named(super().iopub_channel, "iopub")

    @property
    def stdin_channel(self):
        return self._named(super().stdin_channel, "stdin")

    @property
    def control_channel(self):
        return self._named(super().control_channel, "control")

    def execute(self, *args, **kwargs):
        msg_id = super().execute(*args, **kwargs)
        if isinstance(msg_id, str):
            self.running = msg_id
        return msg_id

    async def dropped_note(self, name):
        """Return what stands in for a message ``name`` lost, or None.

        A connection also ends when the kernel dies: then nothing was
        dropped, and the kernel's death is noticed as usual.
        """
        await asyncio.sleep(0.2)
        if not await self._async_is_alive():
            return None
        self.dropped.append((name, self.running))
        header = {"msg_id": uuid.uuid4().hex, "msg_type": DROPPED,
                  "date": datetime.datetime.now(datetime.timezone.utc)}
        note = {"header": header, "msg_type": DROPPED, "metadata": {},
                "parent_header": {"msg_id": self.running}, "buffers": [],
                "content": {"channel": name}}
        if name == "iopub":
            return note
        if name == "shell" and self.running is not None:
            header["msg_type"] = note["msg_type"] = "execute_reply"
            note["content"] = {
                "status": "error", "ename": "MessageTooLarge",
                "evalue": "the kernel's reply was larger than the grader "
                "accepts", "traceback": [], "execution_count": None}
            return note
        return None
