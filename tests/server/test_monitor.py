"""MONITOR (IRCv3 monitor) and extended-monitor over a real socket: every subcommand and
numeric, case mapping, the list limit, long lists cut within 512 bytes, and the notices a
watcher gets when a nick registers, changes, quits, goes away, logs in or renames itself."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from app.protocol.message import Message
from app.server.config import FloodPolicy, ServerConfig
from app.server.core import ServerCore
from tests.server.test_fuzz import connect as connect_core
from tests.support import IrcClient, in_room, numerics, only, said

Connect = Callable[..., IrcClient]

EXTENDED = ("extended-monitor", "away-notify", "account-notify", "setname")


def targets(messages: list[Message], numeric: str) -> list[str]:
    """Every target the ``numeric`` lines among ``messages`` list, in order."""
    return [t for m in only(messages, numeric) for t in m.params[-1].split(",")]


def raw_reply(client: IrcClient, line: str) -> list[str]:
    """Send ``line``; the raw lines the server answers with, up to a PONG."""
    client.send(line)
    client.send("PING :rawsync")
    lines: list[str] = []
    while (raw := client.read_line()) is not None:
        if " PONG " in raw and raw.endswith("rawsync"):
            break
        lines.append(raw)
    return lines


# ------------------------------------------------------------------ the command
def test_isupport_advertises_the_monitor_limit(connect: Connect) -> None:
    welcome = connect().register("alice")
    tokens = [p for m in only(welcome, "005") for p in m.params[1:-1]]
    assert "MONITOR=100" in tokens


def test_adding_reports_who_is_online_with_a_hostmask_and_who_is_not(
    connect: Connect,
) -> None:
    connect("bob")
    alice = connect("alice")
    got = said(alice, "MONITOR + bob,carol")
    assert numerics(got) == ["730", "731"]
    assert got[0].params == ("alice", "bob!~user@127.0.0.1")
    assert got[1].params == ("alice", "carol")


def test_adding_a_nick_twice_reports_and_keeps_it_once(connect: Connect) -> None:
    alice = connect("alice")
    said(alice, "MONITOR + carol")
    assert said(alice, "MONITOR + CAROL,carol") == []  # "MUST NOT be added again"
    assert targets(said(alice, "MONITOR L"), "732") == ["carol"]


def test_list_shows_the_nicks_as_sent_and_ends_with_733(connect: Connect) -> None:
    alice = connect("alice")
    assert numerics(said(alice, "MONITOR L")) == ["733"]
    said(alice, "MONITOR + Bob,carol")
    got = said(alice, "MONITOR L")
    assert numerics(got) == ["732", "733"]
    assert sorted(targets(got, "732")) == ["Bob", "carol"]
    assert got[-1].params == ("alice", "End of MONITOR list")


def test_removing_and_clearing_answer_nothing(connect: Connect) -> None:
    alice = connect("alice")
    said(alice, "MONITOR + bob,carol,dave")
    assert said(alice, "MONITOR - BOB,nobody") == []
    assert sorted(targets(said(alice, "MONITOR L"), "732")) == ["carol", "dave"]
    assert said(alice, "MONITOR C") == []
    assert numerics(said(alice, "MONITOR L")) == ["733"]


def test_status_lists_online_and_offline_targets(connect: Connect) -> None:
    alice = connect("alice")
    said(alice, "MONITOR + bob,carol")
    assert numerics(said(alice, "MONITOR S")) == ["731"]
    connect("bob")
    alice.expect("730")  # the news that bob came online
    got = said(alice, "MONITOR s")  # the modifier in any case
    assert [(m.command, m.params[1]) for m in got] == [
        ("730", "bob!~user@127.0.0.1"), ("731", "carol")
    ]


def test_nicks_are_case_mapped_with_rfc1459(connect: Connect) -> None:
    alice = connect("alice")
    said(alice, "MONITOR + Bob{}")
    connect("bob[]")
    assert alice.expect("730").params[1] == "bob[]!~user@127.0.0.1"
    assert said(alice, "MONITOR + BOB[]") == []  # the same nick: kept once
    said(alice, "MONITOR - bob{}")
    assert numerics(said(alice, "MONITOR L")) == ["733"]


def test_invalid_nicks_are_skipped(connect: Connect) -> None:
    alice = connect("alice")
    got = said(alice, "MONITOR + #chan,1abc,bob")
    assert [(m.command, m.params[1]) for m in got] == [("731", "bob")]
    assert targets(said(alice, "MONITOR L"), "732") == ["bob"]


def test_missing_parameters_get_461_and_an_unknown_modifier_400(connect: Connect) -> None:
    alice = connect("alice")
    for line in ("MONITOR", "MONITOR +", "MONITOR -"):
        got = said(alice, line)
        assert [(m.command, m.params[1]) for m in got] == [("461", "MONITOR")], line
    got = said(alice, "MONITOR X")
    assert numerics(got) == ["400"] and got[0].params[1:3] == ("MONITOR", "X")


def test_a_full_list_refuses_the_rest_with_734(connect: Connect) -> None:
    alice = connect("alice")
    said(alice, "MONITOR + " + ",".join(f"n{i}" for i in range(98)))
    got = said(alice, "MONITOR + a1,a2,a3,a4")
    full = only(got, "734")
    assert len(full) == 1
    assert full[0].params == ("alice", "100", "a3,a4", "Monitor list is full.")
    assert targets(got, "731") == ["a1", "a2"]  # what fitted was added
    assert len(targets(said(alice, "MONITOR L"), "732")) == 100
    said(alice, "MONITOR - a1")
    assert numerics(said(alice, "MONITOR + a3")) == ["731"]  # room again


def test_long_lists_are_cut_into_lines_within_512_bytes(connect: Connect) -> None:
    alice = connect("alice")
    nicks = [f"n{i:02d}" + "x" * 26 for i in range(100)]  # 30 characters each
    for start in range(0, 100, 15):  # what a 512-byte line can carry
        said(alice, "MONITOR + " + ",".join(nicks[start:start + 15]))
    for subcommand, numeric in (("L", "732"), ("S", "731")):
        lines = raw_reply(alice, f"MONITOR {subcommand}")
        listed = [ln for ln in lines if f" {numeric} " in ln]
        assert len(listed) > 1, subcommand
        assert all(len(ln.encode()) + 2 <= 512 for ln in listed)
        got = [t for ln in listed for t in ln.partition(" :")[2].split(",")]
        assert sorted(got) == nicks


# ------------------------------------------------------------------ notifications
def test_a_nick_that_registers_comes_online(connect: Connect) -> None:
    alice = connect("alice")
    said(alice, "MONITOR + bob")
    connect("bob")
    assert alice.expect("730").params == ("alice", "bob!~user@127.0.0.1")


def test_a_nick_that_quits_goes_offline(connect: Connect) -> None:
    alice = connect("alice")
    bob = connect("bob")
    said(alice, "MONITOR + bob")
    bob.send("QUIT :bye")
    assert alice.expect("731").params == ("alice", "bob")
    assert numerics(said(alice, "MONITOR S")) == ["731"]


def test_a_dropped_connection_goes_offline(connect: Connect) -> None:
    alice = connect("alice")
    bob = connect("bob")
    said(alice, "MONITOR + bob")
    bob.close()
    assert alice.expect("731").params == ("alice", "bob")


def test_a_nick_change_takes_the_old_nick_offline_and_brings_the_new_one_online(
    connect: Connect,
) -> None:
    alice = connect("alice")
    bob = connect("bob")
    said(alice, "MONITOR + bob,robert")
    said(bob, "NICK robert")
    got = alice.sync()
    assert [(m.command, m.params[1]) for m in got] == [
        ("731", "bob"), ("730", "robert!~user@127.0.0.1")
    ]


def test_a_change_of_case_only_is_no_news(connect: Connect) -> None:
    alice = connect("alice")
    bob = connect("bob")
    said(alice, "MONITOR + bob")
    said(bob, "NICK BOB")
    assert not [m for m in alice.sync() if m.command in ("730", "731")]


def test_an_unregistered_nick_is_not_online(connect: Connect) -> None:
    alice = connect("alice")
    half = connect()
    half.send("NICK bob")  # no USER yet: not on the server
    half.sync()
    got = said(alice, "MONITOR + bob")
    assert numerics(got) == ["731"]
    half.send("USER u 0 * :Bob")
    half.expect("001")
    assert alice.expect("730").params[1] == "bob!~u@127.0.0.1"


def test_the_list_ends_with_the_connection(connect: Connect) -> None:
    alice = connect("alice")
    said(alice, "MONITOR + bob")
    alice.send("QUIT")
    alice.until_closed()
    again = connect("alice")
    bob = connect("bob")
    assert numerics(said(again, "MONITOR L")) == ["733"]
    assert bob.sync() == []
    assert again.sync() == []  # no 730: the old list did not come back


# ------------------------------------------------------------------ extended-monitor
def test_extended_monitor_is_offered(connect: Connect) -> None:
    client = connect()
    client.send("CAP LS 302")
    offered = " ".join(m.params[-1] for m in client.sync() if m.command == "CAP").split()
    assert "extended-monitor" in offered


def test_away_of_a_monitored_nick_without_a_common_channel(connect: Connect) -> None:
    alice = connect("alice", caps=EXTENDED)
    plain = connect("plain", caps=("away-notify",))  # monitors without extended-monitor
    bob = connect("bob")
    said(alice, "MONITOR + bob")
    said(plain, "MONITOR + bob")
    said(bob, "AWAY :lunch")
    said(bob, "AWAY")
    got = only(alice.sync(), "AWAY")
    assert [(m.source, m.params) for m in got] == [
        ("bob!~user@127.0.0.1", ("lunch",)), ("bob!~user@127.0.0.1", ())
    ]
    assert only(plain.sync(), "AWAY") == []


def test_extended_monitor_needs_the_matching_cap_too(connect: Connect) -> None:
    alice = connect("alice", caps=("extended-monitor",))  # no away-notify, no setname
    bob = connect("bob")
    said(alice, "MONITOR + bob")
    said(bob, "AWAY :lunch")
    said(bob, "SETNAME :Robert")
    assert [m for m in alice.sync() if m.command in ("AWAY", "SETNAME")] == []


def test_no_duplicates_when_a_channel_is_shared_too(connect: Connect) -> None:
    alice = connect("alice", caps=EXTENDED)
    bob = connect("bob")
    in_room(alice, bob)
    said(alice, "MONITOR + bob")
    said(bob, "AWAY :lunch")
    said(bob, "SETNAME :Robert")
    got = alice.sync()
    assert [(m.command, m.params) for m in got] == [("AWAY", ("lunch",)),
                                                    ("SETNAME", ("Robert",))]


def test_setname_of_a_monitored_nick_without_a_common_channel(connect: Connect) -> None:
    alice = connect("alice", caps=EXTENDED)
    bob = connect("bob", caps=("setname",))
    said(alice, "MONITOR + bob")
    said(bob, "SETNAME :Robert Paulson")
    got = only(alice.sync(), "SETNAME")
    assert [(m.source, m.params) for m in got] == [("bob!~user@127.0.0.1", ("Robert Paulson",))]


def test_account_of_a_monitored_nick_without_a_common_channel(connect: Connect) -> None:
    alice = connect("alice", caps=EXTENDED)
    outsider = connect("carol", caps=("account-notify",))  # neither monitors nor shares
    bob = connect("bob", caps=("draft/account-registration",))
    said(alice, "MONITOR + bob")
    bob.send("REGISTER * * :correct horse battery")
    assert bob.expect("REGISTER").params[:2] == ("SUCCESS", "bob")
    got = alice.expect("ACCOUNT")
    assert got.source == "bob!~user@127.0.0.1" and got.params == ("bob",)
    assert only(outsider.sync(), "ACCOUNT") == []


def test_a_watcher_that_left_hears_nothing_more(connect: Connect) -> None:
    alice = connect("alice", caps=EXTENDED)
    bob = connect("bob")
    said(alice, "MONITOR + bob")
    said(alice, "MONITOR - bob")
    said(bob, "AWAY :lunch")
    bob.send("QUIT")
    bob.until_closed()
    assert [m for m in alice.sync() if m.command in ("AWAY", "731")] == []


# ------------------------------------------------------------------ fuzz
NICKS = st.sampled_from(["alice", "bob", "BOB", "carol", "dave", "x" * 30, "1bad", "#c", "",
                         "bob{}", "bob[]"])
MONITOR_LINES = st.one_of(
    st.builds(lambda op, nicks: f"MONITOR {op} " + ",".join(nicks),
              st.sampled_from(["+", "-", "x"]), st.lists(NICKS, max_size=30)),
    st.sampled_from(["MONITOR C", "MONITOR L", "MONITOR S", "MONITOR", "NICK dave", "NICK bob",
                     "NICK carol", "QUIT"]),
    st.builds(lambda n: "MONITOR + " + ",".join(f"m{i}" for i in range(n)), st.integers(0, 60)),
)


@settings(max_examples=200, deadline=None)
@given(script=st.lists(st.tuples(st.integers(0, 2), MONITOR_LINES), max_size=30))
def test_any_monitor_sequence_keeps_lists_and_index_in_step(
    script: list[tuple[int, str]],
) -> None:
    core = ServerCore(ServerConfig(name="fuzz.test", flood=FloodPolicy(enabled=False)))
    pairs = [connect_core(core, nick) for nick in ("alice", "bob", "carol")]
    for who, line in script:
        client, sink = pairs[who]
        if client.closed:
            pairs[who] = connect_core(core, f"new{who}")
            client, sink = pairs[who]
        core.receive(client, line.encode() + b"\r\n")
        assert all(len(raw) <= 510 for raw in bytes(sink.data).split(b"\r\n"))
    for client, _ in pairs:
        mine = client.monitoring or {}
        assert len(mine) <= 100
        assert all(client in core.monitors.watchers[folded] for folded in mine)
    for folded, watchers in core.monitors.watchers.items():
        assert watchers and all(w.monitoring and folded in w.monitoring for w in watchers)
        assert all(not w.closed for w in watchers)
