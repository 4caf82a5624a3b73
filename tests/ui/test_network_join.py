"""Joining a network of servers from the start screen: the list is tried in order, and
when one server dies the window says which one it tries next and gets there."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.server.config import FloodPolicy, ServerConfig
from app.server.listener import ChatServer
from app.ui.controller import ChatboxApp
from app.ui.nick_dialog import NickDialog


def test_a_network_address_list_fails_over_to_the_next_server(
    qtbot: QtBot, chatbox: ChatboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(NickDialog, "ask", classmethod(lambda cls, *_a: "alice"))
    servers = []
    for name in ("one.lan", "two.lan"):
        server = ChatServer(ServerConfig(name=name, flood=FloodPolicy(enabled=False)))
        server.listen("127.0.0.1", 0)
        servers.append(server)
    one, two = servers
    start = chatbox.show_start()
    start.host_edit.setCurrentText(f"127.0.0.1:{one.port}, 127.0.0.1:{two.port}")
    assert start.port_edit.value() == one.port
    qtbot.mouseClick(start.join_button, Qt.MouseButton.LeftButton)
    window = chatbox.chat_windows[-1]
    session = window.session
    session.backoff_start = session._backoff = 0.3
    qtbot.waitUntil(lambda: session.connection.state == "connected", timeout=5000)
    assert session.servers == [("127.0.0.1", one.port), ("127.0.0.1", two.port)]
    assert chatbox.settings.recent_servers[0] == f"127.0.0.1:{one.port}, 127.0.0.1:{two.port}"
    one.stop()  # its server goes down for good
    qtbot.waitUntil(lambda: f"reconnecting to 127.0.0.1:{two.port}" in window.state_label.text(),
                    timeout=5000)
    qtbot.waitUntil(lambda: session.connection.state == "connected", timeout=5000)
    assert session.connection.port == two.port
    assert any(c.nick == "alice" for c in two.core.clients)  # on the other server now
    qtbot.waitUntil(lambda: session.rooms.get("#chatbox") is not None
                    and "alice" in session.rooms.get("#chatbox").members.nicks())  # type: ignore[union-attr]
    two.stop()
