"""IRC operators: OPER from ``--oper NAME:PASSWORD``, how opers show in queries, and KILL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.protocol.message import Message
from tests.conftest import StartServer
from tests.support import IrcClient, ServerProcess, numerics

Connect = Callable[..., IrcClient]


@pytest.fixture
def server(start_server: StartServer) -> ServerProcess:
    """Every test here runs against a server with one operator login."""
    return start_server("--oper", "admin:hunter2")


def ask(client: IrcClient, line: str) -> list[Message]:
    client.send(line)
    return client.sync()


def oper(connect: Connect, nick: str) -> IrcClient:
    client = connect(nick)
    assert "381" in numerics(ask(client, "OPER admin hunter2"))
    return client


def test_oper_with_the_right_pair_gives_381_and_mode_plus_o(connect: Connect) -> None:
    alice = connect("alice")
    replies = ask(alice, "OPER admin hunter2")
    assert sorted(numerics(replies)) == ["381", "MODE"]
    mode = next(m for m in replies if m.command == "MODE")
    assert mode.params[0] == "alice" and mode.params[1] == "+o"
    assert next(m for m in replies if m.command == "381").params[0] == "alice"
    umode = ask(alice, "MODE alice")
    assert umode[0].command == "221" and "o" in umode[0].params[1]


def test_oper_with_a_wrong_password_gets_464_and_no_privileges(connect: Connect) -> None:
    alice = connect("alice")
    assert numerics(ask(alice, "OPER admin hunter3")) == ["464"]
    assert "o" not in ask(alice, "MODE alice")[0].params[1]
    assert numerics(ask(alice, "KILL bob :nope")) == ["481"]


def test_oper_with_an_unknown_name_gets_491(connect: Connect) -> None:
    alice = connect("alice")
    assert numerics(ask(alice, "OPER root hunter2")) == ["491"]
    assert "o" not in ask(alice, "MODE alice")[0].params[1]


def test_oper_without_enough_params_gets_461(connect: Connect) -> None:
    replies = ask(connect("alice"), "OPER admin")
    assert [(m.command, m.params[1]) for m in replies] == [("461", "OPER")]


def test_opers_cannot_be_made_with_mode_plus_o(connect: Connect) -> None:
    alice = connect("alice")
    ask(alice, "MODE alice +o")
    assert "o" not in ask(alice, "MODE alice")[0].params[1]


def test_whois_of_an_oper_shows_313(connect: Connect) -> None:
    oper(connect, "alice")
    replies = ask(connect("bob"), "WHOIS alice")
    assert [m.params[:2] for m in replies if m.command == "313"] == [("bob", "alice")]


def test_who_marks_opers_with_a_star(connect: Connect) -> None:
    alice = oper(connect, "alice")
    ask(alice, "JOIN #room")
    replies = ask(connect("bob"), "WHO #room")
    assert [m.params[6] for m in replies if m.command == "352"] == ["H*@"]


def test_userhost_marks_opers_with_a_star(connect: Connect) -> None:
    oper(connect, "alice")
    replies = ask(connect("bob"), "USERHOST alice")
    assert replies[0].command == "302"
    assert replies[0].params[1].startswith("alice*=+~user@")


def test_lusers_counts_operators(connect: Connect) -> None:
    oper(connect, "alice")
    oper(connect, "bob")
    connect("carol")
    replies = ask(connect("dave"), "LUSERS")
    assert [m.params[1] for m in replies if m.command == "252"] == ["2"]


def test_kill_by_an_oper_closes_the_target_and_others_see_quit(connect: Connect) -> None:
    alice = oper(connect, "alice")
    bob, carol = connect("bob"), connect("carol")
    for client in (bob, carol):
        ask(client, "JOIN #room")
    assert ask(alice, "KILL bob :spamming") == []
    lines = bob.until_closed()
    assert lines[-1].startswith("ERROR :")
    assert "spamming" in lines[-1]
    kill = [line for line in lines if " KILL " in line]
    assert kill and kill[0].startswith(":alice!") and kill[0].endswith("bob :spamming")
    quit_msg = carol.expect("QUIT")
    assert quit_msg.source is not None and quit_msg.source.startswith("bob!")
    assert "spamming" in quit_msg.params[0]
    assert connect("bob").nick == "bob"


def test_kill_by_a_non_oper_gets_481(connect: Connect) -> None:
    alice = connect("alice")
    bob = connect("bob")
    assert [(m.command, m.params[0]) for m in ask(alice, "KILL bob :bye")] == [("481", "alice")]
    assert bob.sync() == []


def test_kill_of_an_unknown_nick_gets_401(connect: Connect) -> None:
    alice = oper(connect, "alice")
    replies = ask(alice, "KILL nobody :bye")
    assert [(m.command, m.params[1]) for m in replies] == [("401", "nobody")]


def test_kill_without_a_reason_gets_461(connect: Connect) -> None:
    alice = oper(connect, "alice")
    connect("bob")
    replies = ask(alice, "KILL bob")
    assert [(m.command, m.params[1]) for m in replies] == [("461", "KILL")]
