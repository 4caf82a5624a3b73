"""One IRC line: IRCv3 tags, source, command and parameters, parsed and serialised.

The grammar is modern.ircdocs.horse's "Message format" plus IRCv3 message-tags
(ircv3.net/specs/extensions/message-tags), including the tag value escaping rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.protocol.errors import LocalProtocolError, RemoteProtocolError

_ESCAPES = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}
_FORBIDDEN = frozenset("\r\n\0")
# A command starting with these would read back as tags or a source.
_NOT_FIRST_IN_COMMAND = frozenset("@:")


def unescape_tag_value(raw: str) -> str:
    """Undo IRCv3 tag value escaping; an unknown escape drops the backslash, a lone one vanishes."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\":
            i += 1
            if i < n:
                nxt = raw[i]
                out.append(_ESCAPES.get(nxt, nxt))
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def escape_tag_value(value: str) -> str:
    """Escape a tag value for the wire (the inverse of :func:`unescape_tag_value`)."""
    if not any(c in value for c in "\\; \r\n"):
        return value
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\:")
        .replace(" ", "\\s")
        .replace("\r", "\\r")
        .replace("\n", "\\n")
    )


def parse_tags(raw: str) -> dict[str, str]:
    """Parse the tag section (without the leading ``@``); a later duplicate key wins."""
    tags: dict[str, str] = {}
    for item in raw.split(";"):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not key:
            raise RemoteProtocolError("empty tag key")
        tags[key] = (unescape_tag_value(value) if "\\" in value else value) if sep else ""
    return tags


def serialize_tags(tags: Mapping[str, str]) -> str:
    """The tag section without the leading ``@``: ``a=1;b`` (a key with an empty value is bare)."""
    parts: list[str] = []
    for key, value in tags.items():
        if not key or any(c in key for c in " ;=\r\n\0"):
            raise LocalProtocolError(f"invalid tag key {key!r}")
        if "\0" in value:
            raise LocalProtocolError(f"tag {key!r} has a NUL in its value")
        parts.append(f"{key}={escape_tag_value(value)}" if value else key)
    return ";".join(parts)


@dataclass(frozen=True, slots=True)
class Message:
    """A parsed IRC message. ``command`` is upper-case; ``params`` include the trailing one.

    ``raw_tags``: the tag section as it came (without ``@``), set by :func:`parse` only, so
    that a server relays client tags without escaping them again (app/server/client_tags.py);
    not part of equality, and stale in a copy made with other ``tags``."""

    command: str
    params: tuple[str, ...] = ()
    source: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict, hash=False)
    raw_tags: str = field(default="", compare=False, repr=False)

    @classmethod
    def parse(cls, line: str) -> Message:
        """Parse one line (no CR/LF). Raises :class:`RemoteProtocolError` and nothing else."""
        return parse(line)

    def serialize(self) -> str:
        """The line for the wire, without CR LF."""
        return serialize(self)

    def param(self, index: int, default: str = "") -> str:
        """Parameter ``index`` or ``default`` when there are fewer."""
        return self.params[index] if index < len(self.params) else default


def parse(line: str) -> Message:
    """Parse one line (no CR/LF). Raises :class:`RemoteProtocolError` and nothing else."""
    if "\0" in line or "\r" in line or "\n" in line:
        raise RemoteProtocolError("line contains NUL, CR or LF")
    pos = 0
    n = len(line)
    tags: dict[str, str] = {}
    raw_tags = ""
    if line.startswith("@"):
        end = line.find(" ")
        if end < 0:
            raise RemoteProtocolError("tags without a command")
        raw_tags = line[1:end]
        tags = parse_tags(raw_tags)
        pos = end
    while pos < n and line[pos] == " ":
        pos += 1
    source: str | None = None
    if pos < n and line[pos] == ":":
        end = line.find(" ", pos)
        if end < 0:
            raise RemoteProtocolError("source without a command")
        source = line[pos + 1 : end]
        if not source:
            raise RemoteProtocolError("empty source")
        pos = end
        while pos < n and line[pos] == " ":
            pos += 1
    end = line.find(" ", pos)
    if end < 0:
        end = n
    command = line[pos:end].upper()
    if not command:
        raise RemoteProtocolError("no command")
    if command[0] in _NOT_FIRST_IN_COMMAND:
        raise RemoteProtocolError(f"invalid command {command!r}")
    pos = end
    params: list[str] = []
    while pos < n:
        while pos < n and line[pos] == " ":
            pos += 1
        if pos >= n:
            break
        if line[pos] == ":":
            params.append(line[pos + 1 :])
            break
        end = line.find(" ", pos)
        if end < 0:
            end = n
        params.append(line[pos:end])
        pos = end
    return Message(command, tuple(params), source, tags, raw_tags)


def serialize(msg: Message) -> str:
    """Serialise ``msg``; raises :class:`LocalProtocolError` for what cannot go on the wire."""
    parts: list[str] = []
    if msg.tags:
        parts.append("@" + serialize_tags(msg.tags))
    if msg.source is not None:
        if not msg.source or " " in msg.source or _FORBIDDEN.intersection(msg.source):
            raise LocalProtocolError(f"invalid source {msg.source!r}")
        parts.append(":" + msg.source)
    if (
        not msg.command
        or msg.command[0] in _NOT_FIRST_IN_COMMAND
        or " " in msg.command
        or _FORBIDDEN.intersection(msg.command)
    ):
        raise LocalProtocolError(f"invalid command {msg.command!r}")
    parts.append(msg.command)
    last = len(msg.params) - 1
    for i, p in enumerate(msg.params):
        if _FORBIDDEN.intersection(p):
            raise LocalProtocolError("parameter contains NUL, CR or LF")
        if i == last:
            if not p or " " in p or p[0] == ":":
                p = ":" + p
        elif not p or " " in p or p[0] == ":":
            raise LocalProtocolError(f"middle parameter {p!r} cannot be sent")
        parts.append(p)
    return " ".join(parts)


# Fast paths for a server: building lines from parts without a Message object.
def _trailing(param: str) -> str:
    return ":" + param if not param or " " in param or param[0] == ":" else param


def format_line(
    source: str | None, command: str, params: Iterable[str], *, trailing: bool = False
) -> str:
    """``:source COMMAND p1 p2 :last``. The last parameter gets ``:`` when it needs it, or
    always with ``trailing`` (free text: message bodies, reasons, numerics' descriptions)."""
    items = list(params)
    if items:
        for i in range(len(items) - 1):  # a middle parameter the peer chose (a bad nick)
            item = items[i]
            if not item or " " in item or item[0] == ":":
                items[i] = "*"
        items[-1] = ":" + items[-1] if trailing else _trailing(items[-1])
    head = f":{source} {command}" if source else command
    return " ".join([head, *items]) if items else head


def add_tag(line: bytes, tag: str) -> bytes:
    """Put ``tag`` in front of a ready line's tags."""
    if line.startswith(b"@"):
        return b"@" + tag.encode() + b";" + line[1:]
    return b"@" + tag.encode() + b" " + line
