"""Command handlers, one module per area; ``COMMANDS`` maps a command to its handler."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.server.commands import (
    accounts,
    channels,
    history,
    messaging,
    modes,
    monitor,
    multiline,
    presence,
    queries,
    read_marker,
    redaction,
    registration,
    rename,
)

if TYPE_CHECKING:
    from app.server.core import Handler

COMMANDS: dict[str, Handler] = {
    **registration.COMMANDS,
    **channels.COMMANDS,
    **modes.COMMANDS,
    **messaging.COMMANDS,
    **queries.COMMANDS,
    **history.COMMANDS,
    **accounts.COMMANDS,
    **rename.COMMANDS,
    **redaction.COMMANDS,
    **read_marker.COMMANDS,
    **monitor.COMMANDS,
    **multiline.COMMANDS,
    **presence.COMMANDS,
}
