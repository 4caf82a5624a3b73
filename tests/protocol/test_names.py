"""Nick and channel rules and ban masks (app/protocol/names.py).

Nicks: we take RFC 2812's grammar (letter or special first, then letters, digits, specials,
``-``), which also refuses everything modern-irc "Clients" says a nick MUST NOT contain or start
with (space , * ? ! @ $ : and channel types). Channels: modern-irc "Channels" (no space, BEL,
comma), plus colon, NUL, CR, LF. Masks: ircdocs/parser-tests tests/mask-match.yaml.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.protocol.names import (
    CHANNELLEN,
    NICKLEN,
    is_channel_name,
    is_valid_channel,
    is_valid_nick,
    mask_matches,
    nick_problem,
    normalize_mask,
)

VALID_NICKS = [
    "a",
    "alice",
    "Alice",
    "n1ck",
    "nick-dash",
    "[bot]",
    "{bot}",
    "_under",
    "`tick",
    "^caret",
    "|pipe",
    "\\back",
    "Wiz",
    "x" * NICKLEN,
]

# (nick, why it is refused: the start of nick_problem's sentence)
INVALID_NICKS = [
    ("", "A nickname cannot be empty"),
    ("x" * (NICKLEN + 1), "A nickname can have at most 30"),
    ("1abc", "A nickname cannot start with a digit"),
    ("9", "A nickname cannot start with a digit"),
    ("-abc", "A nickname cannot start with a digit or '-'"),
    ("*", "A nickname can use"),
    ("a*", "A nickname can use"),
    ("a?", "A nickname can use"),
    ("#chan", "A nickname can use"),
    ("&local", "A nickname can use"),
    (":colon", "A nickname can use"),
    ("$dollar", "A nickname can use"),
    ("a b", "A nickname can use"),
    (" a", "A nickname can use"),
    ("a,b", "A nickname can use"),
    ("nick!user", "A nickname can use"),
    ("nick@host", "A nickname can use"),
    ("dot.ted", "A nickname can use"),
    ("\u00e9l\u00e8ve", "A nickname can use"),
    ("nick\0", "A nickname can use"),
    ("nick\n", "A nickname can use"),
    ("nick\t", "A nickname can use"),
]


@pytest.mark.parametrize("nick", VALID_NICKS)
def test_valid_nicks(nick: str) -> None:
    assert is_valid_nick(nick)
    assert nick_problem(nick) is None


@pytest.mark.parametrize(("nick", "problem"), INVALID_NICKS)
def test_invalid_nicks(nick: str, problem: str) -> None:
    assert not is_valid_nick(nick)
    reason = nick_problem(nick)
    assert reason is not None
    assert reason.startswith(problem)


def test_nicklen_is_a_parameter() -> None:
    assert NICKLEN == 30
    assert is_valid_nick("abcdefghi", nicklen=9)
    assert not is_valid_nick("abcdefghij", nicklen=9)
    assert nick_problem("abcdefghij", nicklen=9) == "A nickname can have at most 9 characters."


@settings(max_examples=400, deadline=None)
@given(st.text(st.characters(max_codepoint=0x7F) | st.characters(), max_size=35))
def test_property_nick_problem_agrees_with_is_valid_nick(nick: str) -> None:
    assert (nick_problem(nick) is None) is is_valid_nick(nick)
    if is_valid_nick(nick):
        # a valid nick can go in a middle parameter and in a source as it is
        assert not set(nick) & set(" ,*?!@:$#&\0\r\n")
        assert nick[0] not in "-0123456789"


VALID_CHANNELS = ["#a", "#chan", "##double", "#caf\u00e9", "#a-b_c.d", "#" + "x" * (CHANNELLEN - 1)]
INVALID_CHANNELS = [
    "",
    "#",
    "chan",
    "&local",
    "+modeless",
    "#a b",
    "#a,b",
    "#a\x07",
    "#a:b",
    "#a\0",
    "#a\r",
    "#a\n",
    "#" + "x" * CHANNELLEN,
]


@pytest.mark.parametrize("name", VALID_CHANNELS)
def test_valid_channels(name: str) -> None:
    assert is_valid_channel(name)
    assert is_channel_name(name)


@pytest.mark.parametrize("name", INVALID_CHANNELS)
def test_invalid_channels(name: str) -> None:
    assert not is_valid_channel(name)


def test_channel_types_are_a_parameter() -> None:
    assert is_valid_channel("&local", chantypes="#&")
    assert is_channel_name("&local", chantypes="#&")
    assert not is_channel_name("&local")
    assert not is_channel_name("")
    assert not is_channel_name("alice")
    assert is_valid_channel("#abc", channellen=4)
    assert not is_valid_channel("#abcd", channellen=4)


# (mask, matching nick!user@host, not matching). Source: parser-tests tests/mask-match.yaml.
MASK_CASES: list[tuple[str, list[str], list[str]]] = [
    (
        "*@127.0.0.1",
        ["coolguy!ab@127.0.0.1", "cooldud3!~bc@127.0.0.1"],
        ["coolguy!ab@127.0.0.5", "cooldud3!~d@124.0.0.1"],
    ),
    (
        "cool*@*",
        ["coolguy!ab@127.0.0.1", "cooldud3!~bc@127.0.0.1", "cool132!ab@example.com"],
        ["koolguy!ab@127.0.0.5", "cooodud3!~d@124.0.0.1"],
    ),
    (
        "cool!*@*",
        ["cool!guyab@127.0.0.1", "cool!~dudebc@127.0.0.1", "cool!312ab@example.com"],
        [
            "coolguy!ab@127.0.0.1",
            "cooldud3!~bc@127.0.0.1",
            "koolguy!ab@127.0.0.5",
            "cooodud3!~d@124.0.0.1",
        ],
    ),
    (
        "cool!?username@*",
        ["cool!ausername@127.0.0.1", "cool!~username@127.0.0.1"],
        ["cool!username@127.0.0.1"],
    ),
    ("cool!a?*@*", ["cool!ab@127.0.0.1", "cool!abc@127.0.0.1"], ["cool!a@127.0.0.1"]),
    # cause failures in fnmatch/glob based matchers
    (
        "cool[guy]!*@*",
        ["cool[guy]!guy@127.0.0.1", "cool[guy]!a@example.com"],
        ["coolg!ab@127.0.0.1", "cool[!ac@127.0.1.1"],
    ),
    # ours: the usual ban shapes, regex metacharacters, and rfc1459 case-insensitivity
    ("*!*@host.example", ["a!b@host.example", "x!~y@HOST.Example"], ["a!b@host.example.org"]),
    ("*!*@*", ["a!b@c", "[x]!y@z"], []),
    ("a.b!*@*", ["a.b!u@h"], ["aXb!u@h"]),
    ("(x)+!*@*", ["(x)+!u@h"], ["x!u@h", "xx!u@h"]),
    ("Nick[1]!*@*", ["nick{1}!u@h", "NICK[1]!u@h"], ["nick1!u@h"]),
    ("na~me!*@*", ["NA^ME!u@h"], ["name!u@h"]),
    ("?", ["a", "\u00e9"], ["", "ab"]),
    ("a*c", ["ac", "abc", "a!b@c"], ["ab", "abcd"]),
    ("*", ["", "anything at all\n"], []),
]


@pytest.mark.parametrize(("mask", "matches", "fails"), MASK_CASES)
def test_mask_matches(mask: str, matches: list[str], fails: list[str]) -> None:
    for text in matches:
        assert mask_matches(mask, text), text
    for text in fails:
        assert not mask_matches(mask, text), text


# (given, normalised)
NORMALIZE_CASES = [
    ("nick", "nick!*@*"),
    ("*", "*!*@*"),
    ("host.example.com", "*!*@host.example.com"),
    ("2001:db8::1", "*!*@2001:db8::1"),
    ("user@host", "*!user@host"),
    ("*@127.0.0.1", "*!*@127.0.0.1"),
    ("nick!user", "nick!user@*"),
    ("nick!user@host", "nick!user@host"),
    ("*!*@*", "*!*@*"),
    # an empty part would match nobody: it means "any"
    ("@host", "*!*@host"),
    ("nick!", "nick!*@*"),
    ("!user@host", "*!user@host"),
    ("nick!@host", "nick!*@host"),
    ("nick!user@", "nick!user@*"),
]


@pytest.mark.parametrize(("mask", "normal"), NORMALIZE_CASES)
def test_normalize_mask(mask: str, normal: str) -> None:
    assert normalize_mask(mask) == normal
    assert normalize_mask(normal) == normal


def test_normalized_masks_match_what_the_user_meant() -> None:
    assert mask_matches(normalize_mask("Bad"), "bad!~u@somewhere")
    assert mask_matches(normalize_mask("*.evil.example"), "x!y@host.evil.example")
    assert mask_matches(normalize_mask("@evil.example"), "x!y@evil.example")
    assert not mask_matches(normalize_mask("bad"), "good!bad@bad")


_MASK_ALPHABET = st.sampled_from(list("ab!@.*?[]{}|\\~^"))


@settings(max_examples=300, deadline=None)
@given(st.text(_MASK_ALPHABET, min_size=1, max_size=12))
def test_property_normalize_mask_is_idempotent_and_complete(mask: str) -> None:
    normal = normalize_mask(mask)
    assert normalize_mask(normal) == normal
    assert "!" in normal and "@" in normal


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_property_a_text_matches_itself_as_a_mask_when_it_has_no_wildcards(text: str) -> None:
    literal = text.replace("*", "").replace("?", "")
    assert mask_matches(literal, literal)
    assert mask_matches(literal, literal.upper()) == mask_matches(literal.upper(), literal)
    assert mask_matches("*", text)


def test_mentions_are_whole_words_under_case_mapping() -> None:
    from app.protocol.names import mentions

    assert mentions("alice: lunch?", "alice")
    assert mentions("hey @ALICE!", "alice")
    assert mentions("ping [bob]", "{BOB}")  # rfc1459: [] and {} are the same letters
    assert not mentions("ping [bob]", "bob")  # brackets belong to a nick: "[bob]" is another
    assert not mentions("malice and alicex", "alice")
    assert not mentions("anything", "")
