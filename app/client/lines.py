"""What a room holds: lines (messages, actions, notices, events), as pure frozen data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One line of a room: a message, an action, a notice, or an event (join, part …)."""

    time: datetime
    sender: str
    text: str
    kind: str = "message"  # message action notice join part quit nick kick mode topic info error
    own: bool = False
    msgid: str = ""
    history: bool = False  # replayed from the server's history, not live
    state: str = ""  # own lines: "pending" (not confirmed yet), "failed" (not sent), or ""
    image: str = ""  # a local image file shown under the text (a received or sent picture)
    reason: str = ""  # a failed own line: why, in words
