"""Questions about users and the server: WHO, WHOIS, WHOWAS, LUSERS, HELP, INFO, TIME, VERSION,
LINKS, MOTD, ISON, USERHOST, ADMIN; and the server name from ``--name`` in all of them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.protocol.message import Message
from tests.conftest import StartServer
from tests.support import IrcClient, numerics, only, said

Connect = Callable[..., IrcClient]
HOST = "127.0.0.1"


def ask(client: IrcClient, line: str) -> list[Message]:
    client.send(line)
    return client.sync()


def who_nicks(replies: list[Message]) -> set[str]:
    return {m.params[5] for m in only(replies, "352")}


def room(connect: Connect, *nicks: str, channel: str = "#room") -> list[IrcClient]:
    """Register ``nicks`` and join them to ``channel`` in order (the first one is op)."""
    clients = [connect(nick) for nick in nicks]
    for client in clients:
        client.send(f"JOIN {channel}")
        client.sync()
    return clients


# ------------------------------------------------------------------ WHO
def test_who_channel_lists_members_with_server_name_flags_and_ends_with_315(
    connect: Connect,
) -> None:
    alice, _bob = room(connect, "alice", "bob")
    alice.send("MODE #room +v bob")
    replies = ask(alice, "WHO #room")
    assert numerics(replies)[-1] == "315"
    assert replies[-1].params[:2] == ("alice", "#room")
    lines = {m.params[5]: m.params for m in only(replies, "352")}
    assert lines["alice"] == ("alice", "#room", "~user", HOST, "test.server", "alice", "H@",
                              "0 Real Name")
    assert lines["bob"][6] == "H+"


def test_who_shows_g_for_away_users(connect: Connect) -> None:
    alice, bob = room(connect, "alice", "bob")
    ask(bob, "AWAY :lunch")
    flags = {m.params[5]: m.params[6] for m in only(ask(alice, "WHO #room"), "352")}
    assert flags == {"alice": "H@", "bob": "G"}


def test_who_nick_gives_one_line(connect: Connect) -> None:
    alice = connect("alice")
    connect("bob")
    replies = ask(alice, "WHO bob")
    assert numerics(replies) == ["352", "315"]
    assert replies[0].params[4:6] == ("test.server", "bob")
    assert replies[1].params[1] == "bob"


def test_who_star_and_masks_match_visible_users(connect: Connect) -> None:
    alice = connect("alice")
    connect("alfred")
    connect("bob")
    assert who_nicks(ask(alice, "WHO *")) >= {"alice", "alfred", "bob"}
    replies = ask(alice, "WHO al*")
    assert who_nicks(replies) == {"alice", "alfred"}
    assert replies[-1].command == "315" and replies[-1].params[1] == "al*"


def test_who_for_an_unknown_nick_still_ends_with_315(connect: Connect) -> None:
    alice = connect("alice")
    replies = ask(alice, "WHO nobody")
    assert [(m.command, m.params[:2]) for m in replies] == [("315", ("alice", "nobody"))]


def test_invisible_users_are_hidden_from_strangers_but_not_from_channel_peers(
    connect: Connect,
) -> None:
    carol, alice = room(connect, "carol", "alice")
    ask(carol, "MODE carol +i")
    stranger = connect("dave")
    assert "carol" not in who_nicks(ask(stranger, "WHO *"))
    assert "carol" not in who_nicks(ask(stranger, "WHO car*"))
    assert who_nicks(ask(stranger, "WHO #room")) == {"alice"}
    assert "carol" in who_nicks(ask(alice, "WHO *"))
    assert who_nicks(ask(alice, "WHO #room")) == {"alice", "carol"}


def test_whox_returns_354_with_the_requested_fields_and_token(connect: Connect) -> None:
    alice, _bob = room(connect, "alice", "bob")
    replies = ask(alice, "WHO #room %tnuhraf,123")
    assert [n for n in numerics(replies) if n != "JOIN"] == ["354", "354", "315"]
    fields = {m.params[4]: m.params for m in only(replies, "354")}
    # %tnuhraf is always answered in the order t u h n f a r (WHOX spec).
    assert fields["bob"] == ("alice", "123", "~user", HOST, "bob", "H", "0", "Real Name")


# ------------------------------------------------------------------ WHOIS
def test_whois_gives_user_channels_server_and_end(connect: Connect) -> None:
    room(connect, "alice", "bob")
    replies = ask(connect("carol"), "WHOIS alice")
    assert [n for n in numerics(replies) if n in ("311", "319", "312", "318")] == [
        "311", "319", "312", "318"]
    by = {m.command: m.params for m in replies}
    assert by["311"] == ("carol", "alice", "~user", HOST, "*", "Real Name")
    assert by["319"][:2] == ("carol", "alice") and by["319"][2].split() == ["@#room"]
    assert by["312"] == ("carol", "alice", "test.server", "test server")
    assert by["318"][:2] == ("carol", "alice")
    assert "301" not in by and "313" not in by


def test_whois_shows_away_message(connect: Connect) -> None:
    alice = connect("alice")
    ask(connect("bob"), "AWAY :out for lunch")
    away = only(ask(alice, "WHOIS bob"), "301")
    assert [m.params for m in away] == [("alice", "bob", "out for lunch")]


def test_whois_missing_user_gets_401(connect: Connect) -> None:
    replies = ask(connect("alice"), "WHOIS nobody")
    assert numerics(replies)[0] == "401" and replies[0].params[1] == "nobody"
    assert numerics(replies)[-1] == "318"


@pytest.mark.parametrize("line", ["WHOIS test.server bob", "WHOIS bob bob"])
def test_whois_with_a_server_or_nick_target_works(connect: Connect, line: str) -> None:
    alice = connect("alice")
    connect("bob")
    replies = ask(alice, line)
    assert only(replies, "311")[0].params[1] == "bob"
    assert numerics(replies)[-1] == "318"


# ------------------------------------------------------------------ WHOWAS
def test_whowas_after_quit(connect: Connect) -> None:
    alice = connect("alice")
    bob = connect("bob")
    bob.send("QUIT :bye")
    bob.until_closed()
    replies = ask(alice, "WHOWAS bob")
    assert numerics(replies) == ["314", "312", "369"]
    assert replies[0].params == ("alice", "bob", "~user", HOST, "*", "Real Name")
    assert replies[1].params[:3] == ("alice", "bob", "test.server")
    assert replies[2].params[:2] == ("alice", "bob")


def test_whowas_after_nick_change(connect: Connect) -> None:
    alice = connect("alice")
    ask(connect("bob"), "NICK robert")
    replies = ask(alice, "WHOWAS bob")
    assert numerics(replies) == ["314", "312", "369"]


@pytest.mark.parametrize(("count", "entries"), [("", 3), ("1", 1), ("2", 2), ("0", 3),
                                                ("-1", 3)])
def test_whowas_lists_newest_first_up_to_count(
    connect: Connect, count: str, entries: int
) -> None:
    for user in ("first", "second", "third"):
        client = connect()
        client.register("bob", user=user)
        client.send("QUIT")
        client.until_closed()
    replies = ask(connect("alice"), f"WHOWAS bob {count}".strip())
    users = [m.params[2] for m in only(replies, "314")]
    assert users == ["~third", "~second", "~first"][:entries]
    assert numerics(replies)[-1] == "369"


def test_whowas_unknown_nick_gets_406_then_369(connect: Connect) -> None:
    replies = ask(connect("alice"), "WHOWAS nobody")
    assert [(m.command, m.params[1]) for m in replies] == [("406", "nobody"), ("369", "nobody")]


def test_whowas_without_a_nick_gets_431(connect: Connect) -> None:
    assert numerics(ask(connect("alice"), "WHOWAS")) in (["431"], ["461"])


# ------------------------------------------------------------------ LUSERS
def test_lusers_counts_users_invisible_unknown_operators_and_channels(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    ask(bob, "MODE bob +i")
    ask(alice, "JOIN #one")
    ask(bob, "JOIN #two")
    ask(connect(), "PING unregistered")
    replies = ask(alice, "LUSERS")
    assert numerics(replies) == ["251", "252", "253", "254", "255", "265", "266"]
    by = {m.command: m.params for m in replies}
    assert by["251"][1] == "There are 1 users and 1 invisible on 1 servers"
    assert by["252"][1] == "0"
    assert by["253"][1] == "1"
    assert by["254"][1] == "2"
    assert by["255"][1] == "I have 2 clients and 0 servers"
    assert by["265"][1:3] == ("2", "2") and by["266"][1:3] == ("2", "2")


# ------------------------------------------------------------------ server information
@pytest.mark.parametrize("command", ["HELP", "HELPOP"])
def test_help_gives_704_705_706(connect: Connect, command: str) -> None:
    alice = connect("alice")
    replies = ask(alice, f"{command} JOIN")
    kinds = numerics(replies)
    assert kinds[0] == "704" and kinds[-1] == "706" and set(kinds[1:-1]) <= {"705"}
    assert {m.params[1] for m in replies} == {"JOIN"}
    general = numerics(ask(alice, command))
    assert general[0] == "704" and general[-1] == "706"


@pytest.mark.parametrize(
    ("subject", "summary"),
    [
        ("REDACT", "REDACT <target> <msgid> [:<reason>]"),
        ("MARKREAD", "MARKREAD <target> [timestamp=<time>]"),
        ("RENAME", "RENAME <#channel> <#newname> [:<reason>]"),
    ],
)
def test_help_on_newer_commands(connect: Connect, subject: str, summary: str) -> None:
    replies = ask(connect("alice"), f"HELP {subject}")
    assert numerics(replies) == ["704", "705", "706"]
    assert replies[0].params[1:] == (subject, summary)
    assert replies[1].params[1] == subject and replies[1].params[2]


def test_help_lists_every_command_a_user_types(connect: Connect) -> None:
    from app.server.commands import COMMANDS

    general = ask(connect("alice"), "HELP")
    listed = {word.strip(".") for m in general for word in m.params[-1].split()}
    unlisted = {"AUTHENTICATE", "BATCH", "HELPOP", "PONG"}  # protocol plumbing, or HELP itself
    assert set(COMMANDS) - unlisted <= listed


def test_help_on_an_unknown_subject_gets_524(connect: Connect) -> None:
    replies = ask(connect("alice"), "HELP NOSUCHTHING")
    assert [(m.command, m.params[0]) for m in replies] == [("524", "alice")]


def test_info_is_371_lines_then_374(connect: Connect) -> None:
    kinds = numerics(ask(connect("alice"), "INFO"))
    assert kinds[-1] == "374" and kinds[:-1] and set(kinds[:-1]) == {"371"}


def test_time_gives_391_with_server_name(connect: Connect) -> None:
    replies = ask(connect("alice"), "TIME")
    assert numerics(replies) == ["391"]
    assert replies[0].params[:2] == ("alice", "test.server") and replies[0].params[-1]


def test_version_gives_351_and_isupport(connect: Connect) -> None:
    replies = ask(connect("alice"), "VERSION")
    kinds = numerics(replies)
    assert kinds[0] == "351" and kinds[1:] and set(kinds[1:]) == {"005"}
    assert replies[0].params[1].startswith("chatbox-") and replies[0].params[2] == "test.server"


def test_links_lists_this_server_with_its_description(connect: Connect) -> None:
    replies = ask(connect("alice"), "LINKS")
    assert numerics(replies) == ["364", "365"]
    assert replies[0].params[2] == "test.server"
    assert replies[0].params[-1] == "0 test server"


def test_motd_without_a_file_gets_422(connect: Connect) -> None:
    assert numerics(ask(connect("alice"), "MOTD")) == ["422"]


def test_motd_with_a_file_gets_375_372_376(start_server: StartServer, tmp_path: Path) -> None:
    motd = tmp_path / "motd.txt"
    motd.write_text("Hello there.\n", encoding="utf-8")
    server = start_server("--motd", str(motd))
    client = IrcClient(server.port)
    try:
        client.register("alice")
        replies = ask(client, "MOTD")
        assert numerics(replies) == ["375", "372", "376"]
        assert replies[1].params[-1] == "- Hello there."
    finally:
        client.close()


def test_ison_lists_the_nicks_present(connect: Connect) -> None:
    alice = connect("alice")
    connect("Bob")
    replies = ask(alice, "ISON alice nobody bob")
    assert [(m.command, m.params) for m in replies] == [("303", ("alice", "alice Bob"))]


def test_userhost_marks_away_with_minus(connect: Connect) -> None:
    alice = connect("alice")
    ask(connect("bob"), "AWAY :gone")
    replies = ask(alice, "USERHOST alice bob nobody")
    assert numerics(replies) == ["302"]
    assert replies[0].params[1].split() == [f"alice=+~user@{HOST}", f"bob=-~user@{HOST}"]


def test_admin_gives_256_to_259(connect: Connect) -> None:
    replies = ask(connect("alice"), "ADMIN")
    assert numerics(replies) == ["256", "257", "258", "259"]


# ------------------------------------------------------------------ --name
def test_server_name_from_flag_is_used_everywhere(start_server: StartServer) -> None:
    name = "My.Little.Server"
    server = start_server("--name", name)
    alice, bob = IrcClient(server.port), IrcClient(server.port)
    try:
        burst = alice.register("alice")
        bob.register("bob")
        assert {m.source for m in alice.received} == {name}
        assert {m.source for m in burst} == {name}
        assert only(burst, "004")[0].params[1] == name
        alice.send("PING tok")
        assert alice.read_line() == f":{name} PONG {name} :tok"
        assert only(ask(alice, "WHO bob"), "352")[0].params[4] == name
        assert only(ask(alice, "WHOIS bob"), "312")[0].params[2] == name
        assert only(ask(alice, "TIME"), "391")[0].params[1] == name
        links = only(ask(alice, "LINKS"), "364")
        assert links[0].params[2] == name and links[0].source == name
        assert only(ask(alice, "WHO #nowhere"), "315")[0].source == name
    finally:
        alice.close()
        bob.close()


def test_who_on_several_channels_lists_each_and_ends_once(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    said(alice, "JOIN #one")
    said(bob, "JOIN #two")
    replies = said(alice, "WHO #one,#two")
    assert [(m.params[1], m.params[5]) for m in only(replies, "352")] == [
        ("#one", "alice"), ("#two", "bob"),
    ]
    assert [m.command for m in replies][-1] == "315"
    assert len(only(replies, "315")) == 1
