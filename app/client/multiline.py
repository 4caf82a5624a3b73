"""Multiline messages (IRCv3 draft/multiline) on the client: received batches become one
message, and what the outbox sends as batches (app/protocol/multiline.py plans them).

Received: ``BATCH +ref draft/multiline <target>`` (its tags are the message's: msgid, time,
label, client tags, and ``batch=`` when it is nested in a ``chathistory`` batch), its
PRIVMSG lines, ``BATCH -ref``. At the end the lines become one PRIVMSG whose text holds them
("\\n" between lines, nothing before a ``draft/multiline-concat`` one), handed to the
session's events as any other message: shown once, unread once, a mention notifies once,
our own echo confirms its pending line (by label, else by its text). What a server sends
beyond reason (more than MAX_KEPT_LINES lines or MAX_KEPT_BYTES bytes, more than MAX_OPEN
batches never closed) is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.protocol.message import Message
from app.protocol.multiline import (
    BATCH_TYPE,
    CAP,
    CONCAT,
    MultilineLimits,
    Part,
    batch_lines,
    combined,
    normalise,
    parse_limits,
    plan,
)
from app.protocol.split import split_for_relay

if TYPE_CHECKING:
    from app.client.connection import IrcConnection

MAX_OPEN = 32  # batches open at once (a server that never closes them)
MAX_KEPT_LINES = 1000
MAX_KEPT_BYTES = 256 * 1024
MESSAGE_COMMANDS = ("PRIVMSG", "NOTICE")


def limits_of(connection: IrcConnection) -> MultilineLimits | None:
    """The server's multiline limits, when it acked draft/multiline (and batch)."""
    if CAP not in connection.caps or "batch" not in connection.caps:
        return None
    return parse_limits(connection.offered.get(CAP))


def pieces(text: str, budget: int, limits: MultilineLimits | None) -> list[str]:
    """What a text of several lines goes out as: the combined text of each batch with
    ``limits``, else (no multiline) each non-blank line, cut to ``budget`` bytes."""
    if limits is not None:
        return [combined(batch) for batch in plan(text, budget, limits)]
    return [
        piece
        for line in normalise(text)
        if line.strip()
        for piece in split_for_relay(line, budget)
    ]


def batch_wire(ref: str, target: str, text: str, budget: int, limits: MultilineLimits,
               tags: dict[str, str]) -> str:
    """One batch's lines, CR LF between them: they go in one write, so the pacer counts
    them once and nothing of ours comes between them ("Clients MUST NOT send messages
    other than PRIVMSG while a multiline batch is open")."""
    parts = [part for batch in plan(text, budget, limits) for part in batch]
    return "\r\n".join(batch_lines(ref, target, parts, tags))


@dataclass
class _Open:
    start: Message  # the BATCH +ref line
    lines: list[Message] = field(default_factory=list)
    size: int = 0

    def message(self) -> Message | None:
        """The one message the batch stands for (None: it held none)."""
        if not self.lines:
            return None
        first = self.lines[0]
        lines = [m for m in self.lines if m.command == first.command]
        text = combined(Part(m.param(1), CONCAT in m.tags) for m in lines)
        if not text.strip():
            return None
        tags = {k: v for k, v in first.tags.items() if k not in ("batch", CONCAT)}
        tags.update(self.start.tags)  # msgid, time, label, client tags, an outer batch
        target = self.start.param(2) or first.param(0)
        return Message(first.command, (target, text), first.source or self.start.source, tags)


class MultilineBatches:
    """The open draft/multiline batches of one connection, by reference; each ended one
    goes to ``deliver`` as one message."""

    def __init__(self, deliver: Callable[[Message], None]) -> None:
        self._deliver = deliver
        self.open: dict[str, _Open] = {}

    def batch(self, msg: Message) -> bool:
        """A BATCH line: True when it opened or closed a multiline batch."""
        ref = msg.param(0)
        if ref[:1] == "+" and msg.param(1) == BATCH_TYPE and len(ref) > 1:
            if len(self.open) >= MAX_OPEN:
                del self.open[next(iter(self.open))]
            self.open[ref[1:]] = _Open(msg)
            return True
        if ref[:1] == "+":  # another batch: a stale one of ours (an old link) goes
            self.open.pop(ref[1:], None)
        if ref[:1] == "-" and ref[1:] in self.open:
            done = self.open.pop(ref[1:]).message()
            if done is not None:
                self._deliver(done)
            return True
        return False

    def line(self, ref: str, msg: Message) -> bool:
        """A line tagged ``batch=ref``: True when it belongs to an open multiline batch
        (kept when it is a message line, within reason)."""
        batch = self.open.get(ref)
        if batch is None:
            return False
        if msg.command in MESSAGE_COMMANDS and len(msg.params) >= 2:
            size = len(msg.params[1])
            if len(batch.lines) < MAX_KEPT_LINES and batch.size + size <= MAX_KEPT_BYTES:
                batch.lines.append(msg)
                batch.size += size
        return True

    def clear(self) -> None:
        """The link dropped: what was open will never end."""
        self.open.clear()
