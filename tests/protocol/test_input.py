"""Typed lines → IRC: the table of what each /command sends."""

from __future__ import annotations

import pytest

from app.protocol.ctcp import action, parse_ctcp
from app.protocol.input import parse_input
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
    ("/away", None, ["AWAY"]),
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
        ("/frobnicate", "#room", "Unknown command /frobnicate"),
        ("/join", None, "Usage: /join"),
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
