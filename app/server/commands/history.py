"""CHATHISTORY (IRCv3 draft/chathistory): LATEST, BEFORE, AFTER, AROUND, BETWEEN, TARGETS.

References are ``msgid=…`` or ``timestamp=YYYY-MM-DDThh:mm:ss.sssZ`` (``*`` for LATEST);
replies come in a ``chathistory`` batch (``draft/chathistory-targets`` for TARGETS), with
each message's original time and msgid; reactions (TAGMSG) only for a client with
draft/event-playback (app/server/playback.py). Private history is read from the asker's own view
(its account's, or for a guest its connection's: app/server/history.py), so a nick taken
over never shows what its earlier holder said or heard. When SQLite fails, the answer is
``FAIL CHATHISTORY MESSAGE_ERROR`` and the server goes on.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING

from app.protocol.casemap import irc_lower
from app.protocol.message import Message, format_line
from app.protocol.multiline_check import is_encoded
from app.server.history import Stored, format_ms, parse_time, view_key
from app.server.multiline_delivery import replay
from app.server.playback import reader, replay_tags

if TYPE_CHECKING:
    from app.server.core import Handler, ServerCore
    from app.server.state import Client

log = logging.getLogger("chatbox.server")

MAX_LIMIT = 100
SUBCOMMANDS = ("LATEST", "BEFORE", "AFTER", "AROUND", "BETWEEN", "TARGETS")


def fail(core: ServerCore, client: Client, code: str, *context: str) -> None:
    description = {
        "INVALID_PARAMS": "Invalid parameters",
        "INVALID_TARGET": "No such target, or no access to its history",
        "MESSAGE_ERROR": "History is unavailable right now",
        "NEED_MORE_PARAMS": "Missing parameters",
        "UNKNOWN_COMMAND": "Unknown subcommand",
    }[code]
    core.send(client, format_line(core.name, "FAIL", ("CHATHISTORY", code, *context, description),
                                  trailing=True))


def handle_chathistory(core: ServerCore, client: Client, msg: Message) -> None:
    sub = msg.param(0).upper()
    if not sub:
        fail(core, client, "NEED_MORE_PARAMS")
        return
    if sub not in SUBCOMMANDS:
        fail(core, client, "UNKNOWN_COMMAND", msg.param(0))
        return
    needed = {"BETWEEN": 5, "TARGETS": 4}.get(sub, 4)
    if len(msg.params) < needed:
        fail(core, client, "NEED_MORE_PARAMS", sub)
        return
    limit_text = msg.params[needed - 1]
    if not limit_text.isdecimal() or int(limit_text) < 1:
        fail(core, client, "INVALID_PARAMS", sub, limit_text)
        return
    limit = min(int(limit_text), MAX_LIMIT)
    target = () if sub == "TARGETS" else (msg.params[1],)
    try:
        if sub == "TARGETS":
            _targets(core, client, msg.params[1], msg.params[2], limit)
        else:
            _messages(core, client, sub, msg.params[1 : needed - 1], limit)
    except sqlite3.Error as exc:
        log.warning("history: CHATHISTORY %s of #%d failed: %s (%s)", sub, client.id, exc,
                    core.history.where)
        fail(core, client, "MESSAGE_ERROR", sub, *target)


def _messages(
    core: ServerCore, client: Client, sub: str, params: tuple[str, ...], limit: int
) -> None:
    """Every subcommand but TARGETS: ``params`` are the target and the references."""
    name = params[0]
    key = _target_key(core, client, name)
    if key is None:
        fail(core, client, "INVALID_TARGET", sub, name)
        return
    history = reader(core.history, client)  # draft/event-playback: TAGMSG or not
    refs = []
    for ref in params[1:]:
        bounds = _bounds(core, key, ref, allow_star=sub == "LATEST")
        if bounds is None:
            fail(core, client, "INVALID_PARAMS", sub, ref)
            return
        refs.append(bounds)
    (low, high), (end_low, end_high) = refs[0], refs[-1]
    if sub == "LATEST":
        found = history.latest(key, limit, after=high)
    elif sub == "BEFORE":
        found = history.before(key, low, limit)
    elif sub == "AFTER":
        found = history.after(key, high, limit)
    elif sub == "AROUND":  # the one subcommand the spec does not make exclusive: the
        # message(s) at the reference are its centre, as for a msgid
        before = history.before(key, low, limit // 2)
        found = before + history.after(key, (low[0], low[1] - 1), limit - len(before))
    elif high < end_low:  # BETWEEN forwards: from the first reference, both excluded
        found = [m for m in history.after(key, high, limit) if m.point < end_low]
    elif low > end_high:  # BETWEEN backwards
        found = [m for m in history.before(key, low, limit) if m.point > end_high]
    else:  # BETWEEN a moment and itself: nothing lies strictly between
        found = []
    _send_batch(core, client, name, found)


def _target_key(core: ServerCore, client: Client, name: str) -> str | None:
    """The history key of ``name`` when ``client`` may read it: a channel it is on, or its
    own view of the private conversation with that nick."""
    if name[:1] == "#":
        channel = core.find_channel(name)
        return channel.folded if channel is not None and client in channel.members else None
    if not name or " " in name:
        return None
    return view_key(core.owner(client), irc_lower(name))


Point = tuple[int, int]  # (ms, seq): a stored message's place in time
LAST_SEQ = 1 << 62  # after every message of one millisecond


def _bounds(core: ServerCore, key: str, ref: str, *, allow_star: bool
            ) -> tuple[Point, Point] | None:
    """A reference as (low, high): what is before ``low`` or after ``high`` excludes it. A
    msgid is one message (low == high); a timestamp covers its whole millisecond, so a
    message sent at exactly that time is on neither side (the spec's "excluding")."""
    if ref == "*" and allow_star:
        return (-1, -1), (-1, -1)
    kind, _, value = ref.partition("=")
    if kind == "timestamp":
        ms = parse_time(value)
        return None if ms is None else ((ms, 0), (ms, LAST_SEQ))
    if kind == "msgid" and value:
        point = core.history.locate(key, value)
        return None if point is None else (point, point)
    return None


def _send_batch(core: ServerCore, client: Client, target: str, found: list[Stored]) -> None:
    ref = core.new_batch_ref()
    out = [format_line(core.name, "BATCH", (f"+{ref}", "chathistory", target))]
    for message in found:
        if is_encoded(message.line):  # draft/multiline: one message of several lines
            out += replay(core, client, ref, message)
            continue
        tags = [f"batch={ref}", f"time={message.time_text}", f"msgid={message.msgid}",
                *replay_tags(message, client.tag_key)]
        out.append(f"@{';'.join(tags)} {message.line}")
    out.append(format_line(core.name, "BATCH", (f"-{ref}",)))
    for line in out:
        core.send(client, line)


def _targets(core: ServerCore, client: Client, start: str, end: str, limit: int) -> None:
    low, high = parse_time(start.partition("=")[2]), parse_time(end.partition("=")[2])
    if low is None or high is None:
        fail(core, client, "INVALID_PARAMS", "TARGETS", start if low is None else end)
        return
    keys = {channel.folded: channel.name for channel in client.channels.values()}
    found = core.history.targets(list(keys), core.owner(client), low, high, limit)
    ref = core.new_batch_ref()
    core.send(client, format_line(core.name, "BATCH", (f"+{ref}", "draft/chathistory-targets")))
    for key, ms in found:
        name = keys.get(key)
        if name is None:  # one of our private views: "owner peer"
            peer = key.rpartition(" ")[2]
            online = core.nicks.get(peer)
            name = online.nick if online is not None else peer
        core.send(client, f"@batch={ref} " + format_line(
            core.name, "CHATHISTORY", ("TARGETS", name, f"timestamp={format_ms(ms)}")))
    core.send(client, format_line(core.name, "BATCH", (f"-{ref}",)))


COMMANDS: dict[str, Handler] = {"CHATHISTORY": handle_chathistory}
