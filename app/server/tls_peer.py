"""One TLS connection: a QSslSocket handed over once its handshake is done
(app/server/handshakes.py).

The same face as :class:`app.server.peer.Peer` (write, flush, close, lost, queued_bytes), so
the server and its core do not care which kind a client came in on. TLS connections cost a
QSslSocket each (Qt's OpenSSL backend does the records); plain ones stay cheap Peers.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtNetwork import QAbstractSocket, QSslSocket

from app.server.state import Client

if TYPE_CHECKING:
    from app.server.listener import ChatServer


class TlsPeer:
    """A TLS connection and the core's client for it."""

    __slots__ = (
        "__weakref__", "client", "closing_since", "fd", "key", "pending", "server", "sock"
    )

    def __init__(self, server: ChatServer, sock: QSslSocket) -> None:
        self.server = server
        self.sock: QSslSocket | None = sock
        self.fd = int(sock.socketDescriptor())
        self.client: Client | None = None
        self.key: str | None = None  # its address as the listener's guard counts it
        self.closing_since: float | None = None
        self.pending: list[bytes] | None = None
        sock.setSocketOption(QAbstractSocket.SocketOption.LowDelayOption, 1)
        sock.readyRead.connect(self._on_readable)
        sock.disconnected.connect(self._on_disconnected)

    @property
    def open(self) -> bool:
        return self.sock is not None

    @property
    def protocol(self) -> str:
        """"TLSv1.3" and the like, for the log."""
        if self.sock is None:
            return ""
        return self.sock.sessionProtocol().name.replace("TlsV", "TLSv").replace("_", ".")

    @Slot()
    def _on_readable(self) -> None:
        if self.sock is None:
            return
        data = bytes(self.sock.readAll().data())
        if data and self.closing_since is None and self.client is not None:
            self.server.received(self, data)

    def write(self, data: bytes) -> None:
        """Queue ``data``; it leaves at the end of this event-loop turn."""
        if self.pending is None:
            self.pending = [data]
            self.server.mark_dirty(self)
        else:
            self.pending.append(data)

    def flush(self) -> None:
        pending, self.pending = self.pending, None
        if pending is None or self.sock is None:
            return
        self.sock.write(b"".join(pending))
        limit = self.server.core.config.sendq
        if self.queued_bytes() > limit and self.closing_since is None:
            self.server.sendq_exceeded(self)

    def queued_bytes(self) -> int:
        if self.sock is None:
            return 0
        return int(self.sock.bytesToWrite()) + int(self.sock.encryptedBytesToWrite())

    def close(self, abort: bool) -> None:
        """End the connection: after sending what is queued, or (``abort``) at once."""
        if self.sock is None:
            return
        if self.closing_since is None:
            self.closing_since = time.monotonic()
        if abort:
            self._teardown()
            return
        self.flush()
        self.sock.disconnectFromHost()  # "disconnected" follows once the queue is out

    def lost(self, reason: str) -> None:
        if self.sock is None:
            return
        self._teardown()
        if self.client is not None:
            self.server.core.connection_lost(self.client, reason)

    @Slot()
    def _on_disconnected(self) -> None:
        if self.closing_since is not None:
            self._teardown()
        else:
            self.lost("Remote host closed the connection")

    def _teardown(self) -> None:
        sock, self.sock = self.sock, None
        if sock is None:
            return
        self.pending = None
        self.server.forget(self)
        sock.readyRead.disconnect(self._on_readable)
        sock.disconnected.disconnect(self._on_disconnected)
        sock.abort()
        sock.deleteLater()
