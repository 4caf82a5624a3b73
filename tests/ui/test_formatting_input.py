"""Typing IRC formatting: Ctrl+B/I/U/K/O in the chat window's input, sent to a raw client."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from app.protocol.formatting import strip_formatting
from app.ui.colour_chooser import ColourChooser
from app.ui.controller import ChatboxApp
from app.ui.input_line import InputLine
from tests.ui.conftest import LoopClient

MakeLoopClient = Callable[[int], LoopClient]
CTRL = Qt.KeyboardModifier.ControlModifier


def test_ctrl_b_then_text_then_return_sends_bold_to_a_raw_client(
    qtbot: QtBot, chatbox: ChatboxApp, hosted, loop_clients: MakeLoopClient,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = hosted
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.input)
    assert chatbox.server is not None
    raw = loop_clients(chatbox.server.port)
    raw.register(qtbot, "rawbob")
    raw.send("JOIN #chatbox")
    raw.wait_for(qtbot, lambda m: m.command == "366")
    qtbot.keyClick(window.input, Qt.Key.Key_B, CTRL)
    qtbot.keyClicks(window.input, "bold")
    qtbot.keyClick(window.input, Qt.Key.Key_B, CTRL)
    qtbot.keyClicks(window.input, " and ")
    qtbot.keyClick(window.input, Qt.Key.Key_I, CTRL)
    qtbot.keyClick(window.input, Qt.Key.Key_U, CTRL)
    qtbot.keyClicks(window.input, "both")
    qtbot.keyClick(window.input, Qt.Key.Key_O, CTRL)
    monkeypatch.setattr(ColourChooser, "ask", classmethod(lambda cls, *_args: 4))
    qtbot.keyClick(window.input, Qt.Key.Key_K, CTRL)
    qtbot.keyClicks(window.input, "1 red")
    assert window.input.text() == "\x02bold\x02 and \x1d\x1fboth\x0f\x03041 red"
    qtbot.keyClick(window.input, Qt.Key.Key_Return)
    msg = raw.wait_for(qtbot, lambda m: m.command == "PRIVMSG")
    assert msg.params == ("#chatbox", "\x02bold\x02 and \x1d\x1fboth\x0f\x03041 red")
    # and the window shows its own line formatted, its text the codes as sent
    room = window.session.rooms.get("#chatbox")
    qtbot.waitUntil(lambda: any("\x02bold" in ln.text for ln in room.messages.lines()))
    shown = [strip_formatting(ln.text) for ln in room.messages.lines()]
    assert "bold and both1 red" in shown


def test_the_colour_chooser_is_keyboard_usable_and_escape_inserts_nothing(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = InputLine()
    qtbot.addWidget(line)
    menu = ColourChooser.menu(line)
    assert len(menu.actions()) == 16
    assert [a.data() for a in menu.actions()] == list(range(16))
    assert menu.actions()[4].text() == "0&4  Red"
    monkeypatch.setattr(ColourChooser, "ask", classmethod(lambda cls, *_args: None))
    line.show()
    qtbot.keyClick(line, Qt.Key.Key_K, CTRL)
    assert line.text() == ""


def test_the_real_chooser_picks_with_arrows_and_enter(qtbot: QtBot) -> None:
    line = InputLine()
    qtbot.addWidget(line)
    line.show()

    def drive() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        qtbot.keyClick(menu, Qt.Key.Key_Down)  # from 00 White to 01 Black, 02 Blue
        qtbot.keyClick(menu, Qt.Key.Key_Down)
        qtbot.keyClick(menu, Qt.Key.Key_Return)

    QTimer.singleShot(50, drive)  # ask() runs the menu's own event loop until then
    assert ColourChooser.ask(line, line.mapToGlobal(QPoint(0, 0))) == 2


def test_codes_in_the_input_are_marked_visibly(qtbot: QtBot) -> None:
    line = InputLine()
    qtbot.addWidget(line)
    line.resize(300, 30)
    line.show()

    def shot(text: str) -> QImage:
        line.setText(text)
        line.setCursorPosition(0)
        return line.grab().toImage()

    assert shot("a \x02b") != shot("a  b")  # the code is drawn as a mark, not a blank
    marked = shot("a \x0304b")
    red = QColor.fromRgb(0xFF0000)
    width, height = marked.width(), marked.height()
    assert any(marked.pixelColor(x, y) == red for x in range(width) for y in range(height))
    assert line.text() == "a \x0304b"  # the text keeps the codes themselves
