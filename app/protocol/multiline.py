"""Multiline messages (IRCv3 draft/multiline): the batches a text of several lines goes out
as, and the text a received batch stands for. Pure.

The server's cap value gives its limits: ``max-bytes`` (REQUIRED) of combined content, where
each line feed that joins two lines counts one byte, and ``max-lines`` (RECOMMENDED) lines
per batch. A line longer than one IRC line is cut (app/protocol/split.py) into pieces sent
with ``draft/multiline-concat``, "between words where possible", leaving the space at the
end of the earlier piece so that the fallback lines (to clients without the cap) carry no
leading space. A text over the limits goes as several batches. Blank lines inside are sent
as they are; a batch never starts or ends with one and never consists of them only ("Clients
MUST NOT send messages consisting entirely of blank lines").

Client-only tags (a reply's) go on the opening BATCH, as does a label: "Clients MUST NOT send
tags other than draft/multiline-concat and batch on messages within the batch".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.protocol.message import format_line, serialize_tags
from app.protocol.split import MIN_LIMIT, split_text

CAP = "draft/multiline"
BATCH_TYPE = "draft/multiline"
CONCAT = "draft/multiline-concat"


@dataclass(frozen=True, slots=True)
class MultilineLimits:
    """What the server takes in one batch: ``max_bytes`` of combined content and at most
    ``max_lines`` PRIVMSG lines (0: it did not say)."""

    max_bytes: int
    max_lines: int = 0


@dataclass(frozen=True, slots=True)
class Part:
    """One PRIVMSG of a batch; ``concat``: joined to the one before without a line feed."""

    text: str
    concat: bool = False


def parse_limits(value: str | None) -> MultilineLimits | None:
    """The cap's value (``max-bytes=4096,max-lines=100``); None without a usable
    ``max-bytes``. Unknown keys are ignored, as the spec says."""
    if not value:
        return None
    found: dict[str, int] = {}
    for token in value.split(","):
        key, _, number = token.partition("=")
        if number.isdecimal() and key.strip() not in found:
            found[key.strip()] = int(number)
    max_bytes = found.get("max-bytes", 0)
    if max_bytes <= 0:
        return None
    return MultilineLimits(max_bytes, max(0, found.get("max-lines", 0)))


def normalise(text: str) -> list[str]:
    """``text``'s lines (any line ending), without the blank ones at its start and end."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def combined(parts: Iterable[Part]) -> str:
    """The message a batch of ``parts`` stands for (what its receivers show)."""
    out: list[str] = []
    for part in parts:
        if out and not part.concat:
            out.append("\n")
        out.append(part.text)
    return "".join(out)


def content_bytes(parts: list[Part]) -> int:
    """Bytes a batch counts against ``max-bytes``: its texts, and one per line feed."""
    feeds = sum(1 for part in parts[1:] if not part.concat)
    return sum(len(part.text.encode("utf-8", "surrogatepass")) for part in parts) + feeds


def plan(text: str, budget: int, limits: MultilineLimits) -> list[list[Part]]:
    """The batches ``text`` goes out as: each line cut to ``budget`` bytes (what one relayed
    PRIVMSG to the target holds), each batch within ``limits``. Empty for blank text."""
    piece_budget = max(MIN_LIMIT, min(budget, limits.max_bytes) - 1)  # - 1: the kept space
    parts: list[Part] = []
    for line in normalise(text):
        pieces = split_text(line, piece_budget)
        if not pieces:
            parts.append(Part(""))
        for i, piece in enumerate(pieces):
            parts.append(Part(piece.text + piece.sep, concat=i > 0))
    batches: list[list[Part]] = []
    batch: list[Part] = []
    size = 0
    for part in parts:
        cost = len(part.text.encode("utf-8", "surrogatepass")) + (
            1 if batch and not part.concat else 0
        )
        full = limits.max_lines and len(batch) >= limits.max_lines
        if batch and (full or size + cost > limits.max_bytes):
            batches.append(batch)
            batch, size = [], 0
            cost = len(part.text.encode("utf-8", "surrogatepass"))
        if not batch:
            part = Part(part.text)  # a batch's first line follows nothing
        batch.append(part)
        size += cost
    batches.append(batch)
    return [trimmed for b in batches if (trimmed := _trim(b))]


def _trim(batch: list[Part]) -> list[Part]:
    """``batch`` without blank lines at its start and end."""
    start, end = 0, len(batch)
    while start < end and not batch[start].text.strip() and not _continued(batch, start):
        start += 1
    while end > start and not batch[end - 1].text.strip() and not batch[end - 1].concat:
        end -= 1
    if start == end:
        return []
    return [Part(batch[start].text), *batch[start + 1 : end]]


def _continued(batch: list[Part], index: int) -> bool:
    """Is line ``index`` cut, the next piece concatenated to it (so not a blank line)?"""
    return index + 1 < len(batch) and batch[index + 1].concat


def batch_lines(
    ref: str, target: str, parts: list[Part], tags: Mapping[str, str] | None = None
) -> list[str]:
    """The wire lines of one batch (without CR LF): the opening BATCH with ``tags`` (a
    label, a reply's client tags), the PRIVMSGs, the closing BATCH."""
    opening = f"BATCH +{ref} {BATCH_TYPE} {target}"
    if tags:
        opening = f"@{serialize_tags(tags)} {opening}"
    lines = [opening]
    for part in parts:
        prefix = f"@batch={ref};{CONCAT}" if part.concat else f"@batch={ref}"
        lines.append(f"{prefix} {format_line(None, 'PRIVMSG', (target, part.text), trailing=True)}")
    lines.append(f"BATCH -{ref}")
    return lines
