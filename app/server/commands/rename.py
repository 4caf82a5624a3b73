"""RENAME (IRCv3 draft/channel-rename): a channel operator gives the channel a new name.

The channel keeps everything (members, modes, topic, lists), and so do its history and its
kept topic and modes (app/server/history.py, app/server/channel_store.py): CHATHISTORY of
the new name returns what was said under the old one, also after a restart. Members that
negotiated ``draft/channel-rename`` get ``RENAME <old> <new> :<reason>``; the others get the
spec's fallback, as if they had left and joined: ``PART <old> [:reason]`` and ``JOIN <new>``
from themselves, then the topic and NAMES (none with no-implicit-names), unless only the
case changed.

Refusals: 461, 403, 442, 482 (only channel operators rename), and ``FAIL RENAME
CHANNEL_NAME_IN_USE`` (a channel has the name, or its topic or modes are kept) or
``FAIL RENAME CANNOT_RENAME`` (not a valid channel name, or the name it has already).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from app.protocol import numerics as rpl
from app.protocol.casemap import irc_lower
from app.protocol.message import Message, format_line
from app.protocol.names import is_valid_channel
from app.server.commands.channels import lookup_member_channel, send_names, send_topic
from app.server.commands.presence import implicit_names

if TYPE_CHECKING:
    from app.server.core import Handler, ServerCore
    from app.server.state import Channel, Client

log = logging.getLogger("chatbox.server")

CAP = "draft/channel-rename"


def handle_rename(core: ServerCore, client: Client, msg: Message) -> None:
    if len(msg.params) < 2 or not msg.params[0] or not msg.params[1]:
        core.reply(client, rpl.ERR_NEEDMOREPARAMS, "RENAME", "Not enough parameters")
        return
    old, new, reason = msg.params[0], msg.params[1], msg.param(2)
    channel = lookup_member_channel(core, client, old)
    if channel is None:
        return
    if not channel.is_op(client):
        core.reply(client, rpl.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator")
        return
    folded = irc_lower(new)
    if not is_valid_channel(new):
        _fail(core, client, "CANNOT_RENAME", channel.name, new, "That is not a channel name")
        return
    if new == channel.name:
        _fail(core, client, "CANNOT_RENAME", channel.name, new, "The channel has that name")
        return
    if folded != channel.folded and (folded in core.channels or core.channel_store.is_kept(new)):
        _fail(core, client, "CHANNEL_NAME_IN_USE", channel.name, new,
              "The channel name is already taken")
        return
    old_name = rename(core, channel, new)
    log.info("rename %s to %s by %s", old_name, channel.name, client.nick)
    line = format_line(client.prefix, "RENAME", (old_name, channel.name, reason), trailing=True)
    core.fanout([m for m in channel.members if CAP in m.caps], line, account=client.account)
    if irc_lower(old_name) != channel.folded:  # the spec: no fallback for a change of case
        for member in [m for m in channel.members if CAP not in m.caps]:
            _fall_back(core, member, channel, old_name, reason)


def rename(core: ServerCore, channel: Channel, new: str) -> str:
    """Give ``channel`` the name ``new`` everywhere it is kept; returns its old name."""
    old_name, old = channel.name, channel.folded
    channel.name, channel.folded = new, irc_lower(new)
    del core.channels[old]
    core.channels[channel.folded] = channel
    for member in channel.members:
        member.channels.pop(old, None)
        member.channels[channel.folded] = channel
    for other in core.clients:  # an invitation follows the channel
        if old in other.invites:
            other.invites = (other.invites - {old}) | {channel.folded}
    core.history.move_channel(old, channel.folded, new)
    core.channel_store.rename(old, channel)
    return old_name


def _fall_back(core: ServerCore, member: Client, channel: Channel, old_name: str,
               reason: str) -> None:
    """What a client without the cap sees: it left ``old_name`` and joined the channel."""
    params = (old_name, reason) if reason else (old_name,)
    core.fanout((member,), format_line(member.prefix, "PART", params, trailing=bool(reason)),
                account=member.account)
    if "extended-join" in member.caps:
        join = format_line(member.prefix, "JOIN",
                           (channel.name, member.account or "*", member.realname), trailing=True)
    else:
        join = format_line(member.prefix, "JOIN", (channel.name,))
    core.fanout((member,), join, account=member.account)
    if channel.topic:
        send_topic(core, member, channel)
    if implicit_names(member):  # not with no-implicit-names, as after any JOIN
        send_names(core, member, channel)


def _fail(core: ServerCore, client: Client, code: str, old: str, new: str, text: str) -> None:
    core.send(client, format_line(core.name, "FAIL", ("RENAME", code, old, new, text),
                                  trailing=True))


COMMANDS: dict[str, Handler] = {"RENAME": handle_rename}
