"""The item models the windows bind to, checked with Qt's model tester."""

from __future__ import annotations

from datetime import UTC, datetime

from pytestqt.qtbot import QtBot

from app.client.models import (
    KIND_ROLE,
    SENDER_ROLE,
    TEXT_ROLE,
    ChatLine,
    MemberModel,
    MessageModel,
    RoomModel,
)
from app.protocol.serverinfo import ServerInfo


def test_message_model_batches_inserts_per_event_loop_turn(qtbot: QtBot, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = MessageModel()
    qtmodeltester.check(model)
    inserts: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserts.append((first, last)))
    now = datetime.now(UTC)
    for i in range(500):
        model.append(ChatLine(now, "bob", f"line {i}"))
    assert model.rowCount() == 0  # not yet: at the end of this turn
    qtbot.waitUntil(lambda: model.rowCount() == 500)
    assert inserts == [(0, 499)]
    index = model.index(7)
    assert model.data(index) == "<bob> line 7"
    assert model.data(index, SENDER_ROLE) == "bob"
    assert model.data(index, KIND_ROLE) == "message"
    qtmodeltester.check(model)


def test_member_model_keeps_ops_first_then_folded_nicks(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = MemberModel(ServerInfo())
    for nick, modes in [("carol", ""), ("Bob", "v"), ("alice", ""), ("zed", "o")]:
        model.add(nick, modes)
    shown = [model.data(model.index(r)) for r in range(model.rowCount())]
    assert shown == ["@zed", "+Bob", "alice", "carol"]
    model.rename("alice", "Dave")
    model.set_mode("carol", "o", True)
    model.remove("zed")
    shown = [model.data(model.index(r)) for r in range(model.rowCount())]
    assert shown == ["@carol", "+Bob", "Dave"]
    qtmodeltester.check(model)


def test_room_model_finds_rooms_by_casemapped_name(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    rooms = RoomModel(ServerInfo())
    rooms.open("Server", "server")
    room = rooms.open("#Chat[1]", "channel")
    assert rooms.get("#chat{1}") is room
    room.unread = 3
    rooms.changed(room)
    assert rooms.data(rooms.index(1)) == "#Chat[1] (3)"
    rooms.close("#CHAT[1]")
    assert rooms.rowCount() == 1
    qtmodeltester.check(rooms)


def test_message_model_shows_a_window_and_older_lines_on_request(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = MessageModel()
    now = datetime.now(UTC)
    for i in range(3000):
        model.append(ChatLine(now, "bob", f"line {i}"))
    model.flush()
    # Following the bottom: only the newest lines are rows; every line is still kept.
    assert model.rowCount() == MessageModel.WINDOW
    assert len(model.lines()) == 3000
    assert model.data(model.index(model.rowCount() - 1), TEXT_ROLE) == "line 2999"
    assert model.has_older
    model.follow = False  # the user scrolled up: the window only grows
    assert model.fetch_older() == MessageModel.PAGE
    oldest_shown = 3000 - MessageModel.WINDOW - MessageModel.PAGE
    assert model.data(model.index(0), TEXT_ROLE) == f"line {oldest_shown}"
    row = model.reveal(10)  # find jumped to an old line: it becomes a row
    assert model.data(model.index(row), TEXT_ROLE) == "line 10"
    assert model.rowCount() == 2990
    model.append(ChatLine(now, "bob", "newest"))
    model.flush()
    assert model.rowCount() == 2991  # not trimmed while the user reads above
    qtmodeltester.check(model)


def test_confirmed_lines_keep_the_order_typed_and_move_below_earlier_server_lines(
    qtmodeltester,  # type: ignore[no-untyped-def]
) -> None:
    from dataclasses import replace
    from datetime import timedelta

    model = MessageModel()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    first = ChatLine(t0, "me", "one", own=True, state="pending")
    second = ChatLine(t0 + timedelta(seconds=1), "me", "two", own=True, state="pending")
    model.append(first)
    model.append(second)
    theirs = ChatLine(t0 + timedelta(seconds=2), "bob", "meanwhile", msgid="b1")
    model.append(theirs)
    qtmodeltester.check(model)
    echo = t0 + timedelta(seconds=5)  # both confirmed in the same millisecond, after bob's
    assert model.replace(first, replace(first, time=echo, state="", msgid="m1"))
    assert model.replace(second, replace(second, time=echo, state="", msgid="m2"))
    assert [ln.text for ln in model.lines()] == ["meanwhile", "one", "two"]
    assert model.rowCount() == 3 and not model.append(replace(theirs))  # msgids all known
    failed = replace(model.lines()[1], state="failed")
    assert model.replace(model.lines()[1], failed)  # failing moves nothing
    assert [ln.text for ln in model.lines()] == ["meanwhile", "one", "two"]
    assert model.remove(failed) and [ln.text for ln in model.lines()] == ["meanwhile", "two"]
