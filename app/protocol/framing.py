"""Splitting a byte stream into IRC lines, with the protocol's limits.

``\\r\\n`` and a bare ``\\n`` both end a line. A line's body (without tags and line ending) may
be at most 510 bytes (512 with CR LF); client tags at most 4094 bytes, the whole tag section at
most 8191 (IRCv3 message-tags "Size limit"). So no legal line is longer than
:data:`MAX_BUFFER` = 8191 + 512 bytes with its CR LF: a peer that sends that much without a
line ending (or a longer line) cannot be talking IRC and is dropped, and what one connection
holds of an unfinished line stays under that, however fast it sends.
"""

from __future__ import annotations

from app.protocol.errors import BufferOverflow, LineTooLong

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
    """Check ``raw`` against the limits and decode it as UTF-8 (invalid bytes become U+FFFD).

    Raises :class:`LineTooLong` for an oversized body or tag section.
    """
    body = raw
    if raw[:1] == b"@":
        space = raw.find(b" ")
        tag_len = (space if space >= 0 else len(raw)) - 1
        if tag_len > MAX_CLIENT_TAGS:
            raise LineTooLong(f"tags of {tag_len} bytes", tags=True)
        body = raw[space + 1 :] if space >= 0 else b""
    if len(body) > MAX_LINE_BODY:
        raise LineTooLong(f"line of {len(body)} bytes")
    return raw.decode("utf-8", "replace")
