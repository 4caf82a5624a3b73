"""Small pure helpers that put messages, names and sizes into the words the rooms show."""

from __future__ import annotations

from datetime import UTC, datetime

from app.protocol.links import IMAGE_SUFFIXES
from app.protocol.message import Message

SERVER_ROOM = "Server"  # the room of what the server itself says


def message_time(msg: Message) -> datetime:
    """The ``server-time`` tag, or now."""
    stamp = msg.tags.get("time") if msg.tags else None
    if stamp:
        try:
            return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            pass
    return datetime.now(UTC)


def reason_of(msg: Message, index: int) -> str:
    """`` (reason)`` from parameter ``index``, or nothing."""
    return f" ({msg.param(index)})" if msg.param(index) else ""


def is_image(name: str) -> bool:
    return name.lower().endswith(IMAGE_SUFFIXES)


def human_size(size: int) -> str:
    """1,234,567 → "1.2 MB"."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} bytes"


def nick_of(source: str | None) -> str:
    return (source or "").partition("!")[0]


def address_of(source: str | None) -> str:
    """``user@host`` of a ``nick!user@host`` source (empty when it has none)."""
    return (source or "").partition("!")[2]
