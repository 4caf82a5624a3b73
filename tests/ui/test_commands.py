"""Commands typed into the real chat window, against the real bundled server and raw
clients on 127.0.0.1: /help, /whois, /op, /kick, /list's channel browser, /ignore, away."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from app.client.roles import AWAY_ROLE
from app.protocol.commands import COMMANDS
from app.server.listener import ChatServer
from app.ui.chat_window import ChatWindow
from app.ui.controller import ChatboxApp
from tests.ui.conftest import LoopClient

MakeLoopClient = Callable[[int], LoopClient]


def type_line(qtbot: QtBot, window: ChatWindow, text: str) -> None:
    """Types ``text`` (ASCII) into the input line and presses Enter."""
    qtbot.keyClicks(window.input, text)
    qtbot.keyClick(window.input, Qt.Key.Key_Return)


def said(window: ChatWindow, room: str, kind: str = "info") -> list[str]:
    found = window.session.rooms.get(room)
    assert found is not None, room
    return [line.text for line in found.messages.lines() if line.kind == kind]


@pytest.fixture
def bob(qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow,
        loop_clients: MakeLoopClient) -> LoopClient:
    """A raw client "bob" in alice's hosted #chatbox (alice is its operator)."""
    assert chatbox.server is not None
    raw = loop_clients(chatbox.server.port)
    raw.register(qtbot, "bob")
    raw.send("JOIN #chatbox")
    room = hosted.session.rooms.get("#chatbox")
    assert room is not None
    qtbot.waitUntil(lambda: "bob" in room.members.nicks())
    return raw


def test_help_lists_every_command_explains_one_and_unknown_ones_say_so(
    qtbot: QtBot, hosted: ChatWindow
) -> None:
    window = hosted
    type_line(qtbot, window, "/help")
    lines = said(window, "#chatbox")
    for command in COMMANDS:
        assert f"{command.usage} — {command.summary}" in lines
    type_line(qtbot, window, "/help whois")
    assert said(window, "#chatbox")[-2:] == [
        "Usage: /whois nick", "Who someone is: name, address, channels, idle time and account.",
    ]
    type_line(qtbot, window, "/frobnicate now")
    assert said(window, "#chatbox", "error")[-1] == (
        "Unknown command /frobnicate — /help lists the commands"
    )
    assert window.input.placeholderText().endswith("/help")


def test_whois_shows_words_in_the_current_room(
    qtbot: QtBot, hosted: ChatWindow, bob: LoopClient
) -> None:
    window = hosted
    type_line(qtbot, window, "/whois bob")
    qtbot.waitUntil(lambda: any(t.startswith("bob is ") for t in said(window, "#chatbox")))
    text = next(t for t in said(window, "#chatbox") if t.startswith("bob is "))
    assert text.startswith("bob is Raw Client (~raw@127.0.0.1)") or text.startswith(
        "bob is Raw Client (raw@127.0.0.1)"
    ), text
    assert "on #chatbox" in text and "idle " in text and "signed on " in text
    assert not any(t.startswith("bob is ") for t in said(window, "Server"))


def test_op_and_kick_reach_the_raw_client(
    qtbot: QtBot, hosted: ChatWindow, bob: LoopClient
) -> None:
    window = hosted
    type_line(qtbot, window, "/op bob")
    mode = bob.wait_for(qtbot, lambda m: m.command == "MODE")
    assert mode.params == ("#chatbox", "+o", "bob")
    room = window.session.rooms.get("#chatbox")
    assert room is not None
    qtbot.waitUntil(lambda: room.members.find("bob") is not None
                    and room.members.find("bob").modes == "o")  # type: ignore[union-attr]
    type_line(qtbot, window, "/kick bob time for bed")
    kick = bob.wait_for(qtbot, lambda m: m.command == "KICK")
    assert kick.params == ("#chatbox", "bob", "time for bed")
    qtbot.waitUntil(lambda: room.members.find("bob") is None)


def test_ignore_drops_a_raw_clients_messages_and_is_remembered(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow, bob: LoopClient
) -> None:
    window = hosted
    type_line(qtbot, window, "/ignore bob")
    assert chatbox.settings.ignored == ["bob!*@*"]
    bob.send("PRIVMSG #chatbox :can you hear me")
    bob.send("PRIVMSG alice :psst")
    bob.send("NOTICE alice :notice me")
    bob.send("PRIVMSG alice :\x01DCC SEND notes.txt 2130706433 5000 10\x01")
    bob.send("PART #chatbox")  # after the rest, on the same link: the marker
    room = window.session.rooms.get("#chatbox")
    assert room is not None
    qtbot.waitUntil(lambda: "bob" not in room.members.nicks())
    texts = [ln.text for r in window.session.rooms.rooms() for ln in r.messages.lines()]
    assert not [t for t in texts if "hear me" in t or "psst" in t or "notice me" in t]
    assert window.session.rooms.get("bob") is None and window.offer_bars() == []
    type_line(qtbot, window, "/unignore bob")
    assert chatbox.settings.ignored == []


def test_an_away_member_is_greyed(qtbot: QtBot, hosted: ChatWindow, bob: LoopClient) -> None:
    window = hosted
    room = window.session.rooms.get("#chatbox")
    assert room is not None
    model = room.members
    assert window.members_view.model() is model

    def row_of(nick: str) -> int:
        return model.nicks().index(nick)

    def ink(nick: str) -> object:
        option = QStyleOptionViewItem()
        window.members_view.itemDelegate().initStyleOption(  # type: ignore[attr-defined]
            option, model.index(row_of(nick))
        )
        return option.palette.color(QPalette.ColorRole.Text)

    here = ink("bob")
    bob.send("AWAY :out to lunch")
    qtbot.waitUntil(lambda: bool(model.data(model.index(row_of("bob")), AWAY_ROLE)))
    grey = window.members_view.palette().color(QPalette.ColorGroup.Disabled,
                                               QPalette.ColorRole.Text)
    assert ink("bob") == grey != here
    assert ink("alice") == here
    bob.send("AWAY")
    qtbot.waitUntil(lambda: not model.data(model.index(row_of("bob")), AWAY_ROLE))
    assert ink("bob") == here


