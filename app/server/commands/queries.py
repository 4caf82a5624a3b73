"""Questions about users and the server: WHO (and WHOX), WHOIS, WHOWAS, ISON, USERHOST,
LUSERS, MOTD, VERSION, TIME, INFO, HELP, LINKS, ADMIN; and the operator's OPER and KILL."""

from __future__ import annotations

import hmac
import logging
import time
from typing import TYPE_CHECKING

from app import __version__
from app.protocol import numerics as rpl
from app.protocol.casemap import irc_lower
from app.protocol.message import Message, format_line
from app.protocol.names import is_channel_name, mask_matches
from app.server.commands.channels import need_params, prefix_of
from app.server.commands.help import HELP_TOPICS
from app.server.commands.presence import bot_flag, send_whois_bot
from app.server.commands.welcome import send_isupport, send_lusers, send_motd

if TYPE_CHECKING:
    from app.server.core import Handler, ServerCore
    from app.server.state import Channel, Client

log = logging.getLogger("chatbox.server")

WHOX_FIELDS = "tcuihsnfdlaor"


def _shares_channel(a: Client, b: Client) -> bool:
    return a is b or not a.channels.keys().isdisjoint(b.channels.keys())


# ------------------------------------------------------------------ WHO
def handle_who(core: ServerCore, client: Client, msg: Message) -> None:
    """WHO for a channel, a nick or a mask; several comma-separated, one 315 at the end."""
    mask = msg.param(0) or "*"
    fields, _, token = msg.param(1).partition(",")
    whox = fields.startswith("%")
    fields = fields[1:] if whox else ""
    for target in mask.split(",") if "," in mask else (mask,):
        for member, channel in _who_matches(core, client, target):
            _who_line(core, client, member, channel, whox, fields, token)
    core.reply(client, rpl.RPL_ENDOFWHO, mask, "End of WHO list")


def _who_matches(
    core: ServerCore, client: Client, mask: str
) -> list[tuple[Client, Channel | None]]:
    """Who ``client`` may see under ``mask``: members of a channel it may look into, or
    users whose nick or ``nick!user@host`` matches (the invisible only when they share a
    channel), each with a channel they share with ``client`` if any."""
    if is_channel_name(mask):
        channel = core.find_channel(mask)
        if channel is None or (channel.secret and client not in channel.members):
            return []
        visible_all = client in channel.members
        return [(m, channel) for m in channel.members if visible_all or "i" not in m.modes]
    exact = core.find_nick(mask)
    if exact is not None and exact.registered:
        users = [exact]
    else:
        users = [
            c
            for c in core.nicks.values()
            if c.registered
            and (mask_matches(mask, c.nick) or mask_matches(mask, c.prefix))
            and ("i" not in c.modes or _shares_channel(client, c))
        ]
    return [
        (user, next((ch for ch in user.channels.values() if client in ch.members), None))
        for user in users
    ]


def _who_line(
    core: ServerCore,
    client: Client,
    target: Client,
    channel: Channel | None,
    whox: bool,
    fields: str,
    token: str,
) -> None:
    flags = "G" if target.away is not None else "H"
    if "o" in target.modes:
        flags += "*"
    if channel is not None:
        flags += prefix_of(channel.members.get(target, ""), "multi-prefix" in client.caps)
    flags += bot_flag(target)
    chan = channel.name if channel is not None else "*"
    if not whox:
        core.reply(
            client,
            rpl.RPL_WHOREPLY,
            chan,
            target.user,
            target.host,
            core.name,
            target.nick,
            flags,
            f"0 {target.realname}",
        )
        return
    values = {
        "t": token or "0",
        "c": chan,
        "u": target.user,
        "i": "255.255.255.255",
        "h": target.host,
        "s": core.name,
        "n": target.nick,
        "f": flags,
        "d": "0",
        "l": str(int(core.clock() - target.last_message)),
        "a": target.account or "0",
        "o": "n/a",
        "r": target.realname,
    }
    params = [values[f] for f in WHOX_FIELDS if f in fields]
    if "r" in fields:
        core.send(client, _whox_line(core, client, params))
    else:
        core.reply(client, rpl.RPL_WHOSPCRPL, *params)


def _whox_line(core: ServerCore, client: Client, params: list[str]) -> str:
    """354 with the realname as a trailing parameter even when it has no space."""
    head = format_line(core.name, rpl.RPL_WHOSPCRPL, (client.nick, *params[:-1], "x"))
    return head[:-1] + ":" + params[-1]


