"""Chats on this network in the start screen, and a hosted chat others can find.

The GUI under test runs in this process, in the machine's own network namespace, where
the suite never multicasts (``CHATBOX_NO_MDNS=1``, tests/conftest.py): its LanBrowser says
browsing is off. The chats it lists are real nonetheless: servers advertise in namespace A
of a test network and the browser process (``python -m app.client.discovery``) finds them
in namespace B; the entries it prints are fed to the start screen's LanBrowser through its
public signals, ``chat_found`` and ``chat_lost``, exactly as its own browse would emit them.
"""

from __future__ import annotations

import sys
from dataclasses import fields
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from app.client.discovery import STATE_OFF
from app.protocol.dnssd import LanChat
from app.settings import Settings
from app.ui.controller import ChatboxApp
from app.ui.nick_dialog import NickDialog
from app.ui.start_window import JoinRequest, StartWindow
from tests.conftest import StartServer
from tests.netns import APPEAR_S, LEAVE_S, JsonLines, LanPair

CHAT_FIELDS = {f.name for f in fields(LanChat)}


def as_chat(entry: dict[str, Any]) -> LanChat:
    """A ``found`` line of the browser process → the LanChat it printed."""
    values = {k: v for k, v in entry.items() if k in CHAT_FIELDS}
    values["addresses"] = tuple(values["addresses"])
    return LanChat(**values)


def row_point(start: StartWindow, row: int) -> QPoint:
    model = start.lan_list.model()
    return start.lan_list.visualRect(model.index(row, 0)).center()


