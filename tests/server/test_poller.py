"""The poller (app/server/poller.py) both ways: one epoll set where Linux has it, one
QSocketNotifier per socket where it is missing (macOS, Windows); forced here with ``epoll=``.
The server on the test's own Qt event loop, its clients non-blocking sockets polled meanwhile."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QSocketNotifier
from pytestqt.qtbot import QtBot

from app.server import certs, listener
from app.server.config import FloodPolicy, ServerConfig
from app.server.listener import ChatServer
from app.server.peer import Peer
from app.server.poller import HAVE_EPOLL, EpollPoller, NotifierPoller, Poller, make_poller
from tests.support import tls_on_the_loop

SENDQ = 16 * 1024
WAIT_MS = 5000
KINDS = [
    pytest.param(True, id="epoll", marks=pytest.mark.skipif(not HAVE_EPOLL, reason="no epoll")),
    pytest.param(False, id="notifiers"),
]


class Client:
    """A raw IRC client whose socket the test reads while Qt runs the server."""

    def __init__(self, port: int, *, rcvbuf: int = 0) -> None:
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", port))  # the kernel completes it: no loop turn needed
        self.sock.setblocking(False)
        self.lines: list[str] = []
        self.closed = False
        self._buffer = b""

    def send(self, *lines: str) -> None:
        self.sock.sendall("".join(f"{line}\r\n" for line in lines).encode())

    def read(self) -> None:
        while not self.closed:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                return
            except ConnectionError:
                data = b""
            if not data:
                self.closed = True
                return
            *done, self._buffer = (self._buffer + data).split(b"\r\n")
            self.lines += [line.decode() for line in done]

    def closed_by_server(self) -> bool:
        self.read()
        return self.closed

    def find(self, *parts: str) -> int | None:
        """Index of the first line containing every one of ``parts``."""
        self.read()
        return next((n for n, line in enumerate(self.lines) if all(p in line for p in parts)), None)

    def wait_for(self, qtbot: QtBot, *parts: str) -> int:
        """:meth:`find`, once such a line has come."""
        qtbot.waitUntil(lambda: self.find(*parts) is not None, timeout=WAIT_MS)
        found = self.find(*parts)
        assert found is not None
        return found

    def register(self, qtbot: QtBot, nick: str) -> None:
        self.send(f"NICK {nick}", "USER u 0 * :Real Name", "JOIN #room")
        self.wait_for(qtbot, f" 366 {nick} #room ")


@pytest.fixture(params=KINDS)
def server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatServer]:
    monkeypatch.setattr(listener, "TICK_MS", 50)
    monkeypatch.setattr(listener, "CLOSE_GRACE_S", 0.3)
    config = ServerConfig(name="test.server", flood=FloodPolicy(enabled=False), sendq=SENDQ)
    chat = ChatServer(config, epoll=request.param)
    assert isinstance(chat.poller, EpollPoller if request.param else NotifierPoller)
    chat.listen("127.0.0.1", 0)
    yield chat
    chat.stop()


def notifiers(chat: ChatServer) -> int:
    return len(chat.findChildren(QSocketNotifier))


def test_register_talk_slow_readers_and_closing(qtbot: QtBot, server: ChatServer) -> None:
    listening = notifiers(server)
    alice, bob = Client(server.port), Client(server.port)
    alice.register(qtbot, "alice")
    bob.register(qtbot, "bob")
    if isinstance(server.poller, EpollPoller):
        assert notifiers(server) == listening  # the set's one notifier, however many connect
    else:
        assert notifiers(server) >= listening + 2
    # Replies leave in order, and what one says reaches the other.
    alice.send("PING :one", "PRIVMSG #room :hello", "PING :two")
    one, two = (alice.wait_for(qtbot, f" PONG test.server :{token}") for token in ("one", "two"))
    assert one < two
    assert bob.lines[bob.wait_for(qtbot, " PRIVMSG ")].endswith(" PRIVMSG #room :hello")

    # A reader that never reads is dropped once its queue passes the send-queue limit...
    carol = Client(server.port, rcvbuf=4096)
    carol.register(qtbot, "carol")
    small_send_buffer(server, "carol")
    said = talk_until(qtbot, alice, bob, "c", lambda: bob.find("carol!", " QUIT ") is not None)
    assert bob.lines[bob.wait_for(qtbot, "carol!", " QUIT ")].endswith(" QUIT :SendQ exceeded")
    assert said > SENDQ // 400, "dropped before its queue was full"
    qtbot.waitUntil(lambda: server.connection_count == 2, timeout=WAIT_MS)

    # ... and one that quits with bytes still queued is closed at the end of the grace period.
    dave = Client(server.port, rcvbuf=4096)
    dave.register(qtbot, "dave")
    dave_peer = small_send_buffer(server, "dave")
    talk_until(qtbot, alice, bob, "d", lambda: dave_peer.queued_bytes() > SENDQ // 2)
    asked = time.monotonic()
    dave.send("QUIT :bye")
    assert bob.lines[bob.wait_for(qtbot, "dave!", " QUIT ")].endswith(" QUIT :Quit: bye")
    assert dave_peer.open and dave_peer in server._closing  # still trying to send
    qtbot.waitUntil(lambda: not dave_peer.open, timeout=WAIT_MS)
    assert time.monotonic() - asked >= listener.CLOSE_GRACE_S
    assert server.connection_count == 2 and not server._closing

    # A client that goes away is lost: the core quits it to the others.
    alice.sock.close()
    bob.wait_for(qtbot, "alice!", " QUIT ")
    bob.send("QUIT")
    bob.wait_for(qtbot, "ERROR :Closing Link")
    qtbot.waitUntil(bob.closed_by_server, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: server.connection_count == 0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: notifiers(server) == listening, timeout=WAIT_MS)  # none left behind
    for client in (carol, dave, bob):
        client.sock.close()


def small_send_buffer(chat: ChatServer, nick: str) -> Peer:
    """``nick``'s connection, its kernel send buffer made small: on loopback it grows to
    megabytes, which would hide our own queue for a long time."""
    peer = next(p for p in chat._peers.values() if p.client and p.client.nick == nick)
    assert isinstance(peer, Peer)
    peer.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    return peer


def talk_until(
    qtbot: QtBot, talker: Client, listener_: Client, tag: str, done: Callable[[], bool]
) -> int:
    """``talker`` says 400-byte lines to #room, a few at a time, each seen by ``listener_``,
    until ``done()``; returns how many."""
    said = 0
    while not done():
        assert said < 1000, "nothing happened"
        talker.send(*(f"PRIVMSG #room :{tag}{said + n} {'s' * 400}" for n in range(1, 6)))
        said += 5
        listener_.wait_for(qtbot, f"PRIVMSG #room :{tag}{said} ")
    return said


def test_tls_handshakes_wait_in_the_poller_until_their_first_bytes(
    qtbot: QtBot, server: ChatServer, tmp_path: Path
) -> None:
    server.handshake_timeout_ms = 300
    server.listen_tls("127.0.0.1", 0, certs.load_or_create(tmp_path, "test.server"))
    listening = notifiers(server)
    silent = socket.create_connection(("127.0.0.1", server.tls_port))
    raw = socket.create_connection(("127.0.0.1", server.tls_port))
    qtbot.waitUntil(lambda: server.handshakes_in_progress == 2, timeout=WAIT_MS)
    secure = tls_on_the_loop(raw, qtbot.waitUntil, WAIT_MS)
    qtbot.waitUntil(lambda: server.connection_count == 1, timeout=WAIT_MS)  # a TlsPeer now
    qtbot.waitUntil(lambda: server.handshakes_in_progress == 0, timeout=WAIT_MS)  # timed out
    secure.close()
    silent.close()
    qtbot.waitUntil(lambda: server.connection_count == 0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: notifiers(server) == listening, timeout=WAIT_MS)  # none left behind


class Recorder:
    """A watcher that notes what it was told and may act on it."""

    def __init__(self, name: str, told: list[str], then: Callable[[], None] = lambda: None) -> None:
        self.name, self.told, self.then = name, told, then

    def on_readable(self) -> None:
        self.told.append(f"{self.name} readable")
        self.then()

    def on_writable(self) -> None:
        self.told.append(f"{self.name} writable")


@pytest.mark.parametrize("epoll", KINDS)
def test_writability_is_reported_only_while_asked_for(qtbot: QtBot, epoll: bool) -> None:
    parent = QObject()
    batches: list[int] = []
    poller = make_poller(parent, lambda: batches.append(1), epoll=epoll)
    ours, theirs = socket.socketpair()
    told: list[str] = []
    poller.register(ours.fileno(), Recorder("a", told))
    poller.want_write(ours.fileno(), True)
    qtbot.waitUntil(lambda: "a writable" in told, timeout=WAIT_MS)
    poller.want_write(ours.fileno(), False)
    told.clear()
    theirs.send(b"x")
    qtbot.waitUntil(lambda: "a readable" in told, timeout=WAIT_MS)
    assert "a writable" not in told
    assert bool(batches) == epoll  # the epoll set reports each loop turn's batch as done
    poller.unregister(ours.fileno())
    for sock in (ours, theirs):
        sock.close()


@pytest.mark.parametrize("epoll", KINDS)
def test_a_watcher_unregistered_by_another_is_not_told_afterwards(
    qtbot: QtBot, epoll: bool
) -> None:
    parent = QObject()
    poller: Poller = make_poller(parent, lambda: None, epoll=epoll)
    pairs = [socket.socketpair() for _ in range(2)]
    fds = [ours.fileno() for ours, _ in pairs]
    told: list[str] = []

    def then(n: int) -> None:  # whichever is told first reads and unregisters the other
        pairs[n][0].recv(1)
        poller.unregister(fds[1 - n])

    for n, name in enumerate("ab"):
        poller.register(fds[n], Recorder(name, told, lambda n=n: then(n)))
    for _, theirs in pairs:
        theirs.send(b"x")  # both readable before the loop runs: one batch for epoll
    qtbot.waitUntil(lambda: bool(told), timeout=WAIT_MS)
    qtbot.wait(50)
    assert len(told) == 1
    first = "ab".index(told[0][0])
    poller.unregister(fds[first])
    for pair in pairs:
        for sock in pair:
            sock.close()