# ------------------------------------------------------------------ WHOIS WHOWAS
def handle_whois(core: ServerCore, client: Client, msg: Message) -> None:
    if not msg.params or not msg.params[-1]:
        core.reply(client, rpl.ERR_NONICKNAMEGIVEN, "No nickname given")
        return
    nick = msg.params[-1].split(",")[0]
    target = core.find_nick(nick)
    if target is None:
        core.reply(client, rpl.ERR_NOSUCHNICK, nick, "No such nick/channel")
        core.reply(client, rpl.RPL_ENDOFWHOIS, nick, "End of /WHOIS list")
        return
    core.reply(
        client, rpl.RPL_WHOISUSER, target.nick, target.user, target.host, "*", target.realname
    )
    multi = "multi-prefix" in client.caps
    channels = [
        prefix_of(ch.members[target], multi) + ch.name
        for ch in target.channels.values()
        if not ch.secret or client in ch.members
    ]
    if channels:
        core.reply(client, rpl.RPL_WHOISCHANNELS, target.nick, " ".join(channels))
    core.reply(client, rpl.RPL_WHOISSERVER, target.nick, core.name, core.config.description)
    if "o" in target.modes:
        core.reply(client, rpl.RPL_WHOISOPERATOR, target.nick, "is an IRC operator")
    if target.away is not None:
        core.reply(client, rpl.RPL_AWAY, target.nick, target.away)
    if target.secure:
        core.reply(client, rpl.RPL_WHOISSECURE, target.nick, "is using a secure connection")
    if target.account:
        core.reply(client, rpl.RPL_WHOISACCOUNT, target.nick, target.account, "is logged in as")
    send_whois_bot(core, client, target)
    idle = int(core.clock() - target.last_message)
    signon = int(core.wall_clock() - (core.clock() - target.connected_at))
    core.reply(
        client, rpl.RPL_WHOISIDLE, target.nick, str(idle), str(signon), "seconds idle, signon time"
    )
    core.reply(client, rpl.RPL_ENDOFWHOIS, target.nick, "End of /WHOIS list")


def handle_whowas(core: ServerCore, client: Client, msg: Message) -> None:
    if not msg.params or not msg.params[0]:
        core.reply(client, rpl.ERR_NONICKNAMEGIVEN, "No nickname given")
        return
    nick = msg.params[0]
    count_text = msg.param(1)
    count = int(count_text) if count_text.lstrip("-").isdecimal() else 0
    entries = list(core.whowas.get(irc_lower(nick), ()))
    if count > 0:
        entries = entries[:count]
    if not entries:
        core.reply(client, rpl.ERR_WASNOSUCHNICK, nick, "There was no such nickname")
    for entry in entries:
        core.reply(
            client, rpl.RPL_WHOWASUSER, entry.nick, entry.user, entry.host, "*", entry.realname
        )
        when = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(entry.left_at))
        core.reply(client, rpl.RPL_WHOISSERVER, entry.nick, core.name, when)
    core.reply(client, rpl.RPL_ENDOFWHOWAS, nick, "End of WHOWAS")


# ------------------------------------------------------------------ ISON USERHOST
def handle_ison(core: ServerCore, client: Client, msg: Message) -> None:
    if need_params(core, client, msg, 1):
        return
    present = [
        c.nick for word in " ".join(msg.params).split() if (c := core.find_nick(word)) is not None
    ]
    core.reply(client, rpl.RPL_ISON, " ".join(present))


def handle_userhost(core: ServerCore, client: Client, msg: Message) -> None:
    if need_params(core, client, msg, 1):
        return
    replies = []
    for nick in " ".join(msg.params).split()[:5]:
        target = core.find_nick(nick)
        if target is not None:
            oper = "*" if "o" in target.modes else ""
            away = "-" if target.away is not None else "+"
            replies.append(f"{target.nick}{oper}={away}{target.user}@{target.host}")
    core.reply(client, rpl.RPL_USERHOST, " ".join(replies))


# ------------------------------------------------------------------ server information
def _for_this_server(core: ServerCore, client: Client, msg: Message) -> bool:
    """Commands with an optional server parameter: only this server's name (or a mask
    matching it) is known; anything else gets 402."""
    target = msg.param(0)
    if target and not mask_matches(target, core.name) and core.find_nick(target) is None:
        core.reply(client, rpl.ERR_NOSUCHSERVER, target, "No such server")
        return False
    return True


def handle_lusers(core: ServerCore, client: Client, msg: Message) -> None:
    send_lusers(core, client)


def handle_motd(core: ServerCore, client: Client, msg: Message) -> None:
    if _for_this_server(core, client, msg):
        send_motd(core, client)


def handle_version(core: ServerCore, client: Client, msg: Message) -> None:
    if _for_this_server(core, client, msg):
        core.reply(client, rpl.RPL_VERSION, core.config.version, core.name, "Chatbox IRC server")
        send_isupport(core, client)


