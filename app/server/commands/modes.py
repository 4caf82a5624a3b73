"""MODE for channels (+o +v +t +n +i +k +l +m +s +b +e +I) and for users (+i +o +w +B)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.protocol import numerics as rpl
from app.protocol.casemap import irc_lower
from app.protocol.message import Message, format_line
from app.protocol.names import is_channel_name, normalize_mask
from app.server.commands.channels import need_params
from app.server.commands.welcome import MAXLIST
from app.server.state import ListEntry

if TYPE_CHECKING:
    from app.server.core import Handler, ServerCore
    from app.server.state import Channel, Client

FLAG_MODES = frozenset("imnst")
LIST_MODES = {
    "b": (rpl.RPL_BANLIST, rpl.RPL_ENDOFBANLIST, "End of channel ban list"),
    "e": (rpl.RPL_EXCEPTLIST, rpl.RPL_ENDOFEXCEPTLIST, "End of channel exception list"),
    "I": (rpl.RPL_INVITELIST, rpl.RPL_ENDOFINVITELIST, "End of channel invite list"),
}
MAX_PARAM_MODES = 4


def handle_mode(core: ServerCore, client: Client, msg: Message) -> None:
    if need_params(core, client, msg, 1):
        return
    target = msg.params[0]
    if is_channel_name(target):
        channel = core.find_channel(target)
        if channel is None:
            core.reply(client, rpl.ERR_NOSUCHCHANNEL, target, "No such channel")
        elif len(msg.params) == 1:
            send_channel_modes(core, client, channel)
        else:
            change_channel_modes(core, client, channel, msg.params[1], list(msg.params[2:]))
        return
    user = core.find_nick(target)
    if user is None:
        core.reply(client, rpl.ERR_NOSUCHNICK, target, "No such nick/channel")
    elif user is not client:
        core.reply(client, rpl.ERR_USERSDONTMATCH, "Can't change mode for other users")
    elif len(msg.params) == 1:
        core.reply(client, rpl.RPL_UMODEIS, "+" + "".join(sorted(client.modes)))
    else:
        change_user_modes(core, client, msg.params[1])


def send_channel_modes(core: ServerCore, client: Client, channel: Channel) -> None:
    letters = "".join(sorted(channel.modes))
    params: list[str] = []
    member = client in channel.members
    if channel.key:
        letters += "k"
        params.append(channel.key if member else "*")
    if channel.limit:
        letters += "l"
        params.append(str(channel.limit))
    core.reply(client, rpl.RPL_CHANNELMODEIS, channel.name, "+" + letters, *params)
    core.reply(client, rpl.RPL_CREATIONTIME, channel.name, str(channel.created))


def change_channel_modes(
    core: ServerCore, client: Client, channel: Channel, modestring: str, args: list[str]
) -> None:
    applied: list[tuple[str, str, str | None]] = []  # (sign, letter, param)
    sign = "+"
    param_count = 0
    denied = False
    is_op = channel.is_op(client)

    def allowed() -> bool:
        nonlocal denied
        if is_op:
            return True
        if not denied:
            denied = True
            if client in channel.members:
                core.reply(
                    client, rpl.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator"
                )
            else:
                core.reply(client, rpl.ERR_NOTONCHANNEL, channel.name, "You're not on that channel")
        return False

    for letter in modestring:
        if letter in "+-":
            sign = letter
            continue
        if letter in LIST_MODES:
            if not args:
                _send_list(core, client, channel, letter)
                continue
            mask = normalize_mask(args.pop(0))
            param_count += 1
            if param_count > MAX_PARAM_MODES or not allowed():
                continue
            if _change_list(core, client, channel, letter, sign, mask):
                applied.append((sign, letter, mask))
        elif letter in "ov":
            if not args:
                continue
            nick = args.pop(0)
            param_count += 1
            if param_count > MAX_PARAM_MODES or not allowed():
                continue
            target = core.find_nick(nick)
            if target is None:
                core.reply(client, rpl.ERR_NOSUCHNICK, nick, "No such nick/channel")
                continue
            if target not in channel.members:
                core.reply(
                    client,
                    rpl.ERR_USERNOTINCHANNEL,
                    target.nick,
                    channel.name,
                    "They aren't on that channel",
                )
                continue
            modes = channel.members[target]
            new = modes + letter if sign == "+" and letter not in modes else modes
            if sign == "-":
                new = modes.replace(letter, "")
            new = "".join(m for m in "ov" if m in new)
            if new != modes:
                channel.members[target] = new
                applied.append((sign, letter, target.nick))
        elif letter == "k":
            if sign == "+":
                if not args:
                    continue
                key = args.pop(0)
                if not allowed():
                    continue
                if not key or " " in key or "," in key or len(key) > 23:
                    core.reply(
                        client, rpl.ERR_INVALIDMODEPARAM, channel.name, "k", key, "Invalid key"
                    )
                    continue
                channel.key = key
                applied.append(("+", "k", key))
            else:
                if args:
                    args.pop(0)
                if allowed() and channel.key:
                    channel.key = ""
                    applied.append(("-", "k", "*"))
        elif letter == "l":
            if sign == "+":
                if not args:
                    continue
                value = args.pop(0)
                if not allowed():
                    continue
                if not value.isdecimal() or int(value) <= 0:
                    core.reply(
                        client, rpl.ERR_INVALIDMODEPARAM, channel.name, "l", value, "Invalid limit"
                    )
                    continue
                channel.limit = int(value)
                applied.append(("+", "l", value))
            elif allowed() and channel.limit:
                channel.limit = 0
                applied.append(("-", "l", None))
        elif letter in FLAG_MODES:
            if not allowed():
                continue
            if sign == "+" and letter not in channel.modes:
                channel.modes.add(letter)
                applied.append(("+", letter, None))
            elif sign == "-" and letter in channel.modes:
                channel.modes.discard(letter)
                applied.append(("-", letter, None))
        else:
            core.reply(client, rpl.ERR_UNKNOWNMODE, letter, "is unknown mode char to me")
    if applied:
        core.channel_store.save(channel)
        core.fanout(
            channel.members,
            format_line(client.prefix, "MODE", (channel.name, *_modestring(applied))),
            account=client.account,
        )


def _modestring(applied: list[tuple[str, str, str | None]]) -> list[str]:
    out = ""
    sign = ""
    params: list[str] = []
    for s, letter, param in applied:
        if s != sign:
            out += s
            sign = s
        out += letter
        if param is not None:
            params.append(param)
    return [out, *params]


def _send_list(core: ServerCore, client: Client, channel: Channel, letter: str) -> None:
    item, end, text = LIST_MODES[letter]
    for entry in channel.lists[letter]:
        core.reply(client, item, channel.name, entry.mask, entry.setter, str(entry.set_at))
    core.reply(client, end, channel.name, text)


def _change_list(
    core: ServerCore, client: Client, channel: Channel, letter: str, sign: str, mask: str
) -> bool:
    entries = channel.lists[letter]
    folded = irc_lower(mask)
    existing = [e for e in entries if irc_lower(e.mask) == folded]
    if sign == "+":
        if existing:
            return False
        # ISUPPORT says MAXLIST=beI:N: N entries for the three lists together.
        if sum(len(channel.lists[other]) for other in LIST_MODES) >= MAXLIST:
            core.reply(client, rpl.ERR_BANLISTFULL, channel.name, letter, "Channel list is full")
            return False
        entries.append(ListEntry(mask, client.nick, int(core.wall_clock())))
        return True
    if not existing:
        return False
    entries.remove(existing[0])
    return True


def change_user_modes(core: ServerCore, client: Client, modestring: str) -> None:
    sign = "+"
    changed: list[tuple[str, str, str | None]] = []
    unknown = False
    for letter in modestring:
        if letter in "+-":
            sign = letter
        elif letter in "iwB" or (letter == "o" and sign == "-"):  # +o only through OPER
            if core.set_user_mode(client, letter, sign == "+"):
                changed.append((sign, letter, None))
        elif letter == "o":
            continue
        else:
            unknown = True
    if unknown:
        core.reply(client, rpl.ERR_UMODEUNKNOWNFLAG, "Unknown MODE flag")
    if changed:
        core.fanout((client,), format_line(client.nick, "MODE",
                                           (client.nick, *_modestring(changed))),
                    account=client.account)


COMMANDS: dict[str, Handler] = {"MODE": handle_mode}
