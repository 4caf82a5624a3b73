"""MARKREAD (draft/read-marker) over real sockets: set and get, never backwards, every
connection of the account told, the marker on JOIN before 366, kept across a reconnect and
a restart for accounts and forgotten with a guest's connection; bad input gets FAIL and
stores nothing (a hypothesis fuzz of the parameters on the sans-IO core, too)."""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.protocol.casemap import irc_lower
from app.protocol.message import Message
from app.server.commands.read_marker import parse_marker
from app.server.config import ServerConfig
from app.server.core import ServerCore
from app.server.history import format_ms
from tests.conftest import StartServer
from tests.server.test_accounts import register_account
from tests.server.test_core import Recorder
from tests.server.test_history import restart
from tests.server.test_redaction import logged_in
from tests.support import IrcClient, ServerProcess, only, said

CAPS = ("draft/read-marker", "server-time", "message-tags")
EARLY = "timestamp=2020-01-01T10:00:00.000Z"
LATER = "timestamp=2020-01-02T10:00:00.000Z"
Connect = Callable[..., IrcClient]


def marker(client: IrcClient, line: str) -> tuple[str, ...]:
    """The parameters of the one MARKREAD (or FAIL) ``line`` is answered with."""
    replies = said(client, line)
    assert [m.command for m in replies] in (["MARKREAD"], ["FAIL"]), replies
    return replies[0].params


def test_a_marker_is_set_asked_for_and_never_moves_backwards(connect: Connect) -> None:
    alice = connect("alice", caps=CAPS)
    said(alice, "JOIN #room")
    assert marker(alice, "MARKREAD #room") == ("#room", "*")
    assert marker(alice, f"MARKREAD #ROOM {LATER}") == ("#room", LATER)  # its own spelling
    assert marker(alice, f"MARKREAD #room {EARLY}") == ("#room", LATER)  # older: the stored
    assert marker(alice, f"MARKREAD #room {LATER}") == ("#room", LATER)
    assert marker(alice, "MARKREAD #room") == ("#room", LATER)
    assert marker(alice, "MARKREAD Bob") == ("Bob", "*")  # a nick need not be online
    # a time to come is taken as now, so it cannot stop the marker for good
    before = format_ms(int(time.time() * 1000))
    target, value = marker(alice, "MARKREAD bob timestamp=2999-01-01T00:00:00.000Z")
    now = format_ms(int(time.time() * 1000) + 1)
    assert target == "bob" and before <= value.removeprefix("timestamp=") <= now


def test_every_connection_of_the_account_hears_of_a_change(
    start_server: StartServer,
) -> None:
    server = start_server()
    register_account(server, "alice", "wonderland")
    laptop = logged_in(server, "alice", "alice", "wonderland", CAPS)
    phone = logged_in(server, "alice_phone", "alice", "wonderland", CAPS)
    old = logged_in(server, "alice_old", "alice", "wonderland", ("server-time",))
    guest = IrcClient(server.port)
    guest.register("bob", caps=CAPS)
    try:
        assert marker(laptop, f"MARKREAD bob {LATER}") == ("bob", LATER)
        assert phone.expect("MARKREAD").params == ("bob", LATER)
        assert marker(phone, f"MARKREAD bob {EARLY}") == ("bob", LATER)  # not a change
        for client in (laptop, phone, old, guest):
            assert only(client.sync(), "MARKREAD") == []  # old: no cap; bob: not alice
        assert marker(old, "MARKREAD bob") == ("bob", LATER)  # it may ask, all the same
        assert marker(guest, "MARKREAD alice") == ("alice", "*")  # markers are not shared
    finally:
        for client in (laptop, phone, old, guest):
            client.close()


def join_replies(client: IrcClient, channel: str) -> list[Message]:
    return said(client, f"JOIN {channel}")


