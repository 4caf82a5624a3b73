"""Replies, reactions and redaction between real sessions on a real Chatbox server: what
one person does to a message, the others see on that message.

Real server (in-process, or a subprocess with a data dir for restarts), real ChatSessions,
real sockets; the few lines fed straight to a session's events are what a server sends when
the order of arrival cannot be forced (a reaction before its parent's history).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot

from app.client import connection as connection_module
from app.client.conversation import NOT_FOUND
from app.client.lines import ChatLine, reaction_totals
from app.client.message_model import MessageModel
from app.client.session import ChatSession
from app.protocol.message import parse
from tests.client.conftest import SESSIONS, MakeSession
from tests.support import ServerProcess
from tests.ui.conftest import LoopClient

ROOM = "#chatbox"


def line_of(chat: ChatSession, text: str, room: str = ROOM) -> ChatLine | None:
    found = chat.rooms.get(room)
    assert found is not None, f"no room {room}"
    return next((ln for ln in found.messages.lines() if ln.text == text), None)


def wait_line(qtbot: QtBot, chat: ChatSession, text: str, room: str = ROOM) -> ChatLine:
    qtbot.waitUntil(lambda: (ln := line_of(chat, text, room)) is not None and bool(ln.msgid),
                    timeout=10000)
    line = line_of(chat, text, room)
    assert line is not None
    return line


def totals(chat: ChatSession, text: str, room: str = ROOM) -> list[tuple[str, list[str]]]:
    line = line_of(chat, text, room)
    assert line is not None
    return [(emoji, nicks) for emoji, nicks, _mine in reaction_totals(line)]


# ---------------------------------------------------------------- replies
def test_a_reply_shows_its_parent_at_once_and_at_the_other_end(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice = session("alice", channels=(ROOM,))
    bob = session("bob", channels=(ROOM,))
    assert alice.conversation.supports("reply") and alice.conversation.supports("react")
    bob.send_input("lunch at noon?", ROOM)
    parent = wait_line(qtbot, alice, "lunch at noon?")
    alice.conversation.reply(ROOM, parent, "yes, the usual place")
    pending = line_of(alice, "yes, the usual place")
    assert pending is not None and pending.state == "pending"  # shown at once, pending
    assert pending.reply is not None and pending.reply.sender == "bob"
    theirs = wait_line(qtbot, bob, "yes, the usual place")
    assert theirs.reply_to == parent.msgid and theirs.sender == "alice"
    assert theirs.reply is not None
    assert (theirs.reply.sender, theirs.reply.text) == ("bob", "lunch at noon?")
    ours = wait_line(qtbot, alice, "yes, the usual place")  # confirmed by its echo
    assert ours.state == "" and ours.reply_to == parent.msgid and ours.reply is not None
    assert alice.conversation.line_for(ROOM, parent.msgid) == parent


def test_a_reply_whose_parent_is_not_loaded_fetches_it_on_request(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice = session("alice", channels=(ROOM,))
    alice.send_input("the old question", ROOM)
    old = wait_line(qtbot, alice, "the old question")
    for i in range(6):
        alice.send_input(f"filler {i}", ROOM)
    alice.conversation.reply(ROOM, old, "the late answer")
    wait_line(qtbot, alice, "the late answer")
    carol = ChatSession()
    SESSIONS.append(carol)
    carol.history_lines = 2  # joins seeing only the last two lines
    carol.autojoin = [ROOM]
    with qtbot.waitSignal(carol.connection.registered, timeout=5000):
        carol.connection.connect_to("127.0.0.1", alice.connection.port, "carol")
    answer = wait_line(qtbot, carol, "the late answer")
    assert answer.reply is not None and answer.reply.sender == ""  # its parent: not here
    assert carol.conversation.line_for(ROOM, old.msgid) is None
    with qtbot.waitSignal(carol.conversation.parent_found, timeout=5000) as found:
        carol.conversation.show_parent(ROOM, old.msgid)
    assert found.args == [ROOM, old.msgid]
    assert carol.conversation.line_for(ROOM, old.msgid) is not None
    refreshed = line_of(carol, "the late answer")  # the preview came with its parent
    assert refreshed is not None and refreshed.reply is not None
    assert (refreshed.reply.sender, refreshed.reply.text) == ("alice", "the old question")
    with qtbot.waitSignal(carol.conversation.parent_found, timeout=1000):
        carol.conversation.show_parent(ROOM, old.msgid)  # loaded now: at once
    with qtbot.waitSignal(carol.notice, timeout=5000) as said:
        carol.conversation.show_parent(ROOM, "no-such-msgid")
    assert said.args == [NOT_FOUND]
    carol.connection.quit()


# ---------------------------------------------------------------- reactions
def test_react_then_unreact_is_seen_by_the_others_with_counts(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice = session("alice", channels=(ROOM,))
    bob = session("bob", channels=(ROOM,))
    carol = session("carol", channels=(ROOM,))
    bob.send_input("we won!", ROOM)
    for chat in (alice, bob, carol):
        wait_line(qtbot, chat, "we won!")
    parent = line_of(alice, "we won!")
    assert parent is not None
    alice.conversation.react(ROOM, parent, "🎉")
    assert totals(alice, "we won!") == [("🎉", ["alice"])]  # the chip, at once
    qtbot.waitUntil(lambda: totals(bob, "we won!") == [("🎉", ["alice"])], timeout=5000)
    carol.conversation.react(ROOM, parent, "🎉")
    qtbot.waitUntil(lambda: totals(bob, "we won!") == [("🎉", ["alice", "carol"])],
                    timeout=5000)
    qtbot.waitUntil(lambda: totals(alice, "we won!") == [("🎉", ["alice", "carol"])],
                    timeout=5000)
    shown = line_of(alice, "we won!")
    assert shown is not None and all(r.msgid for r in shown.reactions)  # echoes took over
    assert len(shown.reactions) == 2  # not one more for our echo
    alice.conversation.react(ROOM, shown, "🎉")  # again: taken back
    assert totals(alice, "we won!") == [("🎉", ["carol"])]
    qtbot.waitUntil(lambda: totals(bob, "we won!") == [("🎉", ["carol"])], timeout=5000)
    mine = [m for e, _n, m in reaction_totals(line_of(carol, "we won!"), me="carol")]  # type: ignore[arg-type]
    assert mine == [True]


def test_a_reaction_that_beats_its_parents_history_waits_for_it(
    qtbot: QtBot, session: MakeSession
) -> None:
    bob = session("bob", channels=(ROOM,))
    events = bob._events
    t = "time=2026-01-01T10:00:0{}.000Z"
    events.handle(parse(f"@{t.format(5)};msgid=r1;+draft/reply=p1;+draft/react=👍 "
                        f":carol!u@h TAGMSG {ROOM}"))
    events.handle(parse(f"@{t.format(6)};msgid=r1;+draft/reply=p1;+draft/react=👍 "
                        f":carol!u@h TAGMSG {ROOM}"))  # the same one twice: once
    events.handle(parse(f"@msgid=x;+draft/reply=p1;+draft/react={'x' * 65} "
                        f":dave!u@h TAGMSG {ROOM}"))  # too long: dropped, not cut
    events.handle(parse(f"@+typing=active :dave!u@h TAGMSG {ROOM}"))  # not a reaction
    events.handle(parse(f"@msgid=q1;{t.format(7)};+draft/reply=p1 :dave!u@h PRIVMSG {ROOM} "
                        ":agreed"))  # a reply before its parent
    events.handle(parse(":test.server BATCH +h1 chathistory #chatbox"))
    events.handle(parse(f"@batch=h1;{t.format(1)};msgid=p1 :carol!u@h PRIVMSG {ROOM} "
                        ":history says hi"))
    events.handle(parse(f"@batch=h1;{t.format(2)};msgid=r2;+draft/reply=p1;+draft/react=👍 "
                        f":erin!u@h TAGMSG {ROOM}"))
    events.handle(parse(f"@batch=h1;{t.format(3)} :erin!u@h JOIN {ROOM}"))  # the past's
    events.handle(parse(":test.server BATCH -h1"))
    parent = line_of(bob, "history says hi")
    assert parent is not None and parent.history
    assert [(r.sender, r.text) for r in parent.reactions] == [("carol", "👍"), ("erin", "👍")]
    reply = line_of(bob, "agreed")
    assert reply is not None and reply.reply is not None and reply.reply.sender == "carol"
    room = bob.rooms.get(ROOM)
    assert room is not None and room.members.find("erin") is None  # no replayed JOIN


def test_reactions_come_back_after_a_client_restart_and_a_server_restart(
    qtbot: QtBot, session: MakeSession, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    server = ServerProcess.start(data_dir=data)
    try:
        alice = session("alice", channels=(ROOM,), port=server.port)
        bob = session("bob", channels=(ROOM,), port=server.port)
        bob.send_input("keep this", ROOM)
        parent = wait_line(qtbot, alice, "keep this")
        alice.conversation.react(ROOM, parent, "❤️")
        alice.conversation.react(ROOM, parent, "👀")
        alice.conversation.react(ROOM, line_of(alice, "keep this"), "👀")  # type: ignore[arg-type]
        qtbot.waitUntil(lambda: totals(bob, "keep this") == [("❤️", ["alice"])], timeout=5000)
        fresh = session("alice2", channels=(ROOM,), port=server.port)  # a restarted client
        qtbot.waitUntil(lambda: line_of(fresh, "keep this") is not None, timeout=5000)
        qtbot.waitUntil(lambda: totals(fresh, "keep this") == [("❤️", ["alice"])], timeout=5000)
        for chat in (alice, bob, fresh):
            chat.connection.quit()
    finally:
        server.stop()
    server = ServerProcess.start(data_dir=data)
    try:
        later = session("dave", channels=(ROOM,), port=server.port)
        qtbot.waitUntil(lambda: line_of(later, "keep this") is not None, timeout=5000)
        qtbot.waitUntil(lambda: totals(later, "keep this") == [("❤️", ["alice"])], timeout=5000)
        later.connection.quit()
    finally:
        server.stop()


# ---------------------------------------------------------------- redaction
def test_deleting_ones_own_message_deletes_it_for_the_others_and_from_history(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice = session("alice", channels=(ROOM,))
    bob = session("bob", channels=(ROOM,))
    alice.send_input("oops, wrong room", ROOM)
    mine = wait_line(qtbot, alice, "oops, wrong room")
    wait_line(qtbot, bob, "oops, wrong room")
    bob.conversation.reply(ROOM, line_of(bob, "oops, wrong room"), "what?")  # type: ignore[arg-type]
    wait_line(qtbot, alice, "what?")
    assert alice.conversation.may_redact(ROOM, mine)
    assert not bob.conversation.may_redact(ROOM, line_of(bob, "oops, wrong room"))  # type: ignore[arg-type]
    alice.conversation.redact(ROOM, mine)
    qtbot.waitUntil(lambda: line_of(bob, "oops, wrong room").redacted, timeout=5000)  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: line_of(alice, "oops, wrong room").redacted, timeout=5000)  # type: ignore[union-attr]
    reply = line_of(alice, "what?")
    assert reply is not None and reply.reply is not None and reply.reply.redacted
    assert reply.reply.text == ""  # nothing of it in the preview
    room = bob.rooms.get(ROOM)
    assert room is not None
    row = next(r for r in range(room.messages.rowCount())
               if room.messages.data(room.messages.index(r), 0).endswith("(message deleted)"))
    assert "oops" not in room.messages.data(room.messages.index(row), 0)
    carol = session("carol", channels=(ROOM,))
    wait_line(qtbot, carol, "what?")
    assert line_of(carol, "oops, wrong room") is None  # history no longer has it


def test_an_operator_deletes_someone_elses_message(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice", channels=(ROOM,))  # first in: operator
    bob = session("bob", channels=(ROOM,))
    qtbot.waitUntil(lambda: (m := alice.rooms.get(ROOM).members.find("alice")) is not None  # type: ignore[union-attr]
                    and "o" in m.modes, timeout=5000)
    bob.send_input("buy cheap watches", ROOM)
    spam = wait_line(qtbot, alice, "buy cheap watches")
    assert alice.conversation.may_redact(ROOM, spam)
    alice.send_input("hello bob", ROOM)
    theirs = wait_line(qtbot, bob, "hello bob")
    assert not bob.conversation.may_redact(ROOM, theirs)  # not an operator
    alice.conversation.redact(ROOM, spam, "spam")
    qtbot.waitUntil(lambda: line_of(bob, "buy cheap watches").redacted, timeout=5000)  # type: ignore[union-attr]


# ---------------------------------------------------------------- without the caps
def test_without_the_caps_nothing_is_offered_and_nothing_is_sent(
    qtbot: QtBot, session: MakeSession, chat_server: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    bob = session("bob", channels=(ROOM,))
    monkeypatch.setattr(connection_module, "WANTED_CAPS", frozenset({"server-time"}))
    alice = session("alice", channels=(ROOM,))
    raw = LoopClient(bob.connection.port)
    try:
        raw.send("CAP REQ :message-tags draft/message-redaction")
        raw.send("CAP END")
        raw.register(qtbot, "watcher")
        raw.send(f"JOIN {ROOM}")
        raw.wait_for(qtbot, lambda m: m.command == "366")
        bob.send_input("plain old irc", ROOM)
        parent = wait_line(qtbot, bob, "plain old irc")  # bob's has a msgid, alice's none
        qtbot.waitUntil(lambda: line_of(alice, "plain old irc") is not None, timeout=5000)
        for feature in ("reply", "react", "redact", "multiline"):
            assert not alice.conversation.supports(feature), feature
        assert not alice.conversation.may_redact(ROOM, parent)
        alice.conversation.react(ROOM, parent, "👍")
        alice.conversation.redact(ROOM, parent)
        alice.conversation.reply(ROOM, parent, "a plain answer")  # a plain message
        msg = raw.wait_for(qtbot, lambda m: m.command == "PRIVMSG" and m.param(1) ==
                           "a plain answer")
        assert "+draft/reply" not in msg.tags
        commands = [m.command for m in raw.poll() if (m.source or "").startswith("alice!")]
        assert "TAGMSG" not in commands and "REDACT" not in commands
        assert line_of(bob, "plain old irc").reactions == ()  # type: ignore[union-attr]
    finally:
        raw.close()


# ---------------------------------------------------------------- the model, and fuzz
def test_the_message_model_finds_amends_and_parks_by_msgid(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    model = MessageModel()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    lines = [ChatLine(t0 + timedelta(seconds=i), "bob", f"l{i}", msgid=f"m{i}")
             for i in range(0, 400, 2)]
    model.merge_history(lines)
    assert model.line_for("m100") is lines[50]
    changed: list[int] = []
    model.dataChanged.connect(lambda first, _last: changed.append(first.row()))
    assert model.amend("m10", lambda ln: replace(ln, redacted=True))  # loaded: now
    assert changed and model.line_for("m10").redacted  # type: ignore[union-attr]
    assert not model.amend("m401", lambda ln: replace(ln, text="changed"))  # parked
    model.merge_history([ChatLine(t0 + timedelta(seconds=401), "bob", "late", msgid="m401")])
    assert model.line_for("m401").text == "changed"  # type: ignore[union-attr]
    stale = lines[20]
    model.amend("m40", lambda ln: replace(ln, text="edited"))
    assert model.current(stale).text == "edited" and model.replace(stale, replace(stale))
    assert model.marker is None
    model.marker = stale  # a stale reference is taken as the line as it is now
    assert model.marker is model.line_for("m40")
    qtmodeltester.check(model)


FUZZED: list[ChatSession] = []
TAG_KEYS = st.sampled_from(["+draft/react", "+draft/unreact", "+draft/reply", "+reply",
                            "msgid", "batch", "time", "label", "draft/multiline-concat",
                            "+typing", "+react"])
TAG_VALUES = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                            blacklist_characters="\0\r\n"), max_size=80)
COMMANDS = st.sampled_from(["TAGMSG", "PRIVMSG", "NOTICE", "REDACT", "BATCH", "JOIN", "FAIL"])
PARAMS = st.lists(st.sampled_from(["#chatbox", "bob", "+r1", "-r1", "+h", "-h", "chathistory",
                                   "draft/multiline", "p1", "REDACT", "", "x y", "*"]),
                  max_size=4)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.dictionaries(TAG_KEYS, TAG_VALUES, max_size=5), COMMANDS, PARAMS,
                          st.sampled_from(["carol!u@h", "bob!u@h", "srv", None])), max_size=12))
def test_random_tags_and_batches_never_raise(qtbot: QtBot, events: list) -> None:  # type: ignore[type-arg]
    from app.protocol.message import Message

    if not FUZZED:  # one session for every example: its state only grows stranger
        FUZZED.append(ChatSession())
        SESSIONS.append(FUZZED[0])
        FUZZED[0].connection.nick = "bob"
        FUZZED[0].rooms.open(ROOM, "channel")
    chat = FUZZED[0]
    for tags, command, params, source in events:
        chat._events.handle(Message(command, tuple(params), source, tags))
    for room in chat.rooms.rooms():
        for line in room.messages.lines():
            assert isinstance(line, ChatLine)
