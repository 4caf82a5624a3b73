"""Host a chat with a damaged data file: the chat still starts, and says in words which file
is damaged and what to do (the same words as chatbox-server)."""

from __future__ import annotations

import socket

from pytestqt.qtbot import QtBot

from app.client.session import SERVER_ROOM, ChatSession
from app.server.datadir import default_data_dir
from app.ui.controller import ChatboxApp
from tests.support import random_file, sha256


def texts(session: ChatSession, room: str) -> list[str]:
    found = session.rooms.get(room)
    return [line.text for line in found.messages.lines()] if found else []


def test_hosting_with_a_damaged_history_says_which_file_and_what_to_do(
    qtbot: QtBot, chatbox: ChatboxApp
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = default_data_dir(port)
    assert folder is not None
    damaged = random_file(folder / "history.sqlite3", 32 * 1024)
    before = sha256(damaged)
    window = chatbox.host_chat("alice", port)
    assert window is not None and chatbox.server is not None
    assert chatbox.server.core.history.path is None  # in memory: the chat goes on
    assert (
        "History and accounts are kept in memory only, because the history file "
        f"{damaged} is damaged (not a database, or corrupted). Move it aside and restart "
        "(a fresh history.sqlite3 is made), or run "
        f"`chatbox-server --repair --data-dir {folder}` to keep what can be read."
    ) in texts(window.session, SERVER_ROOM)
    assert sha256(damaged) == before
