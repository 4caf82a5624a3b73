"""Accounts: SASL (PLAIN, SCRAM-SHA-256), REGISTER (draft/account-registration), logging in,
the account-notify/extended-join/account-tag view of it, and protected nicks.

PLAIN sends the password itself, so it is offered only over TLS or from the loopback
address. Failed logins slow the next ones from that address, and from that address to that
account (Backoff), never the account alone: a stranger's guesses cannot lock its owner out.
A nick that is a registered account's name must log in within ``nick_protect_s`` or
becomes a guest nick, and cannot talk or join until then.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import random
from typing import TYPE_CHECKING

from scramp import ScramException

from app.protocol import numerics as rpl
from app.protocol.casemap import irc_lower
from app.protocol.message import Message, format_line
from app.protocol.names import is_valid_nick
from app.protocol.sasl import Reassembler, SaslError, encode, parse_plain
from app.server.accounts import MECHANISM, AccountError, ScramInfo
from app.server.commands.monitor import with_watchers

if TYPE_CHECKING:
    from app.server.core import Handler, ServerCore
    from app.server.state import Client

log = logging.getLogger("chatbox.server")

LOOPBACK = ("127.", "::1", "0::1", "localhost")


class SaslSession:
    """One AUTHENTICATE exchange in progress."""

    __slots__ = ("account", "buffer", "mechanism", "scram", "stage")

    def __init__(self, mechanism: str) -> None:
        self.mechanism = mechanism
        self.buffer = Reassembler()
        self.stage = 0
        self.scram: object = None
        self.account = ""


def is_local(client: Client) -> bool:
    return client.host.startswith(LOOPBACK)


def mechanisms(client: Client) -> list[str]:
    """What ``client`` may use: PLAIN only where the password cannot be read on the way."""
    return [MECHANISM, "PLAIN"] if client.secure or is_local(client) else [MECHANISM]


def cap_value(client: Client) -> str:
    return ",".join(mechanisms(client))


# ------------------------------------------------------------------ AUTHENTICATE
def handle_authenticate(core: ServerCore, client: Client, msg: Message) -> None:
    param = msg.param(0)
    if "sasl" not in client.caps:
        core.reply(client, rpl.ERR_SASLFAIL, "SASL authentication failed: request the sasl cap")
        return
    if not param:
        core.reply(client, rpl.ERR_NEEDMOREPARAMS, "AUTHENTICATE", "Not enough parameters")
        return
    session: SaslSession | None = client.sasl
    if param == "*":
        if session is not None:
            client.sasl = None
            core.reply(client, rpl.ERR_SASLABORTED, "SASL authentication aborted")
        else:
            core.reply(client, rpl.ERR_SASLFAIL, "SASL authentication failed")
        return
    if session is None:
        _start(core, client, param.upper())
        return
    try:
        payload = session.buffer.feed(param)
    except SaslError as exc:
        client.sasl = None
        if "too long" in str(exc):
            core.reply(client, rpl.ERR_SASLTOOLONG, "SASL message too long")
        else:
            _fail(core, client, session, str(exc), count=False)
        return
    if payload is None:
        return  # more pieces to come
    if session.mechanism == "PLAIN":
        _plain(core, client, session, payload)
    else:
        _scram(core, client, session, payload)


def _start(core: ServerCore, client: Client, mechanism: str) -> None:
    if client.account:
        core.reply(client, rpl.ERR_SASLALREADY, "You have already authenticated using SASL")
        return
    allowed = mechanisms(client)
    if mechanism not in allowed:
        core.reply(client, rpl.RPL_SASLMECHS, ",".join(allowed), "are available SASL mechanisms")
        why = " (PLAIN needs TLS)" if mechanism == "PLAIN" else ""
        core.reply(client, rpl.ERR_SASLFAIL, f"SASL authentication failed{why}")
        return
    client.sasl = SaslSession(mechanism)
    core.send(client, "AUTHENTICATE +")


def _throttle_keys(client: Client, account: str) -> tuple[str, ...]:
    """What failed logins count against: the address, and the account from that address."""
    if not account:
        return (client.host,)
    return client.host, f"{irc_lower(account)} {client.host}"


def _locked(core: ServerCore, client: Client, session: SaslSession, account: str) -> bool:
    """Too many failures from this address (to any account, or to this one): refuse
    without checking."""
    wait = core.logins.wait(*_throttle_keys(client, account))
    if wait <= 0:
        return False
    client.sasl = None
    text = f"SASL authentication failed: too many failed logins, try again in {wait:.0f} s"
    core.reply(client, rpl.ERR_SASLFAIL, text)
    log.info("#%d login to %s refused: backing off %.0f s", client.id, account, wait)
    return True


def _fail(
    core: ServerCore, client: Client, session: SaslSession, why: str, *, count: bool = True
) -> None:
    client.sasl = None
    if count:
        core.logins.failed(*_throttle_keys(client, session.account))
    log.info("#%d SASL %s failed: %s", client.id, session.mechanism, why)
    core.reply(client, rpl.ERR_SASLFAIL, "SASL authentication failed")


def _plain(core: ServerCore, client: Client, session: SaslSession, payload: bytes) -> None:
    try:
        authzid, account, password = parse_plain(payload)
    except SaslError as exc:
        _fail(core, client, session, str(exc), count=False)
        return
    session.account = account
    if authzid and irc_lower(authzid) != irc_lower(account):
        _fail(core, client, session, "authzid is not the account", count=False)
        return
    if _locked(core, client, session, account):
        return
    if not core.accounts.check_password(account, password):
        _fail(core, client, session, "wrong password or no such account")
        return
    login(core, client, core.accounts.name(account) or account)


def _scram(core: ServerCore, client: Client, session: SaslSession, payload: bytes) -> None:
    text = payload.decode("utf-8", "replace")
    try:
        if session.stage == 0:
            server = core.accounts.mechanism.make_server(
                lambda name: _scram_info(core, session, name)
            )
            server.set_client_first(text)
            if _locked(core, client, session, session.account):
                return
            session.scram, session.stage = server, 1
            _send_payload(core, client, server.get_server_first().encode())
        elif session.stage == 1:
            server = session.scram
            session.stage = 2
            try:
                server.set_client_final(text)  # type: ignore[attr-defined]
            finally:  # v=… (our proof), or e=invalid-proof (RFC 5802), then 904
                _send_payload(core, client, server.get_server_final().encode())  # type: ignore[attr-defined]
        else:  # the client's "+" after our server-final: done
            if core.accounts.scram_info(session.account) is None:
                _fail(core, client, session, "no such account")
                return
            login(core, client, core.accounts.name(session.account) or session.account)
    except ScramException as exc:
        _fail(core, client, session, str(exc))


def _scram_info(core: ServerCore, session: SaslSession, name: str) -> ScramInfo:
    """The account's keys; for an unknown name, keys that no password matches (the
    exchange runs to its end either way: nobody learns which accounts exist)."""
    session.account = name
    info = core.accounts.scram_info(name)
    if info is not None:
        return info
    fake = hmac.new(core.secret, irc_lower(name).encode(), hashlib.sha256).digest()
    return fake[:16], os.urandom(32), os.urandom(32), 4096


def _send_payload(core: ServerCore, client: Client, payload: bytes) -> None:
    for chunk in encode(payload):
        core.send(client, f"AUTHENTICATE {chunk}")


# ------------------------------------------------------------------ logging in
def login(core: ServerCore, client: Client, account: str, *, sasl: bool = True) -> None:
    """``client`` is now ``account``: 900 (and 903 after SASL), ACCOUNT to those who asked."""
    client.sasl = None
    guest = core.owner(client)
    client.account = account
    if client.has_views:  # what this connection said and heard as a guest stays its own
        core.history.move_views(guest, core.owner(client))
    core.read_markers.adopt(guest, core.owner(client))
    core.guarded.pop(client, None)
    # The address's own count stays: logging in to one's own account between guesses at
    # others' must not buy more guesses.
    core.logins.succeeded(_throttle_keys(client, account)[-1])
    mask = f"{client.nick}!{client.user or '*'}@{client.host}"
    core.reply(client, rpl.RPL_LOGGEDIN, mask, account, f"You are now logged in as {account}")
    if sasl:
        core.reply(client, rpl.RPL_SASLSUCCESS, "SASL authentication successful")
    log.info("#%d %s logged in as %s", client.id, client.nick, account)
    if client.registered:
        _announce_account(core, client)
        grant_oper(core, client)
        guard_nick(core, client)


def _announce_account(core: ServerCore, client: Client) -> None:
    peers = [c for c in core.common_peers(client, include_self=True) if "account-notify" in c.caps]
    core.fanout(with_watchers(core, client, "account-notify", peers),
                format_line(client.prefix, "ACCOUNT", (client.account or "*",)))


def grant_oper(core: ServerCore, client: Client) -> None:
    """An operator account (--oper-account) is an IRC operator once logged in."""
    folded = {irc_lower(name) for name in core.config.oper_accounts}
    oper = bool(client.account) and irc_lower(client.account or "") in folded
    if oper and core.set_user_mode(client, "o", True):
        core.reply(client, rpl.RPL_YOUREOPER, "You are now an IRC operator")
        core.fanout((client,), format_line(client.prefix, "MODE", (client.nick, "+o")),
                    account=client.account)


# ------------------------------------------------------------------ protected nicks
# What someone on a registered nick may not do before logging in to it: anything that
# speaks or acts as that person (logging in, NICK, PART, QUIT and queries stay open).
ACTS_AS_OWNER = frozenset(
    {"PRIVMSG", "NOTICE", "TAGMSG", "JOIN", "TOPIC", "INVITE", "KICK", "AWAY", "SETNAME",
     "REDACT", "RENAME"}  # and a multiline batch (app/server/commands/multiline.py)
)


def reserved(core: ServerCore, client: Client, nick: str) -> bool:
    """``nick`` is a registered account's name and ``client`` is not logged in to it."""
    if core.accounts.name(nick) is None:
        return False
    return not (client.account and irc_lower(client.account) == irc_lower(nick))


