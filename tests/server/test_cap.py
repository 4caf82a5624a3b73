"""IRCv3 capability negotiation (CAP, version 302) over a real socket."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.protocol.message import Message
from tests.support import IrcClient, numerics

Connect = Callable[..., IrcClient]

SOME_CAPS = {"multi-prefix", "server-time", "echo-message", "message-tags", "cap-notify"}


def cap_replies(messages: list[Message]) -> list[tuple[str, ...]]:
    """The parameters of every CAP reply, in order."""
    return [m.params for m in messages if m.command == "CAP"]


def enabled_caps(client: IrcClient) -> set[str]:
    client.send("CAP LIST")
    replies = cap_replies(client.sync())
    assert replies and all(r[1] == "LIST" for r in replies)
    return {cap for r in replies for cap in r[-1].split()}


def test_cap_ls_301_is_one_line_without_values(connect: Connect) -> None:
    client = connect()
    client.send("CAP LS")
    replies = client.sync()
    assert numerics(replies) == ["CAP"]
    reply = replies[0]
    assert reply.source == "test.server"
    assert len(reply.params) == 3 and reply.params[:2] == ("*", "LS")
    caps = reply.params[2].split()
    assert set(caps) >= SOME_CAPS
    assert not any("=" in cap for cap in caps)


def test_cap_ls_302_lists_caps_with_continuation_marks(connect: Connect) -> None:
    client = connect()
    client.send("CAP LS 302")
    replies = cap_replies(client.sync())
    assert replies
    for params in replies[:-1]:
        assert params[:3] == ("*", "LS", "*")
    assert replies[-1][:2] == ("*", "LS") and len(replies[-1]) == 3
    names = {cap.partition("=")[0] for r in replies for cap in r[-1].split()}
    assert names >= SOME_CAPS


def test_registration_waits_for_cap_end_after_ls(connect: Connect) -> None:
    client = connect()
    client.send("CAP LS 302")
    client.send("NICK alice")
    client.send("USER u 0 * :A")
    assert set(numerics(client.sync())) == {"CAP"}  # CAP LS 302 may take several lines
    client.send("CAP END")
    assert client.sync()[0].command == "001"


def test_registration_waits_for_cap_end_after_blind_req(connect: Connect) -> None:
    client = connect()
    client.send("CAP REQ :multi-prefix")
    client.send("NICK alice")
    client.send("USER u 0 * :A")
    assert cap_replies(client.sync()) == [("*", "ACK", "multi-prefix")]
    client.send("CAP END")
    assert client.sync()[0].command == "001"


def test_req_is_acknowledged_echoing_the_exact_string(connect: Connect) -> None:
    client = connect()
    client.send("CAP LS 302")
    client.send("CAP REQ :server-time   multi-prefix")
    replies = cap_replies(client.sync())
    assert replies[-1] == ("*", "ACK", "server-time   multi-prefix")
    assert {"server-time", "multi-prefix"} <= enabled_caps(client)


def test_req_with_an_unknown_cap_naks_the_whole_set(connect: Connect) -> None:
    client = connect()
    client.send("CAP LS 302")
    client.send("CAP REQ :multi-prefix example.org/no-such-cap")
    replies = cap_replies(client.sync())
    assert replies[-1] == ("*", "NAK", "multi-prefix example.org/no-such-cap")
    assert "multi-prefix" not in enabled_caps(client)


def test_req_minus_cap_removes_it(connect: Connect) -> None:
    client = connect()
    client.send("CAP REQ :multi-prefix server-time")
    client.send("CAP REQ :-multi-prefix")
    replies = cap_replies(client.sync())
    assert replies[-1] == ("*", "ACK", "-multi-prefix")
    caps = enabled_caps(client)
    assert "multi-prefix" not in caps and "server-time" in caps


def test_cap_list_with_nothing_enabled_sends_an_empty_list(connect: Connect) -> None:
    client = connect()
    client.send("CAP LIST")
    assert cap_replies(client.sync()) == [("*", "LIST", "")]


def test_req_after_registration_works(connect: Connect) -> None:
    alice = connect("alice")
    alice.send("CAP REQ :echo-message")
    assert cap_replies(alice.sync()) == [("alice", "ACK", "echo-message")]
    alice.send("JOIN #room")
    alice.sync()
    alice.send("PRIVMSG #room :hello me")
    echoed = [m for m in alice.sync() if m.command == "PRIVMSG"]
    assert [m.params for m in echoed] == [("#room", "hello me")]


def test_cap_replies_after_registration_name_the_nick(connect: Connect) -> None:
    alice = connect("alice")
    alice.send("CAP LS 302")
    alice.send("CAP LIST")
    replies = cap_replies(alice.sync())
    assert {r[0] for r in replies} == {"alice"}
    assert [r[1] for r in replies][-1] == "LIST"


def test_cap_end_after_registration_is_ignored(connect: Connect) -> None:
    alice = connect("alice")
    alice.send("CAP END")
    assert alice.sync() == []


@pytest.mark.parametrize(("nick", "target"), [(None, "*"), ("alice", "alice")])
def test_unknown_cap_subcommand_gets_410(connect: Connect, nick: str | None, target: str) -> None:
    client = connect(nick)
    client.send("CAP FROB")
    assert [(m.command, m.params[:2]) for m in client.sync()] == [("410", (target, "FROB"))]


def test_caps_negotiated_during_registration_take_effect(connect: Connect) -> None:
    alice = connect("alice", caps=("server-time",))
    bob = connect("bob")
    assert "server-time" in enabled_caps(alice)
    bob.send("PRIVMSG alice :hi")
    bob.sync()
    msg = alice.expect("PRIVMSG")
    assert "time" in msg.tags
