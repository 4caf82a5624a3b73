"""IRCv3 extras over a real socket: labeled-response, setname, invite-notify, away-notify,
TAGMSG echo and NICK changes seen by channel members."""

from __future__ import annotations

from collections.abc import Callable

from tests.support import IrcClient, in_room, numerics, only, said

Connect = Callable[..., IrcClient]

LABELED = ("labeled-response", "batch")


# ------------------------------------------------------------------ labeled-response
def test_labeled_ping_gets_a_labeled_pong(connect: Connect) -> None:
    alice = connect("alice", caps=LABELED)
    got = said(alice, "@label=abc PING x")
    assert len(got) == 1
    assert got[0].command == "PONG" and got[0].params == ("test.server", "x")
    assert got[0].tags.get("label") == "abc"


def test_labeled_command_with_several_replies_comes_in_a_labeled_batch(
    connect: Connect,
) -> None:
    alice = connect("alice", caps=LABELED)
    connect("bob")
    got = said(alice, "@label=w1 WHOIS bob")
    start, *inner, end = got
    assert start.command == "BATCH" and start.tags.get("label") == "w1"
    assert start.source == "test.server"
    ref = start.params[0].removeprefix("+")
    assert start.params == (f"+{ref}", "labeled-response") and ref
    assert numerics(inner)[0] == "311" and numerics(inner)[-1] == "318"
    assert all(m.tags.get("batch") == ref and "label" not in m.tags for m in inner)
    assert end.command == "BATCH" and end.params == (f"-{ref}",) and "label" not in end.tags


def test_labeled_command_without_a_reply_gets_a_labeled_ack(connect: Connect) -> None:
    alice = connect("alice", caps=LABELED)
    got = said(alice, "@label=p1 PONG :x")
    assert [(m.command, m.source, m.params) for m in got] == [("ACK", "test.server", ())]
    assert got[0].tags.get("label") == "p1"


def test_labeled_message_without_echo_gets_a_labeled_ack(connect: Connect) -> None:
    alice, bob = connect("alice", caps=LABELED), connect("bob")
    got = said(alice, "@label=q1 PRIVMSG bob :hi")
    assert [(m.command, m.tags.get("label")) for m in got] == [("ACK", "q1")]
    assert only(bob.sync(), "PRIVMSG")[0].params == ("bob", "hi")


def test_labeled_error_reply_carries_the_label(connect: Connect) -> None:
    alice = connect("alice", caps=LABELED)
    got = said(alice, "@label=e1 PRIVMSG nobody :hi")
    assert numerics(got) == ["401"] and got[0].tags.get("label") == "e1"


def test_labeled_message_is_acked_by_its_labeled_echo_only(connect: Connect) -> None:
    alice = connect("alice", caps=(*LABELED, "echo-message"))
    bob = connect("bob", caps=("message-tags",))
    got = said(alice, "@label=m1 PRIVMSG bob :hi")
    assert [(m.command, m.params) for m in got] == [("PRIVMSG", ("bob", "hi"))]
    assert got[0].tags.get("label") == "m1"
    delivered = only(bob.sync(), "PRIVMSG")
    assert len(delivered) == 1 and "label" not in delivered[0].tags


def test_message_to_oneself_is_delivered_without_the_label(connect: Connect) -> None:
    # labeled-response: "When a client sends a message to itself, the server MUST NOT
    # include the label tag, except for any acknowledgment sent with echo-message."
    alice = connect("alice", caps=LABELED)
    got = said(alice, "@label=s1 PRIVMSG alice :note to self")
    delivered = only(got, "PRIVMSG")
    assert len(delivered) == 1 and "label" not in delivered[0].tags
    assert [m.tags.get("label") for m in got if "label" in m.tags] == ["s1"]



def test_labeled_unknown_command_gets_a_labeled_421(connect: Connect) -> None:
    alice = connect("alice", caps=LABELED)
    got = said(alice, "@label=u1 FROBNICATE now")
    assert [(m.command, m.params[1:2], m.tags.get("label")) for m in got] == [
        ("421", ("FROBNICATE",), "u1")]


def test_labeled_commands_before_registration_get_labeled_421_and_451(
    connect: Connect,
) -> None:
    client = connect()
    client.send("CAP LS 302")
    client.send("CAP REQ :labeled-response batch")
    client.expect("CAP", where=lambda m: m.param(1) == "ACK")
    for line, numeric in (("@label=p1 FROBNICATE", "421"), ("@label=p2 WHOIS x", "451")):
        client.send(line)
        reply = client.read()
        assert (reply.command, reply.tags.get("label")) == (numeric, line[7:9]), line


