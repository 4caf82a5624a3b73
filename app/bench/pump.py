"""Many raw IRC connections on one selector: non-blocking sockets, buffered writes, no Qt.

The load generators (loadgen.py) drive these; whole lines are handed back as bytes so that
counting deliveries costs one ``bytes.count`` per read, not a parse per line.
"""

from __future__ import annotations

import errno
import selectors
import socket
import time
from dataclasses import dataclass, field

CHANNEL = b"#bench"
RECV_SIZE = 256 * 1024
PRIVMSG = b" PRIVMSG "
# ngircd listens with a backlog of 10 and accepts one connection per turn of its main loop;
# more connection attempts in flight overflow its accept queue and stall for SYN retries.
REGISTER_INFLIGHT = 10


class LoadError(RuntimeError):
    """The server under test misbehaved: refused, closed or never answered in time."""


@dataclass
class Client:
    """One raw IRC connection: unsent output, an unfinished input line, counters."""

    sock: socket.socket
    nick: bytes
    out: bytearray = field(default_factory=bytearray)
    tail: bytes = b""
    seen: bytearray = field(default_factory=bytearray)  # setup replies, until they are met
    connected: bool = False
    registered: bool = False
    closed: bool = False
    got: int = 0

    def feed(self, data: bytes) -> bytes:
        """Append ``data``; return the complete lines it finished (ends with a newline)."""
        data = self.tail + data
        cut = data.rfind(b"\n") + 1
        self.tail = data[cut:]
        return data[:cut]


class Pump:
    """All clients of one generator on one selector, with buffered non-blocking writes."""

    def __init__(self, host: str, port: int) -> None:
        self.address = (host, port)
        self.sel = selectors.DefaultSelector()
        self.clients: list[Client] = []
        self.woke_ns = 0  # when the last select() returned: arrival time of what it reported

    def open(self, nick: bytes) -> Client:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        code = sock.connect_ex(self.address)
        if code not in (0, errno.EINPROGRESS):
            sock.close()
            raise LoadError(f"connect: {errno.errorcode.get(code, code)}")
        client = Client(sock, nick)
        self.clients.append(client)
        self.sel.register(sock, selectors.EVENT_WRITE, client)
        return client

    def send(self, client: Client, data: bytes) -> None:
        if client.closed:
            return
        if client.connected and not client.out:
            try:
                sent = client.sock.send(data)
            except BlockingIOError:
                sent = 0
            except OSError:
                self._lost(client)
                return
            if sent == len(data):
                return
            data = data[sent:]
            self.sel.modify(client.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, client)
        client.out += data

    def poll(self, timeout: float) -> list[tuple[Client, bytes]]:
        """Wait up to ``timeout`` s; flush writable clients, return (client, lines) read."""
        events: list[tuple[Client, bytes]] = []
        ready = self.sel.select(timeout)
        self.woke_ns = time.monotonic_ns()
        for key, mask in ready:
            client: Client = key.data
            if mask & selectors.EVENT_WRITE:
                self._writable(client)
            if mask & selectors.EVENT_READ and not client.closed:
                try:
                    data = client.sock.recv(RECV_SIZE)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    self._lost(client)
                    continue
                lines = client.feed(data)
                if lines:
                    if lines.startswith(b"PING") or b"\nPING " in lines:
                        self._pong(client, lines)
                    events.append((client, lines))
        return events

    def _writable(self, client: Client) -> None:
        if not client.connected:
            err = client.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self._lost(client)
                return
            client.connected = True
        if client.out:
            try:
                sent = client.sock.send(client.out)
            except BlockingIOError:
                sent = 0
            except OSError:
                self._lost(client)
                return
            del client.out[:sent]
        if not client.out:
            self.sel.modify(client.sock, selectors.EVENT_READ, client)

    def _pong(self, client: Client, lines: bytes) -> None:
        for line in lines.split(b"\n"):
            if line.startswith(b"PING"):
                self.send(client, b"PONG" + line[4:].rstrip(b"\r") + b"\r\n")

    def _lost(self, client: Client) -> None:
        if not client.closed:
            client.closed = True
            self.sel.unregister(client.sock)
            client.sock.close()

    def close(self) -> None:
        for client in self.clients:
            self._lost(client)
        self.sel.close()

    def wait_for(self, clients: list[Client], token: bytes, deadline: float) -> None:
        """Pump until every client in ``clients`` has received a line containing ``token``."""
        waiting = {id(c) for c in clients}
        for client in clients:
            client.seen.clear()
        while waiting:
            if time.monotonic() > deadline:
                raise LoadError(f"{len(waiting)} of {len(clients)} clients never got {token!r}")
            for client, lines in self.poll(min(0.5, max(0.0, deadline - time.monotonic()))):
                if id(client) in waiting:
                    client.seen += lines
                    if token in client.seen:
                        waiting.discard(id(client))
                        client.seen.clear()
            lost = [c for c in clients if c.closed and id(c) in waiting]
            if lost:
                raise LoadError(f"{len(lost)} clients were disconnected before {token!r}")

    def register_many(self, prefix: str, count: int, inflight: int, deadline: float) -> None:
        """Open ``count`` clients, at most ``inflight`` of them still registering at a time."""
        pending: dict[int, Client] = {}
        opened = 0
        while opened < count or pending:
            while opened < count and len(pending) < inflight:
                nick = f"{prefix}{opened}".encode()
                client = self.open(nick)
                self.send(client, b"NICK %s\r\nUSER u 0 * :bench\r\n" % nick)
                pending[id(client)] = client
                opened += 1
            if time.monotonic() > deadline:
                raise LoadError(f"registered {opened - len(pending)} of {count} in time")
            for client, lines in self.poll(0.5):
                if id(client) in pending:
                    client.seen += lines
                    if b" 001 " in client.seen:
                        client.registered = True
                        client.seen.clear()
                        del pending[id(client)]
            lost = [c for c in pending.values() if c.closed]
            if lost:
                raise LoadError(f"{len(lost)} connections closed before 001 "
                                f"({opened - len(pending)} registered)")
