"""Cutting long text into lines the server relays whole; our own address; refusals."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.protocol.ctcp import action
from app.protocol.errors import LocalProtocolError
from app.protocol.message import parse
from app.protocol.refusal import read_refusal, reason_words
from app.protocol.split import (
    ACTION_OVERHEAD,
    MIN_LIMIT,
    OwnMask,
    Piece,
    join_pieces,
    relay_budget,
    split_for_relay,
    split_text,
)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl: 18 bytes
FLAG_FR = "\U0001f1eb\U0001f1f7"  # two regional indicators, 8 bytes

SPLITS = [
    ("", 10, []),
    ("short", 10, [Piece("short")]),
    ("exactly10!", 10, [Piece("exactly10!")]),
    ("hello world", 8, [Piece("hello", " "), Piece("world")]),
    ("one two three four", 9, [Piece("one two", " "), Piece("three", " "), Piece("four")]),
    # a word longer than a line: cut where it must, no space dropped
    ("abcdefghij", 4, [Piece("abcd"), Piece("efgh"), Piece("ij")]),
    ("hi abcdefghij", 6, [Piece("hi", " "), Piece("abcdef"), Piece("ghij")]),
    # multi-byte characters are never cut: é is 2 bytes, 日 3, 😀 4
    ("ééé", 5, [Piece("éé"), Piece("é")]),
    ("日本語", 7, [Piece("日本"), Piece("語")]),
    ("😀😀", 5, [Piece("😀"), Piece("😀")]),
    # a combining accent stays with its letter; a flag is not halved
    ("abe\u0301", 4, [Piece("ab"), Piece("e\u0301")]),
    (FLAG_FR * 2, 12, [Piece(FLAG_FR), Piece(FLAG_FR)]),
    # a cluster longer than a line is cut between code points after all
    (FAMILY, 8, [Piece("\U0001f468\u200d"), Piece("\U0001f469\u200d"), Piece("\U0001f467")]),
    # the space at a cut goes; others stay
    ("aaa  bbb", 4, [Piece("aaa ", " "), Piece("bbb")]),
    ("aaaa ", 4, [Piece("aaaa", " ")]),
]


@pytest.mark.parametrize(("text", "limit", "pieces"), SPLITS)
def test_split_text_table(text: str, limit: int, pieces: list[Piece]) -> None:
    assert split_text(text, limit) == pieces
    assert join_pieces(pieces) == text


def test_a_budget_too_small_for_any_character_is_our_mistake() -> None:
    with pytest.raises(LocalProtocolError):
        split_text("abc", MIN_LIMIT - 1)


# Text as people type it: ASCII, accents, CJK, emoji, combining marks, ZWJ, flags, spaces.
TYPED = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(" aé日本😀\u0301\u200d\U0001f1eb\U0001f1f7\ufe0f\U0001f3fd")),
        st.characters(exclude_categories=("Cs",)),  # any code point but lone surrogates
    ),
    max_size=400,
)


@given(TYPED, st.integers(min_value=MIN_LIMIT, max_value=120))
def test_pieces_join_back_fit_and_are_valid_utf8(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert join_pieces(pieces) == text
    for piece in pieces:
        data = piece.text.encode("utf-8")  # raises on a lone surrogate
        assert len(data) <= limit
        assert data.decode("utf-8") == piece.text
        assert piece.sep in (" ", "")
        assert piece.text  # never an empty line
    for piece, after in itertools.pairwise(pieces):
        if piece.sep == "":  # a hard cut: inside a word, never just before a space
            assert not after.text.startswith(" ")
    if text:
        assert pieces[-1].sep == "" or text.endswith(" ")


@given(TYPED, st.integers(min_value=MIN_LIMIT, max_value=120))
def test_a_word_is_cut_only_when_no_space_fits(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    for piece in pieces[:-1]:
        if piece.sep == "":  # cut inside a word: there was no space to cut at instead
            assert " " not in piece.text[1:]


@given(TYPED, st.integers(min_value=MIN_LIMIT + ACTION_OVERHEAD, max_value=200))
def test_every_wire_text_fits_the_budget_actions_included(text: str, budget: int) -> None:
    for wire in (*split_for_relay(text, budget), *split_for_relay(action(text), budget)):
        assert len(wire.encode()) <= budget


def test_relay_budget_counts_the_prefix_the_server_adds_and_crlf() -> None:
    budget = relay_budget("PRIVMSG", "#chatbox", "alice", {}, "~alice", "127.0.0.1")
    prefix = ":alice!~alice@127.0.0.1 PRIVMSG #chatbox :"
    assert budget == 512 - 2 - len(prefix)


def test_relay_budget_assumes_the_longest_address_until_told() -> None:
    worst = relay_budget("PRIVMSG", "#c", "alice", {})
    assert worst == 512 - 2 - len(":alice!@ PRIVMSG #c :") - (10 + 1) - 63
    tokens: dict[str, str | None] = {"USERLEN": "18", "HOSTLEN": "100", "LINELEN": "1024"}
    assert relay_budget("NOTICE", "#c", "alice", tokens) == (
        1024 - 2 - len(":alice!@ NOTICE #c :") - 19 - 100
    )
    assert relay_budget("PRIVMSG", "#c", "alice", {"LINELEN": "junk"}) == worst


def test_relay_budget_counts_bytes_of_a_multibyte_target() -> None:
    ascii_budget = relay_budget("PRIVMSG", "#aa", "alice", {}, "u", "h")
    assert relay_budget("PRIVMSG", "#é", "alice", {}, "u", "h") == ascii_budget


def test_split_for_relay_frames_each_action_piece() -> None:
    body = " ".join(["waves"] * 30)
    pieces = split_for_relay(action(body), 60)
    assert len(pieces) > 1
    for piece in pieces:
        assert piece.startswith("\x01ACTION ") and piece.endswith("\x01")
        assert len(piece.encode()) <= 60
    assert " ".join(p[len("\x01ACTION ") : -1] for p in pieces) == body
    assert split_for_relay(action(""), 60) == [action("")]
    assert len("\x01ACTION \x01") == ACTION_OVERHEAD


def test_split_for_relay_keeps_a_short_text_whole() -> None:
    assert split_for_relay("hi there", 100) == ["hi there"]


def me(nick: str) -> bool:
    return nick.lower() == "alice"


@pytest.mark.parametrize(
    ("line", "user", "host"),
    [
        (":alice!~al@10.0.0.1 JOIN #chatbox", "~al", "10.0.0.1"),
        (":bob!~bob@elsewhere JOIN #chatbox", None, None),
        (":srv 001 alice :Welcome to the network alice!~al@host.example", "~al", "host.example"),
        (":srv 396 alice cloaked/alice :is now your displayed host", None, "cloaked/alice"),
        (":srv 396 alice id@cloak :is now your displayed host", "id", "cloak"),
        (":alice!~al@old CHGHOST newuser new.host", "newuser", "new.host"),
        (":srv 352 alice #c ~al 192.0.2.7 srv alice H :0 Alice", "~al", "192.0.2.7"),
        (":srv 352 alice #c ~bob 192.0.2.8 srv bob H :0 Bob", None, None),
        (":srv 311 alice alice ~al 192.0.2.9 * :Alice", "~al", "192.0.2.9"),
        (":srv 302 alice :alice*=+~al@192.0.2.10", "~al", "192.0.2.10"),
    ],
)
def test_own_mask_learns_our_address(line: str, user: str | None, host: str | None) -> None:
    mask = OwnMask()
    mask.observe(parse(line), me)
    assert (mask.user, mask.host) == (user, host)


def test_own_mask_forgets_on_a_new_connection() -> None:
    mask = OwnMask("~al", "old")
    mask.observe(parse(":srv 001 alice :Welcome"), me)
    assert (mask.user, mask.host) == (None, None)


@pytest.mark.parametrize(
    ("line", "names", "untargeted", "command"),
    [
        (":srv 417 alice :Input line was too long", (), True, ""),
        (":srv 404 alice #c :Cannot send to channel", ("#c",), False, ""),
        (":srv 401 alice carol :No such nick/channel", ("carol",), False, ""),
        (":srv 481 alice :Permission Denied", (), True, ""),
        (":srv 421 alice FOO :Unknown command", ("FOO",), False, ""),
        ("FAIL PRIVMSG INVALID_TARGET #c :No", ("#c",), True, "PRIVMSG"),
        ("FAIL NOTICE SOMETHING :No", (), True, "NOTICE"),
    ],
)
def test_read_refusal(
    line: str, names: tuple[str, ...], untargeted: bool, command: str
) -> None:
    refusal = read_refusal(parse(line))
    assert refusal is not None
    assert (refusal.names, refusal.untargeted, refusal.command) == (names, untargeted, command)


@pytest.mark.parametrize(
    "line",
    [
        ":srv 482 alice #c :You're not channel operator",  # a MODE's, not a message's
        ":srv 473 alice #c :Cannot join channel (+i)",
        "FAIL CHATHISTORY INVALID_TARGET #c :No",
        ":srv 332 alice #c :topic",
    ],
)
def test_replies_to_other_commands_refuse_no_message(line: str) -> None:
    assert read_refusal(parse(line)) is None


def test_reasons_in_words() -> None:
    assert reason_words(parse(":srv 417 alice :Input line was too long"), "#c") == (
        "Too long for the server"
    )
    assert reason_words(parse(":srv 404 alice #c :Cannot send"), "#c").startswith("#c ")
    assert reason_words(parse(":srv 492 alice #c :No CTCPs here"), "#c") == "No CTCPs here"
    assert reason_words(parse("FAIL PRIVMSG X #c :Slow down"), "#c") == "Slow down"
