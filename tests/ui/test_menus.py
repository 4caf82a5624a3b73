"""The menu bar of a chat window: Chatbox, View, Room, Help; what the View menu changes
in every window, the keyboard shortcuts list and the About box."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QWidget
from pytestqt.qtbot import QtBot

from app import __version__
from app.client.models import LINE_ROLE
from app.settings import Settings
from app.ui.about import AboutDialog
from app.ui.chat_window import ChatWindow
from app.ui.controller import ChatboxApp
from app.ui.shortcut_list import ShortcutsDialog, plain
from tests.ui.test_widgets import unnamed

CTRL = Qt.KeyboardModifier.ControlModifier


def menu(window: QWidget, title: str) -> QMenu:
    bar = window.findChildren(QMenu)
    found = [m for m in bar if m.title() == title]
    assert found, f"no menu {title}"
    return found[0]


def action(window: QWidget, menu_title: str, text: str) -> QAction:
    for candidate in menu(window, menu_title).actions():
        if plain(candidate.text()) == text:
            return candidate
    raise AssertionError(f"no {text!r} in {menu_title}")


def press(qtbot: QtBot, window: ChatWindow, key: Qt.Key, modifier: Qt.KeyboardModifier = CTRL,
          ) -> None:
    """A key typed where the user types: the input line of the active window."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.input)
    QTest.keyClick(window.input, key, modifier)


def test_the_menu_bar_is_chatbox_view_room_help(hosted: ChatWindow) -> None:
    titles = [a.text() for a in hosted.menuBar().actions()]
    assert titles == ["&Chatbox", "&View", "&Room", "&Help"]
    texts = {title: [plain(a.text()) for a in menu(hosted, title).actions() if a.text()]
             for title in titles}
    assert texts["&Chatbox"] == ["Preferences", "Quit"]
    assert texts["&View"] == ["Larger text", "Smaller text", "Reset text size", "Theme",
                              "Show join/part lines", "Show member list"]
    assert texts["&Room"] == ["Find in room", "Leave room", "Desktop notifications",
                              "Show pictures from links", "Accept file offers from strangers",
                              "Close window"]
    assert texts["&Help"] == ["Keyboard shortcuts", "About Chatbox"]
    assert [plain(a.text()) for a in menu(hosted, "&Theme").actions()] == [
        "System", "Light", "Dark"]


def test_ctrl_plus_makes_the_messages_larger_in_every_window_and_is_remembered(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, bob: ChatWindow
) -> None:
    start = hosted.messages.font().pointSize()
    assert bob.messages.font().pointSize() == start
    bob.session.send_input("a line to measure", "#chatbox")
    model = hosted.messages.model()
    qtbot.waitUntil(lambda: model.rowCount() > 0 and "measure" in str(
        model.index(model.rowCount() - 1).data()))
    last = model.index(model.rowCount() - 1)
    qtbot.waitUntil(lambda: hosted.messages.visualRect(last).height() > 0)
    row_before = hosted.messages.visualRect(last).height()

    for _ in range(3):
        press(qtbot, hosted, Qt.Key.Key_Plus)
    assert hosted.messages.font().pointSize() == start + 3
    assert bob.messages.font().pointSize() == start + 3  # every window, at once
    qtbot.waitUntil(lambda: hosted.messages.visualRect(last).height() > row_before)
    press(qtbot, bob, Qt.Key.Key_Minus)
    assert hosted.messages.font().pointSize() == start + 2
    assert chatbox.settings.font_size == start + 2

    chatbox.settings.sync()
    again = ChatboxApp(Settings(QSettings(chatbox.settings._store.fileName(),
                                          QSettings.Format.IniFormat)))
    try:
        assert chatbox.server is not None
        carol = again.join_chat("127.0.0.1", chatbox.server.port, "carol")
        assert carol.messages.font().pointSize() == start + 2  # remembered
        press(qtbot, carol, Qt.Key.Key_0)
        assert carol.messages.font().pointSize() == start
        assert again.settings.font_size == 0
    finally:
        again.shutdown()
        qtbot.waitUntil(lambda: again._finished, timeout=5000)


