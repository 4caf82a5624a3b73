"""Splitting a byte stream into IRC lines, with the protocol's limits.

``\\r\\n`` and a bare ``\\n`` both end a line. A line's body (without tags and line ending) may
be at most 510 bytes (512 with CR LF); client tags at most 4094 bytes, the whole tag section at
most 8191 (IRCv3 message-tags "Size limit"). So no legal line is longer than
:data:`MAX_BUFFER` = 8191 + 512 bytes with its CR LF: a peer that sends that much without a
line ending (or a longer line) cannot be talking IRC and is dropped, and what one connection
holds of an unfinished line stays under that, however fast it sends.

Lines are UTF-8 (the server advertises UTF8ONLY): :func:`decode_line` leaves out a tag that is
not and raises :class:`InvalidUtf8` for a body that is not, naming its command. The client
decodes what servers send on its own path, leniently (app/client/connection.py).
"""

from __future__ import annotations

from app.protocol.errors import BufferOverflow, InvalidUtf8, LineTooLong

MAX_LINE_BODY = 510
MAX_CLIENT_TAGS = 4094
MAX_TAG_SECTION = 8191  # "@", the tags and the space after them
MAX_BUFFER = MAX_TAG_SECTION + MAX_LINE_BODY + 2


class LineReader:
    """Accumulates bytes and hands out complete raw lines (without the line ending)."""

    __slots__ = ("_buffer", "max_buffer")

    def __init__(self, max_buffer: int = MAX_BUFFER) -> None:
        self._buffer = b""
        self.max_buffer = max_buffer

    def feed(self, data: bytes) -> list[bytes]:
        """Add ``data``; return the complete lines. Raises :class:`BufferOverflow` when a
        line, finished or not, reaches ``max_buffer`` bytes before its LF: whether it does
        cannot depend on how the stream was cut into pieces."""
        buf = self._buffer + data if self._buffer else data
        if b"\n" not in data:
            if len(buf) >= self.max_buffer:
                self._buffer = b""
                raise BufferOverflow(f"{len(buf)} bytes without a line ending")
            self._buffer = buf
            return []
        lines = buf.split(b"\n")
        rest = lines.pop()
        if len(buf) >= self.max_buffer:  # only then can one line be that long
            longest = max(len(rest), *map(len, lines))
            if longest >= self.max_buffer:
                self._buffer = b""
                raise BufferOverflow(f"a line of {longest} bytes or more")
        self._buffer = rest
        return [line[:-1] if line.endswith(b"\r") else line for line in lines]

    @property
    def pending(self) -> int:
        """Bytes held that do not yet form a line."""
        return len(self._buffer)


def decode_line(raw: bytes) -> str:
    """Check ``raw`` against the limits and decode it as UTF-8.

    A tag whose key or value is not UTF-8 is left out (message-tags: an implementation "MAY
    drop the value entirely but SHOULD NOT substitute replacement bytes"); anything else
    that is not UTF-8 raises :class:`InvalidUtf8` (UTF8ONLY: never relayed). Raises
    :class:`LineTooLong` for an oversized body or tag section.
    """
    tagged = raw[:1] == b"@"
    space = raw.find(b" ") if tagged else -1
    if tagged:
        tag_len = (space if space >= 0 else len(raw)) - 1
        if tag_len > MAX_CLIENT_TAGS:
            raise LineTooLong(f"tags of {tag_len} bytes", tags=True)
    body_len = len(raw) - space - 1 if space >= 0 else 0 if tagged else len(raw)
    if body_len > MAX_LINE_BODY:
        raise LineTooLong(f"line of {body_len} bytes")
    try:
        return raw.decode()
    except UnicodeDecodeError:
        pass
    body = raw[space + 1 :] if space >= 0 else b"" if tagged else raw
    tags = _utf8_tags(raw[1 : space if space >= 0 else len(raw)]) if tagged else ""
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise InvalidUtf8(_command(body), tags, _join(tags, body.decode("utf-8", "replace"))
                          ) from None
    return _join(tags, text)


def _utf8_tags(section: bytes) -> str:
    """The tags of ``section`` (between ``@`` and the space) that are UTF-8."""
    kept = []
    for item in section.split(b";"):
        try:
            kept.append(item.decode())
        except UnicodeDecodeError:
            continue
    return ";".join(item for item in kept if item)


def _join(tags: str, body: str) -> str:
    return f"@{tags} {body}" if tags else body


def _command(body: bytes) -> str:
    """The command of a line's ``body`` (after the tags), read from the bytes: ``*`` when
    it is not there or not a plain word (letters and digits)."""
    words = [word for word in body.split(b" ") if word]
    if words and words[0][:1] == b":":
        words = words[1:]
    word = words[0] if words else b""
    return word.decode().upper() if word.isascii() and word.isalnum() else "*"
