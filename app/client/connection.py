"""One IRC connection on a QTcpSocket: registration with CAP 302, PING, pacing, errors in words.

Signals:
    state_changed(str): "connecting", "registering", "connected" or "disconnected".
    registered(str): the server accepted us under this nick (001).
    message_received(object): every parsed :class:`Message` from the server, in order.
    nick_in_use(str): our nick was taken while registering; we try another.
    error_occurred(str): what went wrong, in words for a person.
    disconnected(str): the link is gone, with the reason in words.
    logged_in(str): SASL (or REGISTER) made us this account.
    certificate_problem(object): a TLS certificate we cannot trust by ourselves (a
        :class:`CertificateProblem`); the link is closed and the user decides.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QAbstractSocket, QSslError, QSslSocket

from app.client.certificates import CertificateProblem, fingerprint, problem_with
from app.client.login import LOGIN_COMMANDS, Account, Login
from app.client.pacing import PacedWriter
from app.client.socket_errors import SOCKET_ERRORS as SOCKET_ERRORS
from app.client.socket_errors import socket_error_text
from app.client.watchdog import Watchdog
from app.protocol.caps import WANTED_CAPS, CapNegotiation, fallback_nick
from app.protocol.errors import BufferOverflow, RemoteProtocolError
from app.protocol.framing import LineReader
from app.protocol.isupport import parse_isupport
from app.protocol.message import Message, format_line, parse
from app.protocol.serverinfo import ServerInfo

# Re-exported: the UI and the tests import these from here.
__all__ = ["Account", "CertificateProblem", "IrcConnection", "fingerprint"]

log = logging.getLogger("chatbox.client")

CONNECT_TIMEOUT_MS = 15_000
MAX_LINE = 16 * 1024  # a server line may carry 8191 bytes of tags plus 512


class IrcConnection(QObject):
    state_changed = Signal(str)
    registered = Signal(str)
    message_received = Signal(object)
    nick_in_use = Signal(str)
    error_occurred = Signal(str)
    disconnected = Signal(str)
    logged_in = Signal(str)
    certificate_problem = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.info = ServerInfo()
        self.nick = ""
        self.wanted_nick = ""  # the nick the user chose; ``nick`` may be a fallback (alice_)
        self._caps = CapNegotiation(WANTED_CAPS)
        self.caps: set[str] = self._caps.acked  # the same set, changed in place
        self.state = "disconnected"
        self.was_registered = False  # since the last connect_to()
        self.host = ""
        self.port = 0
        self._user = "chatbox"
        self._realname = "Chatbox user"
        self._password = ""
        self.tls = False
        self.trusted = ""  # the certificate fingerprint the user trusts for this server
        self._login = Login(
            lambda line: self.send(line, urgent=True), self._give_up, self.logged_in.emit
        )
        self._offered: dict[str, str] = self._caps.offered
        self._reader = LineReader(MAX_LINE)
        self._reason = ""
        self.connect_timeout_ms = CONNECT_TIMEOUT_MS
        self.watchdog = Watchdog(  # its idle_ping_s and dead_after_s are the link's timing
            lambda: self.state == "connected",
            lambda line: self.send(line, urgent=True),
            self._drop,
            self,
        )
        self._sock = QSslSocket(self)
        self._sock.connected.connect(self._on_tcp_connected)
        self._sock.encrypted.connect(self._on_connected)
        self._sock.sslErrors.connect(self._on_ssl_errors)
        self._sock.readyRead.connect(self._on_ready_read)
        self._sock.disconnected.connect(self._on_disconnected)
        self._sock.errorOccurred.connect(self._on_error)
        self._paced = PacedWriter(self._sock, self)
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(self._on_timeout)

    # ---------------------------------------------------------------- public
    def connect_to(
        self,
        host: str,
        port: int,
        nick: str,
        *,
        password: str = "",
        realname: str = "Chatbox user",
        user: str = "chatbox",
        tls: bool = False,
        trusted: str = "",
        account: Account | None = None,
    ) -> None:
        """Connect and register (over TLS, trusting the certificate with fingerprint
        ``trusted`` beyond the system's authorities; logging in to ``account``); progress
        comes back as signals."""
        self._sock.abort()
        self.host, self.port, self.nick = host, port, nick
        self.wanted_nick = nick
        self.tls, self.trusted = tls, trusted
        self._login.reset(account)
        self._password, self._realname, self._user = password, realname, user
        self.was_registered = False
        self._caps.reset()
        self._reader = LineReader(MAX_LINE)
        self._paced.clear()
        self._reason = ""
        self.watchdog.cancel_probe()
        self.info.reset()  # in place: the room and member models hold it
        self._set_state("connecting")
        self._timeout.start(self.connect_timeout_ms)
        if tls:
            self._sock.setPeerVerifyName(host)
            self._sock.connectToHostEncrypted(host, port)
        else:
            self._sock.connectToHost(host, port)

    def send(self, line: str, *, urgent: bool = False) -> None:
        """Send one raw line, paced by the token bucket unless ``urgent`` (PONG, QUIT)."""
        self._paced.send(line.encode() + b"\r\n", urgent=urgent)

    @property
    def offered(self) -> dict[str, str]:
        """The caps the server offered (CAP LS), name → value (draft/multiline's limits)."""
        return self._offered

    @property
    def user_left(self) -> bool:
        """The link went down because we said QUIT (not a failure to recover from)."""
        return self._reason == "You left."

    def reconnect(self) -> None:
        """Connect again with the same address, the nick the user chose, and password
        (``was_registered`` stays as it was: a failed retry is still a retry)."""
        registered_before = self.was_registered
        self.connect_to(
            self.host,
            self.port,
            self.wanted_nick or self.nick,
            password=self._password,
            realname=self._realname,
            user=self._user,
            tls=self.tls,
            trusted=self.trusted,
            account=Account(self.account.name, self.account.password) if self.account else None,
        )
        self.was_registered = registered_before

    @property
    def account(self) -> Account | None:
        """The account this connection logs in to (or creates), if any."""
        return self._login.account

    @account.setter
    def account(self, account: Account | None) -> None:
        self._login.account = account

    @property
    def logged_in_as(self) -> str:
        """The account SASL (or REGISTER) made us, "" if none."""
        return self._login.logged_in_as

    @logged_in_as.setter
    def logged_in_as(self, name: str) -> None:
        self._login.logged_in_as = name

    @property
    def tls_version(self) -> str:
        """"TLS 1.3" and the like while connected over TLS, else ""."""
        if not self.tls or not self._sock.isEncrypted():
            return ""
        name = self._sock.sessionProtocol().name  # TlsV1_3
        return name.replace("TlsV", "TLS ").replace("_", ".")

    @property
    def local_address(self) -> str:
        """Our address on the link to the server (what others can reach us at, on a LAN)."""
        text = self._sock.localAddress().toString()
        return text[7:] if text.startswith("::ffff:") and "." in text else text

    @property
    def peer_fingerprint(self) -> str:
        certificate = self._sock.peerCertificate()
        return "" if certificate.isNull() else fingerprint(certificate)

    def probe(self, within_s: float = 10.0) -> None:
        """Check the link now (the machine woke up, the network changed): PING, and give
        the link up unless the server answers within ``within_s``."""
        self.watchdog.probe(within_s)

    def quit(self, reason: str = "") -> None:
        """Say QUIT (at once, before anything still paced) and close the link."""
        if self.state == "disconnected":
            return
        self._reason = "You left."
        self._paced.clear()
        self.send(format_line(None, "QUIT", (reason or "Leaving",), trailing=True), urgent=True)
        self._sock.flush()
        self._sock.disconnectFromHost()

    @property
    def queued(self) -> int:
        """Lines waiting for the pacing bucket."""
        return self._paced.queued

    # ---------------------------------------------------------------- socket
    @Slot()
    def _on_tcp_connected(self) -> None:
        if not self.tls:
            self._on_connected()  # with TLS, registration starts once "encrypted"

    @Slot(list)
    def _on_ssl_errors(self, errors: list[QSslError]) -> None:
        """The certificate fails the system's checks: go on only if it is the one the user
        trusted (by fingerprint); otherwise stop and say why."""
        problem = problem_with(
            self._sock.peerCertificate(), errors, self.host, self.port, self.trusted
        )
        if problem is None:
            self._sock.ignoreSslErrors()
            return
        self._reason = problem.text()
        log.info("certificate of %s:%d refused: %s", self.host, self.port, problem.problems)
        # Told once this handshake is over: the user's answer may take a while (a dialog).
        QTimer.singleShot(0, self, lambda: self.certificate_problem.emit(problem))

    @Slot()
    def _on_connected(self) -> None:
        self._sock.setSocketOption(QAbstractSocket.SocketOption.LowDelayOption, 1)
        self._set_state("registering")
        self.send("CAP LS 302", urgent=True)
        if self._password:
            self.send(f"PASS {self._password}", urgent=True)
        self.send(f"NICK {self.nick}", urgent=True)
        self.send(
            format_line(None, "USER", (self._user, "0", "*", self._realname), trailing=True),
            urgent=True,
        )

    @Slot()
    def _on_ready_read(self) -> None:
        self.watchdog.heard()
        try:
            lines = self._reader.feed(bytes(self._sock.readAll().data()))
        except BufferOverflow as exc:  # not IRC: what the server sends is lost, not kept
            log.info("from %s:%d: %s, dropped", self.host, self.port, exc)
            return
        for raw in lines:
            text = raw.decode("utf-8", "replace")
            if not text:
                continue
            try:
                msg = parse(text)
            except RemoteProtocolError as exc:
                log.debug("unparsable line from server: %s", exc)
                continue
            self._handle(msg)

    @Slot()
    def _on_disconnected(self) -> None:
        self.watchdog.stop()
        self._timeout.stop()
        self._paced.stop()
        reason = self._reason or "The server closed the connection."
        self._set_state("disconnected")
        self.disconnected.emit(reason)

    @Slot(QAbstractSocket.SocketError)
    def _on_error(self, error: QAbstractSocket.SocketError) -> None:
        if self._reason:  # we know better (ERROR line, QUIT)
            return
        text = socket_error_text(error, self.host, self.port, self._sock.errorString())
        self._reason = text
        log.info("socket error %s: %s", error, text)
        if self.state in ("connecting", "registering"):
            self._timeout.stop()
            self.error_occurred.emit(text)
            if self._sock.state() == QAbstractSocket.SocketState.UnconnectedState:
                self._set_state("disconnected")
                self.disconnected.emit(text)

    @Slot()
    def _on_timeout(self) -> None:
        if self.state in ("connecting", "registering"):
            self._reason = f"Timed out connecting to {self.host}:{self.port}."
            self.error_occurred.emit(self._reason)
            self._sock.abort()
            if self.state != "disconnected":
                self._set_state("disconnected")
                self.disconnected.emit(self._reason)

    def _drop(self, reason: str) -> None:
        """Close the link at once; ``reason`` is what the user is told."""
        self._reason = reason
        self._sock.abort()

    def _set_state(self, state: str) -> None:
        if state != self.state:
            log.debug("connection %s:%d: %s", self.host, self.port, state)
            self.state = state
            self.state_changed.emit(state)

    # ---------------------------------------------------------------- protocol
    def _handle(self, msg: Message) -> None:
        command = msg.command
        if command == "PING":
            self.send(format_line(None, "PONG", msg.params or ("",), trailing=True), urgent=True)
            return
        if command == "CAP" and len(msg.params) >= 2:
            self._handle_cap(msg)
        elif command in LOGIN_COMMANDS:
            self._login.handle(msg, registering=self.state == "registering")
        elif command == "001":
            self.nick = msg.param(0) or self.nick
            self.was_registered = True
            self._timeout.stop()
            self.watchdog.start()
            self._set_state("connected")
            self.registered.emit(self.nick)
        elif command == "005":
            self.info.update(parse_isupport(msg.params[1:-1]))
        elif command in ("433", "432") and self.state == "registering":
            taken, self.nick = self.nick, fallback_nick(self.nick, self.info.nicklen)
            self.nick_in_use.emit(taken)
            self.send(f"NICK {self.nick}", urgent=True)
        elif command == "464":
            self._reason = (
                "Wrong server password." if self._password else "This server needs a password."
            )
            self.error_occurred.emit(self._reason)
        elif command == "ERROR":
            text = msg.param(0)
            if not self._reason:
                self._reason = (
                    f"Disconnected by the server: {text}"
                    if text
                    else ("Disconnected by the server.")
                )
        elif command == "NICK" and msg.source and self._is_me(msg.source):
            self.nick = msg.param(0)
        self.message_received.emit(msg)

    def _handle_cap(self, msg: Message) -> None:
        sub = msg.params[1].upper()
        if sub == "LS":
            if not self._caps.listed(msg.params) or self.state != "registering":
                return
            needed = self._login.required_cap(self._offered)
            if needed is not None:
                self.send(self._caps.request(needed), urgent=True)
        elif sub == "ACK":
            self._caps.acknowledged(msg.params)
            if self.state == "registering":
                self._login.after_caps(self._offered, self.tls)
        elif sub == "NAK" and self.state == "registering":
            if self.account is not None:
                self._give_up("The server refused to log us in (CAP NAK).")
            else:
                self.send("CAP END", urgent=True)

    def _give_up(self, text: str) -> None:
        """Registration cannot go on (login failed, no accounts …): say why and leave."""
        self._reason = text
        self.error_occurred.emit(text)
        self.send(format_line(None, "QUIT", ("Login failed",), trailing=True), urgent=True)
        self._sock.flush()
        self._sock.disconnectFromHost()

    def _is_me(self, source: str) -> bool:
        return self.info.fold(source.partition("!")[0]) == self.info.fold(self.nick)

    def is_me(self, nick: str) -> bool:
        return self.info.fold(nick) == self.info.fold(self.nick)
