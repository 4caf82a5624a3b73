"""The nickname dialog does what you type, and a nick taken at join is said in the chat window
with a way to choose another."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from app.ui.controller import ChatboxApp
from app.ui.nick_dialog import NickDialog
from app.ui.nick_taken import NickTakenBar


def dialog_with(qtbot: QtBot, default: str) -> NickDialog:
    dialog = NickDialog(default)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.edit)
    return dialog


def test_the_remembered_nick_is_selected_and_typing_replaces_it(qtbot: QtBot) -> None:
    dialog = dialog_with(qtbot, "alice")
    assert dialog.edit.selectedText() == "alice"
    qtbot.keyClicks(dialog.edit, "bob")
    assert dialog.nick == "bob"
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert "Chatbox" not in dialog.windowTitle()


def test_nothing_is_wrong_before_you_type(qtbot: QtBot) -> None:
    for default in ("", "9lives"):
        dialog = dialog_with(qtbot, default)
        assert dialog.problem.text() == ""
        assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
        dialog.accept()  # Enter anyway: now it says why, and stays
        assert dialog.problem.text() != "" and dialog.isVisible()


def test_a_refused_character_stays_and_is_explained_in_words(qtbot: QtBot) -> None:
    dialog = dialog_with(qtbot, "")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.keyClicks(dialog.edit, "alice smith")
    assert dialog.nick == "alice smith"  # not silently dropped
    assert dialog.problem.text().startswith("A nickname cannot contain a space.")
    assert not ok.isEnabled()
    dialog.edit.setText("")
    qtbot.keyClicks(dialog.edit, "bob.")
    assert dialog.problem.text().startswith("A nickname cannot contain a full stop.")
    dialog.edit.setText("zoë")  # typed per character elsewhere; non-ASCII keyClicks abort
    assert dialog.problem.text().startswith("A nickname cannot contain “ë”.")
    dialog.edit.setText("")
    qtbot.keyClicks(dialog.edit, "x" * 31)
    assert len(dialog.nick) == 31 and "at most 30" in dialog.problem.text()
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Backspace)
    assert ok.isEnabled() and dialog.problem.text() == ""


def test_a_nick_taken_at_join_is_said_and_can_be_changed(
    qtbot: QtBot, chatbox: ChatboxApp, hosted, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    assert chatbox.server is not None
    second = chatbox.join_chat("127.0.0.1", chatbox.server.port, "alice")
    bar = second.findChild(NickTakenBar)
    assert bar is not None
    qtbot.waitUntil(lambda: second.session.nick == "alice_")
    qtbot.waitUntil(lambda: bar.isVisible())
    assert bar.text.text() == "alice is taken here; you are alice_."
    host_bar = hosted.findChild(NickTakenBar)
    assert host_bar is not None and not host_bar.isVisible()  # the host got its own nick
    asked: list[tuple[object, ...]] = []
    monkeypatch.setattr(NickDialog, "ask", classmethod(
        lambda cls, *args: asked.append(args) or "alicia"))
    qtbot.mouseClick(bar.change_button, Qt.MouseButton.LeftButton)
    assert asked and asked[0][0] == "alice_" and asked[0][2] == "Change"
    qtbot.waitUntil(lambda: second.session.nick == "alicia")
    qtbot.waitUntil(lambda: not bar.isVisible())
    assert second.session.connection.wanted_nick == "alicia"


def test_keep_it_hides_the_note(
    qtbot: QtBot, chatbox: ChatboxApp, hosted  # type: ignore[no-untyped-def]
) -> None:
    assert chatbox.server is not None
    second = chatbox.join_chat("127.0.0.1", chatbox.server.port, "alice")
    bar = second.findChild(NickTakenBar)
    assert bar is not None
    qtbot.waitUntil(lambda: bar.isVisible())
    qtbot.mouseClick(bar.keep_button, Qt.MouseButton.LeftButton)
    assert not bar.isVisible() and second.session.nick == "alice_"
