"""What the server advertises (ISUPPORT, limits) and the welcome burst after registration:
001-005, LUSERS and MOTD."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from app.protocol import numerics as rpl
from app.protocol.isupport import ISUPPORT_TRAILER, format_isupport
from app.protocol.message import format_line
from app.protocol.names import CHANNELLEN, CHANTYPES, NICKLEN, USERLEN
from app.server.client_tags import CLIENTTAGDENY
from app.server.commands.monitor import MONITOR_LIMIT
from app.server.commands.presence import BOT_MODE

if TYPE_CHECKING:
    from app.server.core import ServerCore
    from app.server.state import Client

AWAYLEN = 200
KICKLEN = 255
KICK_TARGETS = 4  # users (and channels, paired with them) per KICK: TARGMAX
TOPICLEN = 390
REALNAMELEN = 100
CHANLIMIT = 100
MAXLIST = 100
USER_MODES = "Biow"
CHANNEL_MODES = "beIiklmnostv"
CHANNEL_PARAM_MODES = "beIklov"


def isupport_tokens(core: ServerCore) -> dict[str, str | None]:
    return {
        "AWAYLEN": str(AWAYLEN),
        "BOT": BOT_MODE,
        "CASEMAPPING": "rfc1459",
        "CHANLIMIT": f"{CHANTYPES}:{CHANLIMIT}",
        "CHATHISTORY": "100",
        "CHANMODES": "beI,k,l,imnst",
        "CHANNELLEN": str(CHANNELLEN),
        "CHANTYPES": CHANTYPES,
        "CLIENTTAGDENY": CLIENTTAGDENY,  # "": every client tag is relayed
        "ELIST": "U",
        "EXCEPTS": "e",
        "INVEX": "I",
        "KICKLEN": str(KICKLEN),
        "MAXLIST": f"beI:{MAXLIST}",
        "MODES": "4",
        "MONITOR": str(MONITOR_LIMIT),
        "MSGREFTYPES": "msgid,timestamp",
        "NETWORK": core.config.network,
        "NICKLEN": str(NICKLEN),
        "PREFIX": "(ov)@+",
        "SAFELIST": None,
        "STATUSMSG": "@+",
        "TARGMAX": f"JOIN:,KICK:{KICK_TARGETS},NAMES:,NOTICE:4,PART:,PRIVMSG:4,TAGMSG:4,WHOIS:1",
        "TOPICLEN": str(TOPICLEN),
        "USERLEN": str(USERLEN),
        "UTF8ONLY": None,
        "WHOX": None,
    }


def _isupport_lines(core: ServerCore) -> list[tuple[str, tuple[str, ...]]]:
    return [
        (rpl.RPL_ISUPPORT, (*tokens, ISUPPORT_TRAILER))
        for tokens in format_isupport(isupport_tokens(core))
    ]


def _motd_lines(core: ServerCore) -> list[tuple[str, tuple[str, ...]]]:
    motd = core.config.motd
    if motd is None:
        return [(rpl.ERR_NOMOTD, ("MOTD File is missing",))]
    return [
        (rpl.RPL_MOTDSTART, (f"- {core.name} Message of the day - ",)),
        *((rpl.RPL_MOTD, (f"- {line}",)) for line in motd),
        (rpl.RPL_ENDOFMOTD, ("End of /MOTD command.",)),
    ]


class WelcomeBurst:
    """The lines of the welcome burst that are the same for every client of a core (its
    name, configuration and start time never change), serialised once as bytes around the
    nick: ``nick.join(parts)`` is those lines for one client. Measured: 24 µs per welcome
    with a format_line per line, 3.4 µs so (connecting and registering: 67 µs, 32 µs)."""

    __slots__ = ("head", "motd")

    def __init__(self, core: ServerCore) -> None:
        name = core.name
        self.head = _around_nick(core, [
            (rpl.RPL_YOURHOST, (f"Your host is {name}, running version {core.config.version}",)),
            (rpl.RPL_CREATED, (f"This server was created {_format_date(core.created)}",)),
            (rpl.RPL_MYINFO, (name, core.config.version, USER_MODES, CHANNEL_MODES,
                              CHANNEL_PARAM_MODES)),
            *_isupport_lines(core),
        ])  # 002-005
        self.motd = _around_nick(core, _motd_lines(core))


_NICK = "\x00"  # stands for the nick while the lines are made: never in a server's name


def _around_nick(core: ServerCore, lines: list[tuple[str, tuple[str, ...]]]) -> list[bytes]:
    """``lines`` (numeric, params) as :meth:`ServerCore.reply` writes them, cut at the nick."""
    parts = [b""]
    for numeric, params in lines:
        line = format_line(core.name, numeric, (_NICK, *params), trailing=bool(params))
        before, _, after = (line + "\r\n").partition(_NICK)
        parts[-1] += before.encode()
        parts.append(after.encode())
    return parts


def send_isupport(core: ServerCore, client: Client) -> None:
    for numeric, params in _isupport_lines(core):
        core.reply(client, numeric, *params)


def send_welcome(core: ServerCore, client: Client) -> None:
    """001-004, ISUPPORT, LUSERS and MOTD, in the order clients expect, in one write."""
    burst = core.welcome
    nick = client.nick
    welcome = f"Welcome to the {core.config.network} IRC Network {client.prefix}"
    encoded = nick.encode()
    client.write(b"".join((
        (format_line(core.name, rpl.RPL_WELCOME, (nick, welcome), trailing=True) + "\r\n")
        .encode(),
        encoded.join(burst.head),
        _lusers(core, nick),
        encoded.join(burst.motd),
    )))


def send_lusers(core: ServerCore, client: Client) -> None:
    client.write(_lusers(core, client.nick))


def _lusers(core: ServerCore, nick: str) -> bytes:
    """251-255, 265, 266 for ``nick`` (a registered one: a plain middle parameter), as
    :meth:`ServerCore.reply` would write them; the counts change, so made each time."""
    total = core.registered_count
    invisible = core.mode_counts["i"]
    most = core.max_users
    head = f":{core.name} "
    return (
        f"{head}{rpl.RPL_LUSERCLIENT} {nick} :There are {total - invisible} users and "
        f"{invisible} invisible on 1 servers\r\n"
        f"{head}{rpl.RPL_LUSEROP} {nick} {core.mode_counts['o']} :operator(s) online\r\n"
        f"{head}{rpl.RPL_LUSERUNKNOWN} {nick} {len(core.clients) - total} "
        ":unknown connection(s)\r\n"
        f"{head}{rpl.RPL_LUSERCHANNELS} {nick} {len(core.channels)} :channels formed\r\n"
        f"{head}{rpl.RPL_LUSERME} {nick} :I have {total} clients and 0 servers\r\n"
        f"{head}{rpl.RPL_LOCALUSERS} {nick} {total} {most} :Current local users {total}, "
        f"max {most}\r\n"
        f"{head}{rpl.RPL_GLOBALUSERS} {nick} {total} {most} :Current global users {total}, "
        f"max {most}\r\n"
    ).encode()


def send_motd(core: ServerCore, client: Client) -> None:
    client.write(client.nick.encode().join(core.welcome.motd))


def _format_date(timestamp: int) -> str:
    return time.strftime("%a %b %d %Y at %H:%M:%S UTC", time.gmtime(timestamp))
