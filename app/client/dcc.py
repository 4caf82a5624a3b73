"""DCC SEND on the Qt event loop: offering files, receiving them, passive (reverse) DCC for
a receiver behind NAT, and RESUME of a broken transfer.

A :class:`DccManager` belongs to a session: it sends its CTCPs through ``send_ctcp(nick,
text)`` and advertises the local address of the IRC link (``local_host()``). Each transfer
is a :class:`Transfer` (in ``transfer.py``) with its progress; nothing is accepted without
a call to :meth:`DccManager.accept` (the user said yes and chose where to save).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QAbstractSocket, QHostAddress, QTcpServer, QTcpSocket

from app.client.transfer import Transfer
from app.protocol.dcc import (
    DccError,
    DccResume,
    DccSend,
    ack,
    acked,
    format_resume,
    format_send,
    parse,
    safe_name,
)

# Re-exported: the UI and the tests import these from here.
log = logging.getLogger("chatbox.dcc")

CHUNK = 64 * 1024
IN_FLIGHT = 1024 * 1024  # bytes handed to the socket but not yet sent
ANSWER_TIMEOUT_MS = 300_000  # an offer nobody takes up ends after five minutes


class DccManager(QObject):
    """Signals: offer_received(Transfer): someone offers a file (ask the user);
    transfer_added(Transfer): a transfer to show (offered, or sent by us)."""

    offer_received = Signal(object)
    transfer_added = Signal(object)

    def __init__(
        self,
        send_ctcp: Callable[..., None],
        local_host: Callable[[], str],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._send_ctcp = send_ctcp
        self._local_host = local_host
        self.transfers: list[Transfer] = []
        self.max_size = 4 * 1024**3  # offers above this are refused with a word why
        self.listen_host = ""  # "" listens where the IRC link is; tests may pin it

    # ---------------------------------------------------------------- sending
    def send_file(self, nick: str, path: Path, *, passive: bool = False) -> Transfer:
        """Offer ``path`` to ``nick`` (passive: they listen, we connect)."""
        size = path.stat().st_size
        name = safe_name(path.name)
        host = self._local_host()
        if passive:
            # A decimal token: irssi reads it with atoi() into a C int (a hex one became 0
            # or its leading digits, and irssi's answer matched no offer).
            offer = DccSend(name, host, 0, size, str(secrets.randbelow(2**31 - 1) + 1))
            transfer = Transfer("send", nick, offer, path)
        else:
            server = QTcpServer(self)
            if not server.listen(QHostAddress(self.listen_host or host), 0):
                raise OSError(f"cannot listen for the transfer: {server.errorString()}")
            offer = DccSend(name, host, server.serverPort(), size)
            transfer = Transfer("send", nick, offer, path)
            transfer.server = server
            server.newConnection.connect(lambda t=transfer: self._sender_connected(t))
        self._add(transfer)
        self._send_ctcp(nick, format_send(offer))
        self._expire_after(transfer, ANSWER_TIMEOUT_MS, "nobody took the file")
        log.info("offered %s (%d bytes) to %s%s", name, size, nick, " (passive)" * passive)
        return transfer

    def _sender_connected(self, transfer: Transfer) -> None:
        server = transfer.server
        assert server is not None
        sock = server.nextPendingConnection()
        server.close()  # one receiver per offer
        if transfer.state != "waiting":
            sock.abort()
            return
        self._start_sending(transfer, sock)

    def _start_sending(self, transfer: Transfer, sock: QTcpSocket) -> None:
        transfer.expiry.stop()
        transfer.sock = sock
        sock.setParent(transfer)
        assert transfer.path is not None
        try:
            handle = transfer.path.open("rb")
        except OSError as exc:
            self._fail(transfer, f"cannot read the file: {exc.strerror}")
            return
        handle.seek(transfer.start_at)
        transfer.file = handle
        transfer.done = transfer.start_at
        transfer.state, transfer.started = "transferring", time.monotonic()
        sock.bytesWritten.connect(lambda _n, t=transfer: self._pump(t))
        sock.readyRead.connect(lambda t=transfer: self._read_acks(t))
        sock.disconnected.connect(lambda t=transfer: self._peer_closed(t))
        self._pump(transfer)

    def _pump(self, transfer: Transfer) -> None:
        """Keep up to IN_FLIGHT bytes handed to the socket; read the file as it drains."""
        sock, handle = transfer.sock, transfer.file
        if sock is None or handle is None or transfer.state != "transferring":
            return
        while sock.bytesToWrite() < IN_FLIGHT and transfer.done < transfer.size:
            data = handle.read(CHUNK)
            if not data:
                break
            sock.write(data)
            transfer.done += len(data)
        transfer.progress()

    def _read_acks(self, transfer: Transfer) -> None:
        sock = transfer.sock
        if sock is None:
            return
        buffer = transfer.partial_ack + bytes(sock.readAll().data())
        whole = len(buffer) - len(buffer) % 4  # an ack may arrive in two pieces
        got = acked(buffer[:whole])
        transfer.partial_ack = buffer[whole:]
        if got is not None and transfer.done >= transfer.size and got == transfer.size & 0xFFFFFFFF:
            self._finish(transfer)  # all of it arrived

    # ---------------------------------------------------------------- receiving
    def handle_ctcp(self, nick: str, body: str) -> None:
        """A CTCP DCC from ``nick`` (``body`` without the word DCC)."""
        if body.upper().startswith("REJECT"):
            self._rejected(nick, body)
            return
        try:
            message = parse(body)
        except DccError as exc:
            log.info("DCC from %s ignored: %s", nick, exc)
            return
        if isinstance(message, DccResume):
            if message.command == "RESUME":
                self._resume_asked(nick, message)
            else:
                self._resume_accepted(nick, message)
            return
        if message.token and message.port:  # the answer to our passive offer
            transfer = self._find("send", nick, token=message.token)
            if transfer is not None and transfer.state == "waiting":
                sock = QTcpSocket(transfer)
                sock.connected.connect(lambda t=transfer, s=sock: self._start_sending(t, s))
                sock.errorOccurred.connect(lambda _e, t=transfer, s=sock: self._socket_error(t, s))
                sock.connectToHost(message.host, message.port)
            return
        transfer = Transfer("receive", nick, message, None)
        if message.size > self.max_size:
            self._add(transfer)
            self._end(transfer, "refused", f"larger than the {self.max_size:,} bytes allowed")
            self._send_ctcp(nick, f"\x01DCC REJECT SEND {message.filename}\x01", notice=True)
            return
        self._add(transfer)
        self._expire_after(transfer, ANSWER_TIMEOUT_MS, "the offer expired")
        self.offer_received.emit(transfer)

    def accept(self, transfer: Transfer, path: Path, *, resume: bool = False) -> None:
        """Take the offered file into ``path`` (the user chose it); ``resume`` continues a
        partial file there instead of starting again."""
        if transfer.state != "offered":
            return
        transfer.path = path
        have = path.stat().st_size if resume and path.exists() else 0
        transfer.state = "waiting"
        if 0 < have < transfer.size:
            transfer.start_at = have
            offer = transfer.offer
            self._send_ctcp(
                transfer.nick,
                format_resume(DccResume("RESUME", offer.filename, offer.port, have, offer.token)),
            )
            transfer.changed.emit()
            return
        self._connect_receiver(transfer)

    def reject(self, transfer: Transfer) -> None:
        if transfer.state == "offered":
            self._send_ctcp(transfer.nick, f"\x01DCC REJECT SEND {transfer.name}\x01",
                            notice=True)  # a CTCP reply: irssi reads REJECT in a NOTICE only
            self._end(transfer, "refused", "you declined it")

    def cancel(self, transfer: Transfer) -> None:
        if transfer.active:
            self._end(transfer, "cancelled", "cancelled")

    def _connect_receiver(self, transfer: Transfer) -> None:
        assert transfer.path is not None
        try:
            handle = transfer.path.open("ab" if transfer.start_at else "wb")
            if transfer.start_at:
                handle.truncate(transfer.start_at)
        except OSError as exc:
            self._fail(transfer, f"cannot write {transfer.path}: {exc.strerror}")
            return
        transfer.file = handle
        transfer.done = transfer.start_at
        offer = transfer.offer
        if offer.passive:  # we listen, and tell them where
            server = QTcpServer(transfer)
            host = self._local_host()
            if not server.listen(QHostAddress(self.listen_host or host), 0):
                self._fail(transfer, f"cannot listen: {server.errorString()}")
                return
            transfer.server = server
            server.newConnection.connect(lambda t=transfer: self._receiver_connected(t))
            answer = DccSend(offer.filename, host, server.serverPort(), offer.size, offer.token)
            self._send_ctcp(transfer.nick, format_send(answer))
            return
        sock = QTcpSocket(transfer)
        sock.connected.connect(lambda t=transfer, s=sock: self._start_receiving(t, s))
        sock.errorOccurred.connect(lambda _e, t=transfer, s=sock: self._socket_error(t, s))
        sock.connectToHost(offer.host, offer.port)

    def _receiver_connected(self, transfer: Transfer) -> None:
        server = transfer.server
        assert server is not None
        sock = server.nextPendingConnection()
        server.close()
        self._start_receiving(transfer, sock)

    def _start_receiving(self, transfer: Transfer, sock: QTcpSocket) -> None:
        transfer.expiry.stop()
        transfer.sock = sock
        sock.setParent(transfer)
        transfer.state, transfer.started = "transferring", time.monotonic()
        sock.readyRead.connect(lambda t=transfer: self._received(t))
        sock.disconnected.connect(lambda t=transfer: self._peer_closed(t))
        transfer.changed.emit()
        self._received(transfer)

    def _received(self, transfer: Transfer) -> None:
        sock, handle = transfer.sock, transfer.file
        if sock is None or handle is None or transfer.state != "transferring":
            return
        data = bytes(sock.readAll().data())
        if not data:
            return
        room = transfer.size - transfer.done if transfer.size >= 0 else len(data)
        handle.write(data[:room])
        transfer.done += min(len(data), room)
        sock.write(ack(transfer.done))
        transfer.progress()
        if transfer.size >= 0 and transfer.done >= transfer.size:
            sock.flush()
            self._finish(transfer)

    # ---------------------------------------------------------------- resume
    def _resume_asked(self, nick: str, message: DccResume) -> None:
        transfer = self._find("send", nick, port=message.port, token=message.token)
        if transfer is None or transfer.state != "waiting" or message.position >= transfer.size:
            return
        transfer.start_at = message.position
        self._send_ctcp(nick, format_resume(DccResume("ACCEPT", message.filename, message.port,
                                                      message.position, message.token)))
        log.info("%s resumes %s at %d", nick, transfer.name, message.position)

    def _resume_accepted(self, nick: str, message: DccResume) -> None:
        transfer = self._find("receive", nick, port=message.port, token=message.token)
        if transfer is None or transfer.state != "waiting":
            return
        transfer.start_at = message.position
        self._connect_receiver(transfer)

    def _rejected(self, nick: str, body: str) -> None:
        words = body.split(None, 2)  # REJECT SEND <file name>
        name = words[2].strip('"') if len(words) > 2 else ""
        for transfer in self.transfers:
            ours = transfer.direction == "send" and transfer.nick.lower() == nick.lower()
            if ours and transfer.state == "waiting" and name in ("", transfer.name):
                self._end(transfer, "refused", f"{nick} declined it")
                return

    # ---------------------------------------------------------------- endings
    def _peer_closed(self, transfer: Transfer) -> None:
        if transfer.state != "transferring":
            return
        if transfer.direction == "send" and transfer.done >= transfer.size:
            self._finish(transfer)  # all sent; some clients close without a last ack
        else:
            self._fail(transfer, f"{transfer.nick} stopped the transfer")

    def _socket_error(self, transfer: Transfer, sock: QTcpSocket) -> None:
        if transfer.state in ("waiting", "transferring") and sock.error() != (
            QAbstractSocket.SocketError.RemoteHostClosedError
        ):
            self._fail(transfer, f"cannot reach {transfer.nick}: {sock.errorString()}")

    def _finish(self, transfer: Transfer) -> None:
        self._end(transfer, "done", "")
        log.info("%s %s: done, %d bytes", transfer.direction, transfer.name, transfer.done)

    def _fail(self, transfer: Transfer, reason: str) -> None:
        log.info("%s %s failed: %s", transfer.direction, transfer.name, reason)
        self._end(transfer, "failed", reason)

    def _end(self, transfer: Transfer, state: str, reason: str) -> None:
        if not transfer.active and transfer.state != "offered":
            return
        transfer.state, transfer.reason = state, reason
        transfer.expiry.stop()
        handle, transfer.file = transfer.file, None
        if handle is not None:
            handle.close()
        if transfer.server is not None:
            transfer.server.close()
        if transfer.sock is not None:
            sock = transfer.sock
            if state == "done":
                sock.disconnectFromHost()  # what is queued (the last ack) still goes
            else:
                sock.abort()
        transfer.progress(force=True)
        transfer.finished.emit()

    # ---------------------------------------------------------------- helpers
    def _add(self, transfer: Transfer) -> None:
        transfer.setParent(self)
        self.transfers.append(transfer)
        self.transfer_added.emit(transfer)

    def _find(
        self, direction: str, nick: str, *, port: int = -1, token: str = ""
    ) -> Transfer | None:
        for transfer in reversed(self.transfers):
            if transfer.direction != direction or transfer.nick.lower() != nick.lower():
                continue
            if token and transfer.offer.token == token:
                return transfer
            if not token and port >= 0 and transfer.offer.port == port:
                return transfer
        return None

    def _expire_after(self, transfer: Transfer, ms: int, reason: str) -> None:
        transfer.expiry.timeout.connect(lambda t=transfer: self._fail(t, reason)
                                        if t.state in ("offered", "waiting") else None)
        transfer.expiry.start(ms)

    def shutdown(self) -> None:
        for transfer in list(self.transfers):
            self.cancel(transfer)
