"""Right-click menus: a nick (member list or a message's sender), a room, a message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from app.client.models import ChatLine
from app.ui.chat_window import ChatWindow
from app.ui.controller import ChatboxApp
from tests.ui.conftest import LoopClient

MakeLoopClient = Callable[[int], LoopClient]


def titles(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def trigger(menu: QMenu, title: str) -> None:
    action = next(a for a in menu.actions() if a.text() == title)
    action.trigger()


def _bob(qtbot: QtBot, chatbox: ChatboxApp, window: ChatWindow, make: MakeLoopClient) -> LoopClient:
    assert chatbox.server is not None
    bob = make(chatbox.server.port)
    bob.register(qtbot, "bob")
    bob.send("JOIN #chatbox")
    bob.wait_for(qtbot, lambda m: m.command == "366")
    room = window.session.rooms.get("#chatbox")
    assert room is not None
    qtbot.waitUntil(lambda: "bob" in room.members.nicks())
    return bob


def test_a_nick_offers_its_actions_and_operator_actions_only_to_an_operator(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, loop_clients: MakeLoopClient,
    tmp_path: Path,
) -> None:
    window = hosted
    bob = _bob(qtbot, chatbox, window, loop_clients)
    menu = window.context_menus.nick_menu("bob")
    assert titles(menu)[:5] == ["Private message", "Whois", "Send a file…", "Mention", "Ignore"]
    assert "Kick" in titles(menu)  # alice opened the room: she is its operator
    trigger(menu, "Give voice")
    mode = bob.wait_for(qtbot, lambda m: m.command == "MODE" and "+v" in m.params)
    assert mode.params == ("#chatbox", "+v", "bob")
    trigger(menu, "Mention")
    assert window.input.text() == "bob: "
    trigger(menu, "Whois")  # answered in words, in the room it was chosen in
    assert window.current_room == "#chatbox"
    offered = tmp_path / "notes.txt"
    offered.write_text("hello")
    window.context_menus.pick_files = lambda nick: [offered]
    trigger(menu, "Send a file…")
    offer = bob.wait_for(qtbot, lambda m: m.command == "PRIVMSG" and "DCC SEND" in m.params[1])
    assert "notes.txt" in offer.params[1]
    trigger(menu, "Private message")
    qtbot.waitUntil(lambda: window.current_room == "bob")

    bob.send("PRIVMSG #chatbox :hi")  # as bob sees it: no operator actions for him
    window.session.connection.send("MODE #chatbox -o alice")
    room = window.session.rooms.get("#chatbox")
    assert room is not None
    qtbot.waitUntil(lambda: room.members.find("alice").modes == "")  # type: ignore[union-attr]
    window.show_room("#chatbox")
    assert "Kick" not in titles(window.context_menus.nick_menu("bob"))


def test_a_room_can_be_marked_read_muted_and_left(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, loop_clients: MakeLoopClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = hosted
    bob = _bob(qtbot, chatbox, window, loop_clients)
    shown: list[str] = []
    monkeypatch.setattr(window.notifier, "notify", lambda room, *_: shown.append(room))
    monkeypatch.setattr(window, "isActiveWindow", lambda: False)
    window.session.set_window_active(False)
    window.show_room("Server")
    room = window.session.rooms.get("#chatbox")
    assert room is not None
    bob.send("PRIVMSG #chatbox :alice: one")
    qtbot.waitUntil(lambda: room.unread == 1 and shown == ["#chatbox"])
    menu = window.context_menus.room_menu("#chatbox")
    assert titles(menu) == ["Leave", "Mark as read", "Mute notifications"]
    trigger(menu, "Mark as read")
    assert room.unread == 0 and room.highlights == 0
    trigger(menu, "Mute notifications")
    bob.send("PRIVMSG #chatbox :alice: two")
    bob.send("PRIVMSG alice :private")
    qtbot.waitUntil(lambda: shown == ["#chatbox", "bob"])  # the muted room stays quiet
    assert room.unread == 1
    trigger(window.context_menus.room_menu("#chatbox"), "Leave")
    part = bob.wait_for(qtbot, lambda m: m.command == "PART")
    assert part.params[0] == "#chatbox"
    assert window.session.rooms.get("#chatbox") is None


def test_a_message_can_be_copied_its_link_copied_and_quoted(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, loop_clients: MakeLoopClient
) -> None:
    window = hosted
    bob = _bob(qtbot, chatbox, window, loop_clients)
    bob.send("PRIVMSG #chatbox :\x02see\x02 https://example.org/page for it")
    room = window.session.rooms.get("#chatbox")
    assert room is not None
    qtbot.waitUntil(lambda: any(line.kind == "message" for line in room.messages.lines()))
    line = next(line for line in room.messages.lines() if line.kind == "message")
    assert isinstance(line, ChatLine)
    menu = window.messages.menu_for(line)
    # alice hosts, so operates the room: she may delete bob's line too
    assert titles(menu) == ["Reply", "React…", "Copy", "Copy link", "Quote", "Delete…", "bob"]
    trigger(menu, "Copy")
    assert QGuiApplication.clipboard().text() == "<bob> see https://example.org/page for it"
    trigger(menu, "Copy link")
    assert QGuiApplication.clipboard().text() == "https://example.org/page"
    trigger(menu, "Quote")
    assert window.input.text() == "> <bob> see https://example.org/page for it "
    sender = next(a.menu() for a in menu.actions() if a.text() == "bob")
    assert isinstance(sender, QMenu) and "Whois" in titles(sender)
