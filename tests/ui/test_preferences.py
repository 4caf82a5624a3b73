"""Chatbox → Preferences: each choice takes effect at once in every open chat window, and a
new controller over the same settings file starts with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QFontDatabase, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from app.client.transfer import Transfer
from app.settings import Settings
from app.ui.chat_window import ChatWindow
from app.ui.controller import ChatboxApp
from app.ui.preferences import FolderChooser, PreferencesDialog
from app.ui.transfers import SaveChooser
from tests.ui.conftest import LoopClient
from tests.ui.test_files import drop
from tests.ui.test_menus import action, press
from tests.ui.test_widgets import unnamed


class Recorder:
    def __init__(self) -> None:
        self.shown: list[tuple[str, str, str]] = []

    def notify(self, room: str, sender: str, text: str) -> None:
        self.shown.append((room, sender, text))


def type_into(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    """Replace the text as a user would, Enter at the end."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    QTest.keyClick(edit, Qt.Key.Key_Return)


def open_preferences(qtbot: QtBot, window: ChatWindow, chatbox: ChatboxApp) -> PreferencesDialog:
    press(qtbot, window, Qt.Key.Key_Comma)  # Ctrl+,
    dialog = chatbox.desktop.preferences
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_every_preference_takes_effect_at_once_everywhere_and_is_remembered(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, bob: ChatWindow, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, system_theme_after: None,
) -> None:
    dialog = open_preferences(qtbot, hosted, chatbox)
    windows = (hosted, bob)
    assert unnamed(dialog) == []
    assert not dialog.tray_check.isEnabled()  # offscreen: no system tray

    dialog.theme_box.setCurrentIndex(dialog.theme_box.findData("dark"))
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert app.palette().color(QPalette.ColorRole.Window).lightness() < 80
    assert action(bob, "&Theme", "Dark").isChecked()

    family = next(f for f in QFontDatabase.families() if f != app.font().family())
    dialog.font_box.setCurrentIndex(dialog.font_box.findData(family))
    dialog.size_spin.setValue(15)
    dialog.timestamp_box.setCurrentIndex(dialog.timestamp_box.findData("%H:%M:%S"))
    dialog.joins_check.click()  # off: joins and parts hidden
    dialog.colours_check.click()
    for window in windows:
        font = window.messages.font()
        assert (font.family(), font.pointSize()) == (family, 15)
        delegate = window.messages.delegate
        assert delegate.timestamp_format == "%H:%M:%S"
        assert delegate.hide_joins and delegate.strip_colours

    dialog.level_buttons["all"].click()
    dialog.sound_check.click()
    type_into(qtbot, dialog.highlight_edit, "lunch, Big Plan")
    assert dialog.isVisible()  # Enter applied the words and kept the dialog open
    for window in windows:
        rule = window.session.attention_rule
        assert rule.every_message and rule.words == ("lunch", "Big Plan")
        assert window.notify_enabled and window.notifier.sound

    dialog.link_images_check.click()
    dialog.strangers_check.click()
    folder = tmp_path / "not yet" / "there"
    monkeypatch.setattr(FolderChooser, "ask", classmethod(lambda cls, *_args: folder))
    qtbot.mouseClick(dialog.folder_button, Qt.MouseButton.LeftButton)
    assert folder.is_dir() and dialog.folder_edit.text() == str(folder)
    for window in windows:
        assert window.session.link_images.enabled and window.link_images_action.isChecked()
        assert window.session.files_from_strangers and window.strangers_action.isChecked()
        assert window.files.download_folder == folder

    type_into(qtbot, dialog.real_name_edit, "Alice Liddell")
    type_into(qtbot, dialog.nick_edit, "alicia")  # alice's window uses the nickname: it follows
    qtbot.waitUntil(lambda: hosted.session.nick == "alicia")
    assert bob.session.nick == "bob"  # joined with a nickname of its own: kept

    chatbox.settings.sync()
    chatbox.desktop.theme.apply("system")  # as a new process starts: the system's look
    again = ChatboxApp(Settings(QSettings(chatbox.settings._store.fileName(),
                                          QSettings.Format.IniFormat)))
    assert chatbox.server is not None
    try:
        carol = again.join_chat("127.0.0.1", chatbox.server.port, "carol")
        assert app.palette().color(QPalette.ColorRole.Window).lightness() < 80
        assert (carol.messages.font().family(), carol.messages.font().pointSize()) == (
            family, 15)
        delegate = carol.messages.delegate
        assert delegate.timestamp_format == "%H:%M:%S" and delegate.hide_joins
        assert delegate.strip_colours and carol.notifier.sound
        rule = carol.session.attention_rule
        assert rule.every_message and rule.words == ("lunch", "Big Plan")
        assert carol.session.link_images.enabled and carol.session.files_from_strangers
        assert carol.files.download_folder == folder
        assert again.settings.last_nick == "alicia"
        qtbot.waitUntil(lambda: carol.session.connection.state == "connected")
        guest = chatbox.server.core.find_nick("carol")
        assert guest is not None and guest.realname == "Alice Liddell"  # sent on connecting
        reopened = again.desktop.open_preferences(carol)
        assert reopened.nick_edit.text() == "alicia" and reopened.size_spin.value() == 15
        assert reopened.level_buttons["all"].isChecked()
    finally:
        again.desktop.theme.apply("system")
        again.shutdown()
        qtbot.waitUntil(lambda: again._finished, timeout=5000)


