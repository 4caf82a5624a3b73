"""SQLite failing mid-chat (disk full, I/O error): the server goes on without history, says
so in its log, and stores what waited once SQLite works again.

The failure is SQLite's own: an authorizer on the store's connection makes it refuse the
statements (SQLITE_AUTH), as a full disk would refuse the writes. (``chmod`` stops nothing:
the tests run as root.)
"""

from __future__ import annotations

import logging
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.server import history as history_module
from app.server.config import FloodPolicy, ServerConfig
from app.server.core import ServerCore
from app.server.history import HistoryStore
from app.server.listener import ChatServer
from tests.server.test_core import Clock
from tests.server.test_welcome import register

WRITES = (sqlite3.SQLITE_INSERT, sqlite3.SQLITE_DELETE, sqlite3.SQLITE_UPDATE)
READS = (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ)


def refuse(store: HistoryStore, actions: tuple[int, ...]) -> None:
    """From now on SQLite refuses ``actions`` on the store's connection."""
    store._db.set_authorizer(
        lambda action, *_: sqlite3.SQLITE_DENY if action in actions else sqlite3.SQLITE_OK
    )


def heal(store: HistoryStore) -> None:
    store._db.set_authorizer(None)


def texts(lines: list[str]) -> list[str]:
    return [line.rpartition(" :")[2] for line in lines if " PRIVMSG " in line]


@pytest.fixture
def chat(tmp_path: Path) -> Iterator[tuple[ServerCore, Clock]]:
    clock = Clock()
    config = ServerConfig(name="core.test", flood=FloodPolicy(enabled=False), data_dir=tmp_path)
    core = ServerCore(config, clock=clock, wall_clock=lambda: 1_800_000_000.5)
    yield core, clock
    heal(core.history)
    core.shutdown()