def handle_time(core: ServerCore, client: Client, msg: Message) -> None:
    if _for_this_server(core, client, msg):
        now = core.wall_clock()
        text = time.strftime("%A %B %d %Y -- %H:%M:%S +00:00", time.gmtime(now))
        core.reply(client, rpl.RPL_TIME, core.name, text)


def handle_info(core: ServerCore, client: Client, msg: Message) -> None:
    if not _for_this_server(core, client, msg):
        return
    for line in (
        f"Chatbox {__version__}: a desktop group chat with a bundled IRC server.",
        "Written in Python on the Qt event loop (PySide6).",
        f"This server ({core.name}) started {time.ctime(core.created)}.",
    ):
        core.reply(client, rpl.RPL_INFO, line)
    core.reply(client, rpl.RPL_ENDOFINFO, "End of INFO list")


def handle_links(core: ServerCore, client: Client, msg: Message) -> None:
    core.reply(client, rpl.RPL_LINKS, core.name, core.name, f"0 {core.config.description}")
    core.reply(client, rpl.RPL_ENDOFLINKS, "*", "End of /LINKS list")


def handle_admin(core: ServerCore, client: Client, msg: Message) -> None:
    if not _for_this_server(core, client, msg):
        return
    core.reply(client, rpl.RPL_ADMINME, core.name, "Administrative info")
    core.reply(client, rpl.RPL_ADMINLOC1, f"Chatbox server {core.name}")
    core.reply(client, rpl.RPL_ADMINLOC2, f"Network {core.config.network}")
    core.reply(client, rpl.RPL_ADMINEMAIL, "Ask the person who runs this server")


def handle_help(core: ServerCore, client: Client, msg: Message) -> None:
    subject = msg.param(0).upper() or "*"
    lines = HELP_TOPICS.get(subject.lstrip("/"))
    if lines is None:
        core.reply(client, rpl.ERR_HELPNOTFOUND, subject, "No help available on this topic")
        return
    core.reply(client, rpl.RPL_HELPSTART, subject, lines[0])
    for line in lines[1:]:
        core.reply(client, rpl.RPL_HELPTXT, subject, line)
    core.reply(client, rpl.RPL_ENDOFHELP, subject, "End of /HELPOP")


# ------------------------------------------------------------------ operators
def handle_oper(core: ServerCore, client: Client, msg: Message) -> None:
    if need_params(core, client, msg, 2):
        return
    name, password = msg.params[0], msg.params[1]
    expected = core.config.opers.get(name)
    if expected is None:
        core.reply(client, rpl.ERR_NOOPERHOST, "No O-lines for your host")
        return
    if not hmac.compare_digest(expected.encode(), password.encode()):
        core.reply(client, rpl.ERR_PASSWDMISMATCH, "Password incorrect")
        log.info("failed OPER %s by %s", name, client.prefix)
        return
    if core.set_user_mode(client, "o", True):
        core.fanout((client,), format_line(client.nick, "MODE", (client.nick, "+o")),
                    account=client.account)
    core.reply(client, rpl.RPL_YOUREOPER, "You are now an IRC operator")
    log.info("oper %s as %s", client.prefix, name)


def handle_kill(core: ServerCore, client: Client, msg: Message) -> None:
    if "o" not in client.modes:
        core.reply(client, rpl.ERR_NOPRIVILEGES, "Permission Denied- You're not an IRC operator")
        return
    if need_params(core, client, msg, 2):
        return
    target = core.find_nick(msg.params[0])
    if target is None:
        core.reply(client, rpl.ERR_NOSUCHNICK, msg.params[0], "No such nick/channel")
        return
    reason = f"Killed ({client.nick} ({msg.params[1]}))"
    core.fanout(
        (target,), format_line(client.prefix, "KILL", (target.nick, msg.params[1]), trailing=True),
        account=client.account,
    )
    core.quit(target, reason, error=f"Closing Link: {target.host} ({reason})")
    log.info("kill %s by %s", target.nick, client.nick)


COMMANDS: dict[str, Handler] = {
    "WHO": handle_who,
    "WHOIS": handle_whois,
    "WHOWAS": handle_whowas,
    "ISON": handle_ison,
    "USERHOST": handle_userhost,
    "LUSERS": handle_lusers,
    "MOTD": handle_motd,
    "VERSION": handle_version,
    "TIME": handle_time,
    "INFO": handle_info,
    "LINKS": handle_links,
    "ADMIN": handle_admin,
    "HELP": handle_help,
    "HELPOP": handle_help,
    "OPER": handle_oper,
    "KILL": handle_kill,
}
