"""CHATHISTORY as the current draft says, over real sockets: a ``timestamp=`` reference
excludes a message sent at exactly that time (AROUND centres on it), a message to oneself is
the delivery plus the echo and is kept once, private history goes to its two parties only,
and TARGETS lists the conversations of a window, limited from its first end."""

from __future__ import annotations

import time
from collections.abc import Callable

from app.protocol.message import Message
from app.server.history import parse_time
from tests.conftest import StartServer
from tests.server.test_accounts import register_account, sasl_plain
from tests.server.test_history import HISTORY_CAPS, history, texts
from tests.server.test_privacy import guest, logged_in, quit_, talk
from tests.server.test_privacy import texts as private_texts
from tests.support import TIMEOUT, IrcClient, only, said

Connect = Callable[..., IrcClient]
LABELED = (*HISTORY_CAPS, "labeled-response")


def say(client: IrcClient, target: str, text: str) -> Message:
    """PRIVMSG ``text`` and return its echo, once the clock has left the echo's millisecond:
    the next message is then stamped later (the server's clock is this machine's)."""
    client.send(f"PRIVMSG {target} :{text}")
    echo = client.expect("PRIVMSG", where=lambda m: m.params[-1] == text)
    ms = parse_time(echo.tags["time"])
    assert ms is not None
    deadline = time.monotonic() + TIMEOUT
    while time.time() * 1000 < ms + 1 and time.monotonic() < deadline:
        time.sleep(0.0005)
    return echo


def stamp(message: Message) -> str:
    return "timestamp=" + message.tags["time"]


# ------------------------------------------------------------------ exclusive timestamps
def test_a_timestamp_excludes_the_message_sent_at_exactly_that_time(connect: Connect) -> None:
    alice = connect("alice", caps=HISTORY_CAPS)
    said(alice, "JOIN #room")
    echoes = [say(alice, "#room", f"m{i}") for i in range(6)]
    at = [stamp(m) for m in echoes]
    assert texts(history(alice, f"CHATHISTORY BEFORE #room {at[3]} 10")) == ["m0", "m1", "m2"]
    assert texts(history(alice, f"CHATHISTORY AFTER #room {at[3]} 10")) == ["m4", "m5"]
    assert texts(history(alice, f"CHATHISTORY AFTER #room {at[3]} 1")) == ["m4"]
    assert texts(history(alice, f"CHATHISTORY LATEST #room {at[3]} 10")) == ["m4", "m5"]
    assert texts(history(alice, f"CHATHISTORY LATEST #room {at[5]} 10")) == []
    assert texts(history(alice, f"CHATHISTORY BETWEEN #room {at[1]} {at[4]} 10")) == [
        "m2", "m3"]
    assert texts(history(alice, f"CHATHISTORY BETWEEN #room {at[4]} {at[1]} 10")) == [
        "m2", "m3"]
    assert texts(history(alice, f"CHATHISTORY BETWEEN #room {at[4]} {at[1]} 1")) == ["m3"]
    assert texts(history(alice, f"CHATHISTORY BETWEEN #room {at[2]} {at[2]} 10")) == []
    msgid = "msgid=" + echoes[1].tags["msgid"]
    assert texts(history(alice, f"CHATHISTORY BETWEEN #room {msgid} {at[3]} 10")) == ["m2"]
    # AROUND is the one the draft does not call exclusive: the message there is its centre
    assert texts(history(alice, f"CHATHISTORY AROUND #room {at[3]} 3")) == ["m2", "m3", "m4"]
    assert texts(history(alice, f"CHATHISTORY AROUND #room {at[3]} 1")) == ["m3"]


# ------------------------------------------------------------------ a message to oneself
def test_a_message_to_oneself_is_delivered_then_echoed_and_kept_once(connect: Connect) -> None:
    alice = connect("alice", caps=LABELED)
    got = said(alice, "@label=n1 PRIVMSG alice :note to self")
    delivery, echo = only(got, "PRIVMSG")
    assert delivery.params == echo.params == ("alice", "note to self")
    assert delivery.tags["msgid"] == echo.tags["msgid"]
    assert delivery.tags["time"] == echo.tags["time"]
    assert "label" not in delivery.tags and echo.tags.get("label") == "n1"
    unlabeled = said(alice, "PRIVMSG alice :second note")
    assert len(only(unlabeled, "PRIVMSG")) == 2  # with or without a label: the same rule
    replayed = history(alice, "CHATHISTORY LATEST alice * 10")
    assert texts(replayed) == ["note to self", "second note"]
    assert replayed[0].tags["msgid"] == echo.tags["msgid"]
    found = said(alice, "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z "
                        "timestamp=2100-01-01T00:00:00.000Z 10")
    assert [m.params[1] for m in only(found, "CHATHISTORY")] == ["alice"]


def test_without_echo_message_a_message_to_oneself_arrives_once(connect: Connect) -> None:
    alice = connect("alice", caps=("draft/chathistory", "batch", "server-time", "message-tags"))
    assert len(only(said(alice, "PRIVMSG alice :hello me"), "PRIVMSG")) == 1
    assert texts(history(alice, "CHATHISTORY LATEST alice * 10")) == ["hello me"]


# ------------------------------------------------------------------ who reads a conversation
BOTH = ["a to b", "b to a"]


