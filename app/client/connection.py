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
from app.client.watchdog import Watchdog
from app.protocol.errors import RemoteProtocolError
from app.protocol.isupport import parse_isupport
from app.protocol.message import Message, format_line, parse
from app.protocol.pacing import TokenBucket
from app.protocol.serverinfo import ServerInfo

# Re-exported: the UI and the tests import these from here.
__all__ = ["Account", "CertificateProblem", "IrcConnection", "fingerprint"]

log = logging.getLogger("chatbox.client")

WANTED_CAPS = frozenset(
    {
        "server-time",
        "message-tags",
        "echo-message",
        "multi-prefix",
        "away-notify",
        "userhost-in-names",
        "setname",
        "batch",
        "labeled-response",
        "cap-notify",
        "draft/chathistory",
        "account-notify",
        "extended-join",
    }
)
CONNECT_TIMEOUT_MS = 15_000
MAX_LINE = 16 * 1024  # a server line may carry 8191 bytes of tags plus 512

SOCKET_ERRORS = {
    QAbstractSocket.SocketError.ConnectionRefusedError: (
        "The server refused the connection. Is it running, and is the port right?"
    ),
    QAbstractSocket.SocketError.HostNotFoundError: "Host not found: {host}",
    QAbstractSocket.SocketError.SocketTimeoutError: "Timed out connecting to {host}:{port}.",
    QAbstractSocket.SocketError.NetworkError: "The network is unreachable.",
    QAbstractSocket.SocketError.RemoteHostClosedError: "The server closed the connection.",
    QAbstractSocket.SocketError.SslHandshakeFailedError: (
        "The secure (TLS) connection failed: {detail}. Does the server speak TLS on this port?"
    ),
}


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
        self.caps: set[str] = set()
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
        self._offered: dict[str, str] = {}
        self._buffer = b""
        self._outbox: list[bytes] = []
        self._bucket = TokenBucket()
        self._reason = ""
        self.connect_timeout_ms = CONNECT_TIMEOUT_MS
        self._watchdog = Watchdog(
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
        self._pace = QTimer(self)
        self._pace.setSingleShot(True)
        self._pace.timeout.connect(self._drain)
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
        self.caps.clear()
        self._offered.clear()
        self._buffer = b""
        self._outbox.clear()
        self._reason = ""
        self._watchdog.cancel_probe()
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
        data = line.encode() + b"\r\n"
        if urgent:
            self._sock.write(data)
            return
        self._outbox.append(data)
        self._drain()

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
        self._watchdog.probe(within_s)

    @property
    def idle_ping_s(self) -> float:
        """PING the server after this long without a line from it."""
        return self._watchdog.idle_ping_s

    @idle_ping_s.setter
    def idle_ping_s(self, seconds: float) -> None:
        self._watchdog.idle_ping_s = seconds

    @property
    def dead_after_s(self) -> float:
        """Give the link up when nothing came from the server for this long."""
        return self._watchdog.dead_after_s

    @dead_after_s.setter
    def dead_after_s(self, seconds: float) -> None:
        self._watchdog.dead_after_s = seconds

    def quit(self, reason: str = "") -> None:
        """Say QUIT (at once, before anything still paced) and close the link."""
        if self.state == "disconnected":
            return
        self._reason = "You left."
        self._outbox.clear()
        self.send(format_line(None, "QUIT", (reason or "Leaving",), trailing=True), urgent=True)
        self._sock.flush()
        self._sock.disconnectFromHost()

    @property
    def queued(self) -> int:
        """Lines waiting for the pacing bucket."""
        return len(self._outbox)

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
        self._watchdog.heard()
        self._buffer += bytes(self._sock.readAll().data())
        if b"\n" not in self._buffer:
            if len(self._buffer) > MAX_LINE:
                self._buffer = b""
            return
        *lines, self._buffer = self._buffer.split(b"\n")
        for raw in lines:
            text = raw.rstrip(b"\r").decode("utf-8", "replace")
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
        self._watchdog.stop()
        self._timeout.stop()
        self._pace.stop()
        reason = self._reason or "The server closed the connection."
        self._set_state("disconnected")
        self.disconnected.emit(reason)

    @Slot(QAbstractSocket.SocketError)
    def _on_error(self, error: QAbstractSocket.SocketError) -> None:
        if self._reason:  # we know better (ERROR line, QUIT)
            return
        template = SOCKET_ERRORS.get(error, "Connection problem: {detail}")
        text = template.format(host=self.host, port=self.port, detail=self._sock.errorString())
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

    @Slot()
    def _drain(self) -> None:
        while self._outbox:
            if not self._bucket.take():
                self._pace.start(max(1, int(self._bucket.delay() * 1000)))
                return
            self._sock.write(self._outbox.pop(0))

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
            self._watchdog.start()
            self._set_state("connected")
            self.registered.emit(self.nick)
        elif command == "005":
            self.info.update(parse_isupport(msg.params[1:-1]))
        elif command in ("433", "432") and self.state == "registering":
            taken, self.nick = self.nick, self._next_nick(self.nick)
            self.nick_in_use.emit(taken)
            self.send(f"NICK {self.nick}", urgent=True)
        elif command == "464":
            self._reason = "Wrong server password."
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
            more = len(msg.params) > 3 and msg.params[2] == "*"
            for item in msg.params[-1].split():
                name, _, value = item.partition("=")
                self._offered[name] = value
            if more or self.state != "registering":
                return
            needed = self._login.required_cap(self._offered)
            if needed is None:
                return
            wanted = set(WANTED_CAPS) | ({needed} if needed else set())
            requested = sorted(wanted & self._offered.keys())
            if requested:
                self.send(f"CAP REQ :{' '.join(requested)}", urgent=True)
            else:
                self.send("CAP END", urgent=True)
        elif sub == "ACK":
            for item in msg.params[-1].split():
                if item.startswith("-"):
                    self.caps.discard(item[1:])
                else:
                    self.caps.add(item)
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

    def _next_nick(self, nick: str) -> str:
        candidate = nick + "_"
        if len(candidate) > self.info.nicklen:
            candidate = nick[: self.info.nicklen - 1] + str(len(nick) % 10)
        return candidate
