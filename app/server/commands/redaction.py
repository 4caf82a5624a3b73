"""REDACT (IRCv3 ``draft/message-redaction``): deleting a PRIVMSG, NOTICE or TAGMSG.

``REDACT <target> <msgid> [:reason]``. Who may: the sender of a message, within
:data:`WINDOW_S` of sending it, and a channel's operators, any message of their channel at
any time. The sender is judged by who sent it (history's ``sender``: the account it was
logged in as, else that very connection), never by nick: a nick taken over cannot redact its
earlier holder's messages. Only stored messages can be redacted (a message to ``@#chan``
only, or sent with ``--no-history``, is "unknown"), and only through a target the redacter
can read: a channel it is on, or its own view of a private conversation; a msgid of another
channel is unknown here, so errors reveal nothing a user could not read anyway.

The message leaves history at once, from every view it was stored in (the spec's first
choice for CHATHISTORY: "exclude it entirely"); replies and reactions to it stay. The REDACT
goes, with its own msgid and time, to the message's recipients that have the capability:
the channel's members, or every connection of both parties of a private message (their
accounts', or the guests' connections); the others get nothing (the spec allows no fallback
here, and sends none by choice).

FAIL codes (the current draft): INVALID_TARGET, REDACT_FORBIDDEN, REDACT_WINDOW_EXPIRED
(with the window in seconds), UNKNOWN_MSGID. A missing parameter is 461, as for any command.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING

from app.protocol import numerics as rpl
from app.protocol.casemap import irc_lower
from app.protocol.message import Message, format_line
from app.protocol.names import is_channel_name, is_valid_nick
from app.server.history import view_key

if TYPE_CHECKING:
    from app.server.core import Handler, ServerCore
    from app.server.state import Client

log = logging.getLogger("chatbox.server")

CAP = "draft/message-redaction"
WINDOW_S = 86_400  # one's own messages: for a day; operators: always

_TEXT = {
    "INVALID_TARGET": "You cannot delete messages from {target}",
    "REDACT_FORBIDDEN": "You are not authorised to delete this message",
    "REDACT_WINDOW_EXPIRED": "You can no longer edit this message",
    "UNKNOWN_MSGID": "This message does not exist or is too old",
}


def fail(core: ServerCore, client: Client, code: str, *context: str) -> None:
    text = _TEXT[code].format(target=context[0])
    core.send(client, format_line(core.name, "FAIL", ("REDACT", code, *context, text),
                                  trailing=True))


def handle_redact(core: ServerCore, client: Client, msg: Message) -> None:
    if len(msg.params) < 2 or not msg.params[0] or not msg.params[1]:
        core.reply(client, rpl.ERR_NEEDMOREPARAMS, "REDACT", "Not enough parameters")
        return
    name, msgid = msg.params[0], msg.params[1]
    reason = msg.param(2)
    try:
        _redact(core, client, name, msgid, reason)
    except sqlite3.Error as exc:  # the spec has no code for it: the message stays
        log.warning("history: REDACT of #%d failed: %s (%s)", client.id, exc, core.history.where)
        core.send(client, format_line(
            core.name, "FAIL", ("REDACT", "REDACT_FORBIDDEN", name, msgid,
                                "History is unavailable right now"), trailing=True))


def _redact(core: ServerCore, client: Client, name: str, msgid: str, reason: str) -> None:
    history = core.history
    channel = core.find_channel(name) if is_channel_name(name) else None
    if channel is not None:
        if client not in channel.members:
            fail(core, client, "INVALID_TARGET", name)
            return
        key, shown, op = channel.folded, channel.name, channel.is_op(client)
    elif is_channel_name(name) or not is_valid_nick(name):
        fail(core, client, "INVALID_TARGET", name)
        return
    else:
        key, op = view_key(core.owner(client), irc_lower(name)), False
        peer = core.find_nick(name)
        shown = peer.nick if peer is not None else name
    found = history.sent_by(key, msgid)
    if found is None:
        fail(core, client, "UNKNOWN_MSGID", name, msgid)
        return
    ms, sender = found
    own = bool(sender) and sender in (core.owner(client), core.connection_owner(client))
    if not op:
        if not own:
            fail(core, client, "REDACT_FORBIDDEN", name, msgid)
            return
        if core.wall_clock() * 1000 - ms > WINDOW_S * 1000:
            fail(core, client, "REDACT_WINDOW_EXPIRED", name, msgid, str(WINDOW_S))
            return
    if channel is not None:
        history.redact(msgid, target=key)
        recipients = list(channel.members)
    else:
        views = history.redact(msgid, sender=sender)
        owners = {view.partition(" ")[0] for view in views}
        recipients = [c for c in core.clients if c.registered and core.owner(c) in owners]
    log.info("redact %s %s by %s", shown, msgid, client.nick)
    params = (shown, msgid, reason) if reason else (shown, msgid)
    core.fanout(
        [c for c in recipients if CAP in c.caps],
        format_line(client.prefix, "REDACT", params, trailing=bool(reason)),
        msgid=core.new_msgid(),
        account=client.account,
    )


COMMANDS: dict[str, Handler] = {"REDACT": handle_redact}
