"""What the user sends is never lost: pending until confirmed, kept while offline, failed
lines marked and resendable; the nick comes back after a reconnect; waking up retries."""

from __future__ import annotations

import time

from pytestqt.qtbot import QtBot

from app.client.models import ChatLine
from app.client.session import SERVER_ROOM, ChatSession
from app.server.listener import ChatServer
from tests.client.conftest import MakeSession


def own_lines(chat: ChatSession, room: str) -> list[ChatLine]:
    found = chat.rooms.get(room)
    assert found is not None, f"no room {room}"
    found.messages.flush()
    return [ln for ln in found.messages.lines() if ln.own and ln.kind in ("message", "action")]


def texts(chat: ChatSession, room: str) -> list[str]:
    found = chat.rooms.get(room)
    assert found is not None, f"no room {room}"
    return [ln.text for ln in found.messages.lines() if ln.kind in ("message", "action")]


def cut(server: ChatServer, nick: str) -> None:
    """The server side of ``nick``'s link goes away (a dead Wi-Fi, a server hiccup)."""
    peer = next(
        p for p in server._peers.values() if p.client is not None and p.client.nick == nick
    )
    peer.lost("Connection reset by peer")


def test_a_sent_message_is_pending_until_its_echo_then_has_the_servers_id(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice = session("alice", channels=("#chatbox",))
    alice.send_input("hello", "#chatbox")
    (line,) = own_lines(alice, "#chatbox")
    assert line.state == "pending" and not line.msgid  # shown at once, not confirmed yet
    qtbot.waitUntil(lambda: own_lines(alice, "#chatbox")[0].state == "")
    (confirmed,) = own_lines(alice, "#chatbox")
    assert confirmed.text == "hello" and confirmed.msgid  # one line, now the server's
    assert alice.pending == []


def test_text_typed_while_offline_is_kept_shown_pending_and_sent_after_reconnect(
    qtbot: QtBot, session: MakeSession, chat_server: ChatServer
) -> None:
    alice = session("alice", channels=("#chatbox",))
    bob = session("bob", channels=("#chatbox",))
    alice.backoff_start = alice._backoff = 0.5
    with qtbot.waitSignal(alice.reconnect_scheduled, timeout=5000):
        cut(chat_server, "alice")
    alice.send_input("typed while offline", "#chatbox")
    alice.send_input("/me still typing", "#chatbox")
    assert [(ln.text, ln.state) for ln in own_lines(alice, "#chatbox")] == [
        ("typed while offline", "pending"),
        ("still typing", "pending"),
    ]
    qtbot.waitUntil(lambda: texts(bob, "#chatbox") == ["typed while offline", "still typing"],
                    timeout=10000)
    qtbot.waitUntil(lambda: alice.pending == [], timeout=5000)
    lines = own_lines(alice, "#chatbox")
    assert [(ln.text, ln.state) for ln in lines] == [
        ("typed while offline", ""),
        ("still typing", ""),
    ]
    bob_ids = [ln.msgid for ln in bob.rooms.get("#chatbox").messages.lines()  # type: ignore[union-attr]
               if ln.kind in ("message", "action")]
    assert [ln.msgid for ln in lines] == bob_ids  # the same messages, once each


def test_a_refused_message_is_marked_failed_and_can_be_resent(
    qtbot: QtBot, session: MakeSession
) -> None:
    bob = session("bob", channels=("#quiet",))
    alice = session("alice", channels=("#quiet",))
    room = alice.rooms.get("#quiet")
    assert room is not None
    bob.send_input("/quote MODE #quiet +m", "#quiet")
    qtbot.waitUntil(lambda: any("+m" in ln.text for ln in room.messages.lines()))
    alice.send_input("can you hear me", "#quiet")
    qtbot.waitUntil(lambda: [ln.state for ln in own_lines(alice, "#quiet")] == ["failed"])
    (failed,) = own_lines(alice, "#quiet")
    assert texts(bob, "#quiet") == []
    bob.send_input("/quote MODE #quiet +v alice", "#quiet")
    qtbot.waitUntil(lambda: "v" in getattr(room.members.find("alice"), "modes", ""))
    assert alice.resend(failed)
    qtbot.waitUntil(lambda: texts(bob, "#quiet") == ["can you hear me"])
    qtbot.waitUntil(lambda: [ln.state for ln in own_lines(alice, "#quiet")] == [""])
    assert not alice.resend(own_lines(alice, "#quiet")[0])  # only a failed line resends


def test_a_failed_message_can_be_discarded(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice")
    alice.send_input("/msg nobody-here hello?", SERVER_ROOM)
    qtbot.waitUntil(lambda: [ln.state for ln in own_lines(alice, "nobody-here")] == ["failed"])
    assert alice.discard(own_lines(alice, "nobody-here")[0])
    assert own_lines(alice, "nobody-here") == [] and alice.pending == []


def test_lines_the_link_lost_are_failed_and_lines_it_delivered_appear_once(
    qtbot: QtBot, session: MakeSession, chat_server: ChatServer
) -> None:
    alice = session("alice", channels=("#chatbox",))
    bob = session("bob", channels=("#chatbox",))
    alice.backoff_start = alice._backoff = 0.5
    for i in range(14):  # more than the pacing burst: some wait in the client when the link goes
        alice.send_input(f"burst {i}", "#chatbox")
    with qtbot.waitSignal(alice.reconnect_scheduled, timeout=5000):
        cut(chat_server, "alice")
    qtbot.waitUntil(lambda: alice.connection.state == "connected", timeout=10000)
    qtbot.waitUntil(
        lambda: all(ln.state != "pending" for ln in own_lines(alice, "#chatbox")), timeout=20000
    )
    lines = own_lines(alice, "#chatbox")
    assert [ln.text for ln in lines if ln.state == ""] == texts(bob, "#chatbox")
    delivered = [ln for ln in lines if ln.state == ""]
    assert len({ln.msgid for ln in delivered}) == len(delivered)  # each once
    assert len(lines) == 14  # nothing vanished: delivered or marked failed
    assert sorted(ln.text for ln in lines) == sorted(f"burst {i}" for i in range(14))
    failed = [ln for ln in lines if ln.state == "failed"]
    assert failed, "the cut came before the paced lines left: some must have been lost"
    for line in failed:
        alice.resend(line)
    qtbot.waitUntil(lambda: sorted(texts(bob, "#chatbox")) == sorted(f"burst {i}"
                                                                      for i in range(14)),
                    timeout=20000)


def test_the_wanted_nick_comes_back_when_its_ghost_leaves(
    qtbot: QtBot, session: MakeSession
) -> None:
    ghost = session("alice", channels=("#chatbox",))
    alice = session("alice", channels=("#chatbox",))
    assert alice.nick == "alice_"  # the old connection still holds the nick
    ghost.quit("ghost gone")
    qtbot.waitUntil(lambda: alice.nick == "alice", timeout=5000)  # at once, on its QUIT
    assert alice.connection.wanted_nick == "alice"


def test_the_wanted_nick_is_retried_now_and_then_without_noise(
    qtbot: QtBot, session: MakeSession
) -> None:
    ghost = session("alice")  # shares no channel: its QUIT is not seen
    alice = session("alice")
    refused: list[str] = []
    alice.connection.message_received.connect(
        lambda m: refused.append(m.param(1)) if m.command == "433" else None
    )
    assert alice.regain_timer.isActive()
    alice.regain_timer.setInterval(100)
    qtbot.waitUntil(lambda: refused == ["alice"] * 3)  # three quiet tries while it is held
    room = alice.rooms.get(SERVER_ROOM)
    assert room is not None
    assert not [ln for ln in room.messages.lines() if "already in use" in ln.text]
    ghost.quit()
    qtbot.waitUntil(lambda: alice.nick == "alice", timeout=5000)
    assert not alice.regain_timer.isActive()


def test_a_chosen_nick_is_not_undone(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice")
    alice.send_input("/nick alicia", SERVER_ROOM)
    qtbot.waitUntil(lambda: alice.nick == "alicia")
    assert alice.connection.wanted_nick == "alicia"
    assert not alice.regain_timer.isActive()


def test_waking_up_retries_at_once_instead_of_waiting_out_the_backoff(
    qtbot: QtBot, session: MakeSession, chat_server: ChatServer
) -> None:
    alice = session("alice", channels=("#chatbox",))
    alice.backoff_start = alice._backoff = 30.0
    with qtbot.waitSignal(alice.reconnect_scheduled, timeout=5000) as scheduled:
        cut(chat_server, "alice")
    assert scheduled.args[0] >= 20  # a long wait ahead
    slept = time.time() + 3600.0  # the wall clock jumps an hour: the lid was closed
    alice.wall_clock = lambda: slept
    alice.clock_timer.setInterval(50)
    qtbot.waitUntil(lambda: alice.connection.state == "connected", timeout=5000)


def test_waking_up_with_a_live_link_checks_it_and_keeps_it(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice = session("alice", channels=("#chatbox",))
    disconnected: list[str] = []
    alice.connection.disconnected.connect(disconnected.append)
    slept = time.time() + 3600.0
    alice.wall_clock = lambda: slept
    with qtbot.waitSignal(alice.connection.message_received, timeout=5000,
                          check_params_cb=lambda m: m.command == "PONG"):
        alice.clock_timer.setInterval(50)
    assert alice.connection.state == "connected" and disconnected == []
