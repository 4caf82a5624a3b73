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
import time
from dataclasses import dataclass

from PySide6.QtCore import QCryptographicHash, QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QAbstractSocket, QSslCertificate, QSslError, QSslSocket
from scramp import ScramClient, ScramException

from app.protocol.errors import RemoteProtocolError
from app.protocol.isupport import parse_isupport
from app.protocol.message import Message, format_line, parse
from app.protocol.pacing import TokenBucket
from app.protocol.sasl import Reassembler, SaslError, encode, plain
from app.protocol.serverinfo import ServerInfo

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
IDLE_PING_S = 30.0  # PING the server after this long without a line from it
DEAD_AFTER_S = 60.0  # and give the link up when nothing came back for this long
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

CERTIFICATE_WORDS = {
    QSslError.SslError.CertificateExpired: "it has expired",
    QSslError.SslError.CertificateNotYetValid: (
        "it is not valid yet (is this computer's clock right?)"
    ),
    QSslError.SslError.HostNameMismatch: "it was made for another name, not {host}",
    QSslError.SslError.SelfSignedCertificate: "it is self-signed: no authority vouches for it",
    QSslError.SslError.SelfSignedCertificateInChain: "it comes from an unknown authority",
    QSslError.SslError.UnableToGetLocalIssuerCertificate: "it comes from an unknown authority",
    QSslError.SslError.UnableToGetIssuerCertificate: "it comes from an unknown authority",
    QSslError.SslError.UnableToVerifyFirstCertificate: "it comes from an unknown authority",
    QSslError.SslError.CertificateUntrusted: "it comes from an unknown authority",
    QSslError.SslError.CertificateRevoked: "it has been revoked",
}

REGISTER_WORDS = {
    "ACCOUNT_EXISTS": "That account name is taken. Choose another, or log in to it.",
    "BAD_ACCOUNT_NAME": "That account name cannot be used (it follows the rules of a nickname).",
    "WEAK_PASSWORD": "The server finds that password too weak: {text}",
    "UNACCEPTABLE_PASSWORD": "The server cannot take that password: {text}",
    "ALREADY_AUTHENTICATED": "You are already logged in.",
    "TEMPORARILY_UNAVAILABLE": "The server cannot create accounts right now; try later.",
}


def fingerprint(certificate: QSslCertificate) -> str:
    """SHA-256, ``AB:CD:…``, as ``openssl x509 -fingerprint -sha256`` shows it."""
    digest = certificate.digest(QCryptographicHash.Algorithm.Sha256)
    return bytes(digest.data()).hex(":").upper()


@dataclass(frozen=True)
class Account:
    """Log in as ``name`` (SASL), or with ``create`` make the account first (REGISTER)."""

    name: str
    password: str
    create: bool = False


