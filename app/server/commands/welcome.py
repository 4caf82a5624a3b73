"""What the server advertises (ISUPPORT, limits) and the welcome burst after registration:
001-005, LUSERS and MOTD."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from app.protocol import numerics as rpl
from app.protocol.isupport import ISUPPORT_TRAILER, format_isupport
from app.protocol.names import CHANNELLEN, CHANTYPES, NICKLEN, USERLEN

if TYPE_CHECKING:
    from app.server.core import ServerCore
    from app.server.state import Client

AWAYLEN = 200
KICKLEN = 255
TOPICLEN = 390
REALNAMELEN = 100
CHANLIMIT = 100
MAXLIST = 100
USER_MODES = "iow"
CHANNEL_MODES = "beIiklmnostv"
CHANNEL_PARAM_MODES = "beIklov"


def isupport_tokens(core: ServerCore) -> dict[str, str | None]:
    return {
        "AWAYLEN": str(AWAYLEN),
        "CASEMAPPING": "rfc1459",
        "CHANLIMIT": f"{CHANTYPES}:{CHANLIMIT}",
        "CHATHISTORY": "100",
        "CHANMODES": "beI,k,l,imnst",
        "CHANNELLEN": str(CHANNELLEN),
        "CHANTYPES": CHANTYPES,
        "ELIST": "U",
        "EXCEPTS": "e",
        "INVEX": "I",
        "KICKLEN": str(KICKLEN),
        "MAXLIST": f"beI:{MAXLIST}",
        "MODES": "4",
        "MSGREFTYPES": "msgid,timestamp",
        "NETWORK": core.config.network,
        "NICKLEN": str(NICKLEN),
        "PREFIX": "(ov)@+",
        "SAFELIST": None,
        "STATUSMSG": "@+",
        "TARGMAX": "JOIN:,KICK:4,NAMES:,NOTICE:4,PART:,PRIVMSG:4,TAGMSG:4,WHOIS:1",
        "TOPICLEN": str(TOPICLEN),
        "USERLEN": str(USERLEN),
        "UTF8ONLY": None,
        "WHOX": None,
    }


def send_isupport(core: ServerCore, client: Client) -> None:
    for tokens in format_isupport(isupport_tokens(core)):
        core.reply(client, rpl.RPL_ISUPPORT, *tokens, ISUPPORT_TRAILER)


def send_welcome(core: ServerCore, client: Client) -> None:
    """001-004, ISUPPORT, LUSERS and MOTD, in the order clients expect."""
    name = core.name
    created = _format_date(core.created)
    core.reply(
        client, rpl.RPL_WELCOME, f"Welcome to the {core.config.network} IRC Network {client.prefix}"
    )
    core.reply(
        client, rpl.RPL_YOURHOST, f"Your host is {name}, running version {core.config.version}"
    )
    core.reply(client, rpl.RPL_CREATED, f"This server was created {created}")
    core.reply(
        client,
        rpl.RPL_MYINFO,
        name,
        core.config.version,
        USER_MODES,
        CHANNEL_MODES,
        CHANNEL_PARAM_MODES,
    )
    send_isupport(core, client)
    send_lusers(core, client)
    send_motd(core, client)


def send_lusers(core: ServerCore, client: Client) -> None:
    total = core.registered_count
    invisible = core.mode_counts["i"]
    opers = core.mode_counts["o"]
    unknown = len(core.clients) - total
    core.reply(
        client,
        rpl.RPL_LUSERCLIENT,
        f"There are {total - invisible} users and {invisible} invisible on 1 servers",
    )
    core.reply(client, rpl.RPL_LUSEROP, str(opers), "operator(s) online")
    core.reply(client, rpl.RPL_LUSERUNKNOWN, str(unknown), "unknown connection(s)")
    core.reply(client, rpl.RPL_LUSERCHANNELS, str(len(core.channels)), "channels formed")
    core.reply(client, rpl.RPL_LUSERME, f"I have {total} clients and 0 servers")
    core.reply(
        client,
        rpl.RPL_LOCALUSERS,
        str(total),
        str(core.max_users),
        f"Current local users {total}, max {core.max_users}",
    )
    core.reply(
        client,
        rpl.RPL_GLOBALUSERS,
        str(total),
        str(core.max_users),
        f"Current global users {total}, max {core.max_users}",
    )


def send_motd(core: ServerCore, client: Client) -> None:
    motd = core.config.motd
    if motd is None:
        core.reply(client, rpl.ERR_NOMOTD, "MOTD File is missing")
        return
    core.reply(client, rpl.RPL_MOTDSTART, f"- {core.name} Message of the day - ")
    for line in motd:
        core.reply(client, rpl.RPL_MOTD, f"- {line}")
    core.reply(client, rpl.RPL_ENDOFMOTD, "End of /MOTD command.")


def _format_date(timestamp: int) -> str:
    return time.strftime("%a %b %d %Y at %H:%M:%S UTC", time.gmtime(timestamp))
