"""MONITOR (IRCv3 monitor): a client names nicks and hears when each comes online or goes
offline; and extended-monitor, which adds the AWAY, ACCOUNT and SETNAME of monitored nicks.

``MONITOR + a,b`` adds (730 for those online, as ``nick!user@host``; 731 for the others),
``- a,b`` removes, ``C`` clears, ``L`` lists (732 … 733), ``S`` shows each one's status.
A list holds at most :data:`MONITOR_LIMIT` nicks (``MONITOR=`` in ISUPPORT); what would go
past it gets 734 with the targets not added, as sent. Nicks are compared case-mapped;
invalid ones are skipped. Long lists are cut into several lines within 512 bytes.

A nick comes online at registration and as the new nick of a NICK change; it goes offline
at QUIT (or a lost link) and as the old nick of a NICK change (a change of case only is
neither). A client's list ends with its connection.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from app.protocol import numerics as rpl
from app.protocol.casemap import irc_lower
from app.protocol.framing import MAX_LINE_BODY
from app.protocol.names import is_valid_nick

if TYPE_CHECKING:
    from app.protocol.message import Message
    from app.server.core import Handler, ServerCore
    from app.server.state import Client

MONITOR_LIMIT = 100
EXTENDED_MONITOR = "extended-monitor"


class Monitors:
    """Who monitors which nick: folded nick → the clients monitoring it. Each client's own
    list (folded → as it sent the nick) is its ``monitoring``."""

    __slots__ = ("watchers",)

    def __init__(self) -> None:
        self.watchers: dict[str, set[Client]] = {}

    def add(self, client: Client, folded: str, nick: str) -> None:
        if client.monitoring is None:
            client.monitoring = {}
        client.monitoring[folded] = nick
        self.watchers.setdefault(folded, set()).add(client)

    def remove(self, client: Client, folded: str) -> None:
        if client.monitoring is None or client.monitoring.pop(folded, None) is None:
            return
        watchers = self.watchers[folded]
        watchers.discard(client)
        if not watchers:
            del self.watchers[folded]

    def clear(self, client: Client) -> None:
        for folded in list(client.monitoring or ()):
            self.remove(client, folded)
        client.monitoring = None

    # ---------------------------------------------------------------- notifications
    def online(self, core: ServerCore, client: Client) -> None:
        """``client`` (registered) is on the server under its nick now."""
        for watcher in self._of(client.folded):
            send_list(core, watcher, rpl.RPL_MONONLINE, (client.prefix,))

    def offline(self, core: ServerCore, nick: str, folded: str) -> None:
        for watcher in self._of(folded):
            send_list(core, watcher, rpl.RPL_MONOFFLINE, (nick,))

    def renamed(self, core: ServerCore, client: Client, old_nick: str) -> None:
        """A registered client's NICK change: its old nick is offline, its new one online."""
        old_folded = irc_lower(old_nick)
        if old_folded != client.folded:
            self.offline(core, old_nick, old_folded)
            self.online(core, client)

    def left(self, core: ServerCore, client: Client) -> None:
        """``client`` is leaving: its list ends; if it was registered, its nick is offline."""
        self.clear(client)
        if client.registered:
            self.offline(core, client.nick, client.folded)

    def _of(self, folded: str) -> list[Client]:
        watchers = self.watchers.get(folded)
        if not watchers:
            return []
        return [w for w in watchers if not w.closed]


def with_watchers(core: ServerCore, client: Client, cap: str,
                  recipients: list[Client]) -> list[Client]:
    """``recipients`` of a notification about ``client`` that needs ``cap`` (away-notify,
    account-notify, setname), and those who monitor ``client`` with extended-monitor and
    ``cap`` but share no channel with it: each once, never ``client`` itself."""
    watchers = core.monitors.watchers.get(client.folded)
    if not watchers or not client.registered:
        return recipients
    extra = [w for w in watchers
             if w is not client and cap in w.caps and EXTENDED_MONITOR in w.caps]
    if not extra:
        return recipients
    seen = set(recipients)
    return recipients + [w for w in extra if w not in seen]


def send_list(core: ServerCore, client: Client, numeric: str, items: Iterable[str]) -> None:
    """``numeric`` with ``items`` joined by commas as its last parameter, in as many lines as
    it takes to keep each within 512 bytes."""
    room = MAX_LINE_BODY - len(f":{core.name} {numeric} {client.nick} :".encode())
    line: list[str] = []
    size = -1  # no comma before the first item
    for item in items:
        cost = len(item.encode()) + 1
        if line and size + cost > room:
            core.reply(client, numeric, ",".join(line))
            line, size = [], -1
        line.append(item)
        size += cost
    if line:
        core.reply(client, numeric, ",".join(line))


# ------------------------------------------------------------------ MONITOR
def handle_monitor(core: ServerCore, client: Client, msg: Message) -> None:
    modifier = msg.param(0)
    if not modifier:
        core.reply(client, rpl.ERR_NEEDMOREPARAMS, "MONITOR", "Not enough parameters")
        return
    sub = modifier.upper()
    if sub in ("+", "-"):
        targets = [t for t in ",".join(msg.params[1:]).replace(" ", ",").split(",") if t]
        if not targets:
            core.reply(client, rpl.ERR_NEEDMOREPARAMS, "MONITOR", "Not enough parameters")
        elif sub == "+":
            _add(core, client, targets)
        else:
            for target in targets:
                core.monitors.remove(client, irc_lower(target))
    elif sub == "C":
        core.monitors.clear(client)
    elif sub == "L":
        send_list(core, client, rpl.RPL_MONLIST, (client.monitoring or {}).values())
        core.reply(client, rpl.RPL_ENDOFMONLIST, "End of MONITOR list")
    elif sub == "S":
        _status(core, client, list((client.monitoring or {}).items()))
    else:
        core.reply(client, rpl.ERR_UNKNOWNERROR, "MONITOR", modifier, "Unknown subcommand")


def _add(core: ServerCore, client: Client, targets: list[str]) -> None:
    added: list[tuple[str, str]] = []
    for i, target in enumerate(targets):
        if not is_valid_nick(target):
            continue
        folded = irc_lower(target)
        if client.monitoring is not None and folded in client.monitoring:
            continue  # "MUST NOT be added again"
        if len(client.monitoring or ()) >= MONITOR_LIMIT:
            core.reply(client, rpl.ERR_MONLISTFULL, str(MONITOR_LIMIT), ",".join(targets[i:]),
                       "Monitor list is full.")
            break
        core.monitors.add(client, folded, target)
        added.append((folded, target))
    _status(core, client, added)


def _status(core: ServerCore, client: Client, entries: list[tuple[str, str]]) -> None:
    """730 for the ``(folded, nick)`` entries online (their ``nick!user@host``), 731 for
    the others (as given)."""
    online: list[str] = []
    offline: list[str] = []
    for folded, nick in entries:
        user = core.nicks.get(folded)
        if user is not None and user.registered:
            online.append(user.prefix)
        else:
            offline.append(nick)
    send_list(core, client, rpl.RPL_MONONLINE, online)
    send_list(core, client, rpl.RPL_MONOFFLINE, offline)


COMMANDS: dict[str, Handler] = {"MONITOR": handle_monitor}
