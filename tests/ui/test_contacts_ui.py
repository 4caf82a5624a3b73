"""Who is online: right-click a nick → Watch, and the Contacts section under the room list
shows them online, away or offline as they come and go (MONITOR); a double-click opens a
private chat, an arrival can notify, and the list is remembered. Without MONITOR none of it
is there.

Real windows (pytest-qt, offscreen) on the chat the app hosts, real sockets.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot

from app.client.roles import AWAY_ROLE, ONLINE_ROLE
from app.server.commands import welcome
from app.settings import Settings
from app.ui.chat_window import ChatWindow
from app.ui.controller import ChatboxApp


def menu_actions(window: ChatWindow, nick: str) -> dict[str, QAction]:
    menu = window.context_menus.nick_menu(nick)
    return {a.text(): a for a in menu.actions() if not a.isSeparator()}


def status(window: ChatWindow, nick: str) -> str:
    """What the Contacts section shows for ``nick``: online, away, offline or missing."""
    view = window.presence.contacts.view
    model = view.model()
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if index.data() == nick:
            if not index.data(ONLINE_ROLE):
                return "offline"
            return "away" if index.data(AWAY_ROLE) else "online"
    return "missing"


def test_watch_shows_a_contact_online_away_and_offline_as_they_come_and_go(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = hosted
    panel = alice.presence.contacts
    assert panel.isVisible() and panel.nicks() == [] and panel.empty.isVisible()
    arrivals: list[str] = []
    monkeypatch.setattr(alice.notifier, "notify_online", arrivals.append)
    monkeypatch.setattr(alice, "isActiveWindow", lambda: False)  # looking elsewhere

    menu_actions(alice, "bob")["Watch"].trigger()  # bob is not here yet
    assert panel.nicks() == ["bob"] and not panel.empty.isVisible()
    assert chatbox.settings.watched == ["bob"]  # remembered
    qtbot.waitUntil(lambda: status(alice, "bob") == "offline", timeout=5000)
    assert "Stop watching" in menu_actions(alice, "bob")

    assert chatbox.server is not None
    bob = chatbox.join_chat("127.0.0.1", chatbox.server.port, "bob")
    qtbot.waitUntil(lambda: status(alice, "bob") == "online", timeout=5000)
    qtbot.waitUntil(lambda: arrivals == ["bob"], timeout=2000)  # a live arrival notifies
    qtbot.waitUntil(lambda: bob.current_room == "#chatbox", timeout=5000)
    bob.session.send_input("/away lunch", "#chatbox")
    qtbot.waitUntil(lambda: status(alice, "bob") == "away", timeout=5000)
    bob.session.send_input("/back", "#chatbox")
    qtbot.waitUntil(lambda: status(alice, "bob") == "online", timeout=5000)

    index = panel.view.model().index(0, 0)  # a double-click opens the private chat
    rect = panel.view.visualRect(index)
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: alice.current_room == "bob", timeout=2000)

    bob.close()  # quits
    qtbot.waitUntil(lambda: status(alice, "bob") == "offline", timeout=5000)
    menu_actions(alice, "bob")["Stop watching"].trigger()
    assert panel.nicks() == [] and chatbox.settings.watched == []


def test_the_watch_list_is_kept_across_restarts_and_shared_by_the_windows(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, bob: ChatWindow, tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    alice = hosted
    menu_actions(alice, "carol")["Watch"].trigger()
    assert bob.presence.contacts.nicks() == ["carol"]  # every window watches the same
    qtbot.waitUntil(lambda: status(bob, "carol") == "offline", timeout=5000)
    chatbox.settings.sync()
    again = Settings(QSettings(str(tmp_path / "chatbox.ini"), QSettings.Format.IniFormat))
    assert again.watched == ["carol"]


def test_an_arrival_does_not_notify_when_the_user_said_so(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = hosted
    dialog = chatbox.desktop.open_preferences(alice)
    assert dialog.contacts_check.isChecked()  # on by default
    dialog.contacts_check.click()
    assert chatbox.settings.contact_alerts is False
    arrivals: list[str] = []
    monkeypatch.setattr(alice.notifier, "notify_online", arrivals.append)
    monkeypatch.setattr(alice, "isActiveWindow", lambda: False)
    menu_actions(alice, "dave")["Watch"].trigger()
    assert chatbox.server is not None
    chatbox.join_chat("127.0.0.1", chatbox.server.port, "dave")
    qtbot.waitUntil(lambda: status(alice, "dave") == "online", timeout=5000)
    assert arrivals == []


def test_without_monitor_there_is_no_watch_item_and_no_contacts(
    qtbot: QtBot, chatbox: ChatboxApp, monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    plain = welcome.isupport_tokens

    def no_monitor(core):  # type: ignore[no-untyped-def]
        tokens = plain(core)
        tokens.pop("MONITOR", None)
        return tokens

    monkeypatch.setattr(welcome, "isupport_tokens", no_monitor)
    alice: ChatWindow = request.getfixturevalue("hosted")
    assert not alice.session.contacts.available()
    actions = menu_actions(alice, "bob")
    assert "Private message" in actions  # the menu is there…
    assert "Watch" not in actions and "Stop watching" not in actions  # …without Watch
    assert not alice.presence.contacts.isVisible()
