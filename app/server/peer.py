"""One connection: a non-blocking socket, watched by the server's poller (app/server/poller.py).

Why not one QTcpSocket per connection: measured on this machine (PySide6 6.11.3), a
QTcpSocket costs 7.4 KiB of server RSS just accepted and 14-18 KiB once it has read and
written (it keeps a 16 KiB ring-buffer chunk for life), against 3.2 KiB for a socket plus
a QSocketNotifier; a server that holds 10,000 chat connections cares. QTcpServer still listens
and accepts; each accepted descriptor becomes a Peer. In the server's one epoll set a whole idle
registered connection costs 1.6 KiB (``python -m app.bench server``; 4.9 KiB with a notifier).

Writes are batched the way Qt batches them: what the core writes during one event-loop
turn goes to the kernel in one ``send`` at the end of the turn. What the kernel does not take
(a slow reader) waits in ``backlog``, drained when the poller says the socket is writable;
past the send-queue limit the peer is dropped.
"""

from __future__ import annotations

import contextlib
import socket
import time
from typing import TYPE_CHECKING

from app.server.state import Client

if TYPE_CHECKING:
    from app.server.listener import ChatServer

# One recv takes what the kernel has, up to this; the line reader keeps at most an unfinished
# line's worth (app/protocol/framing.py MAX_BUFFER) of it between reads.
READ_SIZE = 65536
DRAIN_READS = 16  # a refused connection's unread bytes, read before it is closed


class Peer:
    """One connection and the core's client for it. Not a QObject: 10,000 must be cheap."""

    __slots__ = (
        "__weakref__",
        "backlog",
        "client",
        "closing_since",
        "fd",
        "key",
        "open",
        "pending",
        "server",
        "sock",
        "writing",
    )

    def __init__(self, server: ChatServer, sock: socket.socket) -> None:
        self.server = server
        self.sock = sock
        self.fd = sock.fileno()
        self.client: Client | None = None
        self.key: str | None = None  # its address as the listener's guard counts it
        self.closing_since: float | None = None
        self.pending: list[bytes] | None = None
        self.backlog = b""
        self.writing = False  # the poller watches for writability too
        self.open = True  # until _teardown
        server.poller.register(self.fd, self)

    # ---------------------------------------------------------------- reading
    def on_readable(self) -> None:
        """The poller: bytes, an error or the end of the stream are waiting."""
        try:
            data = self.sock.recv(READ_SIZE)
        except BlockingIOError:
            return
        except OSError as exc:
            self.lost(exc.strerror or "Connection error")
            return
        if not data:
            self.lost("Remote host closed the connection")
            return
        if self.closing_since is None and self.client is not None:
            self.server.received(self, data)

    # ---------------------------------------------------------------- writing
    def write(self, data: bytes) -> None:
        """Queue ``data``; it leaves at the end of this event-loop turn."""
        pending = self.pending
        if pending is None:
            self.pending = [data]
            self.server.mark_dirty(self)
        else:
            pending.append(data)

    def flush(self) -> None:
        """Send what was queued; keep what the kernel refuses until it is writable."""
        pending = self.pending
        if pending is None:
            return
        self.pending = None
        if not self.open:
            return
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        if self.backlog:
            self.backlog += data
        else:
            try:
                sent = self.sock.send(data)
            except BlockingIOError:
                sent = 0
            except OSError:  # reset: the poller reports it, on_readable finds out
                return
            if sent == len(data):
                return
            self.backlog = data[sent:]
            self._watch_writable(True)
        if len(self.backlog) > self.server.core.config.sendq and self.closing_since is None:
            self.server.sendq_exceeded(self)

    def queued_bytes(self) -> int:
        """Bytes waiting for this peer to read them (the send queue)."""
        return len(self.backlog)

    def _watch_writable(self, on: bool) -> None:
        if self.writing != on:
            self.writing = on
            self.server.poller.want_write(self.fd, on)

    def on_writable(self) -> None:
        """The poller: the kernel takes bytes again."""
        if not self.open:
            return
        if not self.backlog:
            self._watch_writable(False)
            return
        try:
            sent = self.sock.send(self.backlog)
        except BlockingIOError:
            return
        except OSError as exc:
            self.lost(exc.strerror or "Connection error")
            return
        self.backlog = self.backlog[sent:]
        if not self.backlog:
            if self.closing_since is not None:
                self._teardown()
            else:
                self._watch_writable(False)

    # ---------------------------------------------------------------- closing
    def close(self, abort: bool) -> None:
        """End the connection: after sending what is queued, or (``abort``) at once."""
        if not self.open:
            return
        if self.closing_since is None:
            self.closing_since = time.monotonic()
        if not abort:
            self.flush()
            if self.backlog:
                self.server.close_started(self)  # its grace period runs from now
                return  # on_writable finishes the close once the backlog is out
        self._teardown()

    def lost(self, reason: str) -> None:
        """The other side went away (EOF, reset): tell the core, release the socket."""
        if not self.open:
            return
        self._teardown()
        if self.client is not None:
            self.server.core.connection_lost(self.client, reason)

    def _teardown(self) -> None:
        self.open = False
        self.server.poller.unregister(self.fd)  # before the descriptor is closed
        self.pending = None
        self.backlog = b""
        self.server.forget(self)
        self.sock.close()


def refuse(sock: socket.socket, reason: str) -> None:
    """Close a connection the server does not take, telling it why in one ``ERROR`` line.

    What it already sent is read first: closing a socket with unread bytes sends a reset,
    which can reach the client before the ERROR does and make it lose the ERROR.
    """
    with contextlib.suppress(OSError):
        for _ in range(DRAIN_READS):
            if not sock.recv(READ_SIZE):
                break
    with contextlib.suppress(OSError):
        sock.send(f"ERROR :{reason}\r\n".encode())
    sock.close()
