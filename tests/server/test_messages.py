"""Talking over a real socket: PRIVMSG, NOTICE, TAGMSG, message tags, echo-message and AWAY."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.support import IrcClient, in_room, numerics, only, said

Connect = Callable[..., IrcClient]

SERVER_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\Z")


# ------------------------------------------------------------------ channels and nicks
def test_channel_message_reaches_every_member_but_the_sender(connect: Connect) -> None:
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    in_room(alice, bob, carol)
    for command in ("PRIVMSG", "NOTICE"):
        assert said(alice, f"{command} #room :hello everyone") == []
        for client in (bob, carol):
            got = client.sync()
            assert [(m.command, m.params) for m in got] == [(command, ("#room", "hello everyone"))]
            assert got[0].source is not None and got[0].source.startswith("alice!")


def test_echo_message_sends_the_senders_own_channel_message_back(connect: Connect) -> None:
    alice = connect("alice", caps=("echo-message",))
    bob = connect("bob")
    in_room(alice, bob)
    for command in ("PRIVMSG", "NOTICE"):
        echo = said(alice, f"{command} #room :hi all")
        assert [(m.command, m.params) for m in echo] == [(command, ("#room", "hi all"))]
        assert echo[0].source is not None and echo[0].source.startswith("alice!")
        assert [m.params for m in only(bob.sync(), command)] == [("#room", "hi all")]


def test_private_message_and_notice_reach_the_nick(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    assert said(alice, "PRIVMSG bob :psst") == []
    assert said(alice, "NOTICE bob :heads up") == []
    got = bob.sync()
    assert [(m.command, m.params) for m in got] == [
        ("PRIVMSG", ("bob", "psst")), ("NOTICE", ("bob", "heads up"))
    ]
    assert all(m.source is not None and m.source.startswith("alice!") for m in got)


def test_message_to_several_targets_reaches_each(connect: Connect) -> None:
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    in_room(alice, carol)
    assert said(alice, "PRIVMSG bob,#room :to you both") == []
    assert [m.params for m in only(bob.sync(), "PRIVMSG")] == [("bob", "to you both")]
    assert [m.params for m in only(carol.sync(), "PRIVMSG")] == [("#room", "to you both")]


def test_echo_message_sends_a_private_message_back_too(connect: Connect) -> None:
    alice, bob = connect("alice", caps=("echo-message",)), connect("bob")
    echo = said(alice, "PRIVMSG bob :psst")
    assert [(m.command, m.params) for m in echo] == [("PRIVMSG", ("bob", "psst"))]
    assert only(bob.sync(), "PRIVMSG")[0].params == ("bob", "psst")


def test_message_to_a_missing_nick_is_401_and_silent_for_notice(connect: Connect) -> None:
    alice = connect("alice")
    got = said(alice, "PRIVMSG nobody :hello?")
    assert numerics(got) == ["401"] and got[0].params[:2] == ("alice", "nobody")
    assert said(alice, "NOTICE nobody :hello?") == []


def test_message_to_a_missing_channel_is_403_and_silent_for_notice(connect: Connect) -> None:
    alice = connect("alice")
    got = said(alice, "PRIVMSG #nowhere :hello?")
    assert len(got) == 1 and got[0].command in ("403", "401")
    assert got[0].params[:2] == ("alice", "#nowhere")
    assert said(alice, "NOTICE #nowhere :hello?") == []


def test_message_to_a_channel_one_cannot_send_to_is_404_and_silent_for_notice(
    connect: Connect,
) -> None:
    alice, bob = connect("alice"), connect("bob")
    in_room(alice)
    got = said(bob, "PRIVMSG #room :let me in")
    assert numerics(got) == ["404"] and got[0].params[:2] == ("bob", "#room")
    assert said(bob, "NOTICE #room :let me in") == []
    assert alice.sync() == []


def test_message_without_a_recipient_is_411(connect: Connect) -> None:
    alice = connect("alice")
    got = said(alice, "PRIVMSG")
    assert numerics(got) == ["411"] and got[0].params[0] == "alice"


def test_message_without_text_is_412(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    in_room(alice, bob)
    for line in ("PRIVMSG bob", "PRIVMSG #room :", "PRIVMSG bob :"):
        got = said(alice, line)
        assert numerics(got) == ["412"] and got[0].params[0] == "alice"
    assert bob.sync() == []


def test_statusmsg_to_ops_reaches_only_ops(connect: Connect) -> None:
    alice, bob, carol, dave = (connect(n) for n in ("alice", "bob", "carol", "dave"))
    in_room(alice, bob, carol, dave)
    said(alice, "MODE #room +o bob")
    said(alice, "MODE #room +v carol")
    for client in (bob, carol, dave):
        client.sync()
    assert said(carol, "PRIVMSG @#room :ops, a word") == []
    for op in (alice, bob):
        got = op.sync()
        assert [(m.command, m.params) for m in got] == [("PRIVMSG", ("@#room", "ops, a word"))]
    assert dave.sync() == []


def test_statusmsg_to_voiced_reaches_voiced_and_ops(connect: Connect) -> None:
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    in_room(alice, bob, carol)
    said(alice, "MODE #room +v bob")
    bob.sync()
    carol.sync()
    assert said(alice, "NOTICE +#room :voices and ops") == []
    assert [m.params for m in only(bob.sync(), "NOTICE")] == [("+#room", "voices and ops")]
    assert carol.sync() == []


# ------------------------------------------------------------------ tags
def test_tagmsg_reaches_only_message_tags_clients_with_its_client_tags(
    connect: Connect,
) -> None:
    alice = connect("alice", caps=("message-tags",))
    bob = connect("bob", caps=("message-tags",))
    carol = connect("carol")
    in_room(alice, bob, carol)
    assert said(alice, "@+draft/reply=m1;+draft/react=\U0001f44d TAGMSG #room") == []
    got = bob.sync()
    assert [(m.command, m.params) for m in got] == [("TAGMSG", ("#room",))]
    assert got[0].tags.get("+draft/react") == "\U0001f44d"
    assert got[0].source is not None and got[0].source.startswith("alice!")
    assert carol.sync() == []


def test_client_only_tags_are_relayed_to_message_tags_clients_and_stripped_for_others(
    connect: Connect,
) -> None:
    alice = connect("alice", caps=("message-tags",))
    bob = connect("bob", caps=("message-tags",))
    carol = connect("carol")
    in_room(alice, bob, carol)
    said(alice, "@+draft/reply=abc;+example.com/x=1 PRIVMSG #room :tagged")
    tagged = only(bob.sync(), "PRIVMSG")[0]
    assert tagged.tags.get("+draft/reply") == "abc"
    assert tagged.tags.get("+example.com/x") == "1"
    plain = only(carol.sync(), "PRIVMSG")[0]
    assert plain.params == ("#room", "tagged") and dict(plain.tags) == {}


def test_server_time_tag_has_millisecond_utc_format(connect: Connect) -> None:
    alice = connect("alice")
    bob = connect("bob", caps=("server-time",))
    in_room(alice, bob)
    said(alice, "PRIVMSG #room :what time is it")
    said(alice, "PRIVMSG bob :and now")
    got = only(bob.sync(), "PRIVMSG")
    assert len(got) == 2
    for message in got:
        assert SERVER_TIME.match(message.tags.get("time", "")), message.tags


def test_every_message_gets_a_unique_msgid(connect: Connect) -> None:
    alice = connect("alice")
    bob = connect("bob", caps=("message-tags",))
    in_room(alice, bob)
    said(alice, "PRIVMSG #room :one")
    said(alice, "PRIVMSG #room :two")
    said(alice, "NOTICE bob :three")
    said(alice, "PRIVMSG bob :four")
    ids = [m.tags.get("msgid", "") for m in bob.sync()]
    assert len(ids) == 4 and all(ids) and len(set(ids)) == 4


def test_echo_message_carries_time_and_the_same_msgid_as_the_recipients_copy(
    connect: Connect,
) -> None:
    caps = ("echo-message", "server-time", "message-tags")
    alice, bob = connect("alice", caps=caps), connect("bob", caps=caps)
    in_room(alice, bob)
    echo = only(said(alice, "PRIVMSG #room :stamped"), "PRIVMSG")
    assert len(echo) == 1 and echo[0].params == ("#room", "stamped")
    assert SERVER_TIME.match(echo[0].tags.get("time", ""))
    delivered = only(bob.sync(), "PRIVMSG")[0]
    assert echo[0].tags.get("msgid") and echo[0].tags["msgid"] == delivered.tags.get("msgid")


# ------------------------------------------------------------------ AWAY
def test_away_sets_306_and_back_clears_305(connect: Connect) -> None:
    alice = connect("alice")
    got = said(alice, "AWAY :out for lunch")
    assert numerics(got) == ["306"] and got[0].params[0] == "alice"
    got = said(alice, "AWAY")
    assert numerics(got) == ["305"] and got[0].params[0] == "alice"


def test_empty_away_message_clears_away(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    said(alice, "AWAY :gone")
    assert numerics(said(alice, "AWAY :")) == ["305"]
    assert "301" not in numerics(said(bob, "PRIVMSG alice :still there?"))


def test_private_message_to_an_away_user_answers_301(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    said(alice, "AWAY :out for lunch")
    got = said(bob, "PRIVMSG alice :are you there?")
    assert numerics(got) == ["301"]
    assert got[0].params == ("bob", "alice", "out for lunch")
    assert only(alice.sync(), "PRIVMSG")[0].params == ("alice", "are you there?")
    assert said(bob, "NOTICE alice :no auto-reply for notices") == []


def test_away_shows_in_whois_and_userhost(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    bob.send("USERHOST alice")
    assert "=+" in only(bob.sync(), "302")[0].params[-1]
    said(alice, "AWAY :out for lunch")
    bob.send("WHOIS alice")
    away = only(bob.sync(), "301")
    assert [m.params for m in away] == [("bob", "alice", "out for lunch")]
    bob.send("USERHOST alice")
    reply = only(bob.sync(), "302")[0].params[-1]
    assert reply.startswith("alice=-") or reply.startswith("alice*=-")
