"""The Qt shell around the server core: QTcpServer accepts, one small Peer per connection
(app/server/peer.py) watched by one poller (app/server/poller.py), timers for housekeeping,
flood control and write batching.

Both ports accept the same way: a descriptor, limited per address (app/server/guard.py);
on the TLS port it then becomes a QSslSocket whose handshake runs in app/server/handshakes.py.

Signals:
    client_connected(int, str): a connection (id, address) opened.
    stopped(): after :meth:`ChatServer.stop`, every socket is closed.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import socket
import time

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import (
    QAbstractSocket,
    QHostAddress,
    QHostInfo,
    QSsl,
    QSslCertificate,
    QSslConfiguration,
    QSslKey,
    QSslSocket,
    QTcpServer,
)

from app.server.certs import TlsMaterial
from app.server.config import ServerConfig
from app.server.core import ServerCore
from app.server.guard import AddressGuard
from app.server.handshakes import Handshake, Handshakes
from app.server.peer import Peer, refuse
from app.server.poller import Poller, make_poller
from app.server.tls_peer import TlsPeer

log = logging.getLogger("chatbox.server")

TICK_MS = 500
CLOSE_GRACE_S = 5.0
STOP_GRACE_MS = 2000
HANDSHAKE_TIMEOUT_MS = 5_000  # a TLS client that never finishes its handshake is dropped
# The kernel's queue of connections not yet accepted (capped by net.core.somaxconn); Qt's
# default of 50 overflows when hundreds connect at once, and then SYNs are dropped.
LISTEN_BACKLOG = 1024


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
    """QTcpServer that hands each accepted descriptor to the ChatServer (no QTcpSocket).
    It never queues pending connections, so maxPendingConnections never stops accepting."""

    def __init__(self, owner: ChatServer, *, tls: bool = False) -> None:
        super().__init__(owner)
        self._owner = owner
        self.tls = tls
        self.family = socket.AddressFamily.AF_INET6  # of the listening socket: _listen sets it
        self.setListenBacklogSize(LISTEN_BACKLOG)

    def incomingConnection(self, handle: int) -> None:  # Qt override
        self._owner.accept(handle, self.family, tls=self.tls)


class ChatServer(QObject):
    """Listens and moves bytes between sockets and a :class:`ServerCore`."""

    client_connected = Signal(int, str)
    stopped = Signal()

    def __init__(
        self, config: ServerConfig, parent: QObject | None = None, *, epoll: bool | None = None
    ) -> None:
        """``epoll``: watch plain connections with one epoll set (None: where there is one,
        False: a QSocketNotifier per connection, as on macOS and Windows)."""
        super().__init__(parent)
        self.core = ServerCore(config)
        self.core.history.autocommit = False  # one commit per loop turn: _on_flush_timer
        self._tcp = _Acceptor(self)
        self._tls: _Acceptor | None = None
        self._handshakes: Handshakes | None = None
        self.tls: TlsMaterial | None = None
        self.handshake_timeout_ms = HANDSHAKE_TIMEOUT_MS
        self.guard = AddressGuard(
            max_connections=config.max_connections_per_address,
            rate=config.connection_rate,
            window=config.connection_rate_window,
            max_handshakes=config.max_tls_handshakes_per_address,
            exempt=config.exempt,
        )
        self._peers: dict[int, Peer | TlsPeer] = {}
        self._closing: set[Peer | TlsPeer] = set()  # closing with bytes still to send
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
        self.poller: Poller = make_poller(self, self._on_poller_batch, epoll=epoll)

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
        if self._tls is None or self._handshakes is None:
            self._tls = _Acceptor(self, tls=True)
            self._handshakes = Handshakes(self)
        self._handshakes.configuration = config
        self.tls = material
        return self._listen(self._tls, host, port)

    def _listen(self, server: _Acceptor, host: str | None, port: int) -> tuple[str, int]:
        if server.tls and not QSslSocket.supportsSsl():
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
        server.family = _family_of(int(server.socketDescriptor()))
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
    def accept(self, handle: int, family: socket.AddressFamily, *, tls: bool = False) -> None:
        """A new connection's descriptor, from an acceptor listening on ``family`` (``tls``:
        the TLS port's). Given the family, type and protocol, Python asks the kernel for none."""
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, handle)
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
        key = self.guard.key(host)
        if tls and not self.guard.start_handshake(key):
            log.info("TLS connection from %s closed: too many unfinished handshakes", host)
            sock.close()
            return
        refusal = self.guard.admit(key)
        if refusal is not None:
            log.info("connection from %s refused: %s", host, refusal)
        if tls:
            assert self._handshakes is not None
            deadline = _now() + self.handshake_timeout_ms / 1000
            self._handshakes.start(sock, Handshake(host, key, refusal, deadline))
            return
        if refusal is not None:
            refuse(sock, refusal)
            return
        peer = Peer(self, sock)
        peer.key = key
        self._peers[peer.fd] = peer
        peer.client = self.core.connect(host, peer.write, peer.close)
        self.client_connected.emit(peer.client.id, host)

    def tls_established(self, sock: QSslSocket, shake: Handshake) -> None:
        """A connection whose TLS handshake is done, from the handshakes in progress."""
        peer = TlsPeer(self, sock)
        self._peers[peer.fd] = peer
        if shake.refusal is not None:  # now it can read why
            peer.write(f"ERROR :{shake.refusal}\r\n".encode())
            self._close_tls(peer, False)
            return
        peer.key = shake.key
        close = functools.partial(self._close_tls, peer)
        peer.client = self.core.connect(shake.host, peer.write, close, secure=True)
        log.info("#%d: %s", peer.client.id, peer.protocol)
        self.client_connected.emit(peer.client.id, shake.host)

    @property
    def handshakes_in_progress(self) -> int:
        return self._handshakes.in_progress if self._handshakes is not None else 0

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

    def _close_tls(self, peer: TlsPeer, abort: bool) -> None:
        """A TlsPeer closes through Qt, which tells us only when it is done: count it as
        closing if it is still open after being asked (see :meth:`close_started`)."""
        peer.close(abort)
        if peer.open:
            self.close_started(peer)

    def close_started(self, peer: Peer | TlsPeer) -> None:
        """``peer`` closes once what it has queued is out: aborted if that takes too long."""
        self._closing.add(peer)

    def sendq_exceeded(self, peer: Peer | TlsPeer) -> None:
        client = peer.client
        assert client is not None
        log.info("#%d %s: SendQ exceeded", client.id, client.nick)
        self.core.quit(client, "SendQ exceeded", error=None)
        peer.close(abort=True)

    def forget(self, peer: Peer | TlsPeer) -> None:
        """``peer``'s socket is closing: drop every reference to it."""
        self._peers.pop(peer.fd, None)
        self.guard.release(peer.key)
        peer.key = None
        self._waiting.pop(peer, None)
        self._closing.discard(peer)
        if self._stopped and not self._peers:
            QTimer.singleShot(0, self, self.stopped.emit)  # cancelled with us

    def _on_poller_batch(self) -> None:
        """The poller has handled a loop turn's worth of sockets: commit and send what they
        caused now, rather than on the flush timer's turn."""
        if self._dirty or self.core.history.pending:
            self._flush_timer.stop()
            self._on_flush_timer()

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
        self.guard.tick()
        now = _now()
        for peer in list(self._closing):
            if peer.closing_since is not None and now - peer.closing_since > CLOSE_GRACE_S:
                peer.close(abort=True)

    def stop(self, reason: str = "Server shutting down") -> None:
        """Stop listening, send every client ``ERROR :reason`` and close the sockets;
        ``stopped`` follows once every socket is closed (at most STOP_GRACE_MS later); then
        the event loop deletes a parentless server (the application owns it till then: the
        cycle collector must never free its sockets in the middle of another slot)."""
        if self._stopped:
            return
        self._stopped = True
        if self.parent() is None and (app := QCoreApplication.instance()) is not None:
            self.setParent(app)
            self.stopped.connect(self.deleteLater)
        self._tcp.close()
        if self._tls is not None:
            self._tls.close()
        if self._handshakes is not None:
            self._handshakes.abort_all()
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


def _family_of(fd: int) -> socket.AddressFamily:
    """The address family of a descriptor we do not own (the kernel says: getsockname)."""
    probe = socket.socket(fileno=fd)
    try:
        return probe.family
    finally:
        probe.detach()