def test_the_dialog_follows_choices_made_elsewhere(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, system_theme_after: None
) -> None:
    dialog = chatbox.desktop.open_preferences(hosted)
    before = dialog.size_spin.value()
    press(qtbot, hosted, Qt.Key.Key_Plus)
    assert dialog.size_spin.value() == hosted.messages.font().pointSize() != before
    action(hosted, "&Theme", "Dark").trigger()
    assert dialog.theme_box.currentData() == "dark"
    hosted.notify_action.trigger()  # Room → Desktop notifications off
    assert dialog.level_buttons["none"].isChecked()
    assert chatbox.desktop.tray.mute_action.isChecked()


def test_highlight_words_and_the_notification_levels_decide_what_notifies(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, loop_clients,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = hosted
    recorder = Recorder()
    window.notifier = recorder  # type: ignore[assignment]
    monkeypatch.setattr(window, "isActiveWindow", lambda: False)  # the user is elsewhere
    window.session.set_window_active(False)
    dialog = chatbox.desktop.open_preferences(window)
    type_into(qtbot, dialog.highlight_edit, "lunch, big plan")
    assert chatbox.server is not None
    raw: LoopClient = loop_clients(chatbox.server.port)
    raw.register(qtbot, "bob")
    raw.send("JOIN #chatbox")
    for text in ("nothing for anyone", "LUNCH at one?", "the Big Plan is ready",
                 "lunchbox or lunchtime? bigplan", "see you after lunch."):
        raw.send(f"PRIVMSG #chatbox :{text}")
    raw.send("PRIVMSG #chatbox :marker one")
    qtbot.waitUntil(lambda: any(t == "marker one" for _r, _s, t in window_lines(window)))
    assert [t for _r, _s, t in recorder.shown] == [
        "LUNCH at one?", "the Big Plan is ready", "see you after lunch."]
    room = window.session.rooms.get("#chatbox")
    assert room is not None and room.highlights == 3  # marked as mentions in the room list

    dialog.level_buttons["all"].click()
    raw.send("PRIVMSG #chatbox :just chatting")
    qtbot.waitUntil(lambda: recorder.shown[-1][2] == "just chatting")
    dialog.level_buttons["none"].click()
    raw.send("PRIVMSG alice :psst")
    raw.send("PRIVMSG #chatbox :marker two")
    qtbot.waitUntil(lambda: any(t == "marker two" for _r, _s, t in window_lines(window)))
    assert recorder.shown[-1][2] == "just chatting"


def window_lines(window: ChatWindow) -> list[tuple[str, str, str]]:
    room = window.session.rooms.get("#chatbox")
    return [("#chatbox", ln.sender, ln.text) for ln in room.messages.lines()] if room else []


def test_received_files_are_offered_into_the_chosen_download_folder(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, bob: ChatWindow, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "Received"
    monkeypatch.setattr(FolderChooser, "ask", classmethod(lambda cls, *_args: folder))
    dialog = chatbox.desktop.open_preferences(hosted)
    qtbot.mouseClick(dialog.folder_button, Qt.MouseButton.LeftButton)
    asked: list[Path | None] = []

    def ask(cls: type, parent: object, transfer: Transfer, where: Path | None = None
            ) -> tuple[Path, bool]:
        asked.append(where)
        assert where is not None
        return where / transfer.name, False

    monkeypatch.setattr(SaveChooser, "ask", classmethod(ask))
    source = tmp_path / "notes.txt"
    source.write_text("the plan\n")
    hosted.session.rooms.open("bob", "query")
    hosted.show_room("bob")
    drop(hosted, source)
    qtbot.waitUntil(lambda: len(bob.offer_bars()) == 1, timeout=5000)
    qtbot.mouseClick(bob.offer_bars()[0].save_button, Qt.MouseButton.LeftButton)
    assert asked == [folder]
    qtbot.waitUntil(lambda: (folder / "notes.txt").is_file()
                    and (folder / "notes.txt").read_text() == "the plan\n", timeout=10000)
