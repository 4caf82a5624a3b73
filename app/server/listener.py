"""The Qt shell around the server core: QTcpServer, one small Peer per QTcpSocket, timers.

Signals:
    client_connected(int, str): a connection (id, address) opened.
    stopped(): after :meth:`ChatServer.stop`, every socket is closed.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QAbstractSocket, QHostAddress, QHostInfo, QTcpServer, QTcpSocket

from app.server.config import ServerConfig
from app.server.core import ServerCore
from app.server.peer import Peer

log = logging.getLogger("chatbox.server")

TICK_MS = 500
CLOSE_GRACE_S = 5.0
STOP_GRACE_MS = 2000


class ListenError(Exception):
    """The server could not listen; the message says why in words."""


_now = time.monotonic


def display_host(address: QHostAddress) -> str:
    """An address as it appears in ``nick!user@host``: IPv4 for mapped addresses, and IPv6
    never starting with ``:`` (which would read as a trailing parameter)."""
    text = address.toString()
    if text.startswith("::ffff:") and "." in text:
        text = text[7:]
    elif text.startswith(":"):
        text = "0" + text
    return text.partition("%")[0]


class ChatServer(QObject):
    """Listens and moves bytes between sockets and a :class:`ServerCore`."""

    client_connected = Signal(int, str)
    stopped = Signal()

    def __init__(self, config: ServerConfig, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.core = ServerCore(config)
        self._tcp = QTcpServer(self)
        self._tcp.newConnection.connect(self._on_new_connection)
        self._peers: dict[QTcpSocket, Peer] = {}
        self._waiting: dict[Peer, float] = {}
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._flood_timer = QTimer(self)
        self._flood_timer.setSingleShot(True)
        self._flood_timer.timeout.connect(self._on_flood_timer)
        self._stopped = False
        self._dirty: list[Peer] = []
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self._on_flush_timer)

    # ---------------------------------------------------------------- listening
    def listen(self, host: str | None, port: int) -> tuple[str, int]:
        """Listen on ``host`` (None: every IPv6 and IPv4 address) and ``port`` (0: any free).

        Returns the address and port as shown to people. Raises :class:`ListenError`.
        """
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
        ok = self._tcp.listen(address, port)
        if not ok and host is None:  # no IPv6 on this machine: IPv4 only
            address = QHostAddress(QHostAddress.SpecialAddress.AnyIPv4)
            ok = self._tcp.listen(address, port)
        if not ok:
            error = self._tcp.serverError()
            if error == QAbstractSocket.SocketError.AddressInUseError:
                raise ListenError(f"port {port} is already in use on {shown}")
            if error == QAbstractSocket.SocketError.SocketAccessError:
                raise ListenError(f"no permission to listen on port {port} ({shown})")
            raise ListenError(f"cannot listen on {shown}:{port}: {self._tcp.errorString()}")
        self._tick.start()
        bound = self._tcp.serverPort()
        if ":" in shown:
            shown = f"[{shown}]"
        return shown, bound

    @property
    def port(self) -> int:
        return self._tcp.serverPort()

    # ---------------------------------------------------------------- sockets
    @Slot()
    def _on_new_connection(self) -> None:
        while self._tcp.hasPendingConnections():
            sock = self._tcp.nextPendingConnection()
            if self._stopped:
                sock.abort()
                sock.deleteLater()
                continue
            sock.setSocketOption(QAbstractSocket.SocketOption.LowDelayOption, 1)
            peer = Peer(sock, self._dirty, self._flush_timer.start)
            self._peers[sock] = peer
            sock.readyRead.connect(self._on_ready_read)
            sock.disconnected.connect(self._on_disconnected)
            host = display_host(sock.peerAddress())
            peer.client = self.core.connect(host, peer.write, peer.close)
            self.client_connected.emit(peer.client.id, host)
            if sock.bytesAvailable():
                self._read(peer)

    @Slot()
    def _on_ready_read(self) -> None:
        peer = self._peers.get(self.sender())  # type: ignore[call-overload]
        if peer is not None:
            self._read(peer)

    def _read(self, peer: Peer) -> None:
        client = peer.client
        if client is None:
            return
        data = bytes(peer.sock.readAll().data())
        if data:
            delay = self.core.receive(client, data)
            if delay is not None:
                self._schedule(peer, delay)

    @Slot()
    def _on_disconnected(self) -> None:
        sock = self.sender()
        peer = self._peers.pop(sock, None)  # type: ignore[call-overload]
        if peer is None:
            return
        self._waiting.pop(peer, None)
        peer.fd = -1
        peer.pending = None
        if peer.client is not None:
            reason = "Connection closed"
            if peer.sock.error() == QAbstractSocket.SocketError.RemoteHostClosedError:
                reason = "Remote host closed the connection"
            elif peer.sock.error() != QAbstractSocket.SocketError.UnknownSocketError:
                reason = peer.sock.errorString()
            self.core.connection_lost(peer.client, reason)
        peer.sock.deleteLater()
        if self._stopped and not self._peers:
            self.stopped.emit()

    @Slot()
    def _on_flush_timer(self) -> None:
        dirty = self._dirty
        while dirty:  # flushing never queues more, but stay safe if it ever did
            batch = dirty[:]
            dirty.clear()
            for peer in batch:
                peer.flush()

    # ---------------------------------------------------------------- flood control
    def _schedule(self, peer: Peer, delay: float) -> None:
        self._waiting[peer] = _now() + delay
        soonest = min(self._waiting.values())
        self._flood_timer.start(max(0, int((soonest - _now()) * 1000) + 1))

    @Slot()
    def _on_flood_timer(self) -> None:
        now = _now()
        due = [p for p, at in self._waiting.items() if at <= now]
        for peer in due:
            del self._waiting[peer]
            if peer.client is not None:
                delay = self.core.process(peer.client)
                if delay is not None:
                    self._waiting[peer] = _now() + delay
        if self._waiting:
            soonest = min(self._waiting.values())
            self._flood_timer.start(max(0, int((soonest - _now()) * 1000) + 1))

    # ---------------------------------------------------------------- housekeeping
    @Slot()
    def _on_tick(self) -> None:
        self.core.tick()
        sendq = self.core.config.sendq
        now = _now()
        for peer in list(self._peers.values()):
            client = peer.client
            if client is None:
                continue
            if peer.closing_since is not None:
                if now - peer.closing_since > CLOSE_GRACE_S:
                    peer.sock.abort()
            elif peer.backlog and peer.queued_bytes() > sendq:
                log.info("#%d %s: SendQ exceeded", client.id, client.nick)
                self.core.quit(client, "SendQ exceeded", error=None)
                peer.close(abort=True)

    def stop(self, reason: str = "Server shutting down") -> None:
        """Stop listening, send every client ``ERROR :reason`` and close the sockets."""
        self._stopped = True
        self._tcp.close()
        self._tick.stop()
        self._flood_timer.stop()
        self.core.shutdown(reason)
        self._on_flush_timer()
        for peer in list(self._peers.values()):
            peer.sock.flush()
        if not self._peers:
            QTimer.singleShot(0, self.stopped.emit)
        else:
            QTimer.singleShot(STOP_GRACE_MS, self._abort_all)

    @Slot()
    def _abort_all(self) -> None:
        for peer in list(self._peers.values()):
            peer.sock.abort()

    @property
    def connection_count(self) -> int:
        return len(self._peers)