def test_choosing_dark_changes_the_palette_at_once_and_system_gives_it_back(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, system_theme_after: None
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    system = QPalette(app.palette())
    window_colour = QPalette.ColorRole.Window
    assert action(hosted, "&Theme", "System").isChecked()
    action(hosted, "&Theme", "Dark").trigger()
    assert app.palette().color(window_colour).lightness() < 80
    qtbot.waitUntil(  # the windows repaint with it on the next turn of the event loop
        lambda: hosted.palette().color(window_colour) == app.palette().color(window_colour))
    assert hosted.messages.palette().color(QPalette.ColorRole.Base).lightness() < 80
    assert app.style().name().lower() == "fusion"
    assert chatbox.settings.theme == "dark" and action(hosted, "&Theme", "Dark").isChecked()
    action(hosted, "&Theme", "Light").trigger()
    assert app.palette().color(window_colour).lightness() > 200
    action(hosted, "&Theme", "System").trigger()
    assert app.palette().color(window_colour) == system.color(window_colour)
    assert chatbox.settings.theme == "system"


def test_join_part_lines_and_the_member_list_follow_the_view_menu_in_every_window(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, bob: ChatWindow
) -> None:
    model = hosted.messages.model()

    def join_heights() -> list[int]:
        return [hosted.messages.visualRect(model.index(r)).height()
                for r in range(model.rowCount())
                if model.index(r).data(LINE_ROLE).kind == "join"]

    qtbot.waitUntil(lambda: bool(join_heights()) and min(join_heights()) > 0)  # bob joined
    joins = action(hosted, "&View", "Show join/part lines")
    assert joins.isChecked() and not hosted.messages.delegate.hide_joins
    joins.trigger()
    assert chatbox.settings.hide_joins
    for window in (hosted, bob):
        assert window.messages.delegate.hide_joins
        assert not action(window, "&View", "Show join/part lines").isChecked()
    qtbot.waitUntil(lambda: max(join_heights()) == 0)

    members = action(bob, "&View", "Show member list")
    assert hosted.members_view.isVisible()
    members.trigger()
    assert not hosted.members_view.isVisible() and not bob.members_view.isVisible()
    hosted.show_room("Server")
    hosted.show_room("#chatbox")  # a room shown again keeps it hidden
    assert not hosted.members_view.isVisible()
    members.trigger()
    assert hosted.members_view.isVisible()
    assert chatbox.settings.show_members


def test_the_keyboard_shortcuts_dialog_lists_every_key_of_the_window(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow
) -> None:
    action(hosted, "&Help", "Keyboard shortcuts").trigger()
    dialogs = [d for d in chatbox.desktop.dialogs if isinstance(d, ShortcutsDialog)]
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    rows = {(r.where, r.what): r.keys for r in dialogs[0].rows}
    assert rows[("Room", "Leave room")] == "Ctrl+W"
    assert rows[("Chatbox", "Quit")] == "Ctrl+Q"
    assert rows[("Chatbox", "Preferences")] == "Ctrl+,"
    assert rows[("View", "Larger text")] == "Ctrl++, Ctrl+="
    assert rows[("", "Show room 1 of the list")] == "Alt+1"
    with_keys = {plain(a.text()) for a in hosted.findChildren(QAction)
                 if a.shortcuts() and a.associatedObjects()}
    assert with_keys <= {what for _where, what in rows}  # none left out
    table = dialogs[0].table
    assert table.rowCount() == len(dialogs[0].rows)
    assert unnamed(dialogs[0]) == []


def test_about_says_the_version_and_the_licences_of_what_ships_with_it(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow
) -> None:
    from importlib.metadata import version

    action(hosted, "&Help", "About Chatbox").trigger()
    about = next(d for d in chatbox.desktop.dialogs if isinstance(d, AboutDialog))
    assert __version__ in about.heading.text()
    text = about.credits.toPlainText()
    for needed in ("Qt", "LGPL-3.0", "PySide6", "cryptography", "Apache-2.0 OR BSD-3-Clause",
                   "scramp", "keyring", "zeroconf", "LGPL-2.1-or-later", "Python", "PSF-2.0",
                   version("cryptography"), version("zeroconf")):
        assert needed in text, needed
    assert unnamed(about) == []
