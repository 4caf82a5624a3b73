"""draft/channel-rename over real sockets: RENAME to members with the cap, PART + JOIN (with
topic and NAMES) to the others, the FAIL codes, operators only, and the channel's history,
topic and modes under the new name (also after a restart)."""

from __future__ import annotations

import signal
from collections.abc import Callable

import pytest

from app.protocol.message import Message
from tests.conftest import StartServer
from tests.server.test_history import HISTORY_CAPS, history, restart, talk, texts
from tests.support import IrcClient, in_room, numerics, only, said

Connect = Callable[..., IrcClient]
RENAME = ("draft/channel-rename",)


def fail(replies: list[Message]) -> tuple[str, ...]:
    (reply,) = replies
    assert reply.command == "FAIL" and reply.params[0] == "RENAME", replies
    return reply.params[1:4]


def test_the_cap_is_offered(connect: Connect) -> None:
    client = connect()
    client.send("CAP LS 302")
    assert "draft/channel-rename" in client.expect("CAP").params[-1].split()


def test_rename_reaches_members_with_the_cap_and_others_see_part_and_join(
    connect: Connect,
) -> None:
    alice, bob = connect("alice", caps=RENAME), connect("bob", caps=RENAME)
    carol = connect("carol", caps=("extended-join",))
    in_room(alice, bob, carol, channel="#boaring")
    said(alice, "TOPIC #boaring :all about boats")
    said(alice, "MODE #boaring +s")
    for client in (bob, carol):
        client.sync()
    got = said(alice, "RENAME #boaring #boring :Typo fix")
    assert [(m.command, m.params) for m in got] == [("RENAME", ("#boaring", "#boring", "Typo fix"))]
    assert got[0].source is not None and got[0].source.startswith("alice!")
    assert [(m.command, m.params, m.source) for m in bob.sync()] == [
        ("RENAME", ("#boaring", "#boring", "Typo fix"), got[0].source)]
    seen = carol.sync()
    assert numerics(seen) == ["PART", "JOIN", "332", "333", "353", "366"]
    part, join = seen[0], seen[1]
    assert part.params == ("#boaring", "Typo fix") and join.params[0] == "#boring"
    assert part.source == join.source and join.source.startswith("carol!")
    assert join.params[1:] == ("*", "Real Name")  # extended-join: as any JOIN of hers
    assert seen[2].params[1:] == ("#boring", "all about boats")
    assert seen[4].params[1:3] == ("@", "#boring")  # still secret
    assert set(seen[4].params[3].split()) == {"@alice", "bob", "carol"}
    # the channel lives on under the new name only, with its modes and topic
    assert only(said(carol, "PRIVMSG #boring :hello"), "404") == []
    assert only(alice.sync(), "PRIVMSG")[0].params == ("#boring", "hello")
    assert numerics(said(carol, "PRIVMSG #boaring :hello")) == ["403"]
    (modes,) = only(said(bob, "MODE #boring"), "324")
    assert "s" in modes.params[2]
    assert only(said(bob, "TOPIC #boring"), "332")[0].params[2] == "all about boats"
    whois = only(said(bob, "WHOIS carol"), "319")
    assert whois[0].params[-1].split() == ["#boring"]


def test_rename_without_a_reason_still_sends_the_third_parameter(connect: Connect) -> None:
    alice, bob = connect("alice", caps=RENAME), connect("bob")
    in_room(alice, bob, channel="#coding")
    alice.send("RENAME #coding #programming")
    line = alice.read_line()
    assert line is not None and line.endswith(" RENAME #coding #programming :")
    seen = bob.sync()
    assert numerics(seen)[:2] == ["PART", "JOIN"] and seen[0].params == ("#coding",)
    assert "332" not in numerics(seen)  # no topic, no 332


def test_the_renamer_without_the_cap_gets_the_fallback_too(connect: Connect) -> None:
    alice = connect("alice")
    said(alice, "JOIN #foo")
    got = said(alice, "RENAME #foo #bar :Changing the channel name")
    assert numerics(got) == ["PART", "JOIN", "353", "366"]
    assert got[0].params == ("#foo", "Changing the channel name")
    assert got[1].params == ("#bar",) and got[2].params[-1] == "@alice"