def pair(a: IrcClient, b: IrcClient, first: str = "a to b", second: str = "b to a") -> None:
    """a and b say one line each to the other; each waits for what the other said."""
    for speaker, hearer, text in ((a, b, first), (b, a, second)):
        speaker.send(f"PRIVMSG {hearer.nick} :{text}")
        hearer.expect("PRIVMSG", where=lambda m, text=text: m.params[-1] == text)
        speaker.sync()


def test_private_history_between_guests_and_between_accounts(start_server: StartServer) -> None:
    server = start_server()
    register_account(server, "kim", "kim password")
    gus, gil = guest(server, "gus"), guest(server, "gil")
    kim, lee = logged_in(server, "kim", "kim password"), guest(server, "lee")
    kim2 = logged_in(server, "kim_", "kim password", "kim")  # kim's second connection
    carol = guest(server, "carol")
    try:
        pair(gus, gil)
        assert private_texts(gus, "CHATHISTORY LATEST gil * 10") == BOTH
        assert private_texts(gil, "CHATHISTORY LATEST gus * 10") == BOTH
        pair(kim, lee)
        assert private_texts(kim, "CHATHISTORY LATEST lee * 10") == BOTH
        assert private_texts(lee, "CHATHISTORY LATEST kim * 10") == BOTH
        assert private_texts(kim2, "CHATHISTORY LATEST lee * 10") == BOTH  # same account
        for peer in ("gus", "gil", "kim", "kim_", "lee"):
            assert private_texts(carol, f"CHATHISTORY LATEST {peer} * 10") == [], peer
        assert private_texts(gus, "CHATHISTORY LATEST lee * 10") == []
    finally:
        for client in (gus, gil, kim, lee, kim2, carol):
            client.close()


def test_a_guest_who_logs_in_mid_conversation_keeps_all_of_it(start_server: StartServer) -> None:
    server = start_server()
    register_account(server, "hal", "hal password")
    hal, ida = guest(server, "hal_"), guest(server, "ida")
    try:
        pair(hal, ida)
        assert sasl_plain(hal, "hal", "hal password").command == "903"  # SASL, registered
        pair(hal, ida, "a again", "b again")
        everything = [*BOTH, "a again", "b again"]
        assert private_texts(hal, "CHATHISTORY LATEST ida * 10") == everything
        assert private_texts(ida, "CHATHISTORY LATEST hal_ * 10") == everything
        quit_(hal)
        back = logged_in(server, "hal2", "hal password", "hal")  # the account, later
        assert private_texts(back, "CHATHISTORY LATEST ida * 10") == everything
        back.close()
    finally:
        ida.close()


def test_who_takes_a_nick_sees_nothing_of_its_conversations(start_server: StartServer) -> None:
    server = start_server()
    register_account(server, "max", "max password")
    gina, frank = guest(server, "gina"), guest(server, "frank")
    max_ = logged_in(server, "max", "max password")
    talk(gina, frank)
    talk(max_, frank)
    quit_(gina)
    quit_(max_)
    taker, other = guest(server, "gina"), guest(server, "max")
    try:
        for client in (taker, other):
            assert private_texts(client, "CHATHISTORY LATEST frank * 10") == []
            assert only(said(client, "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z "
                                     "timestamp=2100-01-01T00:00:00.000Z 10"),
                        "CHATHISTORY") == []
        assert private_texts(frank, "CHATHISTORY LATEST gina * 10") == [
            "gina to frank", "frank to gina"]
    finally:
        for client in (taker, other, frank):
            client.close()


# ------------------------------------------------------------------ TARGETS
def targets(client: IrcClient, start: str, end: str, limit: int) -> list[tuple[str, str]]:
    replies = said(client, f"CHATHISTORY TARGETS {start} {end} {limit}")
    assert replies[0].command == "BATCH" and replies[0].params[1] == "draft/chathistory-targets"
    ref = replies[0].params[0][1:]
    assert replies[-1].params == (f"-{ref}",)
    assert all(m.tags.get("batch") == ref for m in replies[1:-1])
    return [(m.params[1], m.params[2]) for m in replies[1:-1]]


def test_targets_lists_a_windows_conversations_limited_from_its_start(connect: Connect) -> None:
    alice = connect("alice", caps=HISTORY_CAPS)
    for nick in ("bob", "carol", "dave"):
        connect(nick)
    said(alice, "JOIN #room")
    said(alice, "JOIN #gone")
    sent = [say(alice, "bob", "1"), say(alice, "#room", "2"), say(alice, "carol", "3"),
            say(alice, "#gone", "4"), say(alice, "#room", "5"), say(alice, "dave", "6")]
    said(alice, "PART #gone")  # no longer a member: not listed
    at = [stamp(m) for m in sent]
    early, late = "timestamp=2000-01-01T00:00:00.000Z", "timestamp=2100-01-01T00:00:00.000Z"
    assert targets(alice, early, late, 10) == [
        ("bob", at[0]), ("carol", at[2]), ("#room", at[4]), ("dave", at[5])]
    # both ends excluded; each listed with its latest message inside the window
    assert targets(alice, at[0], at[5], 10) == [("carol", at[2]), ("#room", at[4])]
    assert targets(alice, at[0], at[4], 10) == [("#room", at[1]), ("carol", at[2])]
    # the limit counts from the first timestamp, forwards or backwards; listed oldest first
    assert targets(alice, early, late, 2) == [("bob", at[0]), ("carol", at[2])]
    assert targets(alice, late, early, 2) == [("#room", at[4]), ("dave", at[5])]
    assert targets(alice, at[5], at[0], 1) == [("#room", at[4])]
    assert targets(alice, at[2], at[2], 10) == []