# ------------------------------------------------------------------ setname
def test_setname_goes_to_oneself_and_channel_members_with_the_cap(connect: Connect) -> None:
    alice = connect("alice", caps=("setname",))
    bob = connect("bob", caps=("setname",))
    carol = connect("carol")
    dave = connect("dave", caps=("setname",))
    in_room(alice, bob, carol)
    got = said(alice, "SETNAME :Alice Liddell")
    assert [(m.command, m.params) for m in got] == [("SETNAME", ("Alice Liddell",))]
    assert got[0].source is not None and got[0].source.startswith("alice!")
    seen = bob.sync()
    assert [(m.command, m.params, m.source) for m in seen] == [
        ("SETNAME", ("Alice Liddell",), got[0].source)
    ]
    assert carol.sync() == []
    assert dave.sync() == []
    dave.send("WHOIS alice")
    assert only(dave.sync(), "311")[0].params[-1] == "Alice Liddell"


def test_setname_with_an_empty_realname_fails(connect: Connect) -> None:
    alice = connect("alice", caps=("setname",))
    got = said(alice, "SETNAME :")
    assert [(m.command, m.params[:2]) for m in got] == [("FAIL", ("SETNAME", "INVALID_REALNAME"))]


# ------------------------------------------------------------------ invite-notify
def test_invite_notify_subscribers_see_invites_and_others_do_not(connect: Connect) -> None:
    alice = connect("alice")
    carol = connect("carol", caps=("invite-notify",))
    dave = connect("dave")
    bob = connect("bob")
    in_room(alice, carol, dave)
    said(alice, "INVITE bob #room")
    seen = only(carol.sync(), "INVITE")
    assert [m.params for m in seen] == [("bob", "#room")]
    assert seen[0].source is not None and seen[0].source.startswith("alice!")
    assert dave.sync() == []
    assert [m.params for m in only(bob.sync(), "INVITE")] == [("bob", "#room")]


# ------------------------------------------------------------------ away-notify
def test_away_notify_subscribers_see_away_and_back(connect: Connect) -> None:
    alice = connect("alice")
    bob = connect("bob", caps=("away-notify",))
    carol = connect("carol")
    in_room(alice, bob, carol)
    said(alice, "AWAY :out for lunch")
    said(alice, "AWAY")
    seen = bob.sync()
    assert [(m.command, m.params) for m in seen] == [("AWAY", ("out for lunch",)), ("AWAY", ())]
    assert all(m.source is not None and m.source.startswith("alice!") for m in seen)
    assert carol.sync() == []


def test_away_notify_subscribers_learn_that_a_joining_user_is_away(connect: Connect) -> None:
    # away-notify: an AWAY message is sent "when a user joins and has an away message set".
    bob = connect("bob", caps=("away-notify",))
    alice = connect("alice")
    in_room(bob)
    said(alice, "AWAY :out for lunch")
    in_room(alice)
    seen = bob.sync()
    assert [(m.command, m.params) for m in seen] == [
        ("JOIN", ("#room",)), ("AWAY", ("out for lunch",))
    ]


# ------------------------------------------------------------------ TAGMSG echo
def test_echo_message_echoes_tagmsg_to_a_message_tags_sender(connect: Connect) -> None:
    caps = ("message-tags", "echo-message")
    alice, bob = connect("alice", caps=caps), connect("bob", caps=("message-tags",))
    in_room(alice, bob)
    echo = said(alice, "@+draft/typing=active TAGMSG #room")
    assert [(m.command, m.params) for m in echo] == [("TAGMSG", ("#room",))]
    assert echo[0].tags.get("+draft/typing") == "active"
    assert only(bob.sync(), "TAGMSG")[0].tags.get("+draft/typing") == "active"


# ------------------------------------------------------------------ NICK
def test_nick_change_is_seen_by_oneself_and_channel_members_only(connect: Connect) -> None:
    alice, bob, dave = connect("alice"), connect("bob"), connect("dave")
    in_room(alice, bob)
    mine = said(alice, "NICK alicia")
    assert [(m.command, m.params) for m in mine] == [("NICK", ("alicia",))]
    assert mine[0].source is not None and mine[0].source.startswith("alice!")
    assert [(m.command, m.params, m.source) for m in bob.sync()] == [
        ("NICK", ("alicia",), mine[0].source)
    ]
    assert dave.sync() == []
    bob.send("NAMES #room")
    assert sorted(bob.sync()[0].params[3].split()) == ["@alicia", "bob"]
