"""The Qt shell around the server core: QTcpServer accepts, one small Peer per connection
(app/server/peer.py), timers for housekeeping, flood control and write batching.

Signals:
    client_connected(int, str): a connection (id, address) opened.
    stopped(): after :meth:`ChatServer.stop`, every socket is closed.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import (
    QAbstractSocket,
    QHostAddress,
    QHostInfo,
    QSsl,
    QSslCertificate,
    QSslConfiguration,
    QSslKey,
    QSslServer,
    QSslSocket,
    QTcpServer,
    QTcpSocket,
)

from app.server.certs import TlsMaterial
from app.server.config import ServerConfig
from app.server.core import ServerCore
from app.server.peer import Peer
from app.server.tls_peer import TlsPeer

log = logging.getLogger("chatbox.server")

TICK_MS = 500
CLOSE_GRACE_S = 5.0
STOP_GRACE_MS = 2000
HANDSHAKE_TIMEOUT_MS = 10_000  # a TLS client that never finishes its handshake is dropped


class ListenError(Exception):
    """The server could not listen; the message says why in words."""


_now = time.monotonic


def display_host(address: str) -> str:
    """An address as it appears in ``nick!user@host``: IPv4 for mapped addresses, and IPv6
    never starting with ``:`` (which would read as a trailing parameter)."""
    if address.startswith("::ffff:") and "." in address:
        address = address[7:]
    elif address.startswith(":"):
        address = "0" + address
    return address.partition("%")[0]


class _Acceptor(QTcpServer):
    """QTcpServer that hands each accepted descriptor to the ChatServer (no QTcpSocket)."""

    def __init__(self, owner: ChatServer) -> None:
        super().__init__(owner)
        self._owner = owner

    def incomingConnection(self, handle: int) -> None:  # Qt override
        self._owner.accept(handle)


class ChatServer(QObject):
    """Listens and moves bytes between sockets and a :class:`ServerCore`."""

    client_connected = Signal(int, str)
    stopped = Signal()

    def __init__(self, config: ServerConfig, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.core = ServerCore(config)
        self.core.history.autocommit = False  # one commit per loop turn: _on_flush_timer
        self._tcp = _Acceptor(self)
        self._tls: QSslServer | None = None
        self.tls: TlsMaterial | None = None
        self.handshake_timeout_ms = HANDSHAKE_TIMEOUT_MS
        self._peers: dict[int, Peer | TlsPeer] = {}
        self._waiting: dict[Peer | TlsPeer, float] = {}
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._flood_timer = QTimer(self)
        self._flood_timer.setSingleShot(True)
        self._flood_timer.timeout.connect(self._on_flood_timer)
        self._stopped = False
        self._dirty: list[Peer | TlsPeer] = []
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self._on_flush_timer)

    # ---------------------------------------------------------------- listening
    def listen(self, host: str | None, port: int) -> tuple[str, int]:
        """Listen on ``host`` (None: every IPv6 and IPv4 address) and ``port`` (0: any free).

        Returns the address and port as shown to people. Raises :class:`ListenError`.
        """
        return self._listen(self._tcp, host, port)

    def listen_tls(self, host: str | None, port: int, material: TlsMaterial) -> tuple[str, int]:
        """Listen for TLS connections too (or only), with this certificate and key."""
        config = QSslConfiguration.defaultConfiguration()
        certificate = QSslCertificate(material.cert_pem, QSsl.EncodingFormat.Pem)
        algorithm = QSsl.KeyAlgorithm.Rsa if material.key_kind == "rsa" else QSsl.KeyAlgorithm.Ec
        key = QSslKey(material.key_pem, algorithm, QSsl.EncodingFormat.Pem)
        if certificate.isNull() or key.isNull():
            raise ListenError("Qt's TLS backend cannot read the certificate or its key")
        config.setLocalCertificate(certificate)
        config.setPrivateKey(key)
        config.setPeerVerifyMode(QSslSocket.PeerVerifyMode.VerifyNone)  # no client certificates
        config.setProtocol(QSsl.SslProtocol.TlsV1_2OrLater)
        server = QSslServer(self)
        server.setSslConfiguration(config)
        server.setHandshakeTimeout(self.handshake_timeout_ms)
        server.pendingConnectionAvailable.connect(self._on_tls_ready)
        server.errorOccurred.connect(self._on_tls_error)
        self._tls, self.tls = server, material
        return self._listen(server, host, port)

    def _listen(self, server: QTcpServer, host: str | None, port: int) -> tuple[str, int]:
        if not QSslSocket.supportsSsl() and isinstance(server, QSslServer):
            raise ListenError("TLS is not available: Qt found no OpenSSL 3 library")
        if host is None:
            address = QHostAddress(QHostAddress.SpecialAddress.Any)
            shown = "0.0.0.0"
        else:
            address = QHostAddress(host)
            if address.isNull():
                info = QHostInfo.fromName(host)
                if not info.addresses():
                    raise ListenError(f"cannot listen on {host}: host not found")
                address = info.addresses()[0]
            shown = host
        ok = server.listen(address, port)
        if not ok and host is None:  # no IPv6 on this machine: IPv4 only
            address = QHostAddress(QHostAddress.SpecialAddress.AnyIPv4)
            ok = server.listen(address, port)
        if not ok:
            error = server.serverError()
            if error == QAbstractSocket.SocketError.AddressInUseError:
                raise ListenError(f"port {port} is already in use on {shown}")
            if error == QAbstractSocket.SocketError.SocketAccessError:
                raise ListenError(f"no permission to listen on port {port} ({shown})")
            raise ListenError(f"cannot listen on {shown}:{port}: {server.errorString()}")
        self._tick.start()
        bound = server.serverPort()
        if ":" in shown:
            shown = f"[{shown}]"
        return shown, bound

    @property
    def port(self) -> int:
        """The plain port (0: not listening for plain connections)."""
        return self._tcp.serverPort() if self._tcp.isListening() else 0

    @property
    def address(self) -> str:
        """The address listened on: ``0.0.0.0`` for every interface, "" when not listening."""
        for server in (self._tcp, self._tls):
            if server is not None and server.isListening():
                return server.serverAddress().toString()
        return ""

    @property
    def tls_port(self) -> int:
        return self._tls.serverPort() if self._tls is not None and self._tls.isListening() else 0

    # ---------------------------------------------------------------- sockets
    def accept(self, handle: int) -> None:
        """A new connection's descriptor, from the acceptor."""
        sock = socket.socket(fileno=handle)
        if self._stopped:
            sock.close()
            return
        sock.setblocking(False)
        with contextlib.suppress(OSError):  # not TCP in some test rigs
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            host = display_host(sock.getpeername()[0])
        except OSError:  # already gone
            sock.close()
            return
        peer = Peer(self, sock)
        self._peers[peer.fd] = peer
        peer.client = self.core.connect(host, peer.write, peer.close)
        self.client_connected.emit(peer.client.id, host)

    @Slot()
    def _on_tls_ready(self) -> None:
        """Connections whose TLS handshake is done."""
        assert self._tls is not None
        while self._tls.hasPendingConnections():
            sock = self._tls.nextPendingConnection()
            if not isinstance(sock, QSslSocket):
                continue
            if self._stopped:
                sock.abort()
                sock.deleteLater()
                continue
            host = display_host(sock.peerAddress().toString())
            peer = TlsPeer(self, sock)
            self._peers[peer.fd] = peer
            peer.client = self.core.connect(host, peer.write, peer.close, secure=True)
            log.info("#%d: %s", peer.client.id, peer.protocol)
            self.client_connected.emit(peer.client.id, host)

    @Slot(QTcpSocket, QAbstractSocket.SocketError)
    def _on_tls_error(self, sock: QTcpSocket, error: QAbstractSocket.SocketError) -> None:
        """A handshake failed or timed out: QSslServer drops that socket; we say why."""
        log.info("TLS handshake with %s failed: %s", sock.peerAddress().toString(),
                 sock.errorString() or error.name)

    def received(self, peer: Peer | TlsPeer, data: bytes) -> None:
        """Bytes from ``peer``: to the core, and flood control's timer if it held lines back."""
        assert peer.client is not None
        delay = self.core.receive(peer.client, data)
        if delay is not None and peer.open:
            self._schedule(peer, delay)
        self._commit_soon()

    def mark_dirty(self, peer: Peer | TlsPeer) -> None:
        """``peer`` has bytes to send: flush it at the end of this event-loop turn."""
        if not self._dirty:
            self._flush_timer.start()
        self._dirty.append(peer)

    def sendq_exceeded(self, peer: Peer | TlsPeer) -> None:
        client = peer.client
        assert client is not None
        log.info("#%d %s: SendQ exceeded", client.id, client.nick)
        self.core.quit(client, "SendQ exceeded", error=None)
        peer.close(abort=True)

    def forget(self, peer: Peer | TlsPeer) -> None:
        """``peer``'s socket is closing: drop every reference to it."""
        self._peers.pop(peer.fd, None)
        self._waiting.pop(peer, None)
        if self._stopped and not self._peers:
            QTimer.singleShot(0, self, self.stopped.emit)  # cancelled with us

    @Slot()
    def _on_flush_timer(self) -> None:
        self.core.history.commit()  # before any echo leaves: acknowledged means stored
        dirty = self._dirty
        while dirty:  # flushing can close a peer, which never queues more; stay safe anyway
            batch = dirty[:]
            dirty.clear()
            for peer in batch:
                peer.flush()

    # ---------------------------------------------------------------- flood control
    def _schedule(self, peer: Peer | TlsPeer, delay: float) -> None:
        self._waiting[peer] = _now() + delay
        self._arm_flood_timer()

    def _arm_flood_timer(self) -> None:
        """Wake up when the first held-back client may go on."""
        if self._waiting:
            soonest = min(self._waiting.values())
            self._flood_timer.start(max(0, int((soonest - _now()) * 1000) + 1))

    @Slot()
    def _on_flood_timer(self) -> None:
        now = _now()
        due = [p for p, at in self._waiting.items() if at <= now]
        for peer in due:
            del self._waiting[peer]
            if peer.client is not None and peer.open:
                delay = self.core.process(peer.client)
                if delay is not None and peer.open:
                    self._waiting[peer] = _now() + delay
        self._arm_flood_timer()
        self._commit_soon()

    def _commit_soon(self) -> None:
        """History written in this turn is committed at its end, with nothing else to send."""
        if self.core.history.pending and not self._flush_timer.isActive():
            self._flush_timer.start()

    # ---------------------------------------------------------------- housekeeping
    @Slot()
    def _on_tick(self) -> None:
        self.core.tick()
        now = _now()
        for peer in list(self._peers.values()):
            if peer.closing_since is not None and now - peer.closing_since > CLOSE_GRACE_S:
                peer.close(abort=True)

    def stop(self, reason: str = "Server shutting down") -> None:
        """Stop listening, send every client ``ERROR :reason`` and close the sockets;
        ``stopped`` follows once every socket is closed (at most STOP_GRACE_MS later)."""
        self._stopped = True
        self._tcp.close()
        if self._tls is not None:
            self._tls.close()
        self._tick.stop()
        self._flood_timer.stop()
        self.core.shutdown(reason)
        self._on_flush_timer()
        if not self._peers:
            QTimer.singleShot(0, self, self.stopped.emit)  # cancelled with us
        else:
            QTimer.singleShot(STOP_GRACE_MS, self, self._abort_all)

    @Slot()
    def _abort_all(self) -> None:
        for peer in list(self._peers.values()):
            peer.close(abort=True)

    @property
    def connection_count(self) -> int:
        return len(self._peers)
