"""IRCv3 ``draft/multiline`` as a server takes it: a client batch's lines checked as they
come, and the message kept as one text. Pure Python, no IO.

:class:`Collector` says at once why it refuses a line (a :class:`Refusal`: the spec's
``FAIL BATCH`` code, its parameters and its words), so a batch never holds more than the
limits. :func:`encode` and :func:`decode` turn the lines into one text and back (history
keeps a message as one row). The client's side (building batches) is app/protocol/multiline.py.

The rules (ircv3.net/specs/extensions/multiline and client-batch):

- every line has the command of the first (all PRIVMSG or all NOTICE) and the batch's target;
- the message is at most :data:`MAX_BYTES`: each line's UTF-8 text, plus one byte for each
  line feed that joins a line without the ``draft/multiline-concat`` tag to the one before;
  and at most :data:`MAX_LINES` lines (ergo's defaults);
- a concat line is not blank; the message is not empty, nor blank lines only ("Servers MUST
  NOT reject blank lines other than" those two cases).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.protocol.casemap import irc_lower

CAP = "draft/multiline"
BATCH_TYPE = "draft/multiline"
CONCAT_TAG = "draft/multiline-concat"
MAX_BYTES = 4096
MAX_LINES = 100
CAP_VALUE = f"max-bytes={MAX_BYTES},max-lines={MAX_LINES}"
LINE_COMMANDS = ("PRIVMSG", "NOTICE")  # what a multiline batch holds
# In an encoded text: what comes before each line but the first. Neither can be in a line
# (a parsed IRC line holds no CR or LF), so the encoding is unambiguous.
JOIN_NEWLINE = "\n"
JOIN_CONCAT = "\r"
_SPLIT = re.compile("([\r\n])")
_REF = re.compile(r"[A-Za-z0-9-]+\Z")  # batch: "only ASCII letters, numbers, and/or hyphen"

Line = tuple[str, bool]  # the text, and whether it is joined to the one before (concat)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a batch is refused: ``FAIL BATCH <code> <params…> :<text>``."""

    code: str
    params: tuple[str, ...]
    text: str


def invalid(text: str) -> Refusal:
    """``MULTILINE_INVALID``, the spec's code for "any other error"."""
    return Refusal("MULTILINE_INVALID", (), text)


def is_valid_ref(ref: str) -> bool:
    """A batch reference tag as the batch spec allows it."""
    return _REF.match(ref) is not None


class Collector:
    """The lines of one multiline batch to ``target``, checked as they come."""

    __slots__ = ("_folded", "command", "lines", "size", "target")

    def __init__(self, target: str) -> None:
        self.target = target
        self._folded = irc_lower(target)
        self.command = ""  # of the first line
        self.lines: list[Line] = []
        self.size = 0  # bytes of the message so far, line feeds included

    def add(self, command: str, target: str, text: str, concat: bool) -> Refusal | None:
        """Take one line; a refusal leaves the collector as it was."""
        if self.command and command != self.command:
            return invalid("A multiline batch is all PRIVMSG or all NOTICE")
        if irc_lower(target) != self._folded:
            return Refusal("MULTILINE_INVALID_TARGET", (self.target, target),
                           "Invalid multiline target")
        if concat and not text:
            return invalid("Invalid multiline batch with concatenated blank line")
        concat = concat and bool(self.lines)  # on the first line it joins nothing
        size = self.size + len(text.encode()) + (1 if self.lines and not concat else 0)
        if size > MAX_BYTES:
            return Refusal("MULTILINE_MAX_BYTES", (str(MAX_BYTES),),
                           "Multiline batch max-bytes exceeded")
        if len(self.lines) >= MAX_LINES:
            return Refusal("MULTILINE_MAX_LINES", (str(MAX_LINES),),
                           "Multiline batch max-lines exceeded")
        self.command = command
        self.size = size
        self.lines.append((text, concat))
        return None

    def finish(self) -> Refusal | None:
        """At the end of the batch: why the whole is refused, or None when it may go."""
        if not self.lines:
            return invalid("A multiline batch has at least one line")
        if not any(text for text, _ in self.lines):
            return invalid("Invalid multiline batch with blank lines only")
        return None


def encode(lines: list[Line]) -> str:
    """The lines as one text: each but the first after ``\\n``, or ``\\r`` when concat."""
    parts = []
    for i, (text, concat) in enumerate(lines):
        if i:
            parts.append(JOIN_CONCAT if concat else JOIN_NEWLINE)
        parts.append(text)
    return "".join(parts)


def is_encoded(text: str) -> bool:
    """Whether ``text`` holds more than one line (a single line is an ordinary message)."""
    return JOIN_NEWLINE in text or JOIN_CONCAT in text


def decode(text: str) -> list[Line]:
    """The inverse of :func:`encode`."""
    parts = _SPLIT.split(text)
    lines: list[Line] = [(parts[0], False)]
    for i in range(1, len(parts), 2):
        lines.append((parts[i + 1], parts[i] == JOIN_CONCAT))
    return lines
