"""How an own line's state reads after its text: sending, or not sent and why."""

from __future__ import annotations

from app.client.lines import ChatLine

STATE_SUFFIX = {"pending": "   sending…", "failed": "   ⚠ Not sent — click to send again"}


def state_suffix(line: ChatLine) -> str:
    """``STATE_SUFFIX`` for ``line``'s state, a failed line's reason in brackets after it."""
    suffix = STATE_SUFFIX.get(line.state, "")
    return f"{suffix} ({line.reason})" if suffix and line.reason else suffix
