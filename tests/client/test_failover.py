"""A network of several servers: when the link drops, each attempt goes to the next address
of the session's server list, and a failed attempt does not end the retrying.

Real Chatbox servers on 127.0.0.1 (not linked to each other: what is checked here is where
the client goes; two linked ngircd are tests/interop/test_network.py).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.client.session import SERVER_ROOM, ChatSession
from app.server.listener import ChatServer
from tests.client.conftest import SESSIONS, start_chat_server

WAIT_MS = 10_000


@pytest.fixture
def servers() -> Iterator[list[ChatServer]]:
    """Chat servers started by the test (``servers.append(...)``); all stopped at the end."""
    started: list[ChatServer] = []
    yield started
    for server in started:
        server.stop()


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connecting is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def signed_in(qtbot: QtBot, nick: str, port: int, channel: str = "#chatbox") -> ChatSession:
    chat = ChatSession()
    SESSIONS.append(chat)
    chat.autojoin = [channel]
    chat.backoff_start = chat._backoff = 0.2
    with qtbot.waitSignal(chat.connection.registered, timeout=WAIT_MS):
        chat.connection.connect_to("127.0.0.1", port, nick)
    qtbot.waitUntil(lambda: chat.rooms.get(channel) is not None, timeout=WAIT_MS)
    return chat


def members(chat: ChatSession, name: str) -> list[str]:
    room = chat.rooms.get(name)
    return sorted(room.members.nicks()) if room is not None else []


def texts(chat: ChatSession, name: str, kind: str) -> list[str]:
    room = chat.rooms.get(name)
    assert room is not None
    return [ln.text for ln in room.messages.lines() if ln.kind == kind]


def test_a_dropped_link_goes_to_the_next_server_of_the_list(
    qtbot: QtBot, servers: list[ChatServer]
) -> None:
    first, second = start_chat_server(), start_chat_server()
    servers += [first, second]
    alice = signed_in(qtbot, "alice", first.port)
    alice.servers = [("127.0.0.1", first.port), ("127.0.0.1", second.port)]
    bob = signed_in(qtbot, "bob", second.port)
    changed: list[str] = []
    alice.server_changed.connect(changed.append)
    try:
        with qtbot.waitSignal(alice.connection.disconnected, timeout=WAIT_MS):
            first.stop()  # alice's server goes away
        qtbot.waitUntil(lambda: alice.connection.state == "connected", timeout=WAIT_MS)
        assert changed == [f"127.0.0.1:{second.port}"]
        assert alice.connection.port == second.port
        qtbot.waitUntil(lambda: members(alice, "#chatbox") == ["alice", "bob"], timeout=WAIT_MS)
        alice.send_input("made it over", "#chatbox")
        qtbot.waitUntil(lambda: "made it over" in texts(bob, "#chatbox", "message"))
        said = texts(alice, SERVER_ROOM, "info")
        assert f"Next try: 127.0.0.1:{second.port} (server 2 of 2)." in said
        assert f"Connected to 127.0.0.1:{second.port} as alice." in said
    finally:
        for chat in (alice, bob):
            chat.quit()


def test_an_unreachable_server_is_skipped_and_the_retrying_goes_on(
    qtbot: QtBot, servers: list[ChatServer]
) -> None:
    first, third = start_chat_server(), start_chat_server()
    servers += [first, third]
    dead = closed_port()
    alice = signed_in(qtbot, "alice", first.port)
    alice.servers = [("127.0.0.1", p) for p in (first.port, dead, third.port)]
    changed: list[str] = []
    alice.server_changed.connect(changed.append)
    delays: list[float] = []
    alice.reconnect_scheduled.connect(delays.append)
    try:
        with qtbot.waitSignal(alice.connection.disconnected, timeout=WAIT_MS):
            first.stop()
        qtbot.waitUntil(lambda: alice.connection.state == "connected", timeout=WAIT_MS)
        assert changed == [f"127.0.0.1:{dead}", f"127.0.0.1:{third.port}"]
        assert alice.connection.port == third.port
        waits = [d for d in delays if d > 0]  # 0.0: "trying now"
        assert len(waits) == 2 and waits[1] > waits[0]  # backing off between attempts
        # One refusal, said once in the Server room, not in every room.
        refused = [t for t in texts(alice, SERVER_ROOM, "error") if "refused" in t]
        assert len(refused) == 1, texts(alice, SERVER_ROOM, "error")
        assert not any("refused" in t for t in texts(alice, "#chatbox", "error"))
        qtbot.waitUntil(lambda: members(alice, "#chatbox") == ["alice"], timeout=WAIT_MS)
    finally:
        alice.quit()


def test_one_server_is_retried_until_it_is_back(qtbot: QtBot, servers: list[ChatServer]) -> None:
    first = start_chat_server()
    port = first.port
    alice = signed_in(qtbot, "alice", port)
    delays: list[float] = []
    alice.reconnect_scheduled.connect(delays.append)
    changed: list[str] = []
    alice.server_changed.connect(changed.append)
    try:
        with qtbot.waitSignal(alice.connection.disconnected, timeout=WAIT_MS):
            first.stop()
        # Two attempts fail while the server is down (refused), and it keeps trying.
        qtbot.waitUntil(lambda: len([d for d in delays if d > 0]) >= 3, timeout=WAIT_MS)
        assert alice.connection.state != "connected"
        servers.append(start_chat_server(port=port))
        qtbot.waitUntil(lambda: alice.connection.state == "connected", timeout=WAIT_MS)
        qtbot.waitUntil(lambda: members(alice, "#chatbox") == ["alice"], timeout=WAIT_MS)
        assert changed == [] and alice.connection.port == port
    finally:
        alice.quit()
