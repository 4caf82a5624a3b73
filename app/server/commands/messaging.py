"""Talking: PRIVMSG, NOTICE and TAGMSG to channels and nicks (the hot path), and AWAY."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.protocol import numerics as rpl
from app.protocol.message import Message, format_line
from app.server.client_tags import is_reaction, refusal, relayed
from app.server.commands.channels import is_banned
from app.server.commands.monitor import with_watchers
from app.server.commands.presence import away_text
from app.server.commands.welcome import AWAYLEN
from app.server.history import format_ms

if TYPE_CHECKING:
    from app.server.core import Handler, ServerCore
    from app.server.state import Channel, Client

STATUS_PREFIXES = {"@": "o", "+": "v"}


def handle_privmsg(core: ServerCore, client: Client, msg: Message) -> None:
    _deliver(core, client, msg, "PRIVMSG")


def handle_notice(core: ServerCore, client: Client, msg: Message) -> None:
    _deliver(core, client, msg, "NOTICE")


def handle_tagmsg(core: ServerCore, client: Client, msg: Message) -> None:
    _deliver(core, client, msg, "TAGMSG")


def _deliver(core: ServerCore, client: Client, msg: Message, command: str) -> None:
    loud = command == "PRIVMSG"  # NOTICE never triggers error replies (except 411/412)
    params = msg.params
    if not params or not params[0]:
        if command != "NOTICE":
            core.reply(client, rpl.ERR_NORECIPIENT, f"No recipient given ({command})")
        return
    tagmsg = command == "TAGMSG"
    if not tagmsg and (len(params) < 2 or not params[1]):
        if command != "NOTICE":
            core.reply(client, rpl.ERR_NOTEXTTOSEND, "No text to send")
        return
    text = "" if tagmsg else params[1]
    client_tags = ""
    stored = not tagmsg  # a TAGMSG is history only as a reaction (app/server/client_tags.py)
    if msg.tags:
        client_tags = relayed(msg.tags, msg.raw_tags)
        if client_tags:
            refused = refusal(msg.tags)
            if refused is not None:  # nothing relayed, nothing stored
                core.send(client, format_line(core.name, "FAIL", (
                    command, "INVALID_TAG_VALUE", *refused), trailing=True))
                return
            stored = stored or is_reaction(msg.tags)
    client.last_message = core.clock()
    echo = "echo-message" in client.caps
    for target in params[0].split(",")[:4]:
        status = ""
        name = target
        while name[:1] in STATUS_PREFIXES:
            status = status or STATUS_PREFIXES[name[0]]
            name = name[1:]
        msgid = core.new_msgid()
        ms = int(core.wall_clock() * 1000)
        stamp = format_ms(ms)  # the same time in every copy and in history
        if name[:1] == "#":
            channel = core.find_channel(name)
            if channel is None:
                if loud:
                    core.reply(client, rpl.ERR_NOSUCHCHANNEL, name, "No such channel")
                continue
            if not _may_speak(channel, client):
                if command != "NOTICE":
                    core.reply(
                        client, rpl.ERR_CANNOTSENDTOCHAN, channel.name, "Cannot send to channel"
                    )
                continue
            line = format_line(
                client.prefix,
                command,
                (target, text) if not tagmsg else (target,),
                trailing=not tagmsg,
            )
            members = channel.members
            if status:
                ranks = "o" if status == "o" else "ov"
                recipients: list[Client] | dict[Client, str] = [
                    m for m, modes in members.items() if modes and modes[0] in ranks
                ]
            else:
                recipients = members
            if stored and not status:  # a message to the ops only is not the room's history
                core.store_channel(msgid, channel.folded, client, ms, line, client_tags)
            core.fanout(
                recipients,
                line,
                msgid=msgid,
                client_tags=client_tags,
                only_tagged=tagmsg,
                skip=None if echo else client,
                time_text=stamp,
                account=client.account,
            )
            if echo and client not in recipients:
                core.fanout(
                    (client,), line, msgid=msgid, client_tags=client_tags, only_tagged=tagmsg,
                    time_text=stamp, account=client.account,
                )
            continue
        user = core.find_nick(name)
        if user is None:
            if command != "NOTICE":
                core.reply(client, rpl.ERR_NOSUCHNICK, name, "No such nick/channel")
            continue
        line = format_line(
            client.prefix,
            command,
            (user.nick, text) if not tagmsg else (user.nick,),
            trailing=not tagmsg,
        )
        if stored:
            core.store_private(msgid, client, user, ms, line, client_tags)
        if user is client:
            # The delivery, without a label; with echo-message the echo follows, the same
            # msgid (labeled-response: only "the acknowledgment sent with echo-message" has
            # the label; ergo and solanum send both). History keeps it once, in one view.
            with core.unlabeled(client):
                core.fanout(
                    (client,), line, msgid=msgid, client_tags=client_tags, only_tagged=tagmsg,
                    time_text=stamp, account=client.account,
                )
            if echo:
                core.fanout(
                    (client,), line, msgid=msgid, client_tags=client_tags, only_tagged=tagmsg,
                    time_text=stamp, account=client.account,
                )
            continue
        pair = (user, client) if echo else (user,)
        core.fanout(pair, line, msgid=msgid, client_tags=client_tags, only_tagged=tagmsg,
                    time_text=stamp, account=client.account)
        if loud and user.away is not None:
            core.reply(client, rpl.RPL_AWAY, user.nick, user.away)


def _may_speak(channel: Channel, client: Client) -> bool:
    modes = channel.members.get(client)
    if modes is None:
        return "n" not in channel.modes and not ("m" in channel.modes or is_banned(channel, client))
    if modes:
        return True
    return "m" not in channel.modes and not is_banned(channel, client)


def handle_away(core: ServerCore, client: Client, msg: Message) -> None:
    text = away_text(msg.param(0), AWAYLEN)  # before registration too, with draft/pre-away
    if text:
        client.away = text
        core.reply(client, rpl.RPL_NOWAWAY, "You have been marked as being away")
        line = format_line(client.prefix, "AWAY", (text,), trailing=True)
    else:
        client.away = None
        core.reply(client, rpl.RPL_UNAWAY, "You are no longer marked as being away")
        line = format_line(client.prefix, "AWAY", ())
    peers = [c for c in core.common_peers(client, include_self=False) if "away-notify" in c.caps]
    core.fanout(with_watchers(core, client, "away-notify", peers), line, account=client.account)


COMMANDS: dict[str, Handler] = {
    "PRIVMSG": handle_privmsg,
    "NOTICE": handle_notice,
    "TAGMSG": handle_tagmsg,
    "AWAY": handle_away,
}