@dataclass(frozen=True)
class CertificateProblem:
    """Why the server's certificate is not trusted, in words, and its fingerprint."""

    host: str
    port: int
    fingerprint: str
    problems: tuple[str, ...]
    changed: bool  # we trusted another certificate for this server before: be loud
    trusted: str  # the fingerprint trusted before ("" if none)

    def text(self) -> str:
        if self.changed:
            return (
                f"The certificate of {self.host}:{self.port} has CHANGED since you trusted it. "
                "Someone may be intercepting the connection — or the server got a new "
                "certificate. Ask its host which fingerprint is right before you continue."
            )
        why = "; ".join(dict.fromkeys(self.problems))
        return f"The certificate of {self.host}:{self.port} cannot be checked: {why}."


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
        self.account: Account | None = None
        self.logged_in_as = ""
        self._sasl: ScramClient | str | None = None  # the exchange in progress
        self._sasl_in = Reassembler()
        self._offered: dict[str, str] = {}
        self._buffer = b""
        self._outbox: list[bytes] = []
        self._bucket = TokenBucket()
        self._reason = ""
        self.connect_timeout_ms = CONNECT_TIMEOUT_MS
        self.idle_ping_s = IDLE_PING_S
        self.dead_after_s = DEAD_AFTER_S
        self._last_heard = time.monotonic()
        self._pinged = False
        self._deadline = 0.0  # probe(): the answer must come before this (0: no probe)
        self._watchdog = QTimer(self)
        self._watchdog.setInterval(1000)
        self._watchdog.timeout.connect(self._check_alive)
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
        self.tls, self.trusted, self.account = tls, trusted, account
        self.logged_in_as = ""
        self._sasl = None
        self._password, self._realname, self._user = password, realname, user
        self.was_registered = False
        self.caps.clear()
        self._offered.clear()
        self._buffer = b""
        self._outbox.clear()
        self._reason = ""
        self._deadline = 0.0
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
        if self.state != "connected":
            return
        self._pinged = True
        self._deadline = time.monotonic() + within_s
        self.send("PING :chatbox-alive", urgent=True)

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
        certificate = self._sock.peerCertificate()
        seen = fingerprint(certificate) if not certificate.isNull() else ""
        if seen and self.trusted and seen == self.trusted:
            self._sock.ignoreSslErrors()
            return
        problems = tuple(
            CERTIFICATE_WORDS.get(e.error(), e.errorString()).format(host=self.host)
            for e in errors
        )
        problem = CertificateProblem(
            self.host, self.port, seen, problems, bool(self.trusted), self.trusted
        )
        self._reason = problem.text()
        log.info("certificate of %s:%d refused: %s", self.host, self.port, problems)
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
        self._last_heard = time.monotonic()
        self._pinged = False
        self._deadline = 0.0
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
    def _check_alive(self) -> None:
        """A dead link (Wi-Fi gone, laptop asleep) sends no RST: notice it by silence."""
        if self.state != "connected":
            return
        now = time.monotonic()
        quiet = now - self._last_heard
        if self._deadline and now > self._deadline:
            self._reason = "The connection did not survive the network change."
            self._sock.abort()
        elif quiet > self.dead_after_s:
            self._reason = f"No answer from the server for {quiet:.0f} s."
            self._sock.abort()
        elif quiet > self.idle_ping_s and not self._pinged:
            self._pinged = True
            self.send("PING :chatbox-alive", urgent=True)

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
        elif command == "AUTHENTICATE":
            self._on_authenticate(msg)
        elif command in ("900", "902", "903", "904", "905", "906"):
            self._on_login_numeric(msg)
        elif command in ("REGISTER", "FAIL"):
            self._on_register_reply(msg)
        elif command == "001":
            self.nick = msg.param(0) or self.nick
            self.was_registered = True
            self._timeout.stop()
            self._last_heard = time.monotonic()
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
            wanted = set(WANTED_CAPS)
            if self.account is not None:
                needed = "draft/account-registration" if self.account.create else "sasl"
                if needed not in self._offered:
                    self._give_up(
                        "This server does not let you create accounts."
                        if self.account.create
                        else "This server has no accounts (it offers no SASL login). "
                        "Leave the account empty to join without one."
                    )
                    return
                wanted.add(needed)
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
                self._after_caps()
        elif sub == "NAK" and self.state == "registering":
            if self.account is not None:
                self._give_up("The server refused to log us in (CAP NAK).")
            else:
                self.send("CAP END", urgent=True)

    def _after_caps(self) -> None:
        """Capabilities agreed: log in (or create the account) first, then CAP END."""
        account = self.account
        if account is None:
            self.send("CAP END", urgent=True)
        elif account.create:
            line = format_line(None, "REGISTER", (account.name, "*", account.password),
                               trailing=True)
            self.send(line, urgent=True)
        else:
            self._start_sasl(account)

    def _start_sasl(self, account: Account) -> None:
        mechanisms = self._offered.get("sasl", "").split(",")
        if "SCRAM-SHA-256" in mechanisms or mechanisms == [""]:
            self._sasl = ScramClient(["SCRAM-SHA-256"], account.name, account.password)
            self.send("AUTHENTICATE SCRAM-SHA-256", urgent=True)
        elif "PLAIN" in mechanisms and self.tls:
            self._sasl = "PLAIN"
            self.send("AUTHENTICATE PLAIN", urgent=True)
        elif "PLAIN" in mechanisms:
            self._give_up(
                "This server only takes passwords in the clear (SASL PLAIN) and this "
                "connection is not encrypted. Turn on TLS to log in."
            )
        else:
            known = ",".join(mechanisms)
            self._give_up(f"This server offers no login method Chatbox knows ({known}).")

    def _on_authenticate(self, msg: Message) -> None:
        """One step of the SASL exchange (the server's AUTHENTICATE)."""
        try:
            payload = self._sasl_in.feed(msg.param(0) or "+")
        except SaslError:
            self._give_up("The server's login messages made no sense.")
            return
        if payload is None or self.account is None:
            return
        out: bytes | None
        sasl = self._sasl
        try:
            if sasl == "PLAIN":
                out = plain(self.account.name, self.account.password)
            elif isinstance(sasl, ScramClient):
                text = payload.decode("utf-8", "replace")
                if not text:
                    out = sasl.get_client_first().encode()
                elif text.startswith("e="):
                    return  # the server refused (e=invalid-proof): its 904 follows
                elif text.startswith("r="):
                    sasl.set_server_first(text)
                    out = sasl.get_client_final().encode()
                else:  # v=…: the server proves it knew the password too
                    sasl.set_server_final(text)
                    out = b""
            else:
                return
        except ScramException as exc:
            log.info("SCRAM failed: %s", exc)
            self.send("AUTHENTICATE *", urgent=True)
            self._give_up("Login failed: wrong account name or password.")
            return
        for chunk in encode(out):
            self.send(f"AUTHENTICATE {chunk}", urgent=True)

    def _on_login_numeric(self, msg: Message) -> None:
        code = msg.command
        if code == "900":
            self.logged_in_as = msg.param(2)
            self.logged_in.emit(self.logged_in_as)
        elif code == "903" and self.state == "registering":
            self._sasl = None
            self.send("CAP END", urgent=True)
        elif code in ("902", "904", "905", "906") and self.state == "registering":
            said = msg.params[-1] if msg.params else ""
            if "try again" in said:
                text = f"Login refused: {said.partition(': ')[2] or said}."
            elif code == "902":
                text = "Login failed: that account is locked."
            else:
                text = "Login failed: wrong account name or password."
            self._give_up(text)

    def _on_register_reply(self, msg: Message) -> None:
        if msg.command == "REGISTER" and msg.param(0) == "SUCCESS":
            self.logged_in_as = self.logged_in_as or msg.param(1)
            if self.state == "registering":
                self.send("CAP END", urgent=True)
        elif msg.command == "FAIL" and msg.param(0) == "REGISTER":
            code, text = msg.param(1), msg.params[-1] if msg.params else ""
            words = REGISTER_WORDS.get(code, "The server would not create the account: {text}")
            self._give_up(words.format(text=text))

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
