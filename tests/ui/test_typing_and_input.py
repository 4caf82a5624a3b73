"""The message input takes several lines (Shift+Enter) and sends them as one message where
the server takes draft/multiline, else line by line after asking; it grows with its text
and shrinks back. While someone types, the line under the others' messages says so.

Real windows (pytest-qt, offscreen) on the chat the app hosts, real sockets.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.client import connection as connection_module
from app.ui.chat_window import ChatWindow
from app.ui.controller import ChatboxApp
from app.ui.input_line import InputLine, PasteConfirm
from app.ui.shortcut_list import shortcut_rows
from tests.ui.conftest import LoopClient

MakeLoopClient = Callable[[int], LoopClient]
SHIFT = Qt.KeyboardModifier.ShiftModifier


def said(window: ChatWindow, room: str = "#chatbox") -> list[str]:
    found = window.session.rooms.get(room)
    return [ln.text for ln in found.messages.lines() if ln.kind == "message"] if found else []


def watcher(qtbot: QtBot, chatbox: ChatboxApp, make: MakeLoopClient) -> LoopClient:
    """A plain IRC client in #chatbox, asking for no capability: it sees lines as sent."""
    assert chatbox.server is not None
    raw = make(chatbox.server.port)
    raw.register(qtbot, "rawcarol")
    raw.join(qtbot)
    return raw


def privmsgs(raw: LoopClient, sender: str = "alice") -> list[str]:
    return [m.params[1] for m in raw.poll()
            if m.command == "PRIVMSG" and (m.source or "").startswith(f"{sender}!")]


