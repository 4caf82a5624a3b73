"""Connection registration: CAP, PASS, NICK, USER, the welcome burst; PING, PONG, QUIT."""

from __future__ import annotations

import hmac
import logging
import re
from typing import TYPE_CHECKING

from app.protocol import numerics as rpl
from app.protocol.casemap import irc_lower
from app.protocol.message import Message, format_line
from app.protocol.multiline_check import CAP_VALUE as MULTILINE_CAP_VALUE
from app.protocol.names import USERLEN, is_valid_nick
from app.server.commands.accounts import cap_value, grant_oper, guard_nick, reserved
from app.server.commands.monitor import with_watchers
from app.server.commands.welcome import REALNAMELEN, send_welcome

if TYPE_CHECKING:
    from app.server.core import Handler, ServerCore
    from app.server.state import Client

log = logging.getLogger("chatbox.server")

# The capabilities we offer (CAP LS 302 values would follow "=").
CAPABILITIES: dict[str, str] = {
    "account-notify": "",
    "account-tag": "",
    "away-notify": "",
    "batch": "",
    "cap-notify": "",
    "draft/account-registration": "before-connect,custom-account-name",
    "draft/channel-rename": "",
    "draft/chathistory": "",
    "draft/event-playback": "",
    "draft/message-redaction": "",
    "draft/multiline": MULTILINE_CAP_VALUE,
    "draft/no-implicit-names": "",
    "draft/pre-away": "",
    "draft/read-marker": "",
    "echo-message": "",
    "extended-join": "",
    "extended-monitor": "",
    "invite-notify": "",
    "labeled-response": "",
    "message-tags": "",
    "multi-prefix": "",
    "no-implicit-names": "",
    "sasl": "",  # the value (mechanisms) depends on the connection: accounts.cap_value
    "server-time": "",
    "setname": "",
    "userhost-in-names": "",
}
# Acknowledged when asked for, never offered: another name of a capability we offer.
UNADVERTISED_CAPABILITIES = frozenset({"soju.im/no-implicit-names"})

_USERNAME_BAD = re.compile(r"[^A-Za-z0-9._\-]")


# ------------------------------------------------------------------ CAP
def handle_cap(core: ServerCore, client: Client, msg: Message) -> None:
    if not msg.params:
        core.reply(client, rpl.ERR_NEEDMOREPARAMS, "CAP", "Not enough parameters")
        return
    sub = msg.params[0].upper()
    target = client.nick
    if sub == "LS":
        if not client.registered:
            client.negotiating = True
        version = msg.param(1)
        if version.isdecimal() and int(version) >= 302:
            client.cap_version = max(client.cap_version, int(version))
            client.caps |= {"cap-notify"}
        _send_cap_list(core, client, "LS", _offered(core, client))
    elif sub == "LIST":
        _send_cap_list(core, client, "LIST", sorted(client.caps))
    elif sub == "REQ":
        if not client.registered:
            client.negotiating = True
        requested = msg.param(1)
        items = requested.split()
        ok = bool(items) and all(
            (name := item.removeprefix("-")) in CAPABILITIES or name in UNADVERTISED_CAPABILITIES
            for item in items
        )
        if not ok:
            core.send(
                client, format_line(core.name, "CAP", (target, "NAK", requested), trailing=True)
            )
            return
        removed = {item[1:] for item in items if item.startswith("-")}
        client.caps = (client.caps - removed) | {i for i in items if not i.startswith("-")}
        client.update_tag_key()
        core.send(client, format_line(core.name, "CAP", (target, "ACK", requested), trailing=True))
    elif sub == "END":
        if not client.registered and client.negotiating:
            client.negotiating = False
            try_register(core, client)
    else:
        core.reply(client, rpl.ERR_INVALIDCAPCMD, msg.params[0], "Invalid CAP command")


def _offered(core: ServerCore, client: Client) -> list[str]:
    offered = dict(CAPABILITIES)
    if core.config.accounts:
        offered["sasl"] = cap_value(client)
    else:
        for name in ("sasl", "draft/account-registration"):
            del offered[name]
    if client.cap_version >= 302:
        return [f"{k}={v}" if v else k for k, v in sorted(offered.items())]
    return sorted(offered)


def _send_cap_list(core: ServerCore, client: Client, sub: str, caps: list[str]) -> None:
    """One line, or (302) several with ``*`` before the last parameter of all but the last."""
    lines: list[list[str]] = [[]]
    for cap in caps:
        if lines[-1] and len(" ".join([*lines[-1], cap])) > 380:
            lines.append([])
        lines[-1].append(cap)
    if client.cap_version < 302:
        lines = [[cap for line in lines for cap in line]]
    for i, line in enumerate(lines):
        more = ("*",) if i < len(lines) - 1 else ()
        core.send(
            client,
            format_line(core.name, "CAP", (client.nick, sub, *more, " ".join(line)), trailing=True),
        )


# ------------------------------------------------------------------ PASS NICK USER
def handle_pass(core: ServerCore, client: Client, msg: Message) -> None:
    if client.registered:
        core.reply(client, rpl.ERR_ALREADYREGISTERED, "You may not reregister")
    elif not msg.params:
        core.reply(client, rpl.ERR_NEEDMOREPARAMS, "PASS", "Not enough parameters")
    else:
        client.password = msg.params[0]


