"""Messages of several lines (draft/multiline): one message at the other end, one pending
line here that its echo confirms; without the cap, line by line as before.

Real Chatbox server on the test's event loop, real ChatSessions, real sockets; the batch
planner and the batch reader are also checked against each other with hypothesis.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot

from app.client import connection as connection_module
from app.client.lines import ChatLine
from app.client.multiline import MultilineBatches
from app.client.session import ChatSession
from app.protocol.message import Message, parse
from app.protocol.multiline import (
    MultilineLimits,
    batch_lines,
    combined,
    content_bytes,
    normalise,
    parse_limits,
    plan,
)
from tests.client.conftest import MakeSession
from tests.client.test_long_lines import long_text

ROOM = "#chatbox"
THIRTY = "\n".join(f"line {i}: the quick brown fox" for i in range(30))


def messages(chat: ChatSession, room: str = ROOM) -> list[ChatLine]:
    found = chat.rooms.get(room)
    assert found is not None
    return [ln for ln in found.messages.lines() if ln.kind == "message"]


def test_thirty_lines_arrive_as_one_message_counted_once(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice = session("alice", channels=(ROOM,))
    bob = session("bob", channels=(ROOM,))
    assert alice.conversation.supports("multiline")
    calls: list[tuple[str, str, str]] = []
    bob.attention.connect(lambda room, who, text: calls.append((room, who, text)))
    text = THIRTY.replace("line 17:", "line 17: bob, look:")  # a mention inside
    alice.send_input(text, ROOM)
    mine = messages(alice)
    assert len(mine) == 1 and mine[0].state == "pending" and mine[0].text == text
    qtbot.waitUntil(lambda: len(messages(bob)) == 1, timeout=5000)
    theirs = messages(bob)[0]
    assert theirs.text == text and len(theirs.text.split("\n")) == 30
    assert theirs.sender == "alice" and theirs.msgid
    qtbot.waitUntil(lambda: messages(alice)[0].state == "", timeout=5000)  # its echo
    assert len(messages(alice)) == 1 and messages(alice)[0].msgid == theirs.msgid
    assert bob.rooms.get(ROOM).unread == 1  # type: ignore[union-attr]
    assert len(calls) == 1 and calls[0][:2] == (ROOM, "alice")
    fresh = session("carol", channels=(ROOM,))  # replayed: one message still
    qtbot.waitUntil(lambda: len(messages(fresh)) == 1, timeout=5000)
    assert messages(fresh)[0].text == text and messages(fresh)[0].history


def test_a_long_line_goes_in_pieces_and_arrives_whole(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice = session("alice", channels=(ROOM,))
    bob = session("bob", channels=(ROOM,))
    text = f"before\n{long_text(1500)}\nafter"
    alice.send_input(text, ROOM)
    qtbot.waitUntil(lambda: len(messages(bob)) == 1, timeout=5000)
    assert messages(bob)[0].text == text
    qtbot.waitUntil(lambda: messages(alice)[0].state == "", timeout=5000)


def test_a_paste_over_the_servers_limit_goes_as_several_messages(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice = session("alice", channels=(ROOM,))
    bob = session("bob", channels=(ROOM,))
    limits = parse_limits(alice.connection.offered["draft/multiline"])
    assert limits is not None and limits.max_lines
    lines = [f"row {i}" for i in range(limits.max_lines + 20)]
    alice.send_input("\n".join(lines), ROOM)
    assert len(messages(alice)) == 2  # two batches: two pending lines
    qtbot.waitUntil(lambda: len(messages(bob)) == 2, timeout=5000)
    got = [ln.text.split("\n") for ln in messages(bob)]
    assert len(got[0]) == limits.max_lines and got[0] + got[1] == lines
    qtbot.waitUntil(lambda: all(ln.state == "" for ln in messages(alice)), timeout=5000)


def test_a_reply_of_several_lines_is_one_reply(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice", channels=(ROOM,))
    bob = session("bob", channels=(ROOM,))
    bob.send_input("what do we need?", ROOM)
    qtbot.waitUntil(lambda: bool(messages(alice)) and bool(messages(alice)[0].msgid),
                    timeout=5000)
    parent = messages(alice)[0]
    alice.conversation.reply(ROOM, parent, "milk\neggs\nbread")
    qtbot.waitUntil(lambda: len(messages(bob)) == 2 and bool(messages(bob)[1].msgid),
                    timeout=5000)
    answer = messages(bob)[1]
    assert answer.text == "milk\neggs\nbread" and answer.reply_to == parent.msgid
    assert answer.reply is not None and answer.reply.text == "what do we need?"
    qtbot.waitUntil(lambda: messages(alice)[1].state == "", timeout=5000)
    assert messages(alice)[1].reply_to == parent.msgid


def test_without_multiline_the_lines_go_one_by_one(
    qtbot: QtBot, session: MakeSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    bob = session("bob", channels=(ROOM,))
    monkeypatch.setattr(connection_module, "WANTED_CAPS",
                        connection_module.WANTED_CAPS - {"draft/multiline"})
    alice = session("alice", channels=(ROOM,))
    assert not alice.conversation.supports("multiline")
    alice.send_input(THIRTY, ROOM)
    qtbot.waitUntil(lambda: len(messages(bob)) == 30, timeout=30000)
    assert [ln.text for ln in messages(bob)] == THIRTY.split("\n")
    assert bob.rooms.get(ROOM).unread == 30  # type: ignore[union-attr]


# ---------------------------------------------------------------- planner and reader
LINES = st.lists(
    st.text(alphabet=st.sampled_from(["a", "b", " ", "é", "日", "😀", "\u0301"]), max_size=120),
    min_size=1, max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(LINES, st.integers(8, 60), st.integers(20, 400), st.integers(0, 6))
def test_planned_batches_keep_the_text_and_the_limits(
    lines: list[str], budget: int, max_bytes: int, max_lines: int
) -> None:
    text = "\n".join(lines)
    limits = MultilineLimits(max_bytes, max_lines)
    batches = plan(text, budget, limits)
    wanted = "\n".join(normalise(text))
    if not wanted.strip():
        assert batches == []
        return
    for batch in batches:
        assert batch and not batch[0].concat
        assert content_bytes(batch) <= max_bytes
        assert not max_lines or len(batch) <= max_lines
        assert any(part.text.strip() for part in batch)
        for part in batch:
            assert len(part.text.encode("utf-8", "surrogatepass")) <= max(budget, 4)
            assert not (part.concat and not part.text)
    if len(batches) == 1:
        assert combined(batches[0]) == wanted
    else:  # every character comes through; only blank lines at the cuts may go
        glued = "".join(part.text for batch in batches for part in batch)
        assert glued.replace(" ", "") == wanted.replace("\n", "").replace(" ", "")


TAG_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
                   max_size=20)  # what a received msgid can hold


@settings(max_examples=200, deadline=None)
@given(LINES, st.integers(8, 60), st.dictionaries(
    st.sampled_from(["+draft/reply", "label", "msgid", "time"]), TAG_TEXT, max_size=3))
def test_a_batch_we_build_reads_back_as_its_text(
    lines: list[str], budget: int, tags: dict[str, str]
) -> None:
    batches = plan("\n".join(lines), budget, MultilineLimits(100_000))
    got: list[Message] = []
    reader = MultilineBatches(got.append)
    for batch in batches:
        for wire in batch_lines("r1", ROOM, batch, tags):
            msg = parse(wire)
            msg = Message(msg.command, msg.params, "alice!u@h", msg.tags)
            ref = msg.tags.get("batch")
            assert reader.batch(msg) if msg.command == "BATCH" else reader.line(ref or "", msg)
    assert [m.param(1) for m in got] == [combined(b) for b in batches]
    for msg in got:
        assert msg.command == "PRIVMSG" and msg.source == "alice!u@h"
        assert dict(msg.tags) == tags


def test_the_cap_value_is_read_as_the_spec_says() -> None:
    assert parse_limits("max-bytes=4096,max-lines=100") == MultilineLimits(4096, 100)
    assert parse_limits("max-lines=10,max-bytes=40000,future=1") == MultilineLimits(40000, 10)
    assert parse_limits("max-bytes=40000") == MultilineLimits(40000, 0)
    for bad in (None, "", "max-lines=10", "max-bytes=x", "max-bytes=0"):
        assert parse_limits(bad) is None
