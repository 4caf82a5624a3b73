"""Client tests: a real Chatbox server on the same Qt event loop (real sockets on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.client.session import ChatSession
from app.server.config import FloodPolicy, ServerConfig
from app.server.listener import ChatServer

MakeSession = Callable[..., ChatSession]
# Every session made lives until the run ends: a parentless QObject tree collected by Python's
# cycle collector in the middle of one of its own slots would be deleted under its feet.
SESSIONS: list[ChatSession] = []


def start_chat_server(*, port: int = 0, **config: object) -> ChatServer:
    settings = {"name": "test.server", "flood": FloodPolicy(enabled=False), **config}
    server = ChatServer(ServerConfig(**settings))  # type: ignore[arg-type]
    server.listen("127.0.0.1", port)
    return server



@pytest.fixture
def session(qtbot: QtBot, chat_server: ChatServer) -> Iterator[MakeSession]:
    """``session("alice")``: a ChatSession registered on ``chat_server`` as alice."""
    made: list[ChatSession] = []

    def make(nick: str, *, channels: tuple[str, ...] = (), port: int | None = None) -> ChatSession:
        chat = ChatSession()
        made.append(chat)
        SESSIONS.append(chat)
        chat.autojoin = list(channels)
        with qtbot.waitSignal(chat.connection.registered, timeout=5000):
            chat.connection.connect_to("127.0.0.1", port or chat_server.port, nick)
        for channel in channels:
            qtbot.waitUntil(lambda c=channel: chat.rooms.get(c) is not None, timeout=5000)
        return chat

    yield make
    for chat in made:
        chat.connection.quit()