def handle_nick(core: ServerCore, client: Client, msg: Message) -> None:
    nick = msg.param(0)
    if not nick:
        core.reply(client, rpl.ERR_NONICKNAMEGIVEN, "No nickname given")
        return
    if not is_valid_nick(nick):
        core.reply(client, rpl.ERR_ERRONEUSNICKNAME, nick, "Erroneous nickname")
        return
    folded = irc_lower(nick)
    holder = core.nicks.get(folded)
    if holder is not None and holder is not client:
        core.reply(client, rpl.ERR_NICKNAMEINUSE, nick, "Nickname is already in use")
        return
    if nick == client.nick:
        return
    if client.registered and core.config.nick_protect_s <= 0 and reserved(core, client, nick):
        _nick_reserved(core, client, nick)
        return
    if not client.registered:
        if client.folded and core.nicks.get(client.folded) is client:
            del core.nicks[client.folded]
        client.set_nick(nick)
        core.nicks[folded] = client
        try_register(core, client)
        return
    change_nick(core, client, nick)
    guard_nick(core, client)


def _nick_reserved(core: ServerCore, client: Client, nick: str) -> None:
    """--strict-nicks: a registered account's name is only for who logged in to it."""
    core.reply(client, rpl.ERR_NICKNAMEINUSE, nick,
               "Nickname is reserved by a registered account: log in to it (SASL) first")


def change_nick(core: ServerCore, client: Client, nick: str) -> None:
    """A registered client's nick becomes ``nick`` (free, valid): NICK to all who see it."""
    old_prefix = client.prefix
    core.remember_whowas(client)
    del core.nicks[client.folded]
    for channel in client.channels.values():
        modes = channel.members.pop(client)
        channel.members[client] = modes
    client.set_nick(nick)
    core.nicks[client.folded] = client
    core.fanout(
        core.common_peers(client, include_self=True),
        format_line(old_prefix, "NICK", (nick,)),
        account=client.account,
    )
    core.monitors.renamed(core, client, old_prefix.partition("!")[0])
    log.info("nick #%d %s is now %s", client.id, old_prefix.partition("!")[0], nick)


def handle_user(core: ServerCore, client: Client, msg: Message) -> None:
    if client.registered:
        core.reply(client, rpl.ERR_ALREADYREGISTERED, "You may not reregister")
        return
    if len(msg.params) < 4 or not msg.params[0] or not msg.params[3]:
        core.reply(client, rpl.ERR_NEEDMOREPARAMS, "USER", "Not enough parameters")
        return
    user = _USERNAME_BAD.sub("_", msg.params[0])[: USERLEN - 1]
    client.user = "~" + user
    client.realname = msg.params[3][:REALNAMELEN]
    try_register(core, client)


def try_register(core: ServerCore, client: Client) -> None:
    """Complete registration once NICK and USER arrived and CAP negotiation ended."""
    if client.registered or client.negotiating or not client.user or not client.folded:
        return
    password = core.config.password
    if password and not hmac.compare_digest((client.password or "").encode(), password.encode()):
        core.reply(client, rpl.ERR_PASSWDMISMATCH, "Password incorrect")
        core.error_and_close(client, "Closing Link: Bad password")
        log.info("#%d refused: bad password", client.id)
        return
    if client.sasl is not None:  # registration ends an unfinished SASL exchange
        client.sasl = None
        core.reply(client, rpl.ERR_SASLABORTED, "SASL authentication aborted")
    if core.config.require_accounts and not client.account:
        core.error_and_close(
            client, "Closing Link: this server is for account holders only (log in with SASL)"
        )
        log.info("#%d refused: not logged in", client.id)
        return
    if core.config.nick_protect_s <= 0 and reserved(core, client, client.nick):
        nick = client.nick
        del core.nicks[client.folded]
        client.nick, client.folded = "*", ""
        _nick_reserved(core, client, nick)  # the client picks another nick
        return
    core.mark_registered(client)
    client.last_message = core.clock()
    log.info("register #%d as %s", client.id, client.prefix)
    send_welcome(core, client)
    grant_oper(core, client)
    guard_nick(core, client)


# ------------------------------------------------------------------ PING PONG QUIT SETNAME
def handle_ping(core: ServerCore, client: Client, msg: Message) -> None:
    if not msg.params:
        core.reply(client, rpl.ERR_NOORIGIN, "No origin specified")
        return
    core.send(client, format_line(core.name, "PONG", (core.name, msg.params[0]), trailing=True))


def handle_pong(core: ServerCore, client: Client, msg: Message) -> None:
    client.ping_sent = None


def handle_quit(core: ServerCore, client: Client, msg: Message) -> None:
    reason = msg.param(0)
    text = f"Quit: {reason}"
    core.quit(client, text, error=f"Closing Link: {client.host} ({text})")


def handle_setname(core: ServerCore, client: Client, msg: Message) -> None:
    realname = msg.param(0)
    if not realname or len(realname) > REALNAMELEN:
        core.send(
            client,
            format_line(
                core.name, "FAIL", ("SETNAME", "INVALID_REALNAME", "Realname is not valid")
            ),
        )
        return
    client.realname = realname
    recipients = [c for c in core.common_peers(client, include_self=True) if "setname" in c.caps]
    core.fanout(with_watchers(core, client, "setname", recipients),
                format_line(client.prefix, "SETNAME", (realname,), trailing=True),
                account=client.account)


COMMANDS: dict[str, Handler] = {
    "CAP": handle_cap,
    "PASS": handle_pass,
    "NICK": handle_nick,
    "USER": handle_user,
    "PING": handle_ping,
    "PONG": handle_pong,
    "QUIT": handle_quit,
    "SETNAME": handle_setname,
}
