"""Channel membership and the channel's face: JOIN, PART, TOPIC, NAMES, LIST, KICK, INVITE."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from app.protocol import numerics as rpl
from app.protocol.casemap import irc_lower
from app.protocol.message import Message, format_line
from app.protocol.names import is_channel_name, is_valid_channel, mask_matches
from app.server.commands.presence import implicit_names
from app.server.commands.read_marker import send_join_marker
from app.server.commands.welcome import CHANLIMIT, KICK_TARGETS, KICKLEN, TOPICLEN
from app.server.state import Channel

if TYPE_CHECKING:
    from app.server.core import Handler, ServerCore
    from app.server.state import Client

log = logging.getLogger("chatbox.server")

PREFIX_CHARS = {"o": "@", "v": "+"}


def prefix_of(modes: str, multi: bool) -> str:
    """``@``/``+`` for membership modes ``"ov"``; all of them with multi-prefix."""
    if not modes:
        return ""
    if multi:
        return "".join(PREFIX_CHARS[m] for m in modes)
    return PREFIX_CHARS[modes[0]]


def matches_list(channel: Channel, letter: str, client: Client) -> bool:
    return any(mask_matches(entry.mask, client.prefix) for entry in channel.lists[letter])


def is_banned(channel: Channel, client: Client) -> bool:
    return matches_list(channel, "b", client) and not matches_list(channel, "e", client)


def need_params(core: ServerCore, client: Client, msg: Message, count: int) -> bool:
    """True (after sending 461) when ``msg`` has fewer than ``count`` parameters."""
    if len(msg.params) < count or not msg.params[0]:
        core.reply(client, rpl.ERR_NEEDMOREPARAMS, msg.command, "Not enough parameters")
        return True
    return False


def lookup_member_channel(core: ServerCore, client: Client, name: str) -> Channel | None:
    """The channel ``name`` when ``client`` is on it; otherwise 403/442 and None."""
    channel = core.find_channel(name)
    if channel is None:
        core.reply(client, rpl.ERR_NOSUCHCHANNEL, name, "No such channel")
        return None
    if client not in channel.members:
        core.reply(client, rpl.ERR_NOTONCHANNEL, channel.name, "You're not on that channel")
        return None
    return channel


# ------------------------------------------------------------------ JOIN
def handle_join(core: ServerCore, client: Client, msg: Message) -> None:
    if need_params(core, client, msg, 1):
        return
    if msg.params[0] == "0":
        for channel in list(client.channels.values()):
            part(core, client, channel, client.nick)
        return
    keys = msg.param(1).split(",") if len(msg.params) > 1 else []
    for i, name in enumerate(msg.params[0].split(",")):
        if not name:
            continue
        key = keys[i] if i < len(keys) else ""  # modern JOIN: no key for later channels
        join(core, client, name, key)


def join(core: ServerCore, client: Client, name: str, key: str) -> None:
    if not is_channel_name(name):
        core.reply(client, rpl.ERR_NOSUCHCHANNEL, name, "No such channel")
        return
    if not is_valid_channel(name):
        core.reply(client, rpl.ERR_BADCHANMASK, name, "Bad Channel Mask")
        return
    folded = irc_lower(name)
    channel = core.channels.get(folded) or core.channel_store.restore(name)  # kept: its rules
    if channel is not None and client in channel.members:
        return
    if len(client.channels) >= CHANLIMIT:
        core.reply(client, rpl.ERR_TOOMANYCHANNELS, name, "You have joined too many channels")
        return
    if channel is None:
        channel = Channel(name, int(core.wall_clock()))
        core.channels[folded] = channel
        channel.members[client] = "o"
    else:
        invited = folded in client.invites
        if is_banned(channel, client):
            core.reply(client, rpl.ERR_BANNEDFROMCHAN, channel.name, "Cannot join channel (+b)")
            return
        if "i" in channel.modes and not invited and not matches_list(channel, "I", client):
            core.reply(client, rpl.ERR_INVITEONLYCHAN, channel.name, "Cannot join channel (+i)")
            return
        if channel.key and key != channel.key:
            core.reply(client, rpl.ERR_BADCHANNELKEY, channel.name, "Cannot join channel (+k)")
            return
        if channel.limit and len(channel.members) >= channel.limit and not invited:
            core.reply(client, rpl.ERR_CHANNELISFULL, channel.name, "Cannot join channel (+l)")
            return
        channel.members[client] = "" if channel.members else "o"  # a kept one's first joiner
        core.channels[folded] = channel
    if folded in client.invites:
        client.invites -= {folded}
    client.channels[folded] = channel
    log.info("join %s %s", client.nick, channel.name)
    extended = [m for m in channel.members if "extended-join" in m.caps]
    plain = [m for m in channel.members if "extended-join" not in m.caps]
    account = client.account
    core.fanout(plain, format_line(client.prefix, "JOIN", (channel.name,)), account=account)
    core.fanout(  # extended-join: the account ("*": none) and real name come along
        extended,
        format_line(client.prefix, "JOIN", (channel.name, account or "*", client.realname),
                    trailing=True),
        account=account,
    )
    send_join_marker(core, client, channel)  # draft/read-marker: after JOIN, before 366
    if client.away is not None:
        notify = [m for m in channel.members if m is not client and "away-notify" in m.caps]
        core.fanout(notify, format_line(client.prefix, "AWAY", (client.away,), trailing=True),
                    account=account)
    if channel.topic:
        send_topic(core, client, channel)
    if implicit_names(client):  # not with no-implicit-names
        send_names(core, client, channel)


# ------------------------------------------------------------------ PART
def handle_part(core: ServerCore, client: Client, msg: Message) -> None:
    if need_params(core, client, msg, 1):
        return
    reason = msg.param(1)
    for name in msg.params[0].split(","):
        channel = lookup_member_channel(core, client, name)
        if channel is not None:
            part(core, client, channel, reason)


def part(core: ServerCore, client: Client, channel: Channel, reason: str) -> None:
    params = (channel.name, reason) if reason else (channel.name,)
    core.fanout(channel.members, format_line(client.prefix, "PART", params, trailing=bool(reason)),
                account=client.account)
    core.remove_member(channel, client)
    log.info("part %s %s", client.nick, channel.name)


# ------------------------------------------------------------------ TOPIC
def handle_topic(core: ServerCore, client: Client, msg: Message) -> None:
    if need_params(core, client, msg, 1):
        return
    name = msg.params[0]
    if len(msg.params) == 1:
        channel = core.find_channel(name)
        if channel is None:
            core.reply(client, rpl.ERR_NOSUCHCHANNEL, name, "No such channel")
        elif channel.secret and client not in channel.members:
            core.reply(client, rpl.ERR_NOTONCHANNEL, channel.name, "You're not on that channel")
        elif channel.topic:
            send_topic(core, client, channel)
        else:
            core.reply(client, rpl.RPL_NOTOPIC, channel.name, "No topic is set")
        return
    channel = lookup_member_channel(core, client, name)
    if channel is None:
        return
    if "t" in channel.modes and not channel.is_op(client):
        core.reply(client, rpl.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator")
        return
    channel.topic = msg.params[1][:TOPICLEN]
    channel.topic_by = client.prefix
    channel.topic_at = int(core.wall_clock())
    core.channel_store.save(channel)
    core.fanout(
        channel.members,
        format_line(client.prefix, "TOPIC", (channel.name, channel.topic), trailing=True),
        account=client.account,
    )


def send_topic(core: ServerCore, client: Client, channel: Channel) -> None:
    core.reply(client, rpl.RPL_TOPIC, channel.name, channel.topic)
    core.reply(client, rpl.RPL_TOPICWHOTIME, channel.name, channel.topic_by, str(channel.topic_at))


# ------------------------------------------------------------------ NAMES
def handle_names(core: ServerCore, client: Client, msg: Message) -> None:
    if not msg.params or not msg.params[0]:
        for each in list(core.channels.values()):
            if not each.secret or client in each.members:
                send_names(core, client, each, end=False)
        core.reply(client, rpl.RPL_ENDOFNAMES, "*", "End of /NAMES list")
        return
    for name in msg.params[0].split(","):
        channel = core.find_channel(name)
        if channel is not None and (not channel.secret or client in channel.members):
            send_names(core, client, channel)
        else:
            core.reply(client, rpl.RPL_ENDOFNAMES, name, "End of /NAMES list")


def send_names(core: ServerCore, client: Client, channel: Channel, *, end: bool = True) -> None:
    multi = "multi-prefix" in client.caps
    full = "userhost-in-names" in client.caps
    visible_all = client in channel.members
    symbol = "@" if channel.secret else "="
    names = [
        prefix_of(modes, multi) + (member.prefix if full else member.nick)
        for member, modes in channel.members.items()
        if visible_all or "i" not in member.modes
    ]
    head = len(f":{core.name} 353 {client.nick} {symbol} {channel.name} :")
    line: list[str] = []
    size = head
    for name in names:
        if line and size + len(name) + 1 > 500:
            core.reply(client, rpl.RPL_NAMREPLY, symbol, channel.name, " ".join(line))
            line, size = [], head
        line.append(name)
        size += len(name) + 1
    if line:
        core.reply(client, rpl.RPL_NAMREPLY, symbol, channel.name, " ".join(line))
    if end:
        core.reply(client, rpl.RPL_ENDOFNAMES, channel.name, "End of /NAMES list")


# ------------------------------------------------------------------ LIST
def handle_list(core: ServerCore, client: Client, msg: Message) -> None:
    wanted = [n for n in msg.param(0).split(",") if n]
    minimum, maximum = -1, 1 << 31
    names: list[str] = []
    for item in wanted:
        if item[0] in "<>" and item[1:].isdecimal():
            if item[0] == ">":
                minimum = int(item[1:])
            else:
                maximum = int(item[1:])
        else:
            names.append(irc_lower(item))
    core.reply(client, rpl.RPL_LISTSTART, "Channel", "Users  Name")
    channels = (
        [c for n in names if (c := core.channels.get(n)) is not None]
        if names
        else list(core.channels.values())
    )
    for channel in channels:
        if channel.secret and client not in channel.members:
            continue
        count = len(channel.members)
        if minimum < count < maximum:
            core.reply(client, rpl.RPL_LIST, channel.name, str(count), channel.topic)
    core.reply(client, rpl.RPL_LISTEND, "End of /LIST")


# ------------------------------------------------------------------ KICK
def handle_kick(core: ServerCore, client: Client, msg: Message) -> None:
    """``KICK <channel> <nick>[,<nick>]`` or, as RFC 2812 has it too, ``KICK <channel>,…
    <nick>,…`` with as many channels as nicks, each nick kicked from its own; at most
    :data:`KICK_TARGETS` kicks (TARGMAX), what is beyond silently dropped (modern-irc)."""
    if need_params(core, client, msg, 2):
        return
    names, nicks = msg.params[0].split(","), msg.params[1].split(",")
    if len(names) != 1 and len(names) != len(nicks):
        core.reply(client, rpl.ERR_NEEDMOREPARAMS, "KICK", "Not enough parameters")
        return
    reason = (msg.param(2) or client.nick)[:KICKLEN]
    refused: set[str] = set()  # channels answered with 403, 442 or 482: once each
    channels = names * len(nicks) if len(names) == 1 else names
    for name, nick in list(zip(channels, nicks, strict=True))[:KICK_TARGETS]:
        if irc_lower(name) in refused:
            continue
        channel = lookup_member_channel(core, client, name)
        if channel is None or not channel.is_op(client):
            if channel is not None:
                core.reply(
                    client, rpl.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator"
                )
            refused.add(irc_lower(name))
            continue
        target = core.find_nick(nick)
        if target is None or target not in channel.members:  # left it, or even the server:
            core.reply(  # KICK's numerics (RFC 2812, modern-irc) have 441, not 401
                client,
                rpl.ERR_USERNOTINCHANNEL,
                nick if target is None else target.nick,
                channel.name,
                "They aren't on that channel",
            )
            continue
        core.fanout(
            channel.members,
            format_line(client.prefix, "KICK", (channel.name, target.nick, reason), trailing=True),
            account=client.account,
        )
        core.remove_member(channel, target)
        log.info("kick %s %s by %s", target.nick, channel.name, client.nick)


# ------------------------------------------------------------------ INVITE
def handle_invite(core: ServerCore, client: Client, msg: Message) -> None:
    if need_params(core, client, msg, 2):
        return
    nick, name = msg.params[0], msg.params[1]
    target = core.find_nick(nick)
    if target is None:
        core.reply(client, rpl.ERR_NOSUCHNICK, nick, "No such nick/channel")
        return
    channel = lookup_member_channel(core, client, name)
    if channel is None:
        return
    if "i" in channel.modes and not channel.is_op(client):
        core.reply(client, rpl.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator")
        return
    if target in channel.members:
        core.reply(
            client, rpl.ERR_USERONCHANNEL, target.nick, channel.name, "is already on channel"
        )
        return
    target.invites |= {channel.folded}
    core.reply(client, rpl.RPL_INVITING, target.nick, channel.name)
    if target.away is not None:
        core.reply(client, rpl.RPL_AWAY, target.nick, target.away)
    line = format_line(client.prefix, "INVITE", (target.nick, channel.name))
    notify = [m for m in channel.members if m is not client and "invite-notify" in m.caps]
    core.fanout([target, *notify], line, account=client.account)


COMMANDS: dict[str, Handler] = {
    "JOIN": handle_join,
    "PART": handle_part,
    "TOPIC": handle_topic,
    "NAMES": handle_names,
    "LIST": handle_list,
    "KICK": handle_kick,
    "INVITE": handle_invite,
}
