"""Parsing and serialising single IRC lines (app/protocol/message.py).

The tables are copied from public specs; YAML double-quoted strings and Python string literals
use the same escapes, so the vectors below are the specs' own text, character for character.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.protocol.errors import LocalProtocolError, RemoteProtocolError
from app.protocol.message import (
    Message,
    escape_tag_value,
    parse,
    parse_tags,
    serialize,
    serialize_tags,
    unescape_tag_value,
)

# (input, tags, source, verb, params)
#
# Source: ircdocs/parser-tests tests/msg-split.yaml. Two deliberate differences from the file:
# our Message upper-cases the verb (so "foo" is compared as "FOO"), and its tags are a
# Mapping[str, str], so a tag without "=" (null in the newer file) reads as "" - msg-join.yaml
# allows a parser to normalise between the empty and the missing form.
SPLIT_CASES: list[tuple[str, dict[str, str], str | None, str, tuple[str, ...]]] = [
    # simple
    ("foo bar baz asdf", {}, None, "foo", ("bar", "baz", "asdf")),
    # with source
    (":coolguy foo bar baz asdf", {}, "coolguy", "foo", ("bar", "baz", "asdf")),
    # with trailing param
    ("foo bar baz :asdf quux", {}, None, "foo", ("bar", "baz", "asdf quux")),
    ("foo bar baz :", {}, None, "foo", ("bar", "baz", "")),
    ("foo bar baz ::asdf", {}, None, "foo", ("bar", "baz", ":asdf")),
    # with source and trailing param
    (":coolguy foo bar baz :asdf quux", {}, "coolguy", "foo", ("bar", "baz", "asdf quux")),
    (":coolguy foo bar baz :  asdf quux ", {}, "coolguy", "foo", ("bar", "baz", "  asdf quux ")),
    (":coolguy PRIVMSG bar :lol :) ", {}, "coolguy", "PRIVMSG", ("bar", "lol :) ")),
    (":coolguy foo bar baz :", {}, "coolguy", "foo", ("bar", "baz", "")),
    (":coolguy foo bar baz :  ", {}, "coolguy", "foo", ("bar", "baz", "  ")),
    # with tags
    ("@a=b;c=32;k;rt=ql7 foo", {"a": "b", "c": "32", "k": "", "rt": "ql7"}, None, "foo", ()),
    # with escaped tags
    (
        "@a=b\\\\and\\nk;c=72\\s45;d=gh\\:764 foo",
        {"a": "b\\and\nk", "c": "72 45", "d": "gh;764"},
        None,
        "foo",
        (),
    ),
    # with tags and source
    ("@c;h=;a=b :quux ab cd", {"c": "", "h": "", "a": "b"}, "quux", "ab", ("cd",)),
    # different forms of last param
    (":src JOIN #chan", {}, "src", "JOIN", ("#chan",)),
    (":src JOIN :#chan", {}, "src", "JOIN", ("#chan",)),
    # with and without last param
    (":src AWAY", {}, "src", "AWAY", ()),
    (":src AWAY ", {}, "src", "AWAY", ()),
    # tab is not considered <SPACE>
    (":cool\tguy foo bar baz", {}, "cool\tguy", "foo", ("bar", "baz")),
    # with weird control codes in the source
    (
        ":coolguy!ag@net\x035w\x03ork.admin PRIVMSG foo :bar baz",
        {},
        "coolguy!ag@net\x035w\x03ork.admin",
        "PRIVMSG",
        ("foo", "bar baz"),
    ),
    (
        ":coolguy!~ag@n\x02et\x0305w\x0fork.admin PRIVMSG foo :bar baz",
        {},
        "coolguy!~ag@n\x02et\x0305w\x0fork.admin",
        "PRIVMSG",
        ("foo", "bar baz"),
    ),
    (
        "@tag1=value1;tag2;vendor1/tag3=value2;vendor2/tag4 :irc.example.com COMMAND param1 "
        "param2 :param3 param3",
        {"tag1": "value1", "tag2": "", "vendor1/tag3": "value2", "vendor2/tag4": ""},
        "irc.example.com",
        "COMMAND",
        ("param1", "param2", "param3 param3"),
    ),
    (
        ":irc.example.com COMMAND param1 param2 :param3 param3",
        {},
        "irc.example.com",
        "COMMAND",
        ("param1", "param2", "param3 param3"),
    ),
    (
        "@tag1=value1;tag2;vendor1/tag3=value2;vendor2/tag4 COMMAND param1 param2 :param3 param3",
        {"tag1": "value1", "tag2": "", "vendor1/tag3": "value2", "vendor2/tag4": ""},
        None,
        "COMMAND",
        ("param1", "param2", "param3 param3"),
    ),
    ("COMMAND", {}, None, "COMMAND", ()),
    # yaml encoding + slashes is fun
    ("@foo=\\\\\\\\\\:\\\\s\\s\\r\\n COMMAND", {"foo": "\\\\;\\s \r\n"}, None, "COMMAND", ()),
    # broken messages from unreal
    (
        ":gravel.mozilla.org 432  #momo :Erroneous Nickname: Illegal characters",
        {},
        "gravel.mozilla.org",
        "432",
        ("#momo", "Erroneous Nickname: Illegal characters"),
    ),
    (":gravel.mozilla.org MODE #tckk +n ", {}, "gravel.mozilla.org", "MODE", ("#tckk", "+n")),
    (
        ":services.esper.net MODE #foo-bar +o foobar  ",
        {},
        "services.esper.net",
        "MODE",
        ("#foo-bar", "+o", "foobar"),
    ),
    # tag values should be parsed char-at-a-time to prevent wayward replacements
    ("@tag1=value\\\\ntest COMMAND", {"tag1": "value\\ntest"}, None, "COMMAND", ()),
    # a backslash before a character that needs no escaping is dropped
    ("@tag1=value\\1 COMMAND", {"tag1": "value1"}, None, "COMMAND", ()),
    # a backslash at the end of a tag value is dropped
    ("@tag1=value1\\ COMMAND", {"tag1": "value1"}, None, "COMMAND", ()),
    # duplicate tags: all but the final occurrence are disregarded (older msg-split.yaml)
    (
        "@tag1=1;tag2=3;tag3=4;tag1=5 COMMAND",
        {"tag1": "5", "tag2": "3", "tag3": "4"},
        None,
        "COMMAND",
        (),
    ),
    # vendored tags can have the same name as a non-vendored tag (older msg-split.yaml)
    (
        "@tag1=1;tag2=3;tag3=4;tag1=5;vendor/tag2=8 COMMAND",
        {"tag1": "5", "tag2": "3", "tag3": "4", "vendor/tag2": "8"},
        None,
        "COMMAND",
        (),
    ),
    # some parsers handle MODE in a special way (older msg-split.yaml)
    (":SomeOp MODE #channel :+i", {}, "SomeOp", "MODE", ("#channel", "+i")),
    (
        ":SomeOp MODE #channel +oo SomeUser :AnotherUser",
        {},
        "SomeOp",
        "MODE",
        ("#channel", "+oo", "SomeUser", "AnotherUser"),
    ),
    # Source: ircdocs/modern-irc index.md, "Message Format" and "Parameters" examples.
    (
        ":irc.example.com CAP LS * :multi-prefix extended-join sasl",
        {},
        "irc.example.com",
        "CAP",
        ("LS", "*", "multi-prefix extended-join sasl"),
    ),
    (
        "@id=234AB :dan!d@localhost PRIVMSG #chan :Hey what's up!",
        {"id": "234AB"},
        "dan!d@localhost",
        "PRIVMSG",
        ("#chan", "Hey what's up!"),
    ),
    ("CAP REQ :sasl", {}, None, "CAP", ("REQ", "sasl")),
    ("@id=123AB;rose PING", {"id": "123AB", "rose": ""}, None, "PING", ()),
    ("@url=;netsplit=tur,ty PING", {"url": "", "netsplit": "tur,ty"}, None, "PING", ()),
    (":irc.example.com CAP * LIST :", {}, "irc.example.com", "CAP", ("*", "LIST", "")),
    ("CAP * LS :multi-prefix sasl", {}, None, "CAP", ("*", "LS", "multi-prefix sasl")),
    ("CAP REQ :sasl message-tags foo", {}, None, "CAP", ("REQ", "sasl message-tags foo")),
    (":dan!d@localhost PRIVMSG #chan :Hey!", {}, "dan!d@localhost", "PRIVMSG", ("#chan", "Hey!")),
    (":dan!d@localhost PRIVMSG #chan Hey!", {}, "dan!d@localhost", "PRIVMSG", ("#chan", "Hey!")),
    (":dan!d@localhost PRIVMSG #chan ::-)", {}, "dan!d@localhost", "PRIVMSG", ("#chan", ":-)")),
    # Source: ircv3/ircv3-specifications extensions/message-tags.md, "Examples".
    (
        "@aaa=bbb;ccc;example.com/ddd=eee :nick!ident@host.com PRIVMSG me :Hello",
        {"aaa": "bbb", "ccc": "", "example.com/ddd": "eee"},
        "nick!ident@host.com",
        "PRIVMSG",
        ("me", "Hello"),
    ),
    (
        "@+example-client-tag=example-value PRIVMSG #channel :Message",
        {"+example-client-tag": "example-value"},
        None,
        "PRIVMSG",
        ("#channel", "Message"),
    ),
    (
        "@+example=raw+:=,escaped\\:\\s\\\\ :irc.example.com NOTICE #channel :Message",
        {"+example": "raw+:=,escaped; \\"},
        "irc.example.com",
        "NOTICE",
        ("#channel", "Message"),
    ),
    (
        "@label=123;msgid=abc;+example-client-tag=example-value :nick!user@example.com TAGMSG "
        "#channel",
        {"label": "123", "msgid": "abc", "+example-client-tag": "example-value"},
        "nick!user@example.com",
        "TAGMSG",
        ("#channel",),
    ),
]


@pytest.mark.parametrize(("line", "tags", "source", "verb", "params"), SPLIT_CASES)
def test_split(
    line: str, tags: dict[str, str], source: str | None, verb: str, params: tuple[str, ...]
) -> None:
    msg = parse(line)
    assert msg.tags == tags
    assert msg.source == source
    assert msg.command == verb.upper()
    assert msg.params == params
    assert Message.parse(line) == msg


@pytest.mark.parametrize(("line", "tags", "source", "verb", "params"), SPLIT_CASES)
def test_split_cases_survive_a_round_trip(
    line: str, tags: dict[str, str], source: str | None, verb: str, params: tuple[str, ...]
) -> None:
    """The same table the other way: what we parsed, we serialise into an equivalent line."""
    msg = Message(verb.upper(), params, source, tags)
    assert parse(serialize(msg)) == msg


# (tags, source, verb, params, matches): serialising the atoms must give one of the matching
# lines, and every matching line must parse back to the atoms.
# Source: ircdocs/parser-tests tests/msg-join.yaml.
JOIN_CASES: list[tuple[dict[str, str], str | None, str, tuple[str, ...], tuple[str, ...]]] = [
    ({}, None, "foo", ("bar", "baz", "asdf"), ("foo bar baz asdf", "foo bar baz :asdf")),
    ({}, "src", "AWAY", (), (":src AWAY",)),
    ({}, "src", "AWAY", ("",), (":src AWAY :",)),
    (
        {},
        "coolguy",
        "foo",
        ("bar", "baz", "asdf"),
        (":coolguy foo bar baz asdf", ":coolguy foo bar baz :asdf"),
    ),
    ({}, None, "foo", ("bar", "baz", "asdf quux"), ("foo bar baz :asdf quux",)),
    ({}, None, "foo", ("bar", "baz", ""), ("foo bar baz :",)),
    ({}, None, "foo", ("bar", "baz", ":asdf"), ("foo bar baz ::asdf",)),
    ({}, "coolguy", "foo", ("bar", "baz", "asdf quux"), (":coolguy foo bar baz :asdf quux",)),
    ({}, "coolguy", "foo", ("bar", "baz", "  asdf quux "), (":coolguy foo bar baz :  asdf quux ",)),
    ({}, "coolguy", "PRIVMSG", ("bar", "lol :) "), (":coolguy PRIVMSG bar :lol :) ",)),
    ({}, "coolguy", "foo", ("bar", "baz", ""), (":coolguy foo bar baz :",)),
    ({}, "coolguy", "foo", ("bar", "baz", "  "), (":coolguy foo bar baz :  ",)),
    (
        {},
        "coolguy",
        "foo",
        ("b\tar", "baz"),
        (":coolguy foo b\tar baz", ":coolguy foo b\tar :baz"),
    ),
    (
        {"asd": ""},
        "coolguy",
        "foo",
        ("bar", "baz", "  "),
        ("@asd :coolguy foo bar baz :  ", "@asd= :coolguy foo bar baz :  "),
    ),
    (
        {"a": "b\\and\nk", "d": "gh;764"},
        None,
        "foo",
        (),
        ("@a=b\\\\and\\nk;d=gh\\:764 foo", "@d=gh\\:764;a=b\\\\and\\nk foo"),
    ),
    (
        {"a": "b\\and\nk", "d": "gh;764"},
        None,
        "foo",
        ("par1", "par2"),
        (
            "@a=b\\\\and\\nk;d=gh\\:764 foo par1 par2",
            "@a=b\\\\and\\nk;d=gh\\:764 foo par1 :par2",
            "@d=gh\\:764;a=b\\\\and\\nk foo par1 par2",
            "@d=gh\\:764;a=b\\\\and\\nk foo par1 :par2",
        ),
    ),
    ({"foo": "\\\\;\\s \r\n"}, None, "COMMAND", (), ("@foo=\\\\\\\\\\:\\\\s\\s\\r\\n COMMAND",)),
]


@pytest.mark.parametrize(("tags", "source", "verb", "params", "matches"), JOIN_CASES)
def test_join(
    tags: dict[str, str],
    source: str | None,
    verb: str,
    params: tuple[str, ...],
    matches: tuple[str, ...],
) -> None:
    msg = Message(verb, params, source, tags)
    assert serialize(msg) in matches
    assert msg.serialize() == serialize(msg)
    for line in matches:
        assert parse(line) == Message(verb.upper(), params, source, tags)


# Lines in their one canonical form: parse then serialise gives the same text back.
CANONICAL_LINES = [
    "PING",
    "PING :",
    "PING token",
    "PRIVMSG #chan :hello world",
    "PRIVMSG #chan ::-)",
    ":nick!user@host PRIVMSG #chan hi",
    ":irc.example.com 001 alice :Welcome to the network, alice",
    ":irc.example.com 005 alice CASEMAPPING=rfc1459 CHANTYPES=# :are supported by this server",
    "@time=2024-01-01T00:00:00.000Z :a!b@c PRIVMSG #x tagged",
    "@+draft/reply=abc;+typing=active TAGMSG #chan",
    "@a=semi\\:colon\\sspace\\\\back\\r\\n :s NOTICE * x",
    "@flag;k=v CAP * ACK :message-tags server-time",
    "NICK \u00e9l\u00e8ve",
    "PRIVMSG #caf\u00e9 :\u2603 snow \U0001f600",
    "MODE #chan +o-v alice bob",
    "KICK #chan bob :bye now",
    "QUIT :",
]


@pytest.mark.parametrize("line", CANONICAL_LINES)
def test_canonical_line_round_trip(line: str) -> None:
    msg = parse(line)
    assert serialize(msg) == line
    assert parse(serialize(msg)) == msg


# Messages and the one line each serialises to.
SERIALIZE_CASES: list[tuple[Message, str]] = [
    (Message("PING", ("x",)), "PING x"),
    (Message("PRIVMSG", ("#a", "two words")), "PRIVMSG #a :two words"),
    (Message("PRIVMSG", ("#a", "")), "PRIVMSG #a :"),
    (Message("PRIVMSG", ("#a", ":colon")), "PRIVMSG #a ::colon"),
    (Message("PRIVMSG", ("#a", "x"), "n!u@h"), ":n!u@h PRIVMSG #a x"),
    (Message("TAGMSG", ("#a",), None, {"+typing": "active"}), "@+typing=active TAGMSG #a"),
    (Message("PING", (), None, {"k": ""}), "@k PING"),
    (Message("PING", (), None, {"k": "a b;c\\d"}), "@k=a\\sb\\:c\\\\d PING"),
    (Message("001", ("me", "Welcome"), "srv"), ":srv 001 me Welcome"),
]


@pytest.mark.parametrize(("msg", "line"), SERIALIZE_CASES)
def test_serialize_table_both_ways(msg: Message, line: str) -> None:
    assert serialize(msg) == line
    assert parse(line) == msg


# Lines that are not IRC: parse raises RemoteProtocolError.
INVALID_LINES = [
    "",
    " ",
    "   ",
    "@a=b",
    "@a=b ",
    "@a=b   ",
    ":source",
    ":source ",
    "@a=b :source",
    "@a=b :source ",
    "@=value PING",
    "@a;=v PING",
    "PRIVMSG #a :nul\0here",
    "PRIVMSG #a :cr\rhere",
    "PRIVMSG #a :lf\nhere",
    ": PING",
    ":src :PING",
    ":src @PING",
]


@pytest.mark.parametrize("line", INVALID_LINES)
def test_invalid_lines_raise_remote_protocol_error(line: str) -> None:
    with pytest.raises(RemoteProtocolError):
        parse(line)


# Messages that cannot be put on the wire: serialise raises LocalProtocolError.
UNSENDABLE = [
    Message(""),
    Message("PRIV MSG"),
    Message("PING\r"),
    Message(":PING"),
    Message("@PING"),
    Message("PING", (), ""),
    Message("PING", (), "a b"),
    Message("PING", (), "a\nb"),
    Message("PRIVMSG", ("two words", "x")),
    Message("PRIVMSG", ("", "x")),
    Message("PRIVMSG", (":colon", "x")),
    Message("PRIVMSG", ("#a", "nul\0")),
    Message("PRIVMSG", ("#a", "line\nbreak")),
    Message("PRIVMSG", ("#a\r", "x")),
    Message("PING", (), None, {"": "v"}),
    Message("PING", (), None, {"a=b": "v"}),
    Message("PING", (), None, {"a;b": "v"}),
    Message("PING", (), None, {"a b": "v"}),
    Message("PING", (), None, {"a\0": "v"}),
    Message("PING", (), None, {"k": "nul\0value"}),
]


@pytest.mark.parametrize("msg", UNSENDABLE, ids=repr)
def test_unsendable_messages_raise_local_protocol_error(msg: Message) -> None:
    with pytest.raises(LocalProtocolError):
        serialize(msg)


# (raw escaped value, value). Source: ircv3 message-tags.md "Escaping values" and its example.
ESCAPE_CASES = [
    ("", ""),
    ("plain", "plain"),
    ("\\:", ";"),
    ("\\s", " "),
    ("\\\\", "\\"),
    ("\\r", "\r"),
    ("\\n", "\n"),
    ("raw+:=,escaped\\:\\s\\\\", "raw+:=,escaped; \\"),
    ("a\\:b\\sc\\\\d\\re\\nf", "a;b c\\d\re\nf"),
]


@pytest.mark.parametrize(("raw", "value"), ESCAPE_CASES)
def test_escape_table_both_ways(raw: str, value: str) -> None:
    assert unescape_tag_value(raw) == value
    assert escape_tag_value(value) == raw


# Escapes that only go one way: unknown escapes lose their backslash, a lone one vanishes.
# Source: ircv3 message-tags.md and parser-tests msg-split.yaml.
@pytest.mark.parametrize(
    ("raw", "value"),
    [("test\\", "test"), ("value\\1", "value1"), ("\\", ""), ("\\a\\b", "ab"), ("\\\\n", "\\n")],
)
def test_unescape_is_lenient(raw: str, value: str) -> None:
    assert unescape_tag_value(raw) == value


def test_parse_tags_and_serialize_tags() -> None:
    assert parse_tags("a=1;b;c=;;d=x\\sy") == {"a": "1", "b": "", "c": "", "d": "x y"}
    assert serialize_tags({"a": "1", "b": "", "d": "x y"}) == "a=1;b;d=x\\sy"
    assert parse_tags("") == {}


def test_param_helper() -> None:
    msg = parse("PRIVMSG #chan :hi there")
    assert msg.param(0) == "#chan"
    assert msg.param(1) == "hi there"
    assert msg.param(2) == ""
    assert msg.param(5, "none") == "none"


def test_command_is_upper_cased() -> None:
    assert parse("privmsg #a b").command == "PRIVMSG"
    assert parse(":s PrivMsg #a b").command == "PRIVMSG"


def test_message_is_frozen() -> None:
    msg = parse("PING x")
    with pytest.raises(AttributeError):
        msg.command = "PONG"  # type: ignore[misc]


# --- properties -------------------------------------------------------------------------------

_NO_LINE_BREAKS = st.characters(blacklist_characters="\0\r\n", blacklist_categories=("Cs",))
_NO_SPACE = st.characters(blacklist_characters="\0\r\n ", blacklist_categories=("Cs",))

commands = st.one_of(
    st.from_regex(r"[A-Z]{1,12}", fullmatch=True),
    st.from_regex(r"[0-9]{3}", fullmatch=True),
)
middles = st.text(_NO_SPACE, min_size=1, max_size=20).filter(lambda s: not s.startswith(":"))
trailings = st.text(_NO_LINE_BREAKS, max_size=40)
sources = st.text(_NO_SPACE, min_size=1, max_size=30)
# The IRCv3 key grammar ([+][vendor/]letters, digits, hyphens), and anything else we can send.
spec_keys = st.from_regex(r"\+?([a-z0-9.-]+/)?[A-Za-z0-9-]+", fullmatch=True)
odd_keys = st.text(
    st.characters(blacklist_characters="\0\r\n ;=", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=10,
)
tag_values = st.text(
    st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), max_size=20
)


@st.composite
def messages(draw: st.DrawFn) -> Message:
    params = draw(st.lists(middles, max_size=6))
    if draw(st.booleans()):
        params.append(draw(trailings))
    tags = draw(st.dictionaries(st.one_of(spec_keys, odd_keys), tag_values, max_size=4))
    source = draw(st.none() | sources)
    return Message(draw(commands), tuple(params), source, tags)


@settings(max_examples=400, deadline=None)
@given(messages())
def test_property_serialize_then_parse_is_identity(msg: Message) -> None:
    line = serialize(msg)
    assert "\r" not in line and "\n" not in line and "\0" not in line
    assert parse(line) == msg


# Text that looks like IRC often enough to reach every branch of the parser.
_IRCISH = st.text(
    st.sampled_from(list("@:; =\\/+-#!*AaBz019\t\0\r\n\u00e9\u2603")) | st.characters(),
    max_size=60,
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=80), _IRCISH))
def test_property_parse_any_text_returns_message_or_raises_remote_error(line: str) -> None:
    try:
        msg = parse(line)
    except RemoteProtocolError:
        return
    assert isinstance(msg, Message)
    assert msg.command
    # Whatever we accept, we can send on, and it reads back the same (no LocalProtocolError).
    assert parse(serialize(msg)) == msg
