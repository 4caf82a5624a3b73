"""MARKREAD (IRCv3 ``draft/read-marker``): the time of the last message a user read, per
channel or nick, told to every connection of that user (app/server/read_markers.py keeps it).

``MARKREAD <target>`` asks, ``MARKREAD <target> timestamp=YYYY-MM-DDThh:mm:ss.sssZ`` sets;
the answer is ``MARKREAD <target> timestamp=…`` or ``*`` (none yet). The command works with
or without the capability (the spec: it "affects which messages are sent by the server");
with it, a connection also gets the marker of each channel it joins, before the end of its
NAMES, and every change made by another connection of its account.

Decisions where the spec leaves room: a timestamp must have the spec's exact form (what our
``time`` tags carry), none before 1970; one later than now is taken as now (the spec's
"clamp it between the last read timestamp and the current time"). A channel is a known
target when the user is on it or has a marker for it already; a nick, when it is a valid
nick (a conversation outlives its peer's connection). A guest's markers are its
connection's own, for as long as it lasts.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from typing import TYPE_CHECKING

from app.protocol.casemap import irc_lower
from app.protocol.message import Message, format_line
from app.protocol.names import is_channel_name, is_valid_channel, is_valid_nick
from app.server.history import format_ms, parse_time

if TYPE_CHECKING:
    from app.server.core import Handler, ServerCore
    from app.server.state import Channel, Client

log = logging.getLogger("chatbox.server")

CAP = "draft/read-marker"
_TIMESTAMP = re.compile(r"timestamp=(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\Z", re.ASCII)


def parse_marker(text: str) -> int | None:
    """Milliseconds for ``timestamp=YYYY-MM-DDThh:mm:ss.sssZ``; None for anything else."""
    found = _TIMESTAMP.match(text)
    if found is None:
        return None
    ms = parse_time(found[1])
    return ms if ms is not None and ms >= 0 else None


def marker_text(ms: int | None) -> str:
    return "*" if ms is None else f"timestamp={format_ms(ms)}"


def fail(core: ServerCore, client: Client, code: str, *context: str) -> None:
    description = {
        "NEED_MORE_PARAMS": "Missing parameters",
        "INVALID_PARAMS": "Invalid parameters",
        "INTERNAL_ERROR": "The read timestamp could not be set",
    }[code]
    core.send(client, format_line(core.name, "FAIL", ("MARKREAD", code, *context, description),
                                  trailing=True))


def handle_markread(core: ServerCore, client: Client, msg: Message) -> None:
    name = msg.param(0)
    if not name:
        fail(core, client, "NEED_MORE_PARAMS")
        return
    owner = core.owner(client)
    markers = core.read_markers
    try:
        target = _target(core, client, owner, name)
        if target is None:
            fail(core, client, "INVALID_PARAMS", name)
            return
        folded, shown = target
        if len(msg.params) == 1:  # the client get command
            core.send(client, _line(core, shown, markers.get(owner, folded)))
            return
        ms = parse_marker(msg.params[1])
        if ms is None:
            fail(core, client, "INVALID_PARAMS", msg.params[1])
            return
        stored, moved = markers.advance(owner, folded, min(ms, int(core.wall_clock() * 1000)))
    except sqlite3.Error as exc:
        log.warning("read markers: MARKREAD of #%d failed: %s (%s)", client.id, exc,
                    core.history.where)
        fail(core, client, "INTERNAL_ERROR", name)
        return
    line = _line(core, shown, stored)
    core.send(client, line)
    if moved and client.account:
        for other in core.clients:
            if (other is not client and other.registered and CAP in other.caps
                    and other.account and core.owner(other) == owner):
                core.send(other, line)


def send_join_marker(core: ServerCore, client: Client, channel: Channel) -> None:
    """After ``client``'s JOIN and before its RPL_ENDOFNAMES: the channel's marker."""
    if CAP not in client.caps:
        return
    try:
        ms = core.read_markers.get(core.owner(client), channel.folded)
    except sqlite3.Error as exc:  # the spec wants a MARKREAD here: "*", unknown
        log.warning("read markers: cannot read them in %s (%s)", core.history.where, exc)
        ms = None
    core.send(client, _line(core, channel.name, ms))


def _target(core: ServerCore, client: Client, owner: str, name: str) -> tuple[str, str] | None:
    """(folded, name to show) of a known target, None for an unknown one."""
    folded = irc_lower(name)
    if is_channel_name(name):
        if not is_valid_channel(name):
            return None
        channel = core.find_channel(name)
        if channel is not None and client in channel.members:
            return folded, channel.name
        return (folded, name) if core.read_markers.get(owner, folded) is not None else None
    if not is_valid_nick(name):
        return None
    user = core.nicks.get(folded)
    return folded, user.nick if user is not None else name


def _line(core: ServerCore, target: str, ms: int | None) -> str:
    return format_line(core.name, "MARKREAD", (target, marker_text(ms)))


COMMANDS: dict[str, Handler] = {"MARKREAD": handle_markread}
