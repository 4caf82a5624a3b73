"""TLS handshakes in progress, each with a deadline, none in anyone's way.

QSslServer counts connections still in their handshake against maxPendingConnections (30):
30 silent connections stopped every new TLS login. So the TLS port accepts descriptors the
way the plain one does, and each waits here. There is no ceiling on how many wait at once;
the listener caps unfinished ones per address (app/server/guard.py), and one timer drops each
that is not done by its deadline. A finished one goes to the listener, which makes it a TlsPeer.

A connection that has sent nothing yet is only a socket, watched for its first bytes by the
server's poller (app/server/poller.py) as plain connections are; it becomes a QSslSocket
(setSocketDescriptor, startServerEncryption) when they arrive. Measured here, a QSslSocket in
server mode costs about 70 KiB before the client has said a word (Qt's OpenSSL backend makes
an SSL context for each), so 1,000 silent connections would hold 70 MiB.
"""

from __future__ import annotations

import logging
import socket
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtNetwork import QAbstractSocket, QSslConfiguration, QSslSocket

if TYPE_CHECKING:
    from app.server.listener import ChatServer

log = logging.getLogger("chatbox.server")

_now = time.monotonic


@dataclass(slots=True, eq=False)
class Handshake:
    """What the listener knows of a connection whose handshake runs."""

    host: str  # as shown in nick!user@host
    key: str | None  # its address as counted (guard.py); None: exempt
    refusal: str | None  # not admitted: once encrypted it gets ERROR with this and is closed
    deadline: float
    raw: socket.socket | None = None  # until the client's first bytes, watched by the poller
    sock: QSslSocket | None = None  # from then on
    ended: bool = False  # done, failed or timed out: the deadline queue skips it


class Handshakes(QObject):
    """The TLS handshakes of one listener; ``server.tls_established`` takes the finished."""

    def __init__(self, server: ChatServer) -> None:
        super().__init__(server)
        self._server = server
        self.configuration = QSslConfiguration.defaultConfiguration()  # the listener sets it
        self._quiet: set[Handshake] = set()  # those whose raw socket the poller watches
        self._running: dict[QSslSocket, Handshake] = {}
        self._deadlines: deque[Handshake] = deque()  # one timeout for all: in deadline order
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer)

    @property
    def in_progress(self) -> int:
        return len(self._quiet) + len(self._running)

    def start(self, raw: socket.socket, shake: Handshake) -> None:
        """Wait for a handshake on an accepted socket, which is ours from now on.
        ``shake.key`` has been counted by ``guard.start_handshake`` (and by ``guard.admit``
        unless ``shake.refusal``); the counts are released here when it ends."""
        shake.raw = raw
        self._quiet.add(shake)
        self._server.poller.register(raw.fileno(), _FirstBytes(self, shake))
        self._deadlines.append(shake)
        if not self._timer.isActive():
            self._arm(shake.deadline)
        log.debug("TLS connection from %s: waiting for its handshake", shake.host)

    def first_bytes(self, shake: Handshake) -> None:
        """The poller: ``shake``'s client has sent something (or gone, or failed)."""
        if not self._unwatch(shake):
            return
        assert shake.raw is not None
        handle, shake.raw = shake.raw.detach(), None
        sock = shake.sock = QSslSocket(self)
        sock.encrypted.connect(self._on_encrypted)
        sock.errorOccurred.connect(self._on_error)
        sock.disconnected.connect(self._on_disconnected)
        self._running[sock] = shake
        if not sock.setSocketDescriptor(handle):
            socket.close(handle)
            self._drop(shake, sock.errorString())
            return
        sock.setSslConfiguration(self.configuration)
        sock.startServerEncryption()

    def _shake_of_sender(self) -> tuple[QSslSocket, Handshake] | None:
        sock = self.sender()
        if not isinstance(sock, QSslSocket):
            return None
        shake = self._running.get(sock)
        return None if shake is None else (sock, shake)

    @Slot()
    def _on_encrypted(self) -> None:
        found = self._shake_of_sender()
        if found is not None and self._end(found[1]):
            self._server.tls_established(*found)

    @Slot(QAbstractSocket.SocketError)
    def _on_error(self, error: QAbstractSocket.SocketError) -> None:
        found = self._shake_of_sender()
        if found is not None:
            self._drop(found[1], found[0].errorString() or error.name)

    @Slot()
    def _on_disconnected(self) -> None:
        found = self._shake_of_sender()
        if found is not None:
            self._drop(found[1], "the client closed the connection")

    def _arm(self, deadline: float) -> None:
        self._timer.start(max(0, int((deadline - _now()) * 1000)) + 1)

    @Slot()
    def _on_timer(self) -> None:
        now = _now()
        deadlines = self._deadlines
        while deadlines:
            shake = deadlines[0]
            if shake.ended:
                deadlines.popleft()
            elif shake.deadline > now:  # early (a coarse timer may be): wait for the rest
                self._arm(shake.deadline)
                return
            else:
                deadlines.popleft()
                self._drop(shake, "timed out")

    def abort_all(self) -> None:
        """The server stops: every handshake in progress ends now."""
        self._timer.stop()
        for shake in list(self._deadlines):
            self._drop(shake, "the server is stopping")
        self._deadlines.clear()

    def _end(self, shake: Handshake) -> bool:
        """No longer ours: counted handshake released, our slots off. False if it was not."""
        if shake.ended:
            return False
        shake.ended = True
        self._server.guard.end_handshake(shake.key)
        self._unwatch(shake)
        sock = shake.sock
        if sock is not None:
            self._running.pop(sock, None)
            sock.encrypted.disconnect(self._on_encrypted)
            sock.errorOccurred.disconnect(self._on_error)
            sock.disconnected.disconnect(self._on_disconnected)
            shake.sock = None
        return True

    def _unwatch(self, shake: Handshake) -> bool:
        """The poller stops watching ``shake``'s raw socket (before it closes or changes
        hands). False if it was not watching."""
        if shake not in self._quiet or shake.raw is None:
            return False
        self._quiet.discard(shake)
        self._server.poller.unregister(shake.raw.fileno())
        return True

    def _drop(self, shake: Handshake, why: str) -> None:
        sock, raw = shake.sock, shake.raw
        if not self._end(shake):
            return
        log.info("TLS handshake with %s failed: %s", shake.host, why)
        if shake.refusal is None:
            self._server.guard.release(shake.key)
        if raw is not None:
            raw.close()
            shake.raw = None
        if sock is not None:
            sock.abort()
            sock.deleteLater()


class _FirstBytes:
    """What the poller tells when a quiet handshake's socket becomes readable."""

    __slots__ = ("handshakes", "shake")

    def __init__(self, handshakes: Handshakes, shake: Handshake) -> None:
        self.handshakes = handshakes
        self.shake = shake

    def on_readable(self) -> None:
        self.handshakes.first_bytes(self.shake)

    def on_writable(self) -> None:  # never asked for
        pass
