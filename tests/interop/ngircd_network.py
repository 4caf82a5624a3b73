"""Two linked ngircd servers on 127.0.0.1: a small IRC network a test starts and stops.

irc1.example waits for links (``Passive = yes``) and irc2.example dials it, at once when it
starts and again every ``ConnectRetry`` (5 s, ngircd's minimum) when the link is down. One
side dialling is what makes the link quick and sure: when both dial, their two connections
cross, each server refuses the other's ("Server configuration already in use") and the
link waits for the next retry (measured with ngircd 26.1: 5 s instead of 1 s).

ngircd never runs as root: started as root (CI) it switches to ``ServerUID`` ("nobody"
here); started as anyone else, ``ServerUID`` is that user (otherwise it logs errors about
not being allowed to switch to "nobody", and carries on). No PID file, no PAM, no DNS or
ident lookups (each would delay every login), and no per-address connection limit: all the
test's clients come from 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import signal
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from app.bench.procstat import die_with_parent
from app.protocol.errors import ProtocolError
from app.protocol.message import Message, parse
from tests.support import IrcClient

NAMES = ("irc1.example", "irc2.example")
OPER = ("netadmin", "netadmin-password")  # may SQUIT (break) and CONNECT (make) links
STOP_TIMEOUT = 5.0

CONF = """\
[Global]
\tName = {name}
\tInfo = Chatbox test network, server {number}
\tListen = 127.0.0.1
\tPorts = {port}
\tMotdPhrase = "Welcome to {name}"
\tNetwork = ChatboxNet
\tServerUID = {uid}
\tServerGID = {gid}
[Limits]
\tConnectRetry = 5
\tMaxConnectionsIP = 0
[Options]
\tPAM = no
\tIdent = no
\tDNS = no
\tConnectIPv6 = no
[Server]
\tName = {peer}
\tHost = 127.0.0.1
\tPort = {peer_port}
\tMyPassword = {my_password}
\tPeerPassword = {peer_password}
\tPassive = {passive}
[Operator]
\tName = {oper_name}
\tPassword = {oper_password}
"""


def run_as() -> tuple[int, int]:
    """The uid and gid ngircd runs under: ours, or "nobody"'s when we are root."""
    if os.getuid() != 0:
        return os.getuid(), os.getgid()
    nobody = pwd.getpwnam("nobody")
    return nobody.pw_uid, nobody.pw_gid


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def configs(ports: tuple[int, int]) -> tuple[str, str]:
    """The two servers' ngircd.conf: each names the other in its [Server] block, and the
    password one sends (MyPassword) is the one the other expects (PeerPassword)."""
    uid, gid = run_as()
    texts = []
    for me in (0, 1):
        peer = 1 - me
        texts.append(
            CONF.format(
                name=NAMES[me],
                number=me + 1,
                port=ports[me],
                uid=uid,
                gid=gid,
                peer=NAMES[peer],
                peer_port=ports[peer],
                my_password=f"link-from-{NAMES[me]}",
                peer_password=f"link-from-{NAMES[peer]}",
                passive="yes" if me == 0 else "no",  # irc2 dials, irc1 waits
                oper_name=OPER[0],
                oper_password=OPER[1],
            )
        )
    return texts[0], texts[1]


@dataclass
class Ngircd:
    """One ngircd of the network: ``start()`` (again after ``stop()``: a restart), ``stop()``."""

    binary: str
    name: str
    port: int
    conf: Path
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, f"{self.name} is running"
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "-n", "-f", str(self.conf)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=die_with_parent,  # lost when it switches user: stop() is what counts
            )

    def listening(self) -> bool:
        """It accepts connections (a predicate for ``qtbot.waitUntil``)."""
        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} is not running:\n{self.log()}")
        try:
            socket.create_connection(("127.0.0.1", self.port), 1.0).close()
        except OSError:
            return False
        return True

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM: a clean shutdown (users get ``ERROR``, the peer sees the link go)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(STOP_TIMEOUT)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""


@dataclass
class Network:
    """irc1.example and irc2.example, linked; their files under ``workdir``."""

    servers: tuple[Ngircd, Ngircd]

    @classmethod
    def write(cls, binary: str, workdir: Path) -> Network:
        workdir.mkdir(parents=True, exist_ok=True)
        ports = (free_port(), free_port())
        made = []
        for name, port, text in zip(NAMES, ports, configs(ports), strict=True):
            short = name.partition(".")[0]
            conf = workdir / f"{short}.conf"
            conf.write_text(text)
            conf.chmod(0o644)
            made.append(Ngircd(binary, name, port, conf, workdir / f"{short}.log"))
        return cls((made[0], made[1]))

    @property
    def addresses(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", s.port) for s in self.servers]

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {s.name}\n{s.log()}" for s in self.servers)


@dataclass
class LinkProbe:
    """A raw client on one server asking LINKS until both servers are listed: the network
    is linked as its users see it. Non-blocking, for ``qtbot.waitUntil(probe.linked)``
    while sessions run on the same event loop. (ngircd answers LINKS after a one-second
    penalty, so each round takes about a second.)"""

    port: int
    nick: str = "probe"
    sock: socket.socket = field(init=False)
    _buffer: bytes = b""
    _welcome: bool = False
    _asked: bool = False
    _listed: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port), 5.0)
        self.sock.sendall(f"NICK {self.nick}\r\nUSER probe 0 * :link probe\r\n".encode())
        self.sock.setblocking(False)

    def linked(self) -> bool:
        for msg in self._read():
            if msg.command == "PING":
                self.sock.sendall(f"PONG :{msg.param(0)}\r\n".encode())
            elif msg.command == "001":
                self._welcome = True
            elif msg.command == "364":
                self._listed.add(msg.param(1))
            elif msg.command == "365":
                if set(NAMES) <= self._listed:
                    return True
                self._asked, self._listed = False, set()
        if self._welcome and not self._asked:
            self.sock.sendall(b"LINKS\r\n")
            self._asked = True
        return False

    def _read(self) -> list[Message]:
        with contextlib.suppress(BlockingIOError):
            while chunk := self.sock.recv(65536):
                self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        messages = []
        for raw in lines:
            with contextlib.suppress(ProtocolError, UnicodeDecodeError):
                messages.append(parse(raw.rstrip(b"\r").decode()))
        return messages

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def users_in(port: int, nicks: list[str], channel: str) -> list[IrcClient]:
    """Raw clients ``nicks`` on the server at ``port``, in ``channel``. They sign in side by
    side (ngircd holds each new client back about a second: one after the other, five
    would take five)."""
    clients = [IrcClient(port) for _ in nicks]
    for client, nick in zip(clients, nicks, strict=True):
        client.nick = nick
        client.send(f"NICK {nick}")
        client.send(f"USER {nick} 0 * :{nick}")
    for client in clients:
        client.expect("001")
    for client in clients:
        client.send(f"JOIN {channel}")
    for client in clients:
        client.expect("366")  # end of NAMES: in
    return clients