def test_clear_empties_the_view_and_close_leaves_the_room(
    qtbot: QtBot, hosted: ChatWindow, bob: LoopClient
) -> None:
    window = hosted
    bob.send("PRIVMSG #chatbox :something to clear")
    qtbot.waitUntil(lambda: "something to clear" in said(window, "#chatbox", "message"))
    type_line(qtbot, window, "/clear")
    assert window.messages.model().rowCount() == 0 and said(window, "#chatbox", "message") == []
    type_line(qtbot, window, "/join #den")
    qtbot.waitUntil(lambda: window.current_room == "#den")
    type_line(qtbot, window, "/close")
    assert window.session.rooms.get("#den") is None
    assert window.current_room in ("#chatbox", "Server")
    assert window.session.rooms.get(window.current_room) is not None


def test_away_and_back_are_signalled(qtbot: QtBot, hosted: ChatWindow) -> None:
    window = hosted
    with qtbot.waitSignal(window.session.commands.away_changed, timeout=5000) as changed:
        type_line(qtbot, window, "/away brb")
    assert changed.args == [True, "brb"]
    with qtbot.waitSignal(window.session.commands.away_changed, timeout=5000) as changed:
        type_line(qtbot, window, "/back")
    assert changed.args == [False, ""]


# ---------------------------------------------------------------- /list: the browser
CHANNELS_EACH = 90  # ten raw clients: 900 channels, an eleventh: 100 more (CHANLIMIT 100)


def fill_server(qtbot: QtBot, server: ChatServer, loop_clients: MakeLoopClient) -> int:
    """1,000 channels of one member, #popular of ten, and #c0007 with a topic; returns
    how many channels the server has then."""
    clients = []
    for n in range(11):
        raw = loop_clients(server.port)
        raw.register(qtbot, f"filler{n}")
        first, count = (n * CHANNELS_EACH, CHANNELS_EACH) if n < 10 else (900, 100)
        names = [f"#c{i:04d}" for i in range(first, first + count)]
        if n < 10:
            names.append("#popular")
        for start in range(0, len(names), 40):
            raw.send("JOIN " + ",".join(names[start:start + 40]))
        clients.append(raw)
    clients[0].send("TOPIC #c0007 :\x02Knitting\x02 circle <b>every</b> Tuesday")
    qtbot.waitUntil(lambda: len(server.core.channels) >= 1001, timeout=20000)
    clients[0].wait_for(qtbot, lambda m: m.command == "TOPIC", timeout=10000)
    for raw in clients:
        raw.poll()
    return len(server.core.channels)


def test_list_fills_the_browser_from_a_server_of_a_thousand_channels(
    qtbot: QtBot, chatbox: ChatboxApp, chat_server: ChatServer, loop_clients: MakeLoopClient
) -> None:
    window = chatbox.join_chat("127.0.0.1", chat_server.port, "alice")
    qtbot.waitUntil(lambda: window.current_room == "#chatbox", timeout=5000)
    total = fill_server(qtbot, chat_server, loop_clients)
    assert total >= 1002  # with #chatbox
    type_line(qtbot, window, "/list")
    browser = window.channel_browser
    assert browser is not None and browser.isVisible()
    listing = window.session.commands.channel_list
    qtbot.waitUntil(lambda: not listing.loading and listing.rowCount() == total, timeout=10000)
    assert browser.status.text() == f"{total:,} channels"
    shown = browser.visible_channels()
    assert shown[0] == "#popular" and len(shown) == total  # the biggest first
    assert browser.proxy.index(0, 1).data() == 10
    topic_row = next(c for c in listing.channels() if c.name == "#c0007")
    assert topic_row.topic == "Knitting circle <b>every</b> Tuesday"  # as it reads: plain

    qtbot.keyClicks(browser.filter, "knitting")
    assert browser.visible_channels() == ["#c0007"]
    assert browser.status.text() == f"1 of {total:,} channels match"
    browser.filter.clear()
    qtbot.keyClicks(browser.filter, "c050")
    assert sorted(browser.visible_channels()) == [f"#c{i:04d}" for i in range(500, 510)]
    browser.filter.clear()
    qtbot.keyClicks(browser.filter, "#c0500")
    assert browser.visible_channels() == ["#c0500"]

    index = browser.proxy.index(0, 0)
    browser.table.scrollTo(index)
    point: QPoint = browser.table.visualRect(index).center()
    chosen: list[str] = []
    browser.join_requested.connect(chosen.append)
    # QTest's double-click counts as one only after a press on the same row (a real one has it)
    qtbot.mouseClick(browser.table.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseDClick(browser.table.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert chosen == ["#c0500"]
    qtbot.waitUntil(lambda: window.current_room == "#c0500", timeout=5000)
    room = window.session.rooms.get("#c0500")
    assert room is not None and "alice" in room.members.nicks()

    browser.filter.clear()
    qtbot.keyClicks(browser.filter, "popular")
    qtbot.keyClick(browser.filter, Qt.Key.Key_Return)  # Enter: the first shown
    qtbot.waitUntil(lambda: window.current_room == "#popular", timeout=5000)