def test_messages_reach_others_while_writes_fail_and_are_stored_after(
    chat: tuple[ServerCore, Clock], caplog: pytest.LogCaptureFixture
) -> None:
    core, clock = chat
    alice, _ = register(core, "alice", "CAP REQ :draft/chathistory batch", "CAP END")
    bob, bob_rec = register(core, "bob")
    for client in (alice, bob):
        core.receive(client, b"JOIN #c\r\n")
    core.receive(alice, b"PRIVMSG #c :before\r\n")
    refuse(core.history, WRITES)
    bob_rec.chunks.clear()
    with caplog.at_level(logging.INFO, logger="chatbox.server"):
        for i in range(3):
            core.receive(alice, f"PRIVMSG #c :during {i}\r\n".encode())
        core.tick()  # too soon to try again
        heal(core.history)
        clock.now += history_module.RETRY_AFTER_S
        core.tick()  # the retry
    assert texts(bob_rec.lines()) == ["during 0", "during 1", "during 2"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert str(core.history.path) in warnings[0] and "not authorized" in warnings[0]
    assert f"writing to {core.history.path} works again: 3 waiting messages stored" in (
        caplog.text)
    stored = [m.line.rpartition(" :")[2] for m in core.history.latest("#c", 10)]
    assert stored == ["before", "during 0", "during 1", "during 2"]


def test_chathistory_says_message_error_when_reads_fail(
    chat: tuple[ServerCore, Clock], caplog: pytest.LogCaptureFixture
) -> None:
    core, _ = chat
    alice, rec = register(core, "alice", "CAP REQ :draft/chathistory batch", "CAP END")
    core.receive(alice, b"JOIN #c\r\nPRIVMSG #c :kept\r\n")
    refuse(core.history, READS)
    rec.chunks.clear()
    with caplog.at_level(logging.WARNING, logger="chatbox.server"):
        core.receive(alice, b"CHATHISTORY LATEST #c * 10\r\n")
        core.receive(alice, b"CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z "
                            b"timestamp=2100-01-01T00:00:00.000Z 10\r\n")
        core.receive(alice, b"PING still-here\r\n")
    assert rec.lines() == [
        ":core.test FAIL CHATHISTORY MESSAGE_ERROR LATEST #c :History is unavailable right now",
        ":core.test FAIL CHATHISTORY MESSAGE_ERROR TARGETS :History is unavailable right now",
        ":core.test PONG core.test :still-here",
    ]
    assert "CHATHISTORY LATEST of #1 failed: not authorized" in caplog.text
    heal(core.history)
    rec.chunks.clear()
    core.receive(alice, b"CHATHISTORY LATEST #c * 10\r\n")
    assert texts(rec.lines()) == ["kept"]


def test_leaving_and_retention_go_on_when_deletes_fail(
    chat: tuple[ServerCore, Clock], caplog: pytest.LogCaptureFixture
) -> None:
    core, _ = chat
    guest, _ = register(core, "guest")
    friend, friend_rec = register(core, "friend")
    core.receive(guest, b"PRIVMSG friend :psst\r\n")  # a guest's private view
    refuse(core.history, WRITES)
    with caplog.at_level(logging.WARNING, logger="chatbox.server"):
        core.receive(guest, b"QUIT :bye\r\n")
        assert core.history.prune(2_000_000_000_000) == 0
    friend_rec.chunks.clear()
    core.receive(friend, b"PING still-here\r\n")
    assert friend_rec.lines() == [":core.test PONG core.test :still-here"]
    assert core.find_nick("guest") is None
    assert "cannot forget a guest's private history in" in caplog.text


def test_the_queue_is_capped_dropping_the_oldest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(history_module, "MAX_QUEUED", 5)
    now = [0.0]
    store = HistoryStore(tmp_path / "history.sqlite3", clock=lambda: now[0])
    store.autocommit = False
    refuse(store, WRITES)
    with caplog.at_level(logging.INFO, logger="chatbox.server"):
        for i in range(8):
            store.add(f"m{i}", "#c", i, f":x PRIVMSG #c :{i}")
            store.commit()
        heal(store)
        now[0] += history_module.RETRY_AFTER_S
        store.commit()
    assert [m.msgid for m in store.latest("#c", 10)] == ["m3", "m4", "m5", "m6", "m7"]
    assert "the oldest are dropped" in caplog.text
    assert "5 waiting messages stored; 3 were dropped meanwhile" in caplog.text
    store.close()


class RawClient:
    """A plain socket to the in-process server, read while the Qt event loop runs."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setblocking(False)
        self._data = b""

    def send(self, *lines: str) -> None:
        self.sock.sendall("".join(f"{line}\r\n" for line in lines).encode())

    def lines(self) -> list[str]:
        try:
            while chunk := self.sock.recv(65536):
                self._data += chunk
        except BlockingIOError:
            pass
        return self._data.decode().splitlines()


def test_the_qt_server_goes_on_serving_when_its_commits_fail(
    qtbot: QtBot, chat_server: ChatServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The commit in the flush slot fails every turn: no traceback reaches the slot (pytest-qt
    fails the test on one), and the chat goes on."""
    alice, bob = RawClient(chat_server.port), RawClient(chat_server.port)
    for client, nick in ((alice, "alice"), (bob, "bob")):
        client.send(f"NICK {nick}", "USER u 0 * :R", "JOIN #c")
        qtbot.waitUntil(lambda c=client: any(" 366 " in line for line in c.lines()))
    refuse(chat_server.core.history, WRITES)
    with caplog.at_level(logging.WARNING, logger="chatbox.server"):
        for i in range(3):
            alice.send(f"PRIVMSG #c :m{i}")
            qtbot.waitUntil(lambda i=i: f"m{i}" in texts(bob.lines()))
        bob.send("PRIVMSG #c :still here")
        qtbot.waitUntil(lambda: "still here" in texts(alice.lines()))
    assert chat_server.core.history.pending
    assert "cannot store messages in the in-memory history (not authorized)" in caplog.text
    heal(chat_server.core.history)
    for client in (alice, bob):
        client.sock.close()
