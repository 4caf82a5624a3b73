"""Real-socket helpers for tests: a server subprocess and a blocking raw IRC client.

Every wait is bounded by a timeout; nothing sleeps.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import selectors
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.protocol.message import Message, parse

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 10.0


@dataclass
class ServerProcess:
    """``python -m app.server`` on 127.0.0.1 with ``--port 0``; the port read from stdout."""

    proc: subprocess.Popen[str]
    host: str
    port: int  # 0 with --tls-only
    stderr_path: Path
    tls_port: int = 0
    fingerprint: str = ""  # of the TLS certificate, as printed

    @classmethod
    def start(
        cls, *args: str, data_dir: Path, flood_control: bool = False, name: str = "test.server"
    ) -> ServerProcess:
        data_dir.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "app.server", "--host", "127.0.0.1", "--port", "0"]
        if "--name" not in args:
            argv += ["--name", name]
        argv += ["--data-dir", str(data_dir)]
        if not flood_control:
            argv.append("--no-flood-control")
        argv += list(args)
        stderr_path = data_dir / "stderr.log"
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        with stderr_path.open("w") as err:
            proc = subprocess.Popen(
                argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True, env=env
            )
        assert proc.stdout is not None
        line = _readline_with_timeout(proc, TIMEOUT)
        if not line.startswith("listening "):
            proc.kill()
            raise RuntimeError(f"server did not start: {line!r}\n{stderr_path.read_text()}")
        lines = [line]  # the TLS lines come in the same write: they are in the pipe already
        if "--tls-only" in args:  # listening with TLS on …, fingerprint
            lines.append(proc.stdout.readline())
        elif "--tls-port" in args:  # listening on …, listening with TLS on …, fingerprint
            lines += [proc.stdout.readline(), proc.stdout.readline()]
        found = {}
        for text in lines:
            head, _, value = text.strip().rpartition(" ")
            found[head] = value
        plain = found.get("listening on", ":0")
        host, _, port = plain.rpartition(":")
        tls = found.get("listening with TLS on", ":0")
        server = cls(proc, host or tls.rpartition(":")[0], int(port), stderr_path)
        server.tls_port = int(tls.rpartition(":")[2])
        server.fingerprint = found.get("TLS certificate SHA-256 fingerprint:", "")
        return server

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Signal the server and wait for it; returns its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(TIMEOUT)
        if self.proc.stdout:
            self.proc.stdout.close()
        return self.proc.returncode

    @property
    def log(self) -> str:
        return self.stderr_path.read_text()


def _readline_with_timeout(proc: subprocess.Popen[str], timeout: float) -> str:
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        if not sel.select(timeout):
            return ""
        return proc.stdout.readline()
    finally:
        sel.close()


@dataclass
class IrcClient:
    """A blocking raw IRC client over a real TCP socket, with bounded waits."""

    port: int
    host: str = "127.0.0.1"
    nick: str = ""
    rcvbuf: int = 0  # a small receive buffer makes a slow reader
    tls: bool = False  # TLS without checking the certificate (tests check the fingerprint)
    source: str = ""  # connect from this address (127.0.0.2 …: another host on loopback)
    sock: socket.socket = field(init=False)
    _buffer: bytes = b""
    received: list[Message] = field(default_factory=list)
    _ping_seq: int = 0

    def __post_init__(self) -> None:
        if self.rcvbuf:
            self.sock = socket.socket()
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
            self.sock.settimeout(TIMEOUT)
            self.sock.connect((self.host, self.port))
        else:
            self.sock = socket.create_connection(
                (self.host, self.port), timeout=TIMEOUT,
                source_address=(self.source, 0) if self.source else None,
            )
        if self.tls:
            self.sock = insecure_tls().wrap_socket(self.sock, server_hostname=self.host)

    @property
    def peer_fingerprint(self) -> str:
        """The SHA-256 fingerprint of the server's certificate (TLS only)."""
        assert isinstance(self.sock, ssl.SSLSocket)
        der = self.sock.getpeercert(binary_form=True)
        assert der is not None
        return hashlib.sha256(der).digest().hex(":").upper()

    # sending
    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, line: str) -> None:
        self.sock.sendall(line.encode() + b"\r\n")

    # receiving
    def read_line(self, timeout: float = TIMEOUT) -> str | None:
        """The next line, or None at EOF. Raises TimeoutError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no line within {timeout} s")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                raise TimeoutError(f"no line within {timeout} s") from None
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                if self._buffer:
                    line, self._buffer = self._buffer, b""
                    return line.decode("utf-8", "replace")
                return None
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\n")
        return raw.rstrip(b"\r").decode("utf-8", "replace")

    def read(self, timeout: float = TIMEOUT) -> Message:
        line = self.read_line(timeout)
        if line is None:
            raise ConnectionError("server closed the connection")
        msg = parse(line)
        self.received.append(msg)
        return msg

    def expect(
        self, command: str, *, where: Callable[[Message], bool] | None = None,
        timeout: float = TIMEOUT,
    ) -> Message:
        """Read until a message with ``command`` (and ``where``) arrives; return it."""
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {command} within {timeout} s; saw {seen[-20:]}")
            try:
                msg = self.read(remaining)
            except TimeoutError:
                raise TimeoutError(f"no {command} within {timeout} s; saw {seen[-20:]}") from None
            if msg.command == command and (where is None or where(msg)):
                return msg
            seen.append(msg.serialize())

    def sync(self, timeout: float = TIMEOUT) -> list[Message]:
        """PING the server and return every message that arrived before the PONG."""
        self._ping_seq += 1
        token = f"sync{self._ping_seq}"
        self.send(f"PING {token}")
        out: list[Message] = []
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no PONG within {timeout} s; saw {out}")
            msg = self.read(remaining)
            if msg.command == "PONG" and msg.params[-1:] == (token,):
                return out
            out.append(msg)

    def until_closed(self, timeout: float = TIMEOUT) -> list[str]:
        """Read lines until the server closes the connection; return them."""
        lines: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"connection still open after {timeout} s; saw {lines}")
            line = self.read_line(remaining)
            if line is None:
                return lines
            lines.append(line)

    def register(self, nick: str, *, caps: tuple[str, ...] = (), user: str = "user",
                 realname: str = "Real Name") -> list[Message]:
        """Register (negotiating ``caps`` first); return everything up to the end of MOTD."""
        if caps:
            self.send("CAP LS 302")
            self.send(f"CAP REQ :{' '.join(caps)}")
        self.send(f"NICK {nick}")
        self.send(f"USER {user} 0 * :{realname}")
        if caps:
            self.expect("CAP", where=lambda m: m.param(1) in ("ACK", "NAK"))
            self.send("CAP END")
        self.nick = nick
        self.expect("001")
        return self.sync()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class Clients:
    """Raw clients to one port, all closed when the ``with`` block ends."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._open: list[IrcClient] = []

    def open(self, nick: str | None = None, *, caps: tuple[str, ...] = ()) -> IrcClient:
        """A new client; registered (negotiating ``caps``) when ``nick`` is given."""
        client = IrcClient(self.port)
        self._open.append(client)
        if nick is not None:
            client.register(nick, caps=caps)
        return client

    def __enter__(self) -> Clients:
        return self

    def __exit__(self, *exc: object) -> None:
        for client in self._open:
            client.close()