# ---------------------------------------------------------------- several lines
def test_shift_enter_makes_a_new_line_and_enter_sends_them_as_one_message(
    qtbot: QtBot, hosted: ChatWindow, bob: ChatWindow, monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = hosted
    assert alice.session.conversation.supports("multiline")
    asked: list[int] = []
    monkeypatch.setattr(PasteConfirm, "ask", classmethod(
        lambda cls, _parent, count: asked.append(count) or True))
    one_line = alice.input.height()
    qtbot.keyClicks(alice.input, "first line")
    qtbot.keyClick(alice.input, Qt.Key.Key_Return, SHIFT)
    qtbot.keyClicks(alice.input, "second line")
    qtbot.keyClick(alice.input, Qt.Key.Key_Return, SHIFT)
    qtbot.keyClicks(alice.input, "third")
    assert alice.input.text() == "first line\nsecond line\nthird"
    assert alice.input.height() > one_line  # it grew to show the three lines
    qtbot.keyClick(alice.input, Qt.Key.Key_Return)
    assert alice.input.text() == "" and alice.input.height() == one_line
    qtbot.waitUntil(lambda: "first line\nsecond line\nthird" in said(bob), timeout=5000)
    assert asked == []  # one message: nothing to ask
    assert not any(t in ("first line", "second line", "third") for t in said(bob))
    qtbot.keyClick(alice.input, Qt.Key.Key_Up)  # recalled whole
    assert alice.input.text() == "first line\nsecond line\nthird"


def test_without_multiline_enter_asks_and_the_lines_go_one_by_one(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, loop_clients: MakeLoopClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(connection_module, "WANTED_CAPS",
                        connection_module.WANTED_CAPS - {"draft/multiline"})
    alice = chatbox.join_chat("127.0.0.1", hosted.session.connection.port, "alice2")
    qtbot.waitUntil(lambda: alice.current_room == "#chatbox", timeout=5000)
    assert not alice.session.conversation.supports("multiline")
    raw = watcher(qtbot, chatbox, loop_clients)
    answers = [False, True, True]
    asked: list[int] = []
    monkeypatch.setattr(PasteConfirm, "ask", classmethod(
        lambda cls, _parent, count: asked.append(count) or answers.pop(0)))
    qtbot.keyClicks(alice.input, "one")
    qtbot.keyClick(alice.input, Qt.Key.Key_Return, SHIFT)
    qtbot.keyClick(alice.input, Qt.Key.Key_Return, SHIFT)  # a blank line is no message
    qtbot.keyClicks(alice.input, "two")
    qtbot.keyClick(alice.input, Qt.Key.Key_Return)
    assert asked == [2] and alice.input.text() == "one\n\ntwo"  # No: kept, to edit
    qtbot.keyClick(alice.input, Qt.Key.Key_Return)
    assert asked == [2, 2] and alice.input.text() == ""
    qtbot.waitUntil(lambda: privmsgs(raw, "alice2") == ["one", "two"], timeout=5000)
    alice.input.paste_text("three\nfour\n")  # a paste asks too, and goes at once
    assert asked == [2, 2, 2] and alice.input.text() == ""
    qtbot.waitUntil(lambda: privmsgs(raw, "alice2")[2:] == ["three", "four"], timeout=5000)


def test_a_multi_line_paste_waits_in_the_input_where_the_server_takes_it_whole(
    qtbot: QtBot, hosted: ChatWindow, monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = hosted
    asked: list[int] = []
    monkeypatch.setattr(PasteConfirm, "ask", classmethod(
        lambda cls, _parent, count: asked.append(count) or True))
    alice.input.paste_text("\nline one\n  indented two\n\n")
    assert alice.input.text() == "line one\n  indented two" and asked == []


def test_the_input_grows_to_a_few_lines_then_scrolls_and_up_recalls_only_from_the_top(
    qtbot: QtBot,
) -> None:
    field = InputLine()
    qtbot.addWidget(field)
    field.resize(300, field.height())
    field.show()
    one = field.height()
    heights = []
    for n in range(1, 10):
        field.setText("\n".join(f"line {i}" for i in range(n)))
        heights.append(field.height())
    assert heights[0] == one and heights[1] > one
    assert heights == sorted(heights) and heights[-1] == heights[-2]  # capped
    assert field.verticalScrollBar().maximum() > 0  # the rest scrolls
    field.setText("x " * 200)  # one long line wraps, and grows it too
    assert field.height() > one

    sent: list[str] = []
    field.submitted.connect(sent.append)
    field.setText("earlier")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    field.setText("top\nbottom")
    qtbot.keyClick(field, Qt.Key.Key_Up)  # on the last line: the cursor goes up a line
    assert field.text() == "top\nbottom" and field.cursorPosition() <= len("top")
    qtbot.keyClick(field, Qt.Key.Key_Up)  # on the first line: the history
    assert field.text() == "earlier" and sent == ["earlier"]
    qtbot.keyClick(field, Qt.Key.Key_Down)
    assert field.text() == ""


def test_the_input_keys_are_in_the_shortcut_list(qtbot: QtBot, hosted: ChatWindow) -> None:
    rows = {(row.where, row.what): row.keys for row in shortcut_rows(hosted)}
    assert rows[("Message input", "New line")] == "Shift+Enter"
    assert rows[("Message input", "Send")] == "Enter"


# ---------------------------------------------------------------- typing
def test_typing_shows_under_the_others_messages_and_goes_once_sent(
    qtbot: QtBot, hosted: ChatWindow, bob: ChatWindow,
) -> None:
    alice = hosted
    line = bob.presence.typing_line
    assert line.isVisible() and line.text() == ""
    messages_at = bob.messages.geometry()
    alice.input.setFocus()
    qtbot.keyClicks(alice.input, "hello b")
    qtbot.waitUntil(lambda: line.text() == "alice is typing…", timeout=5000)
    assert bob.messages.geometry() == messages_at  # nothing moved to make room for it
    assert alice.presence.typing_line.text() == ""  # never oneself
    qtbot.keyClicks(alice.input, "ob")
    qtbot.keyClick(alice.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "hello bob" in said(bob), timeout=5000)
    qtbot.waitUntil(lambda: line.text() == "", timeout=2000)
    assert bob.messages.geometry() == messages_at


def test_typing_is_said_only_for_the_room_on_screen(
    qtbot: QtBot, hosted: ChatWindow, bob: ChatWindow,
) -> None:
    alice = hosted
    line = bob.presence.typing_line
    bob.show_room("Server")
    qtbot.keyClicks(alice.input, "psst")
    qtbot.waitUntil(lambda: bob.session.typing.text("#chatbox") == "alice is typing…",
                    timeout=5000)
    assert line.text() == ""
    bob.show_room("#chatbox")
    assert line.text() == "alice is typing…"


def test_with_the_preference_off_nobody_sees_me_typing(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, bob: ChatWindow,
) -> None:
    alice = hosted
    dialog = chatbox.desktop.open_preferences(alice)
    assert dialog.typing_check.isChecked()  # on by default
    dialog.typing_check.click()
    assert chatbox.settings.share_typing is False
    assert not alice.session.typing.enabled and not bob.session.typing.enabled
    changes: list[str] = []
    bob.session.typing.typing_changed.connect(changes.append)
    qtbot.keyClicks(alice.input, "quietly")
    QApplication.processEvents()
    qtbot.keyClick(alice.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "quietly" in said(bob), timeout=5000)  # the message came…
    assert changes == [] and bob.presence.typing_line.text() == ""  # …and no typing before it
    dialog.typing_check.click()
    assert alice.session.typing.enabled
    qtbot.keyClicks(alice.input, "aloud")
    qtbot.waitUntil(lambda: bob.presence.typing_line.text() == "alice is typing…",
                    timeout=5000)
