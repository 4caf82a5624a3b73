"""Read on one device, read everywhere: two windows logged in to one account (a laptop and
a phone, say); reading a room on one clears the other's bold count, red badge, "New
messages" rule and tray count, and takes back its notification, within a second.

Real windows (pytest-qt, offscreen) on the chat the app hosts (draft/read-marker), real
sockets; the tray is told it exists, its messages recorded.
"""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.client.connection import Account
from app.ui.chat_window import ChatWindow
from app.ui.controller import ChatboxApp
from app.ui.tray import AppTray, hides_with_empty_message

PASSWORD = "a long secret"


def device(qtbot: QtBot, chatbox: ChatboxApp, nick: str) -> ChatWindow:
    """A window logged in to the account dana, in #chatbox, not looked at."""
    assert chatbox.server is not None
    window = chatbox.join_chat("127.0.0.1", chatbox.server.port, nick,
                               account=Account("dana", PASSWORD))
    qtbot.waitUntil(lambda: window.current_room == "#chatbox", timeout=5000)
    assert window.session.connection.logged_in_as == "dana"
    window.show_room("Server")
    window.session.set_window_active(False)
    return window


def test_reading_on_one_device_clears_the_room_and_its_notification_on_the_other(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, tray: AppTray,
    tray_messages: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert chatbox.server is not None
    chatbox.server.core.accounts.register("dana", PASSWORD)
    laptop = device(qtbot, chatbox, "dana")
    phone = device(qtbot, chatbox, "dana_phone")
    for window in (laptop, phone):
        monkeypatch.setattr(window, "isActiveWindow", lambda: False)
    assert "draft/read-marker" in laptop.session.connection.caps

    hosted.session.send_input("dana: lunch at noon?", "#chatbox")
    hosted.session.send_input("and then a walk", "#chatbox")
    room = laptop.session.rooms.get("#chatbox")
    assert room is not None
    qtbot.waitUntil(lambda: room.unread == 2, timeout=5000)
    assert room.highlights == 1 and room.messages.marker is not None  # bold, red, a rule
    qtbot.waitUntil(lambda: laptop.notifier.pending == "#chatbox", timeout=2000)
    assert ("alice in #chatbox", "dana: lunch at noon?") in tray_messages
    qtbot.waitUntil(lambda: tray.unread >= 2, timeout=2000)
    assert laptop.windowTitle().startswith("(2) ")

    shown = len(tray_messages)
    phone.session.set_window_active(True)
    phone.show_room("#chatbox")  # read on the phone
    qtbot.waitUntil(lambda: room.unread == 0, timeout=1000)  # within a second
    assert room.highlights == 0 and room.messages.marker is None
    assert laptop.notifier.pending == ""  # taken back: a late click does nothing
    if hides_with_empty_message():
        assert tray_messages[shown:] == [("", "")]  # the balloon goes
    qtbot.waitUntil(lambda: tray.unread == 0, timeout=1000)
    assert not laptop.windowTitle().startswith("(")
    phone_room = phone.session.rooms.get("#chatbox")
    assert phone_room is not None and phone_room.unread == 0

