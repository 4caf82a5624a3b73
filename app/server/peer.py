"""One connection's socket: reading through QTcpSocket, writing in one batch per loop turn.

Why writes skip QTcpSocket's buffer when they can: a QTcpSocket that has written once keeps a
16 KiB write chunk for the rest of its life (measured: 18 KiB RSS per idle registered
connection against 8 KiB when the same bytes go straight to the socket). So a Peer collects
what the core writes during one event-loop turn and hands it to the kernel in one ``send``
at the end of the turn (the batching Qt itself does); only what the kernel does not take at
once (a slow reader) goes into QTcpSocket's buffer, and from then on everything goes there
until it has drained, so the order of bytes never changes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from PySide6.QtNetwork import QTcpSocket

from app.server.state import Client


class Peer:
    """One socket and the core's client for it. Not a QObject: 10,000 of these must be cheap."""

    __slots__ = ("_dirty", "_wake", "backlog", "client", "closing_since", "fd", "pending", "sock")

    def __init__(self, sock: QTcpSocket, dirty: list[Peer], wake: Callable[[], None]) -> None:
        self.sock = sock
        self.fd = int(sock.socketDescriptor())
        self.client: Client | None = None
        self.closing_since: float | None = None
        self.pending: list[bytes] | None = None
        self.backlog = False  # QTcpSocket's own buffer holds bytes: write through it
        self._dirty = dirty
        self._wake = wake

    def write(self, data: bytes) -> None:
        """Queue ``data``; it leaves at the end of this event-loop turn."""
        pending = self.pending
        if pending is None:
            self.pending = [data]
            if not self._dirty:
                self._wake()
            self._dirty.append(self)
        else:
            pending.append(data)

    def flush(self) -> None:
        """Send what was queued: straight to the kernel, the rest through QTcpSocket."""
        pending = self.pending
        if pending is None:
            return
        self.pending = None
        if self.fd < 0:
            return
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        if self.backlog:
            if self.sock.bytesToWrite():
                self.sock.write(data)
                return
            self.backlog = False
        try:
            sent = os.write(self.fd, data)
        except BlockingIOError:
            sent = 0
        except OSError:  # reset or closed: QTcpSocket reports the disconnect
            return
        if sent < len(data):
            self.sock.write(data[sent:])
            self.backlog = True

    def queued_bytes(self) -> int:
        """Bytes waiting for this peer to read them (the send queue)."""
        return int(self.sock.bytesToWrite()) if self.backlog else 0

    def close(self, abort: bool) -> None:
        """End the connection: after sending what is queued, or (``abort``) at once."""
        if self.closing_since is None:
            self.closing_since = time.monotonic()
        if abort:
            self.pending = None
            self.fd = -1
            self.sock.abort()
        else:
            self.flush()
            self.fd = -1
            self.sock.disconnectFromHost()
