"""The start screen looks finished: nothing overlaps, the hosting options sit with Host a
chat, problems are said beside what failed, and dialog titles do not repeat "Chatbox"
(the desktop adds the application's name to every title by itself)."""

from __future__ import annotations

import socket

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QGroupBox, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.client.discovery import STATE_BROWSING, STATE_OFF
from app.ui.controller import ChatboxApp, CloseConfirm
from app.ui.server_window import StopConfirm
from app.ui.start_window import StartWindow


def shown(qtbot: QtBot, chatbox: ChatboxApp) -> StartWindow:
    start = chatbox.show_start()
    qtbot.addWidget(start)
    qtbot.waitExposed(start)
    return start


def rect_in(widget: QWidget, top: QWidget) -> QRect:
    return QRect(widget.mapTo(top, widget.rect().topLeft()), widget.size())


def overlaps(top: QWidget) -> list[str]:
    """Pairs of visible labels, fields and buttons of ``top`` whose rectangles cross."""
    parts = [w for w in top.findChildren(QWidget)
             if w.isVisible() and w.parentWidget() is not None
             and isinstance(w.parentWidget(), QGroupBox)]
    found = []
    for i, a in enumerate(parts):
        for b in parts[i + 1:]:
            if rect_in(a, top).intersects(rect_in(b, top)):
                found.append(f"{a.accessibleName() or type(a).__name__} / "
                             f"{b.accessibleName() or type(b).__name__}")
    return found


@pytest.mark.parametrize("state", [STATE_BROWSING, STATE_OFF])
def test_the_search_note_never_overlaps_the_list_of_chats(
    qtbot: QtBot, chatbox: ChatboxApp, state: str
) -> None:
    start = shown(qtbot, chatbox)
    start.set_lan_state(state)
    qtbot.waitUntil(lambda: start.lan_note.text() == state)
    start.adjustSize()
    note, listing = rect_in(start.lan_note, start), rect_in(start.lan_list, start)
    assert not note.intersects(listing)
    assert start.lan_note.height() >= start.lan_note.heightForWidth(start.lan_note.width())
    assert overlaps(start) == []
    metrics = start.account_edit.fontMetrics()  # the hints are read in full
    assert start.account_edit.width() > metrics.horizontalAdvance(
        start.account_edit.placeholderText())


def test_hosting_options_sit_with_host_a_chat(qtbot: QtBot, chatbox: ChatboxApp) -> None:
    start = shown(qtbot, chatbox)
    box = start.host_button.parentWidget()
    assert isinstance(box, QGroupBox)
    for option in (start.host_tls_check, start.advertise_check, start.server_button):
        assert option.parentWidget() is box  # Run a server uses the same options
    assert start.join_button.parentWidget() is not box


def test_problems_are_said_beside_what_failed(qtbot: QtBot, chatbox: ChatboxApp) -> None:
    start = shown(qtbot, chatbox)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert chatbox.host_chat("alice", busy.getsockname()[1]) is None
    assert start.error.isVisible()
    assert start.error.parentWidget() is start.host_button.parentWidget()
    start.show_error("The server refused the connection.")
    assert start.error.parentWidget() is start.join_button.parentWidget()
    assert rect_in(start.error, start).bottom() < rect_in(start.join_button, start).top()
    assert overlaps(start) == []


def test_dialog_and_window_titles_do_not_repeat_the_app_name(
    qtbot: QtBot, chatbox: ChatboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    titles: list[str] = []

    def question(parent: QWidget | None, title: str, *_args: object) -> QMessageBox.StandardButton:
        titles.append(title)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", question)
    assert CloseConfirm.ask(None, 2) is False
    assert StopConfirm.ask(None, 1) is False
    window = chatbox.run_server(0)
    assert window is not None
    qtbot.addWidget(window)
    titles.append(window.windowTitle())
    from app.ui.nick_dialog import NickDialog

    dialog = NickDialog("alice")
    qtbot.addWidget(dialog)
    titles.append(dialog.windowTitle())
    assert titles == ["Stop hosting?", "Stop the server?", f"Server on port "
                      f"{window.server.port}", "Your nickname"]
