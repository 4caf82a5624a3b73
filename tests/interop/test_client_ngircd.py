"""The Chatbox client engine against Debian's ngircd: register, join, talk, part, quit.

ngircd is started by the test with the benchmark's throwaway configuration (its own port on
127.0.0.1, ``ngircd -n -f CONF``) and stopped at the end. Two :class:`ChatSession` objects,
alice and bob, run on pytest-qt's event loop, so each step is checked from both ends through
the same models the windows bind to.

What ngircd differs in from our server, and so what this file is really about: PREFIX is
``(qaohv)~&@%+``, there is no echo-message (the session echoes its own lines), QUIT reasons
come back quoted, and a fast client can be held back by penalties (hence the 10 s waits).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.bench import servers
from app.client.models import ChatLine, MemberModel, Room
from app.client.session import SERVER_ROOM, ChatSession
from tests.interop.drivers import chat_sessions

pytestmark = pytest.mark.interop

CHANNEL = "#interop"
WAIT_MS = 10_000

MakeSession = Callable[..., ChatSession]


@pytest.fixture(scope="module")
def ngircd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RunningServer]:
    """One ngircd for the module; missing ngircd fails in CI and skips elsewhere."""
    if servers.ngircd_path() is None:
        reason = "ngircd is not installed (apt-get install ngircd)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    workdir: Path = tmp_path_factory.mktemp("ngircd")
    server = servers.start("ngircd", workdir)
    yield server
    server.stop()


@pytest.fixture
def session(qtbot: QtBot, ngircd: servers.RunningServer) -> Iterator[MakeSession]:
    """``session("alice", channels=(...))``: a ChatSession registered on ngircd."""
    with chat_sessions(qtbot, ngircd.host, ngircd.port, WAIT_MS) as make:
        yield make


def room_of(chat: ChatSession, name: str) -> Room:
    found = chat.rooms.get(name)
    assert found is not None, f"{chat.nick} has no room {name}"
    return found


def lines(chat: ChatSession, room: str, kind: str | None = None) -> list[ChatLine]:
    return [ln for ln in room_of(chat, room).messages.lines() if kind is None or ln.kind == kind]


def shown_members(chat: ChatSession, room: str) -> list[str]:
    """The member list as displayed: highest prefix symbol, then the nick."""
    model: MemberModel = room_of(chat, room).members
    return [model.data(model.index(row)) for row in range(model.rowCount())]


def describe(chat: ChatSession, room: str) -> str:
    return "\n".join(f"  {ln.kind:8} <{ln.sender}> {ln.text}" for ln in lines(chat, room))


def test_register_join_talk_part_quit(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice", channels=(CHANNEL,))
    bob = session("bob", channels=(CHANNEL,))
    assert (alice.nick, bob.nick) == ("alice", "bob")
    info = alice.connection.info
    assert (info.prefix_modes, info.prefix_symbols) == ("qaohv", "~&@%+")
    assert "echo-message" not in bob.connection.caps

    # The creator of the channel is its operator; NAMES and JOIN agree on both sides.
    qtbot.waitUntil(lambda: shown_members(alice, CHANNEL) == ["@alice", "bob"], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: shown_members(bob, CHANNEL) == ["@alice", "bob"], timeout=WAIT_MS)

    bob.send_input("hello", CHANNEL)
    qtbot.waitUntil(lambda: bool(lines(alice, CHANNEL, "message")), timeout=WAIT_MS)
    heard = lines(alice, CHANNEL, "message")
    assert [(ln.sender, ln.text, ln.own) for ln in heard] == [("bob", "hello", False)]

    bob.send_input("/me waves", CHANNEL)
    qtbot.waitUntil(lambda: bool(lines(alice, CHANNEL, "action")), timeout=WAIT_MS)
    acted = lines(alice, CHANNEL, "action")
    assert [(ln.sender, ln.text) for ln in acted] == [("bob", "waves")]

    # alice is operator, so the topic is hers to set whatever ngircd's default modes are.
    alice.send_input("/topic Interop with ngircd", CHANNEL)
    qtbot.waitUntil(lambda: room_of(bob, CHANNEL).topic == "Interop with ngircd", timeout=WAIT_MS)
    assert [ln.sender for ln in lines(bob, CHANNEL, "topic")] == ["alice"]
    qtbot.waitUntil(lambda: room_of(alice, CHANNEL).topic == "Interop with ngircd", timeout=WAIT_MS)

    # The topic's round trip to bob came after his own lines: any server echo would be in by
    # now, so one copy each means the local echo stood in for echo-message, once.
    own = [
        (ln.kind, ln.sender, ln.text, ln.own)
        for ln in lines(bob, CHANNEL)
        if ln.kind in ("message", "action")
    ]
    expected = [("message", "bob", "hello", True), ("action", "bob", "waves", True)]
    assert own == expected, describe(bob, CHANNEL)

    bob.send_input(f"/part {CHANNEL} see you", CHANNEL)
    qtbot.waitUntil(lambda: shown_members(alice, CHANNEL) == ["@alice"], timeout=WAIT_MS)
    parts = [ln.text for ln in lines(alice, CHANNEL, "part")]
    assert parts == [f"bob left {CHANNEL} (see you)"], describe(alice, CHANNEL)
    qtbot.waitUntil(lambda: not room_of(bob, CHANNEL).joined, timeout=WAIT_MS)

    # Back in, so his quit has a room to show up in.
    bob.send_input(f"/join {CHANNEL}", CHANNEL)
    qtbot.waitUntil(lambda: shown_members(alice, CHANNEL) == ["@alice", "bob"], timeout=WAIT_MS)
    with qtbot.waitSignal(bob.connection.disconnected, timeout=WAIT_MS):
        bob.quit("bye")
    qtbot.waitUntil(lambda: bool(lines(alice, CHANNEL, "quit")), timeout=WAIT_MS)
    quits = lines(alice, CHANNEL, "quit")
    assert len(quits) == 1 and quits[0].sender == "bob", describe(alice, CHANNEL)
    # ngircd wraps a client's QUIT reason in quotes before passing it on.
    assert quits[0].text == 'bob quit ("bye")', quits[0].text
    assert shown_members(alice, CHANNEL) == ["@alice"]


def test_taken_nick_gets_an_underscore(session: MakeSession) -> None:
    first = session("alice")
    second = session("alice")
    assert (first.nick, second.nick) == ("alice", "alice_")
    assert second.connection.state == "connected"
    said = [ln.text for ln in lines(second, SERVER_ROOM, "info")]
    assert "The nickname alice is taken; trying alice_." in said, said


def test_on_a_server_without_the_extensions_nothing_modern_is_offered_and_lines_go_one_by_one(
    qtbot: QtBot, session: MakeSession
) -> None:
    """ngircd has none of message-tags, draft/multiline, redaction or read markers: the
    actions are absent, typing sends nothing, and three lines arrive as three messages."""
    alice = session("alice", channels=(CHANNEL,))
    bob = session("bob", channels=(CHANNEL,))
    qtbot.waitUntil(lambda: len(shown_members(alice, CHANNEL)) == 2, timeout=WAIT_MS)
    assert not {"message-tags", "draft/multiline"} & alice.connection.caps
    for feature in ("reply", "react", "redact", "multiline"):
        assert not alice.conversation.supports(feature), feature
    alice.typing.typed(CHANNEL, "half a thought")  # no TAGMSG: ngircd would refuse it
    alice.send_input("one\ntwo\nthree", CHANNEL)
    qtbot.waitUntil(lambda: len(lines(bob, CHANNEL, "message")) >= 3, timeout=WAIT_MS)
    assert [ln.text for ln in lines(bob, CHANNEL, "message")] == ["one", "two", "three"]
    assert bob.typing.text(CHANNEL) == ""
    server_lines = [ln.text for ln in lines(alice, SERVER_ROOM)]
    assert not any("TAGMSG" in text or "Unknown command" in text for text in server_lines), \
        server_lines
