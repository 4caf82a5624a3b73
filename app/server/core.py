"""The server core: connections in, bytes out. No sockets and no Qt.

The Qt shell (``listener``) hands the core each connection's bytes; the core frames and
parses them, applies flood control, runs the command and writes the answers through each
client's ``write``. Tests and benchmarks can drive it with plain calls.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager

from app.protocol import numerics as rpl
from app.protocol.casemap import irc_lower
from app.protocol.errors import BufferOverflow, InvalidUtf8, LineTooLong, RemoteProtocolError
from app.protocol.framing import decode_line
from app.protocol.message import Message, format_line, parse
from app.protocol.sasl import Backoff
from app.server.accounts import AccountStore
from app.server.channel_store import ChannelStore
from app.server.client_batch import OpenBatch, lost_line, queue_room
from app.server.config import ServerConfig
from app.server.deliver import Delivery
from app.server.guard import RecentAttempts, address_key, parse_network
from app.server.history import HistoryStore
from app.server.housekeeping import Housekeeping
from app.server.labels import Labels
from app.server.read_markers import ReadMarkers
from app.server.state import (
    Channel,
    Client,
    WhowasEntry,
)
from app.server.utf8 import not_utf8

log = logging.getLogger("chatbox.server")

Handler = Callable[["ServerCore", Client, Message], None]

# Commands a client may send before it is registered; anything else gets 451.
PRE_REGISTRATION = frozenset(
    {"CAP", "PASS", "NICK", "USER", "PING", "PONG", "QUIT", "AUTHENTICATE", "REGISTER"}
)
# ... and those a capability lets in before registration.
PRE_REGISTRATION_CAPS = {"AWAY": "draft/pre-away"}
# Commands that cost no flood tokens.
FREE_COMMANDS = frozenset({"PONG"})


def unknown_command(core: ServerCore, client: Client, msg: Message) -> None:
    core.reply(client, rpl.ERR_UNKNOWNCOMMAND, msg.command, "Unknown command")


def not_registered(core: ServerCore, client: Client, msg: Message) -> None:
    core.reply(client, rpl.ERR_NOTREGISTERED, "You have not registered")


class ServerCore(Delivery):
    """All server state and the command dispatcher; sending is in :class:`Delivery`."""

    def __init__(
        self,
        config: ServerConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        from app.server.commands import COMMANDS
        from app.server.commands.monitor import Monitors
        from app.server.commands.welcome import WelcomeBurst

        self.config = config
        self.name = config.name
        self.clock = clock
        self.wall_clock = wall_clock
        self.created = int(wall_clock())
        self.welcome = WelcomeBurst(self)
        self.commands: dict[str, Handler] = COMMANDS
        self.clients: set[Client] = set()
        self.nicks: dict[str, Client] = {}
        self.channels: dict[str, Channel] = {}
        self.whowas: dict[str, deque[WhowasEntry]] = {}
        self.max_users = 0
        self.registered_count = 0
        self.mode_counts = {"i": 0, "o": 0, "w": 0, "B": 0}  # registered users with each mode
        self.monitors = Monitors()  # MONITOR: who watches which nick
        self._next_id = 0
        self._msgid_prefix = os.urandom(6).hex()
        self._msgid_seq = 0
        self.labels = Labels(self)
        self.batches: dict[Client, OpenBatch] = {}  # draft/multiline (app/server/client_batch.py)
        self.history = HistoryStore(
            config.data_dir / "history.sqlite3" if config.data_dir else None,
            max_age_days=config.history_days,
            max_per_target=config.history_per_target,
            clock=clock,
        )
        self.history.enabled = config.history
        self.history.prune(int(wall_clock() * 1000))
        self.history.forget_guests()
        self.read_markers = ReadMarkers(self.history)  # in the history's file
        self.accounts = AccountStore(
            config.data_dir / "accounts.sqlite3" if config.data_dir else None,
            min_password=config.min_password_length,
        )
        self.channel_store = ChannelStore.beside(config.data_dir)  # topics and modes
        self.logins = Backoff(clock)  # failed logins, per address and account from it
        self.registrations = RecentAttempts(config.register_per_hour, 3600.0, clock)
        self.exempt = tuple(parse_network(text) for text in config.exempt)
        self.guarded: dict[Client, float] = {}  # on a registered nick: rename at this time
        self.secret = os.urandom(32)  # keys for accounts that do not exist (SCRAM)
        self.housekeeping = Housekeeping(self)

    # ---------------------------------------------------------------- connections
    def connect(self, host: str, write: Callable[[bytes], object], close: Callable[[bool], None],
                *, secure: bool = False) -> Client:
        """Register a new connection (``secure``: over TLS); ``close(abort)`` is how the core
        ends it."""
        self._next_id += 1
        client = Client(self._next_id, host, write, close, self.clock(), self.config.flood.burst)
        client.secure = secure
        self.clients.add(client)
        self.housekeeping.connected(client)
        log.debug("connect #%d from %s%s", client.id, host, " (TLS)" if secure else "")
        return client

    def receive(self, client: Client, data: bytes) -> float | None:
        """Take bytes from ``client``; returns seconds until :meth:`process` should run again
        (flood control holds lines back), or None when nothing waits."""
        if client.closed:
            return None
        try:
            lines = client.reader.feed(data)
        except BufferOverflow:
            self.error_and_close(client, "Input line too long (no line ending)")
            return None
        if not lines:
            return None
        client.last_active = self.clock()
        client.ping_sent = None
        flood = self.config.flood
        if not flood.enabled:
            for raw in lines:
                if client.closed:
                    break
                if raw.strip(b" "):
                    self.handle_raw(client, raw)
            return None
        if client.inbox is None:
            client.inbox = deque(lines)
        else:
            client.inbox.extend(lines)
        if len(client.inbox) > flood.max_queued + queue_room(client):
            self.quit(client, "Excess Flood", error="Excess Flood")
            return None
        return self.process(client)

    def process(self, client: Client) -> float | None:
        """Handle queued lines while flood control allows; see :meth:`receive`."""
        flood = self.config.flood
        inbox = client.inbox
        if inbox is None:
            return None
        while inbox and not client.closed:
            now = self.clock()
            client.tokens = min(flood.burst, client.tokens + (now - client.tokens_at) * flood.rate)
            client.tokens_at = now
            if client.tokens < 1.0:
                return (1.0 - client.tokens) / flood.rate
            raw = inbox.popleft()
            if not raw.strip(b" "):
                continue
            cost = self.handle_raw(client, raw)  # after: a batch's end charges its lines
            client.tokens -= cost
        client.inbox = None
        return None

    def handle_raw(self, client: Client, raw: bytes) -> float:
        """Decode, parse and dispatch one line; returns its flood cost in tokens."""
        try:
            msg = parse(decode_line(raw))
        except LineTooLong as exc:
            lost_line(self, client, raw)
            what = "tags" if exc.tags else "line"
            self.reply(client, rpl.ERR_INPUTTOOLONG, f"Input line was too long ({what})")
            return 1.0
        except InvalidUtf8 as exc:  # UTF8ONLY: refused, never relayed (app/server/utf8.py)
            lost_line(self, client, raw)
            return not_utf8(self, client, exc)
        except RemoteProtocolError as exc:
            lost_line(self, client, raw)
            log.info("#%d sent a malformed line: %s", client.id, exc)
            self.reply(client, rpl.ERR_UNKNOWNERROR, "*", f"Malformed line: {exc}")
            return 1.0
        self.dispatch(client, msg)
        return 0.0 if msg.command in FREE_COMMANDS else 1.0

    def dispatch(self, client: Client, msg: Message) -> None:
        command = msg.command
        if (self.batches or command == "BATCH" or (msg.tags and "batch" in msg.tags)) \
                and client.registered:
            from app.server.commands.multiline import intercept

            if intercept(self, client, msg):  # draft/multiline: a client batch or its line
                return
        handler = self.commands.get(command)
        if handler is None:  # 421 and 451 carry the label like any other reply
            handler = unknown_command
        elif (not client.registered and command not in PRE_REGISTRATION
              and PRE_REGISTRATION_CAPS.get(command) not in client.caps):
            handler = not_registered
        elif self.guarded and client in self.guarded:
            from app.server.commands.accounts import acts_as_owner, refuse_unverified

            if acts_as_owner(msg):
                handler = refuse_unverified
        if "B" in client.modes:  # bot-mode: what a bot sends gets the bot tag
            from app.server.commands.presence import as_bot

            handler = as_bot(handler)
        label = msg.tags.get("label") if msg.tags else None
        if label and "labeled-response" in client.caps:
            self.labels.run(client, msg, handler, label)
        else:
            handler(self, client, msg)

    def unlabeled(self, client: Client) -> AbstractContextManager[None]:
        """Within a labeled command, write to ``client`` past the label."""
        return self.labels.unlabeled(client)

    def connection_lost(self, client: Client, reason: str) -> None:
        """The socket went away (EOF, RST, error): QUIT the client to its channels."""
        if not client.closed:
            self.quit(client, reason, error=None)

    # ---------------------------------------------------------------- leaving
    def error_and_close(self, client: Client, reason: str) -> None:
        self.quit(client, reason, error=reason)

    def quit(self, client: Client, reason: str, *, error: str | None = "") -> None:
        """Remove ``client``: QUIT to its channels, ``ERROR`` to it (unless ``error`` is
        None: the link is already gone), close the link."""
        if client.closed:
            return
        client.closed = True
        client.inbox = None
        self.monitors.left(self, client)
        if client.registered:
            self.registered_count -= 1
            for letter in client.modes:
                self.mode_counts[letter] -= 1
            peers = self.common_peers(client, include_self=False)
            self.fanout(peers, format_line(client.prefix, "QUIT", (reason,), trailing=True),
                        account=client.account)
            self.remember_whowas(client)
            for channel in list(client.channels.values()):
                self.remove_member(channel, client)
        if self.nicks.get(client.folded) is client:  # registered or not: the nick is free
            del self.nicks[client.folded]
        self.clients.discard(client)
        self.housekeeping.left(client)
        self.guarded.pop(client, None)
        if client.has_views and not client.account:
            self.history.forget_views(self.owner(client))
        self.read_markers.forget(self.connection_owner(client))
        log.info("quit #%d %s (%s)", client.id, client.nick, reason)
        if error is not None:
            text = error or f"Closing Link: {client.host} ({reason})"
            with self.unlabeled(client):
                self.send(client, format_line(None, "ERROR", (text,), trailing=True))
            client.close(False)

    def remove_member(self, channel: Channel, client: Client) -> None:
        channel.members.pop(client, None)
        client.channels.pop(channel.folded, None)
        if not channel.members:
            del self.channels[channel.folded]

    def remember_whowas(self, client: Client) -> None:
        entry = WhowasEntry(
            client.nick, client.user, client.host, client.realname, int(self.wall_clock())
        )
        history = self.whowas.pop(client.folded, None)
        if history is None:
            history = deque(maxlen=self.config.whowas_per_nick)
        history.appendleft(entry)
        self.whowas[client.folded] = history  # most recent last in the dict's order
        if len(self.whowas) > self.config.whowas_nicks:
            del self.whowas[next(iter(self.whowas))]

    # ---------------------------------------------------------------- time
    def tick(self) -> None:
        """Timeouts, pings, retention (app/server/housekeeping.py). Call about once a second."""
        self.housekeeping.tick()

    def shutdown(self, reason: str = "Server shutting down") -> None:
        """Tell every client ``ERROR :reason`` and close every link."""
        for client in list(self.clients):
            client.closed = True
            self.send(client, format_line(None, "ERROR", (reason,), trailing=True))
            client.close(False)
        self.clients.clear()
        self.housekeeping.clear()
        self.nicks.clear()
        self.channels.clear()
        self.history.close()
        self.accounts.close()
        self.channel_store.close()

    def set_user_mode(self, client: Client, letter: str, on: bool) -> bool:
        """Set or clear one user mode letter; True when it changed (counts kept for LUSERS)."""
        if (letter in client.modes) == on:
            return False
        client.modes = client.modes + letter if on else client.modes.replace(letter, "")
        self.mode_counts[letter] += 1 if on else -1
        return True

    def mark_registered(self, client: Client) -> None:
        client.registered = True
        self.housekeeping.registered(client)
        self.registered_count += 1
        self.max_users = max(self.max_users, self.registered_count)
        self.monitors.online(self, client)

    # ---------------------------------------------------------------- lookups
    def address_key(self, client: Client) -> str | None:
        """What limits per address count ``client`` as; None when its address is exempt."""
        return address_key(client.host, self.exempt)

    def find_nick(self, nick: str) -> Client | None:
        return self.nicks.get(irc_lower(nick))

    def find_channel(self, name: str) -> Channel | None:
        return self.channels.get(irc_lower(name))
