"""Splitting a byte stream into lines, and the protocol's size limits (app/protocol/framing.py).

Limits: modern-irc index.md "Message Format" (512 bytes with CR LF) and ircv3 message-tags.md
"Size limit" (client tag data at most 4094 bytes, 417 ERR_INPUTTOOLONG otherwise; the whole
tag section at most 8191 bytes, so no legal line is longer than 8191 + 512 bytes).
"""

from __future__ import annotations

import contextlib
import inspect
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.protocol import errors
from app.protocol.errors import (
    BufferOverflow,
    InvalidUtf8,
    LineTooLong,
    ProtocolError,
    RemoteProtocolError,
)
from app.protocol.framing import (
    MAX_BUFFER,
    MAX_CLIENT_TAGS,
    MAX_LINE_BODY,
    MAX_TAG_SECTION,
    LineReader,
    decode_line,
)
from app.protocol.message import parse

# (stream, complete lines, bytes left pending)
STREAM_CASES: list[tuple[bytes, list[bytes], int]] = [
    (b"", [], 0),
    (b"PING x", [], 6),
    (b"PING x\r\n", [b"PING x"], 0),
    (b"PING x\n", [b"PING x"], 0),
    (b"PING a\r\nPING b\nPING c\r\n", [b"PING a", b"PING b", b"PING c"], 0),
    (b"PING a\r\nPING b", [b"PING a"], 6),
    # empty lines come out empty; the caller ignores them (modern-irc: "silently ignore it")
    (b"\r\n\n\r\n", [b"", b"", b""], 0),
    # a bare CR is not a line ending: it stays in the line (and parse() then refuses it)
    (b"PING a\rb\r\n", [b"PING a\rb"], 0),
    # only one CR before the LF belongs to the line ending
    (b"PING a\r\r\n", [b"PING a\r"], 0),
    (b"PING \xc3\xa9\r\n", [b"PING \xc3\xa9"], 0),
]


@pytest.mark.parametrize(("stream", "lines", "pending"), STREAM_CASES)
def test_stream_in_one_piece(stream: bytes, lines: list[bytes], pending: int) -> None:
    reader = LineReader()
    assert reader.feed(stream) == lines
    assert reader.pending == pending


@pytest.mark.parametrize(("stream", "lines", "pending"), STREAM_CASES)
def test_stream_one_byte_at_a_time(stream: bytes, lines: list[bytes], pending: int) -> None:
    reader = LineReader()
    got: list[bytes] = []
    for i in range(len(stream)):
        got += reader.feed(stream[i : i + 1])
    assert got == lines
    assert reader.pending == pending


def test_crlf_split_between_feeds() -> None:
    reader = LineReader()
    assert reader.feed(b"PING x\r") == []
    assert reader.feed(b"\nPING y\r") == [b"PING x"]
    assert reader.feed(b"\n") == [b"PING y"]
    assert reader.pending == 0


# (raw line, decoded text)
DECODE_CASES = [
    (b"PING x", "PING x"),
    (b"PRIVMSG #caf\xc3\xa9 :\xe2\x98\x83", "PRIVMSG #caf\u00e9 :\u2603"),
    # a tag that is not UTF-8 is dropped, never given U+FFFD (message-tags)
    (b"@k=\xff PING", "PING"),
    (b"@a=1;k\xc3=2;+b=\xe9t\xe9;c PING x", "@a=1;c PING x"),
    (b"@k=\xff", ""),
    (b"", ""),
]


@pytest.mark.parametrize(("raw", "text"), DECODE_CASES)
def test_decode_line(raw: bytes, text: str) -> None:
    assert decode_line(raw) == text


# (raw line, the command InvalidUtf8 names, the tags it keeps, the line with U+FFFD)
NOT_UTF8_CASES = [
    (b"PRIVMSG #a :\xff\xfe", "PRIVMSG", "", "PRIVMSG #a :\ufffd\ufffd"),
    (b"privmsg #a :latin1 caf\xe9!", "PRIVMSG", "", "privmsg #a :latin1 caf\ufffd!"),
    (b"@label=7;k=\xff :me!u@h TOPIC #a :\xc3", "TOPIC", "label=7",
     "@label=7 :me!u@h TOPIC #a :\ufffd"),
    (b"@label=7 :s\xe9 NICK x", "NICK", "label=7", "@label=7 :s\ufffd NICK x"),
    (b"PRIV\xffMSG #a :x", "*", "", "PRIV\ufffdMSG #a :x"),
    (b"\xff", "*", "", "\ufffd"),
    (b"  USER \xe9 0 * :r", "USER", "", "  USER \ufffd 0 * :r"),
]


