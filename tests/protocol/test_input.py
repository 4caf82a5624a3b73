"""Typed lines → IRC: the table of what each /command sends."""

from __future__ import annotations

import pytest

from app.protocol.commands import BY_NAME, COMMANDS, markdown
from app.protocol.ctcp import action, parse_ctcp
from app.protocol.input import HANDLERS, parse_input
from app.protocol.pacing import TokenBucket
from app.protocol.serverinfo import ServerInfo

INFO = ServerInfo(chantypes="#")

SENDS = [
    ("hello there", "#room", ["PRIVMSG #room :hello there"]),
    ("//not a command", "#room", ["PRIVMSG #room :/not a command"]),
    ("/join #b", "#room", ["JOIN #b"]),
    ("/join b", None, ["JOIN #b"]),
    ("/join #b sesame", None, ["JOIN #b sesame"]),
    ("/part", "#room", ["PART #room"]),
    ("/part see you", "#room", ["PART #room :see you"]),
    ("/part #other bye", "#room", ["PART #other :bye"]),
    ("/nick Zed", None, ["NICK Zed"]),
    ("/me waves", "#room", ["PRIVMSG #room :\x01ACTION waves\x01"]),
    ("/msg bob hi you", None, ["PRIVMSG bob :hi you"]),
    ("/query bob hi", None, ["PRIVMSG bob :hi"]),
    ("/query bob", None, []),
    ("/topic", "#room", ["TOPIC #room"]),
    ("/topic New one", "#room", ["TOPIC #room :New one"]),
    ("/away lunch", None, ["AWAY :lunch"]),
    ("/away", None, ["AWAY :Away"]),
    ("/back", "#room", ["AWAY"]),
    ("/whois bob", "#room", ["WHOIS bob"]),
    ("/whois", "bob", ["WHOIS bob"]),
    ("/whowas bob", None, ["WHOWAS bob"]),
    ("/mode", "#room", ["MODE #room"]),
    ("/mode +m", "#room", ["MODE #room +m"]),
    ("/mode +b", "#room", ["MODE #room +b"]),
    ("/mode #other +k sesame", "bob", ["MODE #other +k sesame"]),
    ("/mode alice +i", None, ["MODE alice +i"]),
    ("/op bob", "#room", ["MODE #room +o bob"]),
    ("/op bob carol dave eve", "#room", ["MODE #room +ooo bob carol dave", "MODE #room +o eve"]),
    ("/deop #other bob", None, ["MODE #other -o bob"]),
    ("/voice bob carol", "#room", ["MODE #room +vv bob carol"]),
    ("/devoice bob", "#room", ["MODE #room -v bob"]),
    ("/kick bob", "#room", ["KICK #room bob"]),
    ("/kick bob go away now", "#room", ["KICK #room bob :go away now"]),
    ("/kick #other bob bye", "#room", ["KICK #other bob :bye"]),
    ("/ban bob", "#room", ["MODE #room +b bob!*@*"]),
    ("/ban *!*@10.0.0.2", "#room", ["MODE #room +b *!*@10.0.0.2"]),
    ("/ban #other bob carol", None, ["MODE #other +bb bob!*@* carol!*@*"]),
    ("/unban bob", "#room", ["MODE #room -b bob!*@*"]),
    ("/invite bob", "#room", ["INVITE bob #room"]),
    ("/invite bob #other", None, ["INVITE bob #other"]),
    ("/notice bob psst there", None, ["NOTICE bob :psst there"]),
    ("/ctcp bob version", None, ["PRIVMSG bob :\x01VERSION\x01"]),
    ("/ctcp bob ping 42", None, ["PRIVMSG bob :\x01PING 42\x01"]),
    ("/names", "#room", ["NAMES #room"]),
    ("/names #other", None, ["NAMES #other"]),
    ("/list", None, ["LIST"]),
    ("/list >5", "#room", ["LIST >5"]),
    ("/topic #other", None, ["TOPIC #other"]),
    ("/topic #other A new one", "#room", ["TOPIC #other :A new one"]),
    ("/quote MODE #room +v bob", "#room", ["MODE #room +v bob"]),
    ("/JOIN #caps", None, ["JOIN #caps"]),
]


@pytest.mark.parametrize(("typed", "room", "lines"), SENDS)
def test_typed_line_becomes_irc(typed: str, room: str | None, lines: list[str]) -> None:
    result = parse_input(typed, room, INFO)
    assert result.error is None
    assert result.lines == lines