def acts_as_owner(msg: Message) -> bool:
    """``msg`` speaks or acts as its sender (a MODE that changes something does)."""
    command = msg.command
    return command in ACTS_AS_OWNER or (command == "MODE" and len(msg.params) > 1)


def unverified(client: Client) -> str:
    """Why ``client``, on a registered nick it has not logged in to, may not act as it."""
    return (f"The nickname {client.nick} belongs to a registered account: log in to that "
            "account, or choose another nickname, before you talk or join channels")


def refuse_unverified(core: ServerCore, client: Client, msg: Message) -> None:
    """The handler, while ``client`` has yet to log in to the account its nick belongs
    to, of commands that act as the owner: 477, and nothing done."""
    core.reply(client, rpl.ERR_NEEDREGGEDNICK, msg.param(0) or msg.command, unverified(client))


def guard_nick(core: ServerCore, client: Client) -> None:
    """A registered account's name used by someone not logged in to it: they have
    ``nick_protect_s`` to log in (acting as the owner is refused meanwhile), or they are
    renamed."""
    if not reserved(core, client, client.nick):
        core.guarded.pop(client, None)
        return
    seconds = core.config.nick_protect_s
    core.guarded[client] = core.clock() + seconds
    core.send(
        client,
        format_line(
            core.name,
            "NOTICE",
            (client.nick, f"The nickname {client.nick} belongs to a registered account. Log "
             f"in to it within {seconds:.0f} s, or your nickname will be changed; until "
             "then you cannot talk or join channels."),
            trailing=True,
        ),
    )


