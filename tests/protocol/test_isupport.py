"""RPL_ISUPPORT (005) tokens (app/protocol/isupport.py).

Source: modern-irc "Feature Advertisement" (``TOKEN``, ``TOKEN=value``, ``-TOKEN`` withdraws a
token) and its parameter examples.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.protocol.isupport import (
    ISUPPORT_TRAILER,
    TOKENS_PER_LINE,
    format_isupport,
    parse_isupport,
    parse_prefix,
)
from app.protocol.message import Message, parse, serialize

# (parameters of one 005 line without target and trailer, tokens)
PARSE_CASES: list[tuple[list[str], dict[str, str | None]]] = [
    (["CASEMAPPING=rfc1459"], {"CASEMAPPING": "rfc1459"}),
    (["SAFELIST"], {"SAFELIST": ""}),
    (["EXCEPTS="], {"EXCEPTS": ""}),
    (["-KNOCK"], {"KNOCK": None}),
    (["CHANLIMIT=#:70,&:"], {"CHANLIMIT": "#:70,&:"}),
    (["TARGMAX=PRIVMSG:3,WHOIS:1,JOIN:"], {"TARGMAX": "PRIVMSG:3,WHOIS:1,JOIN:"}),
    (["CHANMODES=beI,k,l,imnpst"], {"CHANMODES": "beI,k,l,imnpst"}),
    (["PREFIX=(ov)@+", "STATUSMSG=@+"], {"PREFIX": "(ov)@+", "STATUSMSG": "@+"}),
    (["ODD=a=b"], {"ODD": "a=b"}),
    (
        ["AWAYLEN=200", "CHANTYPES=#&", "NETWORK=ExampleNET", "NICKLEN=30", "-EXCEPTS"],
        {
            "AWAYLEN": "200",
            "CHANTYPES": "#&",
            "NETWORK": "ExampleNET",
            "NICKLEN": "30",
            "EXCEPTS": None,
        },
    ),
    ([], {}),
]


@pytest.mark.parametrize(("params", "tokens"), PARSE_CASES)
def test_parse_isupport(params: list[str], tokens: dict[str, str | None]) -> None:
    assert parse_isupport(params) == tokens
    assert parse_isupport(tuple(params)) == tokens


_NOTHING_WITHDRAWN = [c for c in PARSE_CASES if None not in c[1].values()]


@pytest.mark.parametrize(("params", "tokens"), _NOTHING_WITHDRAWN)
def test_format_isupport_is_the_inverse(params: list[str], tokens: dict[str, str | None]) -> None:
    lines = format_isupport(tokens)
    flat = [item for line in lines for item in line]
    assert parse_isupport(flat) == tokens


def test_format_isupport_writes_bare_tokens_for_empty_values() -> None:
    assert format_isupport({"CASEMAPPING": "rfc1459", "SAFELIST": None, "EXCEPTS": ""}) == [
        ["CASEMAPPING=rfc1459", "SAFELIST", "EXCEPTS"]
    ]
    assert format_isupport({}) == []


def test_format_isupport_puts_13_tokens_per_line() -> None:
    assert TOKENS_PER_LINE == 13
    tokens = {f"T{i}": str(i) for i in range(30)}
    lines = format_isupport(tokens)
    assert [len(line) for line in lines] == [13, 13, 4]
    assert [item for line in lines for item in line] == [f"T{i}={i}" for i in range(30)]


def test_a_whole_005_line_round_trips() -> None:
    (params,) = format_isupport({"CASEMAPPING": "rfc1459", "CHANTYPES": "#", "PREFIX": "(ov)@+"})
    msg = Message("005", ("alice", *params, ISUPPORT_TRAILER), "irc.example.com")
    line = serialize(msg)
    assert line == (
        ":irc.example.com 005 alice CASEMAPPING=rfc1459 CHANTYPES=# PREFIX=(ov)@+ "
        ":are supported by this server"
    )
    back = parse(line)
    assert parse_isupport(back.params[1:-1]) == {
        "CASEMAPPING": "rfc1459",
        "CHANTYPES": "#",
        "PREFIX": "(ov)@+",
    }


PREFIX_CASES = [
    ("(ov)@+", ("ov", "@+")),
    ("(qaohv)~&@%+", ("qaohv", "~&@%+")),
    ("(o)@", ("o", "@")),
    ("", ("", "")),
    ("()", ("", "")),
    ("ov@+", ("", "")),
    ("(ov", ("", "")),
    ("(ov)@+%", ("ov", "@+")),
]


@pytest.mark.parametrize(("value", "parsed"), PREFIX_CASES)
def test_parse_prefix(value: str, parsed: tuple[str, str]) -> None:
    assert parse_prefix(value) == parsed


_KEYS = st.from_regex(r"[A-Z][A-Z0-9]{0,11}", fullmatch=True)
_VALUES = st.text(
    st.characters(blacklist_characters=" \0\r\n", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=40))
def test_property_format_then_parse(tokens: dict[str, str]) -> None:
    lines = format_isupport(tokens)
    assert all(1 <= len(line) <= TOKENS_PER_LINE for line in lines)
    merged: dict[str, str | None] = {}
    for line in lines:
        merged.update(parse_isupport(line))
    assert merged == tokens