@pytest.mark.parametrize(
    ("typed", "room", "error"),
    [
        ("hello", None, "Join a room first"),
        ("/me waves", None, "Join a room first"),
        ("/nick 9lives", None, "cannot start with a digit"),
        ("/nick", None, "cannot be empty"),
        ("/msg bob", None, "Usage: /msg"),
        ("/topic x", None, "/topic works in a channel"),
        ("/frobnicate", "#room", "Unknown command /frobnicate — /help lists the commands"),
        ("/join", None, "Usage: /join"),
        ("/op bob", "bob", "/op works in a channel"),
        ("/op bob", None, "/op works in a channel"),
        ("/kick bob", None, "/kick works in a channel"),
        ("/ban bob", "carol", "/ban works in a channel"),
        ("/names", None, "/names works in a channel"),
        ("/invite bob", "bob", "/invite works in a channel"),
        ("/mode +m", None, "/mode works in a channel"),
        ("/op", "#room", "Usage: /op [#channel] nick"),
        ("/kick", "#room", "Usage: /kick [#channel] nick [reason]"),
        ("/whois", None, "Usage: /whois nick"),
        ("/notice bob", None, "Usage: /notice"),
        ("/ctcp bob", None, "Usage: /ctcp"),
        ("/unignore", None, "Usage: /unignore"),
        ("/help frob", None, "No command /frob — /help lists the commands"),
    ],
)
def test_mistakes_are_explained_and_send_nothing(typed: str, room: str | None, error: str) -> None:
    result = parse_input(typed, room, INFO)
    assert result.lines == []
    assert result.error is not None and error in result.error


def test_query_opens_a_room_and_quit_carries_its_reason() -> None:
    assert parse_input("/query Bob", None, INFO).open_query == "Bob"
    assert parse_input("/quit bye all", "#room", INFO).quit == "bye all"
    assert parse_input("/quit", "#room", INFO).quit == ""


def test_help_lists_every_command_and_explains_one() -> None:
    listed = parse_input("/help", "#room", INFO)
    assert listed.lines == [] and listed.error is None
    assert listed.info[0].startswith("Commands")
    for command in COMMANDS:
        assert any(line.startswith(command.usage + " — ") for line in listed.info), command
    explained = parse_input("/help whois", None, INFO).info
    assert explained == ["Usage: /whois nick", BY_NAME["whois"].summary]
    assert parse_input("/help /KICK", None, INFO).info[0] == "Usage: /kick [#channel] nick [reason]"


def test_every_command_has_help_and_every_help_a_command() -> None:
    assert set(HANDLERS) == set(BY_NAME)
    for command in COMMANDS:
        assert command.usage.startswith(f"/{command.name}")
        assert command.summary.endswith(".") and len(command.summary) < 100
    table = markdown().splitlines()
    assert len(table) == 2 + len(COMMANDS) and "| /whois nick |" in table[-2]


@pytest.mark.parametrize(
    ("typed", "room", "local"),
    [
        ("/ignore bob", "#room", ("ignore", "bob!*@*")),
        ("/ignore *!*@spam.example", None, ("ignore", "*!*@spam.example")),
        ("/ignore", None, ("ignore",)),
        ("/unignore bob", None, ("unignore", "bob!*@*")),
        ("/clear", "#room", ("clear",)),
        ("/close", "bob", ("close",)),
        ("/list", None, ("list",)),
    ],
)
def test_local_commands_say_what_the_client_does(
    typed: str, room: str | None, local: tuple[str, ...]
) -> None:
    result = parse_input(typed, room, INFO)
    assert result.error is None and result.local == local


def test_a_server_with_more_modes_per_line_gets_fewer_lines() -> None:
    info = ServerInfo(chantypes="#", tokens={"MODES": "4"})
    assert parse_input("/op a b c d e", "#room", info).lines == [
        "MODE #room +oooo a b c d", "MODE #room +o e",
    ]


def test_ctcp_ping_carries_a_timestamp() -> None:
    (line,) = parse_input("/ctcp bob PING", None, INFO).lines
    assert line.startswith("PRIVMSG bob :\x01PING ") and line[-2].isdigit()


def test_ctcp_action_round_trip() -> None:
    assert parse_ctcp(action("waves")) == ("ACTION", "waves")
    assert parse_ctcp("\x01VERSION\x01") == ("VERSION", "")
    assert parse_ctcp("\x01ACTION unterminated") == ("ACTION", "unterminated")
    assert parse_ctcp("plain") is None


def test_token_bucket_allows_a_burst_then_a_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(burst=3, rate=2, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    assert bucket.delay() == pytest.approx(0.5)
    now[0] += 0.5
    assert bucket.take()


def test_server_info_follows_isupport() -> None:
    info = ServerInfo()
    info.update({"PREFIX": "(qaohv)~&@%+", "CHANTYPES": "#&", "CASEMAPPING": "ascii",
                 "NICKLEN": "16"})
    assert info.split_prefix("@+alice") == ("ov", "alice")
    assert info.symbol("hv") == "%"
    assert info.nicklen == 16
    assert info.fold("[A]") == "[a]"  # ascii: brackets stay
    assert sorted(["bob", "Carol", "alice"], key=lambda n: info.member_key("", n)) == [
        "alice", "bob", "Carol",
    ]
    assert info.member_key("o", "zed") < info.member_key("v", "adam")