def insecure_tls() -> ssl.SSLContext:
    """A client context that takes any certificate (tests check the fingerprint)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def tls_on_the_loop(raw: socket.socket, wait_until: Callable[..., object],
                    timeout_ms: int) -> ssl.SSLSocket:
    """A TLS handshake over ``raw`` with a server on this thread's Qt event loop: done
    without blocking, ``wait_until`` (qtbot.waitUntil) turning the loop meanwhile."""
    raw.setblocking(False)
    secure = insecure_tls().wrap_socket(raw, server_hostname="127.0.0.1",
                                        do_handshake_on_connect=False)

    def done() -> bool:
        try:
            secure.do_handshake()
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return False
        return True

    wait_until(done, timeout=timeout_ms)
    return secure


def numerics(messages: list[Message]) -> list[str]:
    """The commands of ``messages`` in order (numerics included), for compact assertions."""
    return [m.command for m in messages]


def said(client: IrcClient, line: str) -> list[Message]:
    """Send ``line`` and return everything the server answered to it."""
    client.send(line)
    return client.sync()


def only(messages: list[Message], command: str) -> list[Message]:
    return [m for m in messages if m.command == command]


def in_room(*clients: IrcClient, channel: str = "#room") -> None:
    """Join ``clients`` to ``channel`` in order (the first is op), then drain them all."""
    for client in clients:
        client.send(f"JOIN {channel}")
        client.sync()
    for client in clients:
        client.sync()


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read a MiB at a time (files in tests reach 100 MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def random_file(path: Path, size: int) -> Path:
    """``size`` random bytes at ``path`` (its folder made if needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        left = size
        while left:
            block = os.urandom(min(left, 1 << 20))
            out.write(block)
            left -= len(block)
    return path