def rename_guests(core: ServerCore) -> None:
    """Called every tick: those whose time to log in is up get a guest nick."""
    now = core.clock()
    for client, deadline in list(core.guarded.items()):
        if deadline > now:
            continue
        del core.guarded[client]
        if client.closed or core.accounts.name(client.nick) is None:
            continue
        from app.server.commands.registration import change_nick

        guest = _guest_nick(core)
        log.info("#%d did not log in to %s: now %s", client.id, client.nick, guest)
        change_nick(core, client, guest)


def _guest_nick(core: ServerCore) -> str:
    while True:
        nick = f"Guest{random.randrange(10_000, 100_000)}"
        if irc_lower(nick) not in core.nicks:
            return nick


# ------------------------------------------------------------------ REGISTER
def handle_register(core: ServerCore, client: Client, msg: Message) -> None:
    """``REGISTER <account> {<email> | *} <password>`` (the older two-parameter form, with
    the account named by the nick, is understood too)."""
    params = msg.params
    if len(params) == 2:
        params = ("*", *params)
    if len(params) < 3:
        core.reply(client, rpl.ERR_NEEDMOREPARAMS, "REGISTER", "Not enough parameters")
        return
    account, _email, password = params[0], params[1], params[2]
    if account == "*":
        account = client.nick
    if not client.folded:
        _register_fail(core, client, "NEED_NICK", "*", "Choose a nickname first")
        return
    password_needed = core.config.password
    if password_needed and not hmac.compare_digest(
        (client.password or "").encode(), password_needed.encode()
    ):  # REGISTER before connecting must not get round the server's password
        _register_fail(core, client, "TEMPORARILY_UNAVAILABLE", account,
                       "Send this server's password (PASS) first")
        return
    if client.account:
        _register_fail(core, client, "ALREADY_AUTHENTICATED", client.account,
                       "You are already logged in")
        return
    if not is_valid_nick(account):
        _register_fail(core, client, "BAD_ACCOUNT_NAME", account,
                       "An account name follows the rules of a nickname")
        return
    holder = core.nicks.get(irc_lower(account))
    if holder is not None and holder is not client:
        _register_fail(core, client, "ACCOUNT_EXISTS", account, "That name is someone's nick")
        return
    address = core.address_key(client)
    if address is not None and core.registrations.full(address):
        _register_fail(core, client, "TEMPORARILY_UNAVAILABLE", account,
                       "Too many accounts were registered from your address; try again later")
        log.info("#%d REGISTER %s refused: too many from %s", client.id, account, client.host)
        return
    try:
        core.accounts.register(account, password)
    except AccountError as exc:
        _register_fail(core, client, exc.code, account, str(exc))
        return
    if address is not None:
        core.registrations.note(address)
    core.send(client, format_line(core.name, "REGISTER", ("SUCCESS", account,
                                                          f"Account {account} registered"),
                                  trailing=True))
    login(core, client, account, sasl=False)


def _register_fail(core: ServerCore, client: Client, code: str, account: str, text: str) -> None:
    core.send(client, format_line(core.name, "FAIL", ("REGISTER", code, account, text),
                                  trailing=True))


COMMANDS: dict[str, Handler] = {
    "AUTHENTICATE": handle_authenticate,
    "REGISTER": handle_register,
}
