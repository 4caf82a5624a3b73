"""Nothing moves under the user's hands: others' activity never switches the room, takes the
focus or touches the text being typed; each room keeps its own draft; the room list marks
unread rooms, and mentions and private messages apart from ordinary activity."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from app.client.models import HIGHLIGHT_ROLE, UNREAD_ROLE
from app.ui.chat_window import ChatWindow
from app.ui.controller import ChatboxApp
from app.ui.room_list import MENTION_COLOUR
from tests.ui.conftest import LoopClient

MakeLoopClient = Callable[[int], LoopClient]


def _joined(qtbot: QtBot, chatbox: ChatboxApp, window: ChatWindow, make: MakeLoopClient,
            nick: str) -> LoopClient:
    assert chatbox.server is not None
    raw = make(chatbox.server.port)
    raw.register(qtbot, nick)
    raw.send("JOIN #chatbox")
    raw.wait_for(qtbot, lambda m: m.command == "366")
    room = window.session.rooms.get("#chatbox")
    assert room is not None
    qtbot.waitUntil(lambda: nick in room.members.nicks())
    return raw


def test_a_private_message_while_typing_changes_neither_room_nor_focus_nor_text(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, loop_clients: MakeLoopClient
) -> None:
    window = hosted
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.input)
    bob = _joined(qtbot, chatbox, window, loop_clients, "bob")
    qtbot.keyClicks(window.input, "half a thought")
    window.input.setCursorPosition(4)
    bob.send("PRIVMSG alice :psst, over here")
    bob.send("PRIVMSG #chatbox :alice: are you there?")
    bob.send("JOIN #other")
    qtbot.waitUntil(lambda: window.session.rooms.get("bob") is not None)
    qtbot.waitUntil(lambda: "alice: are you there?" in
                    [line.text for line in window.session.rooms.get("#chatbox").messages.lines()])  # type: ignore[union-attr]
    assert window.current_room == "#chatbox"
    assert QApplication.focusWidget() is window.input
    assert window.input.text() == "half a thought"
    assert window.input.cursorPosition() == 4
    qtbot.keyClick(window.input, Qt.Key.Key_Return)  # still goes to the room it was typed in
    said = bob.wait_for(qtbot, lambda m: m.command == "PRIVMSG" and m.params[1] == "half a thought")
    assert said.params[0] == "#chatbox"


def test_each_room_keeps_its_own_draft(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, loop_clients: MakeLoopClient
) -> None:
    window = hosted
    bob = _joined(qtbot, chatbox, window, loop_clients, "bob")
    bob.send("PRIVMSG alice :hi")
    qtbot.waitUntil(lambda: window.session.rooms.get("bob") is not None)
    window.input.setText("for the channel")
    window.show_room("bob")
    assert window.current_room == "bob" and window.input.text() == ""
    window.input.setText("for bob only")
    window.show_room("#chatbox")
    assert window.input.text() == "for the channel"
    window.show_room("bob")
    assert window.input.text() == "for bob only"


def test_the_room_list_counts_unread_and_marks_private_messages_and_mentions_apart(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, loop_clients: MakeLoopClient
) -> None:
    window = hosted
    bob = _joined(qtbot, chatbox, window, loop_clients, "bob")
    window.session.set_window_active(False)  # the user is elsewhere
    window.show_room("Server")
    bob.send("PRIVMSG #chatbox :just chatting")
    bob.send("PRIVMSG #chatbox :still chatting")
    rooms = window.session.rooms
    channel = rooms.index(rooms.row_of("#chatbox"))
    qtbot.waitUntil(lambda: channel.data(UNREAD_ROLE) == 2)
    assert channel.data(HIGHLIGHT_ROLE) == 0
    plain = _row_image(window, channel.row())
    assert not _has_colour(plain, MENTION_COLOUR.rgb())
    bob.send("PRIVMSG alice :a private word")
    qtbot.waitUntil(lambda: rooms.get("bob") is not None)
    private = rooms.index(rooms.row_of("bob"))
    qtbot.waitUntil(lambda: private.data(HIGHLIGHT_ROLE) == 1)
    assert _has_colour(_row_image(window, private.row()), MENTION_COLOUR.rgb())
    assert window.current_room == "Server"  # and nothing moved
    bob.send("PRIVMSG #chatbox :alice: look")
    qtbot.waitUntil(lambda: channel.data(HIGHLIGHT_ROLE) == 1)
    assert channel.data(UNREAD_ROLE) == 3
    window.show_room("#chatbox")
    assert channel.data(UNREAD_ROLE) == 0 and channel.data(HIGHLIGHT_ROLE) == 0


def _row_image(window: ChatWindow, row: int) -> QImage:
    view = window.rooms_view
    index = view.model().index(row, 0)
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = view.visualRect(index).translated(0, -view.visualRect(index).top())
    option.rect.setWidth(200)
    image = QImage(200, option.rect.height(), QImage.Format.Format_RGB32)
    image.fill(0xFFFFFF)
    painter = QPainter(image)
    view.itemDelegate().paint(painter, option, index)
    painter.end()
    return image


def _has_colour(image: QImage, rgb: int) -> bool:
    return any(image.pixel(x, y) == rgb for x in range(image.width())
               for y in range(image.height()))


def test_away_shows_in_the_status_bar_until_back(qtbot: QtBot, hosted: ChatWindow) -> None:
    window = hosted
    window.input.setText("/away at lunch")
    qtbot.keyClick(window.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "away: at lunch" in window.state_label.text())
    window.input.setText("/back")
    qtbot.keyClick(window.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "away" not in window.state_label.text())