@pytest.mark.parametrize(("raw", "command", "tags", "text"), NOT_UTF8_CASES)
def test_a_body_that_is_not_utf8_raises_naming_its_command(
    raw: bytes, command: str, tags: str, text: str
) -> None:
    with pytest.raises(InvalidUtf8) as info:
        decode_line(raw)
    assert (info.value.command, info.value.tags, info.value.text) == (command, tags, text)


def test_utf8_split_across_feeds_decodes_whole() -> None:
    reader = LineReader()
    lines: list[bytes] = []
    for b in b"PRIVMSG #a :\xe2\x98\x83\r\n":
        lines += reader.feed(bytes([b]))
    assert [decode_line(line) for line in lines] == ["PRIVMSG #a :\u2603"]


# --- limits -----------------------------------------------------------------------------------


def _body(size: int) -> bytes:
    head = b"PRIVMSG #chan :"
    return head + b"x" * (size - len(head))


def test_limit_constants() -> None:
    assert MAX_LINE_BODY == 510
    assert MAX_CLIENT_TAGS == 4094
    assert MAX_TAG_SECTION == 8191
    assert MAX_BUFFER == 8191 + 512 == 8703  # a legal line's most, CR LF included


def test_the_longest_legal_line_passes_the_reader_and_the_decoder() -> None:
    tags = b"@+a=" + b"v" * (MAX_TAG_SECTION - 5) + b" "
    assert len(tags) == MAX_TAG_SECTION
    raw = tags + _body(510)
    reader = LineReader()
    assert reader.feed(raw + b"\r") == []
    assert reader.pending == MAX_BUFFER - 1  # the most an unfinished line ever holds
    (line,) = reader.feed(b"\n")
    assert line == raw
    with pytest.raises(LineTooLong):  # legal framing; the client-tag limit is decode's job
        decode_line(line)


def test_body_of_510_bytes_is_accepted() -> None:
    raw = _body(510)
    assert len(raw) == 510
    assert decode_line(raw) == raw.decode()


def test_body_of_511_bytes_is_too_long() -> None:
    with pytest.raises(LineTooLong) as info:
        decode_line(_body(511))
    assert info.value.tags is False
    assert isinstance(info.value, RemoteProtocolError)


