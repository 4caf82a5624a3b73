"""Replies in words, fed line by line (what any server may send, not only ours), the
channel list model and the ignore list."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.client.channel_list import ChannelListModel
from app.client.ignore import IgnoreList
from app.client.replies import idle_words
from app.client.session import SERVER_ROOM, ChatSession
from app.protocol.message import parse
from tests.client.conftest import SESSIONS


@pytest.fixture
def chat() -> ChatSession:
    """A session fed by hand, not connected; alice typed her last command in #chatbox."""
    made = ChatSession()
    SESSIONS.append(made)
    made.rooms.open("#chatbox", "channel")
    made.commands._typed = ("#chatbox", made.commands._clock())
    return made


def feed(chat: ChatSession, *lines: str) -> None:
    for line in lines:
        chat._on_message(parse(line))


def said(chat: ChatSession, room: str = "#chatbox", kind: str = "info") -> list[str]:
    found = chat.rooms.get(room)
    assert found is not None
    found.messages.flush()
    return [ln.text for ln in found.messages.lines() if ln.kind == kind]


def test_a_full_whois_is_one_line(chat: ChatSession) -> None:
    signon = int(datetime(2024, 6, 3, 14, 2).timestamp())
    feed(
        chat,
        ":srv 311 alice bob ~bob 10.0.0.2 * :Bob Smith",
        ":srv 319 alice bob :#chatbox @#ops",
        ":srv 312 alice bob irc.example.net :Example server",
        ":srv 313 alice bob :is an IRC operator",
        ":srv 301 alice bob :lunch",
        ":srv 671 alice bob :is using a secure connection",
        ":srv 378 alice bob :is connecting from *@host.example 10.0.0.2",
        ":srv 330 alice bob bobby :is logged in as",
        f":srv 317 alice bob 200 {signon} :seconds idle, signon time",
    )
    assert said(chat) == []  # nothing until the end
    feed(chat, ":srv 318 alice bob :End of /WHOIS list")
    assert said(chat) == [
        "bob is Bob Smith (~bob@10.0.0.2), on #chatbox @#ops, idle 3 min, signed on Mon 3 Jun "
        "2024 14:02, logged in as bobby, away: lunch, on a secure connection, an IRC operator, "
        "connected to irc.example.net, connecting from *@host.example 10.0.0.2"
    ]
    assert said(chat, SERVER_ROOM) == []


def test_whowas_and_errors_are_words(chat: ChatSession) -> None:
    feed(
        chat,
        ":srv 314 alice carol ~c 10.0.0.3 * :Carol",
        ":srv 312 alice carol srv :Mon Jun 03 14:02:11 2024",
        ":srv 369 alice carol :End of WHOWAS",
        ":srv 406 alice dave :There was no such nickname",
        ":srv 369 alice dave :End of WHOWAS",
        ":srv 482 alice #chatbox :You're not channel operator",
        ":srv 441 alice zed #chatbox :They aren't on that channel",
        ":srv 472 alice Q :is unknown mode char to me",
        ":srv 403 alice #nowhere :No such channel",
        ":srv 499 alice #chatbox :Something new",
    )
    assert said(chat) == ["carol was Carol (~c@10.0.0.3), last on srv at Mon Jun 03 14:02:11 2024"]
    assert said(chat, kind="error") == [
        "No one called dave was here recently.",
        "You need to be an operator of #chatbox (@) to do that.",
        "zed is not in #chatbox.",
        "The server does not know the mode Q.",
        "There is no channel called #nowhere.",
        "#chatbox: Something new",  # unknown: as the server put it
    ]


def test_replies_go_to_the_screen_once_the_typed_room_is_stale(chat: ChatSession) -> None:
    now = [0.0]
    chat.commands._clock = lambda: now[0]
    chat.commands._typed = ("#chatbox", 0.0)
    chat.rooms.open("#other", "channel")
    chat.active_room = "#other"
    now[0] = chat.commands.REPLY_WINDOW_S + 1
    feed(chat, ":srv 401 alice bob :No such nick/channel")
    assert said(chat, "#other", "error") == ["No one called bob is online."]


def test_away_notify_and_who_flags_grey_members(chat: ChatSession) -> None:
    room = chat.rooms.get("#chatbox")
    assert room is not None
    room.members.add("bob")
    room.members.add("carol")
    feed(chat, ":srv 352 alice #chatbox ~c h srv carol G :0 Carol")
    assert room.members.find("carol").away  # type: ignore[union-attr]
    feed(chat, ":bob!b@h AWAY :brb")
    assert room.members.find("bob").away  # type: ignore[union-attr]
    room.members.set_mode("bob", "o", True)
    room.members.rename("bob", "bobby")
    assert room.members.find("bobby").away  # type: ignore[union-attr]  # kept through both
    feed(chat, ":bobby!b@h AWAY")
    assert not room.members.find("bobby").away  # type: ignore[union-attr]
    assert said(chat) == []  # a WHO nobody typed, and away-notify, say nothing


def test_ctcp_answers_are_said(chat: ChatSession) -> None:
    feed(chat, ":bob!b@h NOTICE alice :\x01VERSION Chatbox 0.1\x01")
    assert said(chat) == ["bob answered VERSION: Chatbox 0.1"]


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(12, "12 s"), (200, "3 min"), (7500, "2 h 5 min"), (86400, "1 day"), (200000, "2 days")],
)
def test_idle_words(seconds: int, words: str) -> None:
    assert idle_words(seconds) == words


def test_the_channel_list_model_inserts_in_batches(qtbot: QtBot, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = ChannelListModel()
    inserts: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserts.append((first, last)))
    model.begin()
    for n in range(500):
        model.add(f"#c{n}", n, "\x02bold\x02 topic" if n == 7 else "")
    assert model.rowCount() == 0 and model.loading
    with qtbot.waitSignal(model.finished, timeout=1000) as done:
        model.end()
    assert done.args == [500] and inserts == [(0, 499)]
    assert model.index(7, 2).data() == "bold topic"
    assert model.index(7, 1).data() == 7
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Users"
    qtmodeltester.check(model)
    model.add("#late", 1, "")  # a server without 321: a new listing starts
    assert model.rowCount() == 0 and model.loading


def test_ignore_masks_match_under_irc_case_rules() -> None:
    ignores = IgnoreList()
    assert ignores.add("Bob") and not ignores.add("bob!*@*")
    assert ignores.add("*!*@spam.example")
    assert ignores.matches("BOB!x@y") and ignores.matches("eve!e@spam.example")
    assert not ignores.matches("bobby!b@h") and not ignores.matches(None)
    assert ignores.remove("bob") and not ignores.remove("bob")
    ignores.set_masks(["carol", "carol!*@*", ""])
    assert ignores.masks() == ["carol!*@*"]