def test_join_sends_the_marker_after_join_and_before_end_of_names(connect: Connect) -> None:
    alice, plain = connect("alice", caps=CAPS), connect("plain")
    replies = join_replies(alice, "#room")
    commands = [m.command for m in replies]
    assert commands.index("JOIN") < commands.index("MARKREAD") < commands.index("366")
    assert only(replies, "MARKREAD")[0].params == ("#room", "*")
    marker(alice, f"MARKREAD #room {EARLY}")
    said(alice, "PART #room")
    replies = join_replies(alice, "#Room")
    commands = [m.command for m in replies]
    assert commands.index("JOIN") < commands.index("MARKREAD") < commands.index("366")
    assert only(replies, "MARKREAD")[0].params == ("#Room", EARLY)  # made anew: its spelling
    assert only(join_replies(plain, "#room"), "MARKREAD") == []  # without the cap


def leave(client: IrcClient) -> None:
    """QUIT and wait for the server to close: the nick is free again."""
    client.send("QUIT")
    client.until_closed()
    client.close()


def reconnect(server: ServerProcess) -> IrcClient:
    return logged_in(server, "alice", "alice", "wonderland", CAPS)


@pytest.mark.parametrize("sig", [None, signal.SIGTERM, signal.SIGKILL])
def test_an_accounts_markers_survive_a_reconnect_and_a_restart(
    start_server: StartServer, sig: int | None,
) -> None:
    server = start_server()
    register_account(server, "alice", "wonderland")
    alice = reconnect(server)
    said(alice, "JOIN #room")
    marker(alice, f"MARKREAD #room {EARLY}")
    assert marker(alice, f"MARKREAD carol {LATER}") == ("carol", LATER)  # the reply: stored
    leave(alice)
    if sig is not None:
        server = restart(start_server, server, sig)
    alice = reconnect(server)
    try:
        assert only(join_replies(alice, "#room"), "MARKREAD")[0].params == ("#room", EARLY)
        assert marker(alice, "MARKREAD carol") == ("carol", LATER)
    finally:
        alice.close()


def test_a_guests_markers_go_with_its_connection(connect: Connect) -> None:
    first = connect("alice", caps=CAPS)
    said(first, "JOIN #room")
    marker(first, f"MARKREAD #room {EARLY}")
    marker(first, f"MARKREAD bob {EARLY}")
    said(first, "NICK alice2")
    assert marker(first, "MARKREAD bob") == ("bob", EARLY)  # a new nick, the same connection
    first.send("QUIT")
    first.until_closed()
    second = connect("alice", caps=CAPS)
    assert marker(second, "MARKREAD bob") == ("bob", "*")
    assert only(join_replies(second, "#room"), "MARKREAD")[0].params == ("#room", "*")


def test_a_guest_who_registers_keeps_its_markers_for_the_account(
    start_server: StartServer,
) -> None:
    server = start_server()
    guest = IrcClient(server.port)
    guest.register("alice", caps=(*CAPS, "draft/account-registration"))
    marker(guest, f"MARKREAD bob {EARLY}")
    guest.send("REGISTER * * :wonderland")
    assert guest.expect("REGISTER").params[:2] == ("SUCCESS", "alice")
    leave(guest)
    alice = logged_in(server, "alice", "alice", "wonderland", CAPS)
    try:
        assert marker(alice, "MARKREAD bob") == ("bob", EARLY)
    finally:
        alice.close()


def test_bad_parameters_get_fail_store_nothing_and_keep_the_connection(
    connect: Connect,
) -> None:
    alice = connect("alice", caps=CAPS)
    said(alice, "JOIN #room")
    assert marker(alice, "MARKREAD") == ("MARKREAD", "NEED_MORE_PARAMS", "Missing parameters")
    for bad in ("*", "2020-01-01T10:00:00.000Z", "timestamp=2020-01-01T10:00:00Z",
                "timestamp=2020-13-01T10:00:00.000Z", "timestamp=2020-01-01T25:00:00.000Z",
                "timestamp=1969-12-31T23:59:59.999Z", "timestamp=", "timestamp=yesterday",
                "timestamp=2020-01-01T10:00:00.000+01:00"):
        assert marker(alice, f"MARKREAD #room {bad}") == (
            "MARKREAD", "INVALID_PARAMS", bad, "Invalid parameters"), bad
    for target in ("#nowhere", "#elsewhere", "bad,nick", "#", "9lives"):
        assert marker(alice, f"MARKREAD {target} {EARLY}")[:3] == (
            "MARKREAD", "INVALID_PARAMS", target)
    assert marker(alice, "MARKREAD #room") == ("#room", "*")
    assert marker(alice, "MARKREAD #nowhere")[1] == "INVALID_PARAMS"  # nothing was stored


