"""The system tray. Offscreen there is none, so the tray's presence is told to the app's
tray (``available``): with it, the hosting window (and, when chosen, every window) closes
into the tray and the chat stays up; without it, closing works as it always did."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from app.ui.chat_window import ChatWindow
from app.ui.controller import ChatboxApp, CloseConfirm
from app.ui.tray import AppTray, badge_icon, unread_tooltip
from tests.ui.conftest import LoopClient

MakeLoopClient = Callable[[int], LoopClient]


def guest(qtbot: QtBot, chatbox: ChatboxApp, make: MakeLoopClient) -> LoopClient:
    assert chatbox.server is not None
    raw = make(chatbox.server.port)
    raw.register(qtbot, "bob")
    raw.join(qtbot)
    return raw


def test_closing_the_hosting_window_keeps_the_chat_up_in_the_tray(
    qtbot: QtBot, chatbox: ChatboxApp, tray: AppTray, hosted: ChatWindow,
    loop_clients: MakeLoopClient, tray_messages: list[tuple[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[int] = []
    monkeypatch.setattr(CloseConfirm, "ask",
                        classmethod(lambda cls, _parent, others: asked.append(others) or True))
    window = hosted
    raw = guest(qtbot, chatbox, loop_clients)
    assert not chatbox.settings.close_to_tray  # not chosen: hosting is reason enough
    window.close()
    assert not window.isVisible() and window in chatbox.chat_windows
    assert chatbox.server is not None and not asked  # nobody was asked: nothing stops
    assert [title for title, _body in tray_messages] == ["Your chat is still on"]

    raw.send("PRIVMSG #chatbox :still here?")  # the guest is not cut off
    qtbot.waitUntil(lambda: tray.unread == 1)
    assert tray.icon is not None and tray.icon.toolTip() == "Chatbox — 1 unread message"
    raw.send("PING :alive")
    raw.wait_for(qtbot, lambda m: m.command == "PONG")

    tray.show_action.trigger()
    assert window.isVisible()
    window.close()  # the second time: hidden again, and nothing more said about it
    assert not window.isVisible() and len(tray_messages) == 1

    tray.quit_action.trigger()  # Quit ends the chat, once the host said yes
    assert asked == [1]
    qtbot.waitUntil(lambda: chatbox._finished, timeout=5000)
    raw.wait_for(qtbot, lambda m: m.command == "ERROR")
    assert chatbox.server is None and not tray.shown


def test_a_guest_window_closes_into_the_tray_only_when_chosen(
    qtbot: QtBot, chatbox: ChatboxApp, tray: AppTray, hosted: ChatWindow,
    tray_messages: list[tuple[str, str]],
) -> None:
    assert chatbox.server is not None
    bob = chatbox.join_chat("127.0.0.1", chatbox.server.port, "bob")
    carol = chatbox.join_chat("127.0.0.1", chatbox.server.port, "carol")
    qtbot.waitUntil(lambda: bob.current_room == "#chatbox" and carol.current_room == "#chatbox")
    bob.session.set_window_active(False)
    hosted.session.send_input("unread, for now", "#chatbox")
    qtbot.waitUntil(lambda: tray.unread == 1)
    bob.close()  # not chosen: it closes and bob leaves, and his unread line with him
    assert bob not in chatbox.chat_windows and tray.unread == 0
    qtbot.waitUntil(lambda: chatbox.server is not None
                    and chatbox.server.core.find_nick("bob") is None)
    chatbox.desktop.choices.change("close_to_tray", True)
    carol.close()
    assert not carol.isVisible() and carol in chatbox.chat_windows
    assert tray_messages[0][0] == "Chatbox is still running"
    assert chatbox.server.core.find_nick("carol") is not None


def test_without_a_tray_closing_the_hosting_window_stops_the_chat_as_before(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, loop_clients: MakeLoopClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert not QSystemTrayIcon.isSystemTrayAvailable() and not chatbox.desktop.tray.shown
    asked: list[int] = []
    monkeypatch.setattr(CloseConfirm, "ask",
                        classmethod(lambda cls, _parent, others: asked.append(others) or True))
    chatbox.desktop.choices.change("close_to_tray", True)  # chosen, but there is no tray
    raw = guest(qtbot, chatbox, loop_clients)
    hosted.close()
    assert asked == [1]  # asked, as always
    qtbot.waitUntil(lambda: chatbox._finished, timeout=5000)
    raw.wait_for(qtbot, lambda m: m.command == "ERROR")


def test_the_tray_icon_wears_the_unread_count(qtbot: QtBot) -> None:
    base = QPixmap(64, 64)
    base.fill(QColor("#2f65ca"))
    icon = QIcon(base)
    assert badge_icon(icon, 0) is icon
    image = badge_icon(icon, 7).pixmap(64, 64).toImage()
    corner = image.pixelColor(QPoint(58, 18))
    assert corner.red() > 150 and corner.blue() < 100  # a red disc, top right
    assert image.pixelColor(QPoint(6, 58)) == QColor("#2f65ca")  # the rest is the icon
    assert unread_tooltip(0) == "Chatbox"
    assert unread_tooltip(1) == "Chatbox — 1 unread message"
    assert unread_tooltip(250) == "Chatbox — 250 unread messages"
    assert not badge_icon(icon, 250).isNull()


def test_the_tray_menu_shows_mutes_and_quits(
    qtbot: QtBot, chatbox: ChatboxApp, tray: AppTray, hosted: ChatWindow,
) -> None:
    assert [a.text() for a in tray.menu.actions() if a.text()] == [
        "&Show Chatbox", "&Mute notifications", "&Quit Chatbox"]
    assert tray.icon is not None and tray.icon.contextMenu() is tray.menu
    tray.mute_action.trigger()
    assert chatbox.settings.notification_level == "none"
    assert not hosted.notify_enabled and not hosted.notify_action.isChecked()
    tray.mute_action.trigger()
    assert chatbox.settings.notification_level == "mentions" and hosted.notify_enabled
    hosted.notify_action.trigger()  # Room → Desktop notifications off: the tray says muted
    assert tray.mute_action.isChecked()