def test_body_limit_counts_bytes_not_characters() -> None:
    head = b"PRIVMSG #chan :"
    ok = head + "\u00e9".encode() * ((510 - len(head)) // 2)
    assert len(ok) <= 510
    decode_line(ok)
    with pytest.raises(LineTooLong):
        decode_line(head + "\u00e9".encode() * 248)  # 15 + 496 = 511 bytes


def test_512_bytes_with_crlf_through_the_reader() -> None:
    reader = LineReader()
    (ok,) = reader.feed(_body(510) + b"\r\n")
    decode_line(ok)
    (long,) = reader.feed(_body(511) + b"\r\n")
    with pytest.raises(LineTooLong):
        decode_line(long)


def _tags(size: int) -> bytes:
    """A tag section of exactly ``size`` bytes of tag data (between '@' and the space)."""
    head = b"+example/tag="
    return b"@" + head + b"v" * (size - len(head))


def test_tags_of_4094_bytes_are_accepted() -> None:
    raw = _tags(4094) + b" " + _body(510)
    assert len(raw) == 1 + 4094 + 1 + 510
    assert parse(decode_line(raw)).tags["+example/tag"] == "v" * (4094 - 13)


def test_tags_of_4095_bytes_are_too_long() -> None:
    with pytest.raises(LineTooLong) as info:
        decode_line(_tags(4095) + b" TAGMSG #chan")
    assert info.value.tags is True


def test_tags_without_a_body_are_measured_too() -> None:
    decode_line(_tags(4094))
    with pytest.raises(LineTooLong) as info:
        decode_line(_tags(4095))
    assert info.value.tags is True


def test_body_after_tags_has_its_own_limit() -> None:
    with pytest.raises(LineTooLong) as info:
        decode_line(_tags(10) + b" " + _body(511))
    assert info.value.tags is False


def test_a_legal_lines_worth_without_a_newline_overflows() -> None:
    reader = LineReader()
    with pytest.raises(BufferOverflow):
        reader.feed(b"x" * MAX_BUFFER)
    assert reader.pending == 0
    assert isinstance(BufferOverflow("x"), RemoteProtocolError)


def test_one_byte_under_the_cap_is_still_buffered() -> None:
    reader = LineReader()
    assert reader.feed(b"x" * (MAX_BUFFER - 1)) == []
    assert reader.pending == MAX_BUFFER - 1
    # the line then completes; decode_line refuses it as too long, the connection can go on
    (line,) = reader.feed(b"\n")
    with pytest.raises(LineTooLong):
        decode_line(line)
    assert reader.pending == 0


def test_overflow_in_small_pieces() -> None:
    reader = LineReader()
    chunk = b"x" * 1000
    for _ in range(MAX_BUFFER // len(chunk)):
        assert reader.feed(chunk) == []
    with pytest.raises(BufferOverflow):
        reader.feed(chunk)


def test_overflow_after_complete_lines_in_the_same_chunk() -> None:
    reader = LineReader()
    with pytest.raises(BufferOverflow):
        reader.feed(b"PING a\r\n" + b"x" * MAX_BUFFER)


def test_a_finished_line_over_the_cap_overflows_too() -> None:
    reader = LineReader()
    with pytest.raises(BufferOverflow):
        reader.feed(b"x" * MAX_BUFFER + b"\r\nPING a\r\n")
    assert reader.pending == 0
    with pytest.raises(BufferOverflow):  # the same cut in two: the same answer
        reader.feed(b"x" * 5000)
        reader.feed(b"x" * (MAX_BUFFER - 5000) + b"\r\n")


def test_a_fast_sender_never_leaves_more_than_the_cap_pending() -> None:
    reader = LineReader()
    for _ in range(100):  # big reads, each ending a line, then lines, then nearly one more
        chunk = b"\n" + b"PING a\r\n" * 6000 + b"y" * (MAX_BUFFER - 1)
        assert len(reader.feed(chunk)) == 6001
        assert reader.pending <= MAX_BUFFER - 1


def test_custom_max_buffer() -> None:
    reader = LineReader(max_buffer=8)
    assert reader.feed(b"1234567") == []
    with pytest.raises(BufferOverflow):
        reader.feed(b"8")


# --- properties -------------------------------------------------------------------------------

_OUR_ERRORS = tuple(
    cls for _, cls in inspect.getmembers(errors, inspect.isclass) if issubclass(cls, ProtocolError)
)
_IRCISH_BYTES = st.lists(
    st.sampled_from(
        [
            b"\r",
            b"\n",
            b"\r\n",
            b" ",
            b"@",
            b":",
            b";",
            b"=",
            b"\\",
            b"PING",
            b"\xff",
            b"\xc3",
            b"\xa9",
            b"\0",
            b"x" * 600,
            b"@" + b"t" * 4100,
        ]
    ),
    max_size=30,
).map(b"".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.binary(max_size=200) | _IRCISH_BYTES, max_size=10))
def test_property_reader_decoder_and_parser_raise_only_our_errors(chunks: list[bytes]) -> None:
    reader = LineReader(max_buffer=1024)
    for chunk in chunks:
        try:
            lines = reader.feed(chunk)
        except _OUR_ERRORS:
            return  # the connection is dropped
        for raw in lines:
            assert b"\n" not in raw
            try:
                text = decode_line(raw)
            except _OUR_ERRORS:
                continue  # the line is dropped, the peer stays
            with contextlib.suppress(RemoteProtocolError):
                parse(text)


_SHORT_LINES = st.lists(st.sampled_from([b"x", b"xxxxx", b"\r", b"\n", b"\r\n"]), max_size=60)


@settings(max_examples=300, deadline=None)
@given(_SHORT_LINES.map(b"".join), st.lists(st.integers(0, 300), max_size=8))
def test_property_overflow_does_not_depend_on_chunking(stream: bytes, cuts: list[int]) -> None:
    limit = 16
    longest = max(len(part) for part in stream.split(b"\n"))
    pieces = sorted({min(c, len(stream)) for c in cuts} | {0, len(stream)})
    reader = LineReader(max_buffer=limit)
    overflowed = False
    try:
        for start, end in itertools.pairwise(pieces):
            reader.feed(stream[start:end])
    except BufferOverflow:
        overflowed = True
    assert overflowed == (longest >= limit)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=8))
def test_property_chunking_does_not_change_the_lines(stream: bytes, cuts: list[int]) -> None:
    whole = LineReader()
    expected = whole.feed(stream)
    pieces = sorted({min(c, len(stream)) for c in cuts} | {0, len(stream)})
    reader = LineReader()
    got: list[bytes] = []
    for start, end in itertools.pairwise(pieces):
        got += reader.feed(stream[start:end])
    assert got == expected
    assert reader.pending == whole.pending