# ------------------------------------------------------------------ fuzz, on the core
NOW_MS = 1_800_000_000_500
TARGETS = st.sampled_from(["#c", "#C", "#d", "bob", "BOB", "b,ob", "*", ":", "#", "9", "a b",
                           "x" * 40, "\u00e9"])
STAMPS = st.one_of(
    st.sampled_from(["*", "timestamp=", EARLY, "timestamp=2999-01-01T00:00:00.000Z",
                     "timestamp=2020-02-30T00:00:00.000Z", "timestamp=0000-01-01T00:00:00.000Z"]),
    st.builds(lambda n: f"timestamp={format_ms(n)}", st.integers(0, 4_000_000_000_000)),
    st.text(max_size=30).map(lambda text: "timestamp=" + text),
    st.text(max_size=30),
)


@settings(max_examples=300, deadline=None)
@given(TARGETS, st.one_of(st.none(), STAMPS))
def test_fuzzed_markreads_never_crash_and_store_only_valid_markers(
    target: str, stamp: str | None,
) -> None:
    core = ServerCore(ServerConfig(name="core.test"), wall_clock=lambda: NOW_MS / 1000)
    rec = Recorder()
    client = core.connect("10.0.0.1", rec.write, rec.close)
    core.receive(client, b"CAP REQ draft/read-marker\r\nNICK alice\r\nUSER u 0 * :R\r\n"
                         b"CAP END\r\nJOIN #c\r\n")
    rec.chunks.clear()
    line = f"MARKREAD {target}" + ("" if stamp is None else f" {stamp}")
    core.receive(client, line.replace("\r", " ").replace("\n", " ").encode() + b"\r\n")
    assert not rec.closed and not client.closed
    replies = b"".join(rec.chunks).decode().split("\r\n")[:-1]
    assert len(replies) == 1 and replies[0].split(" ")[1] in ("MARKREAD", "FAIL", "400")
    stored = core.read_markers.get(core.owner(client), irc_lower(target))
    parsed = parse_marker(stamp) if stamp is not None and " " not in stamp else None
    if stored is not None:  # only a valid timestamp, clamped to now, for a known target
        assert parsed is not None and stored == min(parsed, NOW_MS)
        assert replies[0].endswith(f" MARKREAD {target} timestamp={format_ms(stored)}") or (
            irc_lower(target) == "#c")
    if parsed is None:
        assert stored is None


def test_when_sqlite_fails_markread_says_internal_error_and_keeps_the_old_marker(
    tmp_path: Path,
) -> None:
    core = ServerCore(ServerConfig(name="core.test", data_dir=tmp_path))
    rec = Recorder()
    client = core.connect("127.0.0.1", rec.write, rec.close)
    try:
        core.receive(client, b"NICK alice\r\nUSER u 0 * :R\r\nREGISTER * * :wonderland\r\n"
                             b"JOIN #c\r\n" + f"MARKREAD #c {EARLY}\r\n".encode())
        assert client.account == "alice"
        rec.chunks.clear()
        core.history.database.set_authorizer(
            lambda action, *_: sqlite3.SQLITE_DENY if action in (
                sqlite3.SQLITE_INSERT, sqlite3.SQLITE_DELETE) else sqlite3.SQLITE_OK)
        core.receive(client, f"MARKREAD #c {LATER}\r\n".encode())
        assert rec.lines() == [":core.test FAIL MARKREAD INTERNAL_ERROR #c "
                               ":The read timestamp could not be set"]
        core.history.database.set_authorizer(None)
        rec.chunks.clear()
        core.receive(client, b"MARKREAD #c\r\n")
        assert rec.lines() == [f":core.test MARKREAD #c {EARLY}"]
    finally:
        core.shutdown()
