"""Typed in the chat window: a long message arrives whole, in lines of at most 512 bytes, each
its own line in the room; one the server refuses says "Not sent" and why, and a click on it
sends it again."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from app.client.models import LINE_ROLE, ChatLine
from app.protocol.message import Message
from app.ui.chat_window import ChatWindow
from app.ui.controller import ChatboxApp
from tests.client.test_long_lines import RawClient, long_text, rejoin


@pytest.fixture
def raw_client(chatbox: ChatboxApp) -> Iterator[Callable[[QtBot, str], RawClient]]:
    made: list[RawClient] = []

    def make(qtbot: QtBot, nick: str) -> RawClient:
        assert chatbox.server is not None
        client = RawClient(chatbox.server.port)
        made.append(client)
        client.register(qtbot, nick)
        return client

    yield make
    for client in made:
        client.close()


def own(window: ChatWindow, room: str) -> list[ChatLine]:
    found = window.session.rooms.get(room)
    assert found is not None
    found.messages.flush()
    return [ln for ln in found.messages.lines() if ln.own]


def type_line(qtbot: QtBot, window: ChatWindow, text: str) -> None:
    """Non-ASCII text cannot go through keyClicks (QT-NOTES.md): set it, then press Return."""
    window.input.setText(text)
    qtbot.keyClick(window.input, Qt.Key.Key_Return)


def row_of(window: ChatWindow, line: ChatLine) -> int:
    model = window.messages.model()
    rows = range(model.rowCount())
    return next((r for r in rows if model.index(r, 0).data(LINE_ROLE) is line), -1)


def click_line(qtbot: QtBot, window: ChatWindow, line: ChatLine) -> None:
    """Click inside ``line``'s row, on screen (a long line's row may be taller than the view)."""
    view = window.messages
    index = view.model().index(row_of(window, line), 0)
    view.scrollTo(index)
    rect = view.visualRect(index).intersected(view.viewport().rect())
    assert not rect.isEmpty()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def shown_text(window: ChatWindow, line: ChatLine) -> str:
    """The text the message view lays out for ``line``, state and reason included."""
    view = window.messages
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    layout, _x = view.delegate.layout(option, line, view.viewport().width())
    return layout.text()


def arrival_of(window: ChatWindow, code: str) -> list[float]:
    """When numeric ``code`` reaches the window's session (monotonic seconds)."""
    at: list[float] = []

    def seen(msg: Message) -> None:
        if msg.command == code:
            at.append(time.monotonic())

    window.session.connection.message_received.connect(seen)
    return at


def join_bob(qtbot: QtBot, window: ChatWindow, raw_client: Callable[..., RawClient]) -> RawClient:
    bob = raw_client(qtbot, "bob")
    bob.send("JOIN #chatbox")
    room = window.session.rooms.get("#chatbox")
    assert room is not None
    qtbot.waitUntil(lambda: room.members.find("bob") is not None)
    return bob


def test_a_long_message_typed_arrives_whole_and_in_order_in_lines_that_fit(
    qtbot: QtBot, hosted: ChatWindow, raw_client: Callable[..., RawClient]
) -> None:
    window = hosted
    window.show()
    bob = join_bob(qtbot, window, raw_client)
    text = long_text(1500)
    assert len(text.encode()) >= 1500 and any(ord(c) > 0xFFFF for c in text)
    type_line(qtbot, window, text)
    pieces = [ln.text for ln in own(window, "#chatbox")]
    assert len(pieces) >= 4  # each piece its own line, as the others will see them
    qtbot.waitUntil(lambda: len(bob.said()) == len(pieces), timeout=5000)
    got = bob.said()
    assert [msg.param(1) for _, msg in got] == pieces
    assert rejoin(pieces, text)
    assert all(len(raw) <= 512 for raw, _ in got), [len(raw) for raw, _ in got]
    qtbot.waitUntil(lambda: {ln.state for ln in own(window, "#chatbox")} == {""})
    model = window.messages.model()
    qtbot.waitUntil(lambda: all(row_of(window, ln) >= 0 for ln in own(window, "#chatbox")))
    rows = [row_of(window, ln) for ln in own(window, "#chatbox")]
    assert rows == sorted(rows) and model.rowCount() >= len(rows)


def test_a_line_refused_as_too_long_is_not_sent_with_the_reason_and_a_click_resends_it(
    qtbot: QtBot, hosted: ChatWindow, raw_client: Callable[..., RawClient]
) -> None:
    window = hosted
    window.show()
    bob = join_bob(qtbot, window, raw_client)
    window.session.connection.info.update({"LINELEN": "4096"})  # more than the server takes
    arrived = arrival_of(window, "417")
    text = long_text(1500)
    type_line(qtbot, window, text)
    qtbot.waitUntil(lambda: [ln.state for ln in own(window, "#chatbox")] == ["failed"])
    assert arrived and time.monotonic() - arrived[0] < 1.0
    (failed,) = own(window, "#chatbox")
    words = shown_text(window, failed)
    assert "Not sent — click to send again" in words and "Too long for the server" in words
    window.session.connection.info.update({"LINELEN": None})
    click_line(qtbot, window, failed)
    qtbot.waitUntil(lambda: len(own(window, "#chatbox")) >= 4)  # cut to fit this time
    qtbot.waitUntil(lambda: {ln.state for ln in own(window, "#chatbox")} == {""}, timeout=5000)
    got = [msg.param(1) for _, msg in bob.said()]
    assert rejoin(got, text) and all(len(raw) <= 512 for raw, _ in bob.said())


def test_a_message_to_a_channel_that_refuses_it_says_why_and_goes_on_a_click_later(
    qtbot: QtBot, hosted: ChatWindow, raw_client: Callable[..., RawClient]
) -> None:
    window = hosted
    window.show()
    bob = raw_client(qtbot, "bob")
    bob.send("JOIN #locked")  # +nt: nobody outside may speak
    bob.wait_for(qtbot, lambda m: m.command == "366")
    arrived = arrival_of(window, "404")
    type_line(qtbot, window, "/msg #locked knock knock")
    qtbot.waitUntil(lambda: window.session.rooms.get("#locked") is not None)
    qtbot.waitUntil(lambda: [ln.state for ln in own(window, "#locked")] == ["failed"])
    assert arrived and time.monotonic() - arrived[0] < 1.0
    (failed,) = own(window, "#locked")
    assert "does not let you speak" in shown_text(window, failed)
    bob.send("MODE #locked -n")
    bob.wait_for(qtbot, lambda m: m.command == "MODE")
    window.show_room("#locked")
    click_line(qtbot, window, failed)
    qtbot.waitUntil(lambda: [m.param(1) for _, m in bob.said()] == ["knock knock"])
    qtbot.waitUntil(lambda: [ln.state for ln in own(window, "#locked")] == [""])
