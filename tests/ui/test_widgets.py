"""Single windows: the nickname dialog's validation, accessible names everywhere."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QDialogButtonBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.client.session import ChatSession
from app.server.config import ServerConfig
from app.server.listener import ChatServer
from app.ui.chat_window import ChatWindow
from app.ui.errors import friendly_line, report_unexpected
from app.ui.nick_dialog import NickDialog
from app.ui.server_window import ServerWindow
from app.ui.start_window import StartWindow, split_host_port

INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView,
               QPlainTextEdit)


def unnamed(window: QWidget) -> list[str]:
    """Interactive widgets without an accessible name (a screen reader would say nothing)."""
    missing = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE) or isinstance(widget.parent(), QAbstractSpinBox):
            continue  # a spin box's own line edit is read through the spin box
        if not widget.accessibleName():
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing


def test_nick_dialog_explains_and_blocks_bad_nicks(qtbot: QtBot) -> None:
    dialog = NickDialog("")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and dialog.problem.text() == ""  # nothing said before typing
    qtbot.keyClicks(dialog.edit, "9lives")
    assert not ok.isEnabled() and "digit" in dialog.problem.text()
    dialog.edit.clear()
    assert "empty" in dialog.problem.text()
    qtbot.keyClicks(dialog.edit, "alice bob")  # the space stays, explained (test_nick_choice)
    assert dialog.edit.text() == "alice bob" and "space" in dialog.problem.text()
    dialog.edit.setText("alicebob")
    assert ok.isEnabled() and dialog.problem.text() == ""
    qtbot.keyClicks(dialog.edit, "x" * 40)
    assert not ok.isEnabled() and "at most 30" in dialog.problem.text()


def test_every_interactive_widget_has_an_accessible_name(qtbot: QtBot) -> None:
    server = ChatServer(ServerConfig(name="a11y"))
    server.listen("127.0.0.1", 0)
    windows: list[QWidget] = [
        StartWindow(["10.0.0.1:6667"]),
        NickDialog("alice"),
        ChatWindow(ChatSession()),
        ServerWindow(server),
    ]
    for window in windows:
        qtbot.addWidget(window)
        window.show()
        assert unnamed(window) == [], type(window).__name__
    server.stop()


def test_addresses_split_into_host_and_port() -> None:
    assert split_host_port("chat.lan") == ("chat.lan", 6667)
    assert split_host_port("10.0.0.5:7000") == ("10.0.0.5", 7000)
    assert split_host_port("[fe80::1]:6697") == ("fe80::1", 6697)
    assert split_host_port("::1") == ("::1", 6667)


def test_windows_render_text_and_are_saved_as_artifacts(qtbot: QtBot, tmp_path: Path) -> None:
    """Each window drawn offscreen shows text (not empty boxes: a font was found); the PNGs
    land in $CHATBOX_ARTIFACTS (CI) or the test's temporary folder, to look at."""
    out = Path(os.environ.get("CHATBOX_ARTIFACTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    server = ChatServer(ServerConfig(name="shots"))
    server.listen("127.0.0.1", 0)
    windows: dict[str, QWidget] = {
        "start": StartWindow(["10.0.0.1:6667"]),
        "nickname": NickDialog("alice"),
        "chat": ChatWindow(ChatSession()),
        "server": ServerWindow(server),
    }
    for name, window in windows.items():
        qtbot.addWidget(window)
        window.show()
        image = window.grab().toImage()
        assert image.save(str(out / f"{name}.png"))
        colours = {image.pixel(x, y) for x in range(0, image.width(), 3)
                   for y in range(0, image.height(), 3)}
        assert len(colours) > 40, f"{name}: no text drawn ({len(colours)} colours)"
    server.stop()


def test_an_unexpected_error_is_logged_and_shown_as_one_line(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    window = ChatWindow(ChatSession())
    qtbot.addWidget(window)
    window.show()
    try:
        raise KeyError("boom")
    except KeyError as exc:
        with caplog.at_level(logging.ERROR, logger="chatbox.ui"):
            report_unexpected(KeyError, exc, exc.__traceback__)
    assert window.statusBar().currentMessage() == friendly_line(KeyError)
    assert "Traceback" in caplog.text  # the whole story is in the log
    err = capsys.readouterr().err
    assert err.strip() == f"Chatbox: {friendly_line(KeyError)}"  # one line for a person