@pytest.mark.parametrize(
    "cap", ["no-implicit-names", "draft/no-implicit-names", "soju.im/no-implicit-names"]
)
def test_the_fallback_sends_no_names_with_no_implicit_names(connect: Connect, cap: str) -> None:
    alice, bob = connect("alice", caps=RENAME), connect("bob", caps=(cap,))
    in_room(alice, bob, channel="#boaring")
    said(alice, "TOPIC #boaring :all about boats")
    bob.sync()
    said(alice, "RENAME #boaring #boring :Typo fix")
    assert numerics(bob.sync()) == ["PART", "JOIN", "332", "333"]  # the topic, no NAMES


def test_a_change_of_case_is_allowed_and_needs_no_fallback(connect: Connect) -> None:
    alice, bob = connect("alice", caps=RENAME), connect("bob")
    in_room(alice, bob, channel="#room")
    got = said(alice, "RENAME #room #Room")
    assert [(m.command, m.params) for m in got] == [("RENAME", ("#room", "#Room", ""))]
    assert bob.sync() == []
    assert only(said(bob, "NAMES #ROOM"), "353")[0].params[2] == "#Room"


def test_refusals(connect: Connect) -> None:
    alice, bob = connect("alice", caps=RENAME), connect("bob", caps=RENAME)
    carol = connect("carol")
    in_room(alice, bob, channel="#evil")
    said(carol, "JOIN #good")
    said(carol, "JOIN #kept")
    said(carol, "TOPIC #kept :a topic keeps the name")
    said(carol, "PART #kept")  # nobody in it, but its topic is kept
    assert fail(said(alice, "RENAME #evil #good :Don't be evil")) == (
        "CHANNEL_NAME_IN_USE", "#evil", "#good")
    assert fail(said(alice, "RENAME #evil #GOOD")) == ("CHANNEL_NAME_IN_USE", "#evil", "#GOOD")
    assert fail(said(alice, "RENAME #evil #kept")) == ("CHANNEL_NAME_IN_USE", "#evil", "#kept")
    assert fail(said(alice, "RENAME #evil nochannel")) == ("CANNOT_RENAME", "#evil", "nochannel")
    assert fail(said(alice, "RENAME #evil #a,b")) == ("CANNOT_RENAME", "#evil", "#a,b")
    assert fail(said(alice, "RENAME #evil #evil")) == ("CANNOT_RENAME", "#evil", "#evil")
    refused = said(bob, "RENAME #evil #nice")  # a member, not an operator
    assert numerics(refused) == ["482"] and refused[0].params[:2] == ("bob", "#evil")
    assert numerics(said(carol, "RENAME #evil #nice")) == ["442"]
    assert numerics(said(alice, "RENAME #nowhere #nice")) == ["403"]
    assert numerics(said(alice, "RENAME #evil")) == ["461"]
    assert only(bob.sync(), "RENAME") == []
    assert only(said(bob, "NAMES #evil"), "353")  # nothing was renamed


def test_history_follows_the_rename_and_survives_a_restart(start_server: StartServer) -> None:
    server = start_server()
    alice = IrcClient(server.port)
    alice.register("alice", caps=(*HISTORY_CAPS, *RENAME))
    said(alice, "JOIN #old")
    said(alice, "TOPIC #old :kept topic")
    said(alice, "MODE #old +m")
    before = talk(alice, 3, "#old")
    said(alice, "RENAME #old #new :tidy")
    replayed = history(alice, "CHATHISTORY LATEST #new * 10")
    assert texts(replayed) == ["m0", "m1", "m2"]
    assert [m.tags["msgid"] for m in replayed] == [m.tags["msgid"] for m in before]
    assert all(m.params[0] == "#new" for m in replayed)  # as said to the channel now
    (refused,) = said(alice, "CHATHISTORY LATEST #old * 10")
    assert refused.params[:4] == ("CHATHISTORY", "INVALID_TARGET", "LATEST", "#old")
    after = talk(alice, 1, "#new")
    alice.close()
    server = restart(start_server, server, signal.SIGTERM)
    alice = IrcClient(server.port)
    alice.register("alice", caps=HISTORY_CAPS)
    joined = said(alice, "JOIN #new")
    assert only(joined, "332")[0].params[2] == "kept topic"
    assert "m" in only(said(alice, "MODE #new"), "324")[0].params[2]
    replayed = history(alice, "CHATHISTORY LATEST #new * 10")
    assert [m.tags["msgid"] for m in replayed] == [m.tags["msgid"] for m in before + after]
    said(alice, "JOIN #old")  # a new channel of the old name starts empty
    assert history(alice, "CHATHISTORY LATEST #old * 10") == []
    assert only(said(alice, "TOPIC #old"), "331")
    alice.close()