def double_click(qtbot: QtBot, start: StartWindow, row: int) -> None:
    """Press-release, then the double-click event, as a real double-click arrives (QTest's
    mouseDClick alone sends only the second half)."""
    where = row_point(start, row)
    qtbot.mouseClick(start.lan_list.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(start.lan_list.viewport(), Qt.MouseButton.LeftButton, pos=where)


def rows(start: StartWindow) -> list[str]:
    model = start.lan_list.model()
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def found(entries: JsonLines, server: str, tls: bool) -> dict[str, Any]:
    return entries.wait_for(
        lambda e: e["event"] == "found" and e["server"] == server and e["tls"] is tls,
        APPEAR_S, f"{server} ({'TLS' if tls else 'plain'})")


def test_start_screen_lists_the_chats_on_the_network(
    qtbot: QtBot, chatbox: ChatboxApp, lan: LanPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    kitchen = lan.server("--name", "kitchen", "--tls-port", "0")
    attic = lan.server("--name", "attic")
    entries = lan.browser()
    kitchen_plain = found(entries, "kitchen", False)
    kitchen_tls = found(entries, "kitchen", True)
    attic_plain = found(entries, "attic", False)

    start = chatbox.show_start()
    qtbot.addWidget(start)
    assert start.lan_note.text() == STATE_OFF  # this process never browses
    assert rows(start) == []
    for entry in (kitchen_tls, attic_plain, kitchen_plain):
        chatbox.lan_browser.chat_found.emit(as_chat(entry))
    a = lan.addr_a
    assert rows(start) == [
        f"attic — #chatbox ({a}:{attic_plain['port']})",
        f"kitchen — #chatbox ({a}:{kitchen_plain['port']})",
        f"kitchen — #chatbox ({a}:{kitchen_tls['port']}, TLS)",
    ]
    assert start.lan_note.text().startswith("Click a chat")

    # One click fills the form in: address, port, TLS.
    qtbot.mouseClick(start.lan_list.viewport(), Qt.MouseButton.LeftButton,
                     pos=row_point(start, 2))
    assert start.host_edit.currentText() == a
    assert start.port_edit.value() == kitchen_tls["port"]
    assert start.tls_check.isChecked()

    # A double-click joins (the nickname dialog comes first: cancelled here).
    monkeypatch.setattr(NickDialog, "ask", classmethod(lambda cls, *_args: None))
    with qtbot.waitSignal(start.join_requested) as joined:
        double_click(qtbot, start, 0)
    request = joined.args[0]
    assert isinstance(request, JoinRequest)
    assert (request.host, request.port, request.tls, request.channel) == (
        a, attic_plain["port"], False, "#chatbox")

    # The attic server stops: it leaves the list.
    assert lan.stop(attic) == 0
    gone = entries.wait_for(lambda e: e["event"] == "lost" and e["key"] == attic_plain["key"],
                            LEAVE_S, "attic leaving")
    chatbox.lan_browser.chat_lost.emit(gone["key"])
    assert [r.split(" — ")[0] for r in rows(start)] == ["kitchen", "kitchen"]
    assert kitchen.poll() is None


def test_a_chat_picked_from_the_list_is_joined_in_its_room(
    qtbot: QtBot, chatbox: ChatboxApp, start_server: StartServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The whole way: a listed chat (a real server on 127.0.0.1 whose TXT names #lan),
    double-clicked, nickname, and the chat window is in #lan."""
    server = start_server()
    monkeypatch.setattr(NickDialog, "ask", classmethod(lambda cls, *_args: "carol"))
    start = chatbox.show_start()
    qtbot.addWidget(start)
    chatbox.lan_browser.chat_found.emit(LanChat(
        "bob on pc._irc._tcp.local.", "bob on pc", ("127.0.0.1",), server.port, False,
        server="test.server", nick="bob", room="#lan"))
    double_click(qtbot, start, 0)
    qtbot.waitUntil(lambda: bool(chatbox.chat_windows))
    window = chatbox.chat_windows[0]
    qtbot.waitUntil(lambda: window.current_room == "#lan", timeout=5000)
    assert not start.isVisible()
    assert chatbox.settings.recent_servers[0] == f"127.0.0.1:{server.port}"


def test_typing_another_address_forgets_the_picked_room(
    qtbot: QtBot, chatbox: ChatboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(NickDialog, "ask", classmethod(lambda cls, *_args: None))
    start = chatbox.show_start()
    qtbot.addWidget(start)
    chatbox.lan_browser.chat_found.emit(LanChat(
        "k", "bob on pc", ("10.0.0.9",), 6667, False, room="#lan"))
    qtbot.mouseClick(start.lan_list.viewport(), Qt.MouseButton.LeftButton,
                     pos=row_point(start, 0))
    start.host_edit.setCurrentText("10.0.0.10")
    with qtbot.waitSignal(start.join_requested) as joined:
        qtbot.mouseClick(start.join_button, Qt.MouseButton.LeftButton)
    assert joined.args[0].host == "10.0.0.10" and joined.args[0].channel == ""


def test_let_others_find_the_chat_is_on_by_default_and_remembered(
    qtbot: QtBot, chatbox: ChatboxApp, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = chatbox.show_start()
    qtbot.addWidget(start)
    assert start.advertise_check.isChecked()
    assert start.advertise_check.text() == "Let others on this network find the chat"
    start.advertise_check.setChecked(False)
    monkeypatch.setattr(NickDialog, "ask", classmethod(lambda cls, *_args: None))
    qtbot.mouseClick(start.host_button, Qt.MouseButton.LeftButton)
    assert settings.host_advertise is False
    again = StartWindow([], host_advertise=settings.host_advertise)
    qtbot.addWidget(again)
    assert not again.advertise_check.isChecked()


def test_a_hosted_chat_is_found_with_the_hosts_nick(lan: LanPair) -> None:
    """``chatbox --host-chat --nick alice`` in namespace A (offscreen): the browser in
    namespace B lists alice's chat, plain and TLS, and drops it when the app quits."""
    app = lan.popen(lan.a, [sys.executable, "-m", "app", "--host-chat", "--nick", "alice"],
                    CHATBOX_LISTEN_ADDRESS=lan.addr_a, QT_QPA_PLATFORM="offscreen")
    entries = lan.browser()
    hit = entries.wait_for(lambda e: e["event"] == "found" and e["nick"] == "alice"
                           and not e["tls"], APPEAR_S, "alice's chat")
    secure = entries.wait_for(lambda e: e["event"] == "found" and e["nick"] == "alice"
                              and e["tls"], APPEAR_S, "alice's chat over TLS")
    assert hit["name"].startswith("alice on ")
    assert hit["room"] == "#chatbox" and hit["addresses"] == [lan.addr_a]
    assert lan.stop(app) == 0
    for entry in (hit, secure):
        entries.wait_for(lambda e, key=entry["key"]: e["event"] == "lost" and e["key"] == key,
                         LEAVE_S, "alice's chat leaving")
    assert "advertising on the LAN" in lan.stderr(app)
