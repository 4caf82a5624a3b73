"""Bot mode (+B, 335, WHO flags, the bot tag), no-implicit-names under each name we accept,
draft/pre-away (AWAY before registration, ``AWAY *``) and WALLOPS, over a real socket."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.protocol.message import Message
from tests.conftest import StartServer
from tests.support import Clients, IrcClient, ServerProcess, in_room, numerics, only, said

Connect = Callable[..., IrcClient]

TAGGED = ("message-tags",)


def bot(connect: Connect, nick: str = "robo", caps: tuple[str, ...] = ()) -> IrcClient:
    client = connect(nick, caps=caps)
    got = said(client, f"MODE {nick} +B")
    assert [(m.command, m.params) for m in got] == [("MODE", (nick, "+B"))]
    return client


def offered(client: IrcClient) -> list[str]:
    client.send("CAP LS 302")
    return " ".join(m.params[-1] for m in client.sync() if m.command == "CAP").split()


# ------------------------------------------------------------------ bot mode
def test_isupport_names_the_bot_mode_and_004_lists_it(connect: Connect) -> None:
    welcome = connect().register("alice")
    tokens = [p for m in only(welcome, "005") for p in m.params[1:-1]]
    assert "BOT=B" in tokens
    assert "B" in only(welcome, "004")[0].params[3]


def test_bot_mode_is_a_user_mode_one_sets_and_clears(connect: Connect) -> None:
    robo = bot(connect)
    assert "B" in said(robo, "MODE robo")[0].params[1]
    assert [m.params for m in said(robo, "MODE robo -B")] == [("robo", "-B")]
    assert "B" not in said(robo, "MODE robo")[0].params[1]


def test_whois_of_a_bot_has_335_before_its_end(connect: Connect) -> None:
    bot(connect)
    alice = connect("alice")
    got = said(alice, "WHOIS robo")
    assert [m.params[:2] for m in only(got, "335")] == [("alice", "robo")]
    assert numerics(got).index("335") < numerics(got).index("318")
    assert only(said(alice, "WHOIS alice"), "335") == []


def test_who_flags_mark_a_bot_with_b(connect: Connect) -> None:
    robo = bot(connect)
    alice = connect("alice")
    in_room(robo, alice)
    assert [m.params[6] for m in only(said(alice, "WHO robo"), "352")] == ["H@B"]
    flags = {m.params[5]: m.params[6] for m in only(said(alice, "WHO #room"), "352")}
    assert flags == {"robo": "H@B", "alice": "H"}
    whox = only(said(alice, "WHO #room %nf"), "354")
    assert sorted(m.params[1:] for m in whox) == [("alice", "H"), ("robo", "H@B")]


def test_what_a_bot_sends_carries_the_bot_tag(connect: Connect) -> None:
    alice = connect("alice", caps=TAGGED)
    plain = connect("plain")
    robo = bot(connect, caps=TAGGED)
    in_room(alice, plain)
    robo.send("JOIN #room")
    for line in ("PRIVMSG #room :hello", "NOTICE #room :note", "@+typing=active TAGMSG #room",
                 "PRIVMSG alice :psst"):
        said(robo, line)
    got = alice.sync()
    assert numerics(got) == ["JOIN", "PRIVMSG", "NOTICE", "TAGMSG", "PRIVMSG"]
    assert all("bot" in m.tags and m.tags["bot"] == "" for m in got)
    assert got[3].tags["+typing"] == "active"
    heard = plain.sync()  # no message-tags: no tags at all
    assert numerics(heard) == ["JOIN", "PRIVMSG", "NOTICE"]
    assert all(m.tags == {} for m in heard)
    said(robo, "NICK robot")
    robo.send("QUIT :done")
    robo.until_closed()
    assert [(m.command, "bot" in m.tags) for m in alice.sync()] == [("NICK", True),
                                                                    ("QUIT", True)]


def test_a_normal_users_messages_carry_no_bot_tag(connect: Connect) -> None:
    alice = connect("alice", caps=TAGGED)
    bob = connect("bob", caps=TAGGED)
    bot(connect)
    in_room(alice, bob)
    said(bob, "PRIVMSG #room :hi")
    said(bob, "PRIVMSG alice :hi")
    got = alice.sync()
    assert numerics(got) == ["PRIVMSG", "PRIVMSG"]
    assert all("bot" not in m.tags for m in got)


def test_a_bots_kick_is_tagged_and_a_humans_join_is_not(connect: Connect) -> None:
    robo = bot(connect, caps=TAGGED)
    alice = connect("alice", caps=TAGGED)
    in_room(robo, alice)
    said(robo, "KICK #room alice :out")
    assert "bot" in alice.expect("KICK").tags
    alice.send("JOIN #room")
    got = robo.expect("JOIN")
    assert got.source.startswith("alice!") and "bot" not in got.tags


# ------------------------------------------------------------------ no-implicit-names
def test_no_implicit_names_names_are_offered(connect: Connect) -> None:
    caps = offered(connect())
    assert "no-implicit-names" in caps and "draft/no-implicit-names" in caps
    assert "soju.im/no-implicit-names" not in caps  # accepted, not offered


@pytest.mark.parametrize(
    "cap", ["no-implicit-names", "draft/no-implicit-names", "soju.im/no-implicit-names"]
)
def test_join_sends_no_names_with_no_implicit_names(connect: Connect, cap: str) -> None:
    carol = connect("carol")
    in_room(carol)
    said(carol, "TOPIC #room :hello")
    alice = connect("alice", caps=(cap,))
    assert "ACK" in [m.params[1] for m in alice.received if m.command == "CAP"]
    got = said(alice, "JOIN #room")
    assert numerics(got) == ["JOIN", "332", "333"]
    names = said(alice, "NAMES #room")  # an explicit NAMES is answered as ever
    assert numerics(names) == ["353", "366"]
    assert sorted(names[0].params[-1].split()) == ["@carol", "alice"]


def test_join_sends_names_without_the_cap(connect: Connect) -> None:
    alice = connect("alice")
    assert numerics(said(alice, "JOIN #room")) == ["JOIN", "353", "366"]


# ------------------------------------------------------------------ draft/pre-away
def pre_away_client(clients: Clients, line: str) -> list[Message]:
    """Negotiate draft/pre-away, send ``line`` before registering; what it got for it."""
    client = clients.open()
    client.send("CAP LS 302")
    client.send("CAP REQ draft/pre-away")
    client.expect("CAP", where=lambda m: m.param(1) == "ACK")
    got = said(client, line)
    client.send("NICK bob")
    client.send("USER u 0 * :Bob")
    client.send("CAP END")
    client.expect("001")
    client.sync()
    return got


def test_pre_away_is_offered(connect: Connect) -> None:
    assert "draft/pre-away" in offered(connect())


def test_away_before_registration_with_pre_away(server: ServerProcess, connect: Connect) -> None:
    alice = connect("alice", caps=("extended-monitor", "away-notify"))
    said(alice, "MONITOR + bob")
    with Clients(server.port) as clients:
        got = pre_away_client(clients, "AWAY :not here yet")
        assert numerics(got) == ["306"]
        assert alice.expect("730").params[1].startswith("bob!")  # online all the same
        whois = said(alice, "WHOIS bob")
        assert [m.params[1:] for m in only(whois, "301")] == [("bob", "not here yet")]
        assert said(alice, "USERHOST bob")[0].params[1].startswith("bob=-")


def test_away_star_means_not_present(server: ServerProcess, connect: Connect) -> None:
    alice = connect("alice")
    with Clients(server.port) as clients:
        assert numerics(pre_away_client(clients, "AWAY *")) == ["306"]
        away = only(said(alice, "WHOIS bob"), "301")
        assert [m.params[2] for m in away] == ["Not present"]


def test_away_before_registration_without_the_cap_gets_451(connect: Connect) -> None:
    client = connect()
    client.send("CAP LS 302")
    client.sync()
    assert numerics(said(client, "AWAY :early")) == ["451"]
    client.send("CAP END")
    client.register("bob")
    alice = connect("alice")
    assert only(said(alice, "WHOIS bob"), "301") == []


# ------------------------------------------------------------------ WALLOPS
@pytest.fixture
def oper_server(start_server: StartServer) -> ServerProcess:
    return start_server("--oper", "admin:hunter2")


def test_wallops_reach_users_with_plus_w_only(oper_server: ServerProcess) -> None:
    with Clients(oper_server.port) as clients:
        admin, watcher, other = clients.open("admin"), clients.open("watcher"), clients.open("x")
        assert "381" in numerics(said(admin, "OPER admin hunter2"))
        said(watcher, "MODE watcher +w")
        said(admin, "MODE admin +w")
        own = said(admin, "WALLOPS :server restart at noon")  # +w: the sender too
        for got in (only(watcher.sync(), "WALLOPS"), only(own, "WALLOPS")):
            assert [(m.source, m.params) for m in got] == [
                ("admin!~user@127.0.0.1", ("server restart at noon",))
            ]
        assert other.sync() == []


def test_wallops_from_a_normal_user_get_481(oper_server: ServerProcess) -> None:
    with Clients(oper_server.port) as clients:
        alice, watcher = clients.open("alice"), clients.open("watcher")
        said(watcher, "MODE watcher +w")
        assert numerics(said(alice, "WALLOPS :hello all")) == ["481"]
        assert watcher.sync() == []


def test_wallops_without_text_get_461(oper_server: ServerProcess) -> None:
    with Clients(oper_server.port) as clients:
        admin = clients.open("admin")
        said(admin, "OPER admin hunter2")
        for line in ("WALLOPS", "WALLOPS :"):
            got = said(admin, line)
            assert [(m.command, m.params[1]) for m in got] == [("461", "WALLOPS")], line
