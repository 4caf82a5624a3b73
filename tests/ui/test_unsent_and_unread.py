"""The chat window shows what was not sent (and sends it again on a click), and where the
unread messages start."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.client.models import MARKER_ROLE, ChatLine
from app.client.session import SERVER_ROOM
from app.ui.chat_window import ChatWindow
from app.ui.controller import ChatboxApp
from tests.ui.conftest import LoopClient

MakeLoopClient = Callable[[int], LoopClient]


def own(window: ChatWindow, room: str) -> list[ChatLine]:
    found = window.session.rooms.get(room)
    assert found is not None
    found.messages.flush()
    return [ln for ln in found.messages.lines() if ln.own]


def test_an_unsent_message_says_so_and_a_click_sends_it_again(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, loop_clients: MakeLoopClient,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    window = hosted
    window.show()
    window.input.setText("/msg carol are you there?")  # nobody called carol yet: 401
    qtbot.keyClick(window.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_room == "carol")
    qtbot.waitUntil(lambda: [ln.state for ln in own(window, "carol")] == ["failed"])
    view = window.messages
    qtbot.waitUntil(lambda: view.model().rowCount() >= 1)
    row = next(r for r in range(view.model().rowCount())
               if view.model().index(r, 0).data(Qt.ItemDataRole.DisplayRole).endswith("there?"))
    rect = view.visualRect(view.model().index(row, 0))
    assert rect.height() > 0
    window.grab().save(str(tmp_path / "failed.png"))
    assert chatbox.server is not None
    carol = loop_clients(chatbox.server.port)
    carol.register(qtbot, "carol")  # now she is there: one click sends it again
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    got = carol.wait_for(qtbot, lambda m: m.command == "PRIVMSG")
    assert got.params == ("carol", "are you there?")
    qtbot.waitUntil(lambda: [ln.state for ln in own(window, "carol")] == [""])
    assert len(own(window, "carol")) == 1  # the same line, now sent: not a second one


def test_the_first_unread_line_has_a_rule_and_the_title_counts_unread(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, loop_clients: MakeLoopClient
) -> None:
    window = hosted
    window.show()
    assert chatbox.server is not None
    bob = loop_clients(chatbox.server.port)
    bob.register(qtbot, "bob")
    bob.send("JOIN #chatbox")
    bob.send("PRIVMSG #chatbox :read already")
    room = window.session.rooms.get("#chatbox")
    assert room is not None
    qtbot.waitUntil(lambda: "read already" in [ln.text for ln in room.messages.lines()])
    window.show_room(SERVER_ROOM)
    for text in ("first unread", "second", "third"):
        bob.send(f"PRIVMSG #chatbox :{text}")
    qtbot.waitUntil(lambda: room.unread == 3)
    assert window.windowTitle().startswith("(3) ")
    window.show_room("#chatbox")
    assert room.unread == 0 and not window.windowTitle().startswith("(")
    model = window.messages.model()
    marked = [model.index(r, 0).data(Qt.ItemDataRole.DisplayRole)
              for r in range(model.rowCount()) if model.index(r, 0).data(MARKER_ROLE)]
    assert marked == ["<bob> first unread"]
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data(MARKER_ROLE))
    plain = window.messages.visualRect(model.index(row - 1, 0)).height()
    assert window.messages.visualRect(model.index(row, 0)).height() > plain  # room for the rule
    window.show_room(SERVER_ROOM)  # read, and left: the rule goes
    assert room.messages.marker is None


def test_lines_arriving_while_the_window_is_in_the_background_are_unread(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, loop_clients: MakeLoopClient
) -> None:
    window = hosted
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    other = QWidget()  # another application's window takes the focus
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not window.isActiveWindow())
    assert chatbox.server is not None
    bob = loop_clients(chatbox.server.port)
    bob.register(qtbot, "bob")
    bob.send("JOIN #chatbox")
    bob.send("PRIVMSG #chatbox :while you were away")
    room = window.session.rooms.get("#chatbox")
    assert room is not None
    qtbot.waitUntil(lambda: room.unread == 1)  # the room in view, but nobody looking
    assert window.windowTitle().startswith("(1) ")
    assert room.messages.marker is not None and room.messages.marker.text == "while you were away"
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert room.unread == 0 and not window.windowTitle().startswith("(")
    assert room.messages.marker is not None  # the rule stays while reading
