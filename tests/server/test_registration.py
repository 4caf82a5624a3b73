"""Connection registration and the ground rules every client relies on, over a real socket."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from app.protocol.message import Message
from tests.conftest import StartServer
from tests.support import IrcClient, numerics

Connect = Callable[..., IrcClient]

LUSERS = ["251", "252", "253", "254", "255", "265", "266"]
# RPL_ISUPPORT tokens: modern.ircdocs.horse "RPL_ISUPPORT Tokens" (a parameter name is at most
# 20 upper-case letters or digits; a value has no space).
ISUPPORT_TOKEN = re.compile(r"^-?[A-Z0-9]{1,20}(=[^ ]*)?$")


def welcome_burst(client: IrcClient) -> list[str]:
    """The numerics of the registration burst, each 005 line counted once."""
    seen = numerics(client.sync())
    return [n for i, n in enumerate(seen) if n != "005" or seen[i - 1] != "005"]


def isupport(messages: list[Message]) -> dict[str, str | None]:
    tokens: dict[str, str | None] = {}
    for msg in messages:
        if msg.command == "005":
            for token in msg.params[1:-1]:
                key, sep, value = token.partition("=")
                tokens[key] = value if sep else None
    return tokens


# ------------------------------------------------------------------ registration
@pytest.mark.parametrize(
    "order", [("NICK alice", "USER u 0 * :A"), ("USER u 0 * :A", "NICK alice")]
)
def test_nick_and_user_in_either_order_give_the_welcome_burst(
    connect: Connect, order: tuple[str, str]
) -> None:
    client = connect()
    for line in order:
        client.send(line)
    assert welcome_burst(client) == ["001", "002", "003", "004", "005", *LUSERS, "422"]


def test_welcome_numerics_come_from_the_server_and_name_the_user(connect: Connect) -> None:
    client = connect()
    client.send("NICK alice")
    client.send("USER u 0 * :A")
    burst = client.sync()
    assert {m.source for m in burst} == {"test.server"}
    assert {m.params[0] for m in burst} == {"alice"}
    assert "alice!~u@" in burst[0].params[-1]


def test_004_has_server_name_version_and_mode_letters(connect: Connect) -> None:
    client = connect()
    client.send("NICK alice")
    client.send("USER u 0 * :A")
    myinfo = client.expect("004")
    client.sync()
    assert myinfo.params[1] == "test.server"
    assert myinfo.params[2].startswith("chatbox-")
    assert set("io") <= set(myinfo.params[3])
    assert set("beIiklmnostv") <= set(myinfo.params[4])


def test_isupport_tokens_are_well_formed_and_complete(connect: Connect) -> None:
    client = connect()
    client.send("NICK alice")
    client.send("USER u 0 * :A")
    lines = [m for m in client.sync() if m.command == "005"]
    assert lines
    for msg in lines:
        assert msg.params[0] == "alice"
        assert msg.params[-1] == "are supported by this server"
        assert 1 <= len(msg.params) - 2 <= 13  # modern-irc: 1 to 13 tokens a line
        assert all(ISUPPORT_TOKEN.match(t) for t in msg.params[1:-1]), msg.params
    tokens = isupport(lines)
    for key in ("CASEMAPPING", "CHANTYPES", "CHANMODES", "NICKLEN", "CHANNELLEN", "TOPICLEN",
                "NETWORK", "TARGMAX", "STATUSMSG", "ELIST", "WHOX", "UTF8ONLY"):
        assert key in tokens, key
    assert tokens["PREFIX"] == "(ov)@+"
    assert tokens["CHANTYPES"] == "#"
    assert len((tokens["CHANMODES"] or "").split(",")) == 4
    assert int(tokens["NICKLEN"] or 0) >= 30


def test_motd_file_is_sent_as_375_372_376(start_server: StartServer, tmp_path: Path) -> None:
    motd = tmp_path / "motd.txt"
    motd.write_text("Welcome, friend.\nBe kind.\n", encoding="utf-8")
    server = start_server("--motd", str(motd))
    client = IrcClient(server.port)
    try:
        client.send("NICK alice")
        client.send("USER u 0 * :A")
        burst = client.sync()
        assert numerics(burst)[-4:] == ["375", "372", "372", "376"]
        assert [m.params[-1] for m in burst if m.command == "372"] == [
            "- Welcome, friend.",
            "- Be kind.",
        ]
    finally:
        client.close()


def test_nick_in_use_before_registration_gets_433_and_retry_works(connect: Connect) -> None:
    connect("alice")
    client = connect()
    client.send("NICK alice")
    client.send("USER u 0 * :A")
    assert [(m.command, m.params[:2]) for m in client.sync()] == [("433", ("*", "alice"))]
    client.send("NICK alice2")
    assert client.sync()[0].command == "001"


def test_nick_in_use_after_registration_keeps_old_nick(connect: Connect) -> None:
    connect("alice")
    bob = connect("bob")
    bob.send("NICK ALICE")
    assert [(m.command, m.params[:2]) for m in bob.sync()] == [("433", ("bob", "ALICE"))]
    bob.send("WHOIS bob")
    assert bob.expect("311").params[1] == "bob"


@pytest.mark.parametrize("line", ["NICK", "NICK :"])
def test_missing_nick_gets_431(connect: Connect, line: str) -> None:
    client = connect("alice")
    client.send(line)
    assert [(m.command, m.params[0]) for m in client.sync()] == [("431", "alice")]


@pytest.mark.parametrize(
    "line", ["NICK *", "NICK 1abc", "NICK -abc", "NICK #abc", "NICK ::abc", "NICK :a b", "NICK a,b"]
)
def test_erroneous_nick_gets_432_and_keeps_old_nick(connect: Connect, line: str) -> None:
    client = connect("alice")
    client.send(line)
    replies = client.sync()
    assert numerics(replies) == ["432"]
    # A well-formed reply: <client> <nick> :<text>, the nick never split or read as trailing.
    assert len(replies[0].params) == 3 and replies[0].params[0] == "alice", replies[0]
    client.send("ISON alice")
    assert client.expect("303").params[1] == "alice"


def test_erroneous_nick_before_registration_gets_432(connect: Connect) -> None:
    client = connect()
    client.send("NICK 9lives")
    client.send("USER u 0 * :A")
    assert numerics(client.sync()) == ["432"]
    client.send("NICK lives9")
    assert client.sync()[0].command == "001"


def test_nicklen_is_at_least_30_and_enforced(connect: Connect) -> None:
    nick30 = "a" * 30
    client = connect()
    client.send(f"NICK {nick30}")
    client.send("USER u 0 * :A")
    burst = client.sync()
    assert burst[0].command == "001" and burst[0].params[0] == nick30
    assert int(isupport(burst)["NICKLEN"] or 0) >= 30
    client.send("NICK " + "b" * 31)
    assert numerics(client.sync()) == ["432"]


def test_case_only_nick_change_works(connect: Connect) -> None:
    client = connect("Foo")
    client.send("NICK foo")
    change = client.sync()
    assert [(m.command, m.source.split("!")[0] if m.source else "", m.params)
            for m in change] == [("NICK", "Foo", ("foo",))]


def test_nick_is_free_again_after_nick_change(connect: Connect) -> None:
    alice = connect("alice")
    alice.send("NICK alice2")
    alice.sync()
    assert connect("alice").nick == "alice"


def test_nick_is_free_again_after_quit(connect: Connect) -> None:
    alice = connect("alice")
    alice.send("QUIT :bye")
    alice.until_closed()
    assert connect("alice").nick == "alice"


@pytest.mark.parametrize("leave", ["QUIT :never registered", "drop"])
def test_a_nick_held_by_a_connection_that_never_registered_is_free_when_it_goes(
    connect: Connect, leave: str
) -> None:
    squatter = connect()
    squatter.send("NICK alice")  # no USER: never registered
    squatter.sync()
    if leave == "drop":
        squatter.close()
    else:
        squatter.send(leave)
        squatter.until_closed()
    alice = connect()
    for _ in range(50):  # a dropped link is noticed a moment later: try until it is
        alice.send("NICK alice")
        alice.send("PING nick")
        answers = [alice.read()]
        while answers[-1].command != "PONG":
            answers.append(alice.read())
        if not any(m.command == "433" for m in answers):
            break
    alice.send("USER u 0 * :Alice")
    assert alice.expect("001").params[0] == "alice"


@pytest.mark.parametrize("line", ["USER u 0 *", "USER u", "USER", "USER u 0 * :", "USER  0 * :R"])
def test_user_with_too_few_params_or_empty_fields_gets_461(connect: Connect, line: str) -> None:
    client = connect()
    client.send("NICK alice")
    client.send(line)
    assert [(m.command, m.params[:2]) for m in client.sync()] == [("461", ("alice", "USER"))]


@pytest.mark.parametrize("line", ["USER u 0 * :Real", "PASS secret"])
def test_user_or_pass_after_registration_gets_462(connect: Connect, line: str) -> None:
    client = connect("alice")
    client.send(line)
    assert numerics(client.sync()) == ["462"]


def test_non_utf8_username_and_realname_do_not_break_registration(connect: Connect) -> None:
    client = connect()
    client.send("NICK alice")
    client.send_raw(b"USER \xff\xfeu\xe9 0 * :R\xe9al \xff name\r\n")
    warn, *burst = client.sync()  # repaired, and said so (UTF8ONLY: WARN USER INVALID_UTF8)
    assert warn.command == "WARN" and warn.params[:2] == ("USER", "INVALID_UTF8")
    assert burst[0].command == "001"
    client.send("WHOIS alice")
    whois = client.expect("311")
    assert whois.params[1] == "alice" and whois.params[2]


def test_quit_gets_error_then_close_and_members_see_the_reason(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    for client in (alice, bob):
        client.send("JOIN #room")
        client.sync()
    alice.send("QUIT :see you later")
    lines = alice.until_closed()
    assert lines[-1].startswith("ERROR :")
    quit_msg = bob.expect("QUIT")
    assert quit_msg.source is not None and quit_msg.source.startswith("alice!")
    assert quit_msg.params[0] in ("see you later", "Quit: see you later")


@pytest.mark.parametrize("line", ["JOIN #room", "PRIVMSG bob :hi", "WHOIS bob", "MODE * +i",
                                  "LUSERS", "AWAY :gone"])
def test_commands_before_registration_get_451(connect: Connect, line: str) -> None:
    client = connect()
    client.send(line)
    assert [(m.command, m.params[0]) for m in client.sync()] == [("451", "*")]


def test_unknown_command_gets_421(connect: Connect) -> None:
    client = connect("alice")
    client.send("FROBNICATE now")
    assert [(m.command, m.params[:2]) for m in client.sync()] == [("421", ("alice", "FROBNICATE"))]


# ------------------------------------------------------------------ ground rules
def test_replies_arrive_in_command_order(connect: Connect) -> None:
    connect("bob")
    alice = connect("alice")
    for line in ("WHOIS bob", "TIME", "NICK", "LUSERS", "FROB", "INFO"):
        alice.send(line)
    seen = numerics(alice.sync())
    first = {n: seen.index(n) for n in ("311", "318", "391", "431", "251", "266", "421", "374")}
    assert list(first.values()) == sorted(first.values()), seen


def test_pong_carries_server_name_and_token(connect: Connect) -> None:
    client = connect("alice")
    client.send("PING hello-there")
    assert client.read_line() == ":test.server PONG test.server :hello-there"


def test_pong_before_registration(connect: Connect) -> None:
    client = connect()
    client.send("PING :early bird")
    pong = client.read()
    assert (pong.source, pong.command, pong.params) == (
        "test.server", "PONG", ("test.server", "early bird"))


def test_ping_without_token_gets_409(connect: Connect) -> None:
    client = connect("alice")
    client.send("PING")
    assert numerics(client.sync()) in (["409"], ["461"])


def test_ping_with_empty_token_gets_empty_token_back(connect: Connect) -> None:
    client = connect("alice")
    client.send("PING :")
    pong = client.read()
    assert (pong.command, pong.params) == ("PONG", ("test.server", ""))


@pytest.mark.parametrize(
    ("data", "token"),
    [(b"PING :split token\r\n", "split token"), (b"PING token\r\n", "token"),
     (b"PING token\n", "token")],
)
def test_a_line_sent_one_byte_at_a_time_is_understood(
    connect: Connect, data: bytes, token: str
) -> None:
    client = connect("alice")
    client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for byte in data:
        client.send_raw(bytes([byte]))
    pong = client.read()
    assert (pong.command, pong.params[-1]) == ("PONG", token)


def test_registration_sent_one_byte_at_a_time(connect: Connect) -> None:
    client = connect()
    client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for byte in b"NICK alice\r\nUSER u 0 * :Alice Liddell\n":
        client.send_raw(bytes([byte]))
    assert client.expect("001").params[0] == "alice"


def test_crlf_and_bare_lf_both_end_a_line(connect: Connect) -> None:
    client = connect()
    client.send_raw(b"NICK alice\nUSER u 0 * :A\r\nPING one\nPING :two\r\n")
    client.expect("001")
    assert client.expect("PONG").params[-1] == "one"
    assert client.expect("PONG").params[-1] == "two"


def test_empty_password_flag_means_no_password(start_server: StartServer) -> None:
    server = start_server("--password", "")
    client = IrcClient(server.port)
    try:
        client.send("NICK alice")
        client.send("USER u 0 * :A")
        assert client.sync()[0].command == "001"
    finally:
        client.close()


@pytest.mark.parametrize("pass_line", [None, "PASS wrong", "PASS :"])
def test_missing_or_wrong_password_gets_464_or_error_and_close(
    start_server: StartServer, pass_line: str | None
) -> None:
    server = start_server("--password", "secret")
    client = IrcClient(server.port)
    try:
        if pass_line:
            client.send(pass_line)
        client.send("NICK alice")
        client.send("USER u 0 * :A")
        lines = client.until_closed()
        assert any(" 464 " in line for line in lines) or lines[-1].startswith("ERROR ")
        assert not any(" 001 " in line for line in lines)
    finally:
        client.close()


def test_right_password_registers(start_server: StartServer) -> None:
    server = start_server("--password", "secret")
    client = IrcClient(server.port)
    try:
        client.send("PASS secret")
        client.send("NICK alice")
        client.send("USER u 0 * :A")
        assert client.sync()[0].command == "001"
    finally:
        client.close()
