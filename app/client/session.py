"""A chat session: one IrcConnection, and the rooms, members and messages it produces.

Signals:
    room_opened(str): a room appeared (we joined a channel, or a private chat started).
    notice(str): something to tell the user in the status bar (errors in words included).
    server_changed(str): the next attempt goes to this "host:port" of ``servers``.
"""

from __future__ import annotations

import itertools
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QNetworkInformation

from app.client.connection import IrcConnection
from app.client.dcc import DccManager, Transfer
from app.client.link_images import LinkImages
from app.client.models import ChatLine, Room, RoomModel
from app.client.netsplit import NetsplitLines
from app.protocol.ctcp import parse_ctcp
from app.protocol.errors import ProtocolError
from app.protocol.input import InputResult, parse_input
from app.protocol.links import IMAGE_SUFFIXES
from app.protocol.message import Message, format_line, parse
from app.protocol.names import mentions
from app.protocol.netsplit import split_servers

log = logging.getLogger("chatbox.client")

SERVER_ROOM = "Server"
HISTORY_ON_JOIN = 100
BACKOFF_START = 1.0
BACKOFF_MAX = 30.0
DEFAULT_QUIT = "Chatbox"
RESYNC_TIMEOUT_MS = 15_000  # catch-up after a reconnect that never ends: send anyway
CLOCK_CHECK_MS = 5_000
WAKE_JUMP_S = 10.0  # the wall clock moved this much more than the monotonic one: we slept
REGAIN_INTERVAL_MS = 30_000  # try to get our own nick back from a ghost this often
REGAIN_TRIES = 10


@dataclass(eq=False)
class Outgoing:
    """A message the user sent that the server has not confirmed yet.

    ``state``: "queued" (waiting for the link or the catch-up), "sent" (waiting for the
    echo), "unsure" (sent, then the link dropped: the catch-up will tell), "failed".
    """

    room: str
    target: str
    text: str  # the PRIVMSG text, CTCP ACTION framing included
    line: ChatLine  # as shown now
    state: str = "queued"
    label: str = ""


def _network_information() -> QNetworkInformation | None:
    """The platform's reachability service (NetworkManager, GLib …), loaded once."""
    if QNetworkInformation.instance() is None:
        QNetworkInformation.loadBackendByFeatures(QNetworkInformation.Feature.Reachability)
    return QNetworkInformation.instance()


def message_time(msg: Message) -> datetime:
    """The ``server-time`` tag, or now."""
    stamp = msg.tags.get("time") if msg.tags else None
    if stamp:
        try:
            return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            pass
    return datetime.now(UTC)


def reason_of(msg: Message, index: int) -> str:
    """`` (reason)`` from parameter ``index``, or nothing."""
    return f" ({msg.param(index)})" if msg.param(index) else ""


def is_image(name: str) -> bool:
    return name.lower().endswith(IMAGE_SUFFIXES)


def human_size(size: int) -> str:
    """1,234,567 → "1.2 MB"."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} bytes"


def nick_of(source: str | None) -> str:
    return (source or "").partition("!")[0]


def address_of(source: str | None) -> str:
    """``user@host`` of a ``nick!user@host`` source (empty when it has none)."""
    return (source or "").partition("!")[2]


class ChatSession(QObject):
    """Signals: room_opened(str), notice(str), reconnect_scheduled(float): the link
    dropped and we try again in that many seconds (0: trying now), and server_changed(str):
    that next try goes to this other "host:port" of ``servers``.

    ``servers``: the addresses of one network's servers. When the link drops, each attempt
    to get back goes to the next of them, round robin (empty or one: the same server).

    Messages the user sends are shown at once as pending, kept while offline and sent
    after the reconnect; with echo-message they stay pending until the echo arrives, and
    one the server refused (or that the link lost) is marked failed, to resend.
    """

    room_opened = Signal(str)
    notice = Signal(str)
    reconnect_scheduled = Signal(float)
    server_changed = Signal(str)
    attention = Signal(str, str, str)  # room, sender, text: a live mention or private message

    def __init__(self, connection: IrcConnection | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.connection = connection or IrcConnection(self)
        self.rooms = RoomModel(self.connection.info, self)
        self.active_room = SERVER_ROOM
        self.autojoin: list[str] = []
        self.history_lines = HISTORY_ON_JOIN
        self._batches: dict[str, tuple[str, list[ChatLine]]] = {}  # chathistory: ref → room
        self.rooms.open(SERVER_ROOM, "server")
        self.connection.message_received.connect(self._on_message)
        self.connection.registered.connect(self._on_registered)
        self.connection.error_occurred.connect(self._on_error)
        self.connection.disconnected.connect(self._on_disconnected)
        self.connection.nick_in_use.connect(self._on_nick_in_use)
        self.backoff_start = BACKOFF_START
        self._backoff = BACKOFF_START
        self._servers: list[tuple[str, int]] = []
        self._reconnecting = False  # the link dropped and we are not back yet
        self.netsplits = NetsplitLines(self._fold, self)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.retry_now)
        self.window_active = True  # the user is looking (the window has focus)
        self.dcc = DccManager(self._send_ctcp, lambda: self.connection.local_address, self)
        self.dcc.offer_received.connect(self._on_file_offered)
        self.dcc.transfer_added.connect(self._on_transfer_added)
        self.files_from_strangers = False  # offers from people in none of our rooms
        self.link_images = LinkImages(self)  # off until the user allows loading links
        self.link_images.ready.connect(self._on_link_image)
        self._image_lines: dict[str, list[tuple[str, ChatLine]]] = {}  # url → where shown
        self._outbox: list[Outgoing] = []
        self._labels = itertools.count(1)
        self._resyncing: set[str] = set()  # folded rooms still catching up after a reconnect
        self._resync_timer = QTimer(self)
        self._resync_timer.setSingleShot(True)
        self._resync_timer.timeout.connect(self._resync_all)
        self._nick_request = ""  # the nick the user asked for with /nick
        self._regain_sent = False
        self._regain_tries = 0
        self.regain_timer = QTimer(self)
        self.regain_timer.setInterval(REGAIN_INTERVAL_MS)
        self.regain_timer.timeout.connect(self._try_regain)
        self.wall_clock: Callable[[], float] = time.time
        self._clock_mark = (self.wall_clock(), time.monotonic())
        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(CLOCK_CHECK_MS)
        self.clock_timer.timeout.connect(self._check_clock)
        self.clock_timer.start()
        network = _network_information()
        if network is not None:
            network.reachabilityChanged.connect(self._on_reachability)
        self._handlers = {
            "JOIN": self._irc_join,
            "PART": self._irc_part,
            "QUIT": self._irc_quit,
            "NICK": self._irc_nick,
            "KICK": self._irc_kick,
            "MODE": self._irc_mode,
            "TOPIC": self._irc_topic,
            "PRIVMSG": self._irc_privmsg,
            "NOTICE": self._irc_notice,
        }

    @property
    def nick(self) -> str:
        return self.connection.nick

    @property
    def servers(self) -> list[tuple[str, int]]:
        """The network's server addresses, tried in order when the link drops."""
        return list(self._servers)

    @servers.setter
    def servers(self, addresses: list[tuple[str, int]]) -> None:
        self._servers = [(str(host), int(port)) for host, port in addresses]

    # ---------------------------------------------------------------- user actions
    @Slot(str, str)
    def send_input(self, text: str, room: str) -> InputResult:
        """What the user typed in ``room``; returns what it became (the UI shows errors)."""
        target = None if room == SERVER_ROOM else room
        result = parse_input(text, target, self.connection.info)
        if result.error:
            self._line(room, ChatLine(datetime.now(UTC), "", result.error, "error"))
        if result.quit is not None:
            self.quit(result.quit)
            return result
        if result.open_query:
            self.rooms.open(result.open_query, "query")
            self.room_opened.emit(result.open_query)
        if result.send_file is not None:
            self.send_file(result.send_file[0], Path(result.send_file[1]).expanduser(), room)
        for line in result.lines:
            try:
                msg = parse(line)
            except ProtocolError:
                continue
            ctcp = parse_ctcp(msg.param(1))
            shown = ctcp is None or ctcp[0] == "ACTION"  # other CTCP is not a message
            if msg.command == "PRIVMSG" and len(msg.params) == 2 and shown:
                self._send_message(msg.param(0), msg.param(1))
                continue
            if self.connection.state != "connected":
                text = f"Not connected: {msg.command} was not sent."
                self._line(room, ChatLine(datetime.now(UTC), "", text, "error"))
                continue
            if msg.command == "NICK":
                self._nick_request = msg.param(0)
            self.connection.send(line)
        return result

    def quit(self, reason: str = "") -> None:
        self._retry.stop()
        self._reconnecting = False
        self.connection.quit(reason or DEFAULT_QUIT)

    def send_file(self, nick: str, path: Path, room: str = "") -> Transfer | None:
        """Offer ``path`` to ``nick`` (DCC SEND); the query room says so (or what is wrong)."""
        where = room or SERVER_ROOM
        if self.connection.state != "connected":
            problem = "Not connected: the file was not offered."
        elif not path.is_file():
            problem = f"No such file: {path}"
        else:
            try:
                transfer = self.dcc.send_file(nick, path)
            except OSError as exc:
                problem = f"Cannot offer {path.name}: {exc}"
            else:
                query = self.rooms.open(nick, "query")
                text = f"Offering {transfer.name} ({human_size(transfer.size)}) to {nick}…"
                self._line(query.name, ChatLine(datetime.now(UTC), "", text, "info"))
                return transfer
        self._line(where, ChatLine(datetime.now(UTC), "", problem, "error"))
        return None

    def _send_ctcp(self, nick: str, text: str, *, notice: bool = False) -> None:
        """A CTCP request (PRIVMSG), or a reply (NOTICE, as DCC REJECT is)."""
        command = "NOTICE" if notice else "PRIVMSG"
        self.connection.send(format_line(None, command, (nick, text), trailing=True))

    @Slot(object)
    def _on_file_offered(self, transfer: Transfer) -> None:
        query = self.rooms.open(transfer.nick, "query")
        size = human_size(transfer.size) if transfer.size >= 0 else "size unknown"
        text = f"{transfer.nick} offers the file {transfer.name} ({size})."
        self._line(query.name, ChatLine(datetime.now(UTC), "", text, "info"))

    @Slot(object)
    def _on_transfer_added(self, transfer: Transfer) -> None:
        transfer.finished.connect(lambda t=transfer: self._on_transfer_finished(t))

    def _on_transfer_finished(self, transfer: Transfer) -> None:
        """A file arrived (or went): said in the private chat, a picture shown there."""
        if transfer.state != "done" or transfer.path is None:
            return
        query = self.rooms.open(transfer.nick, "query")
        if transfer.direction == "receive":
            text = f"Received {transfer.path.name} ({human_size(transfer.done)}), saved in " \
                   f"{transfer.path.parent}"
        else:
            text = f"Sent {transfer.name} ({human_size(transfer.done)}) to {transfer.nick}"
        image = str(transfer.path) if is_image(transfer.path.name) else ""
        self._line(query.name, ChatLine(datetime.now(UTC), "", text, "info", image=image))

    @Slot(str, str)
    def _on_link_image(self, url: str, path: str) -> None:
        """A linked picture arrived: shown under each message that links it."""
        shown = []
        for name, line in self._image_lines.pop(url, []):
            room = self.rooms.get(name)
            if room is None:
                continue
            with_image = replace(line, image=path)
            if room.messages.replace(line, with_image):
                shown.append((name, with_image))
        if shown:
            self._image_lines[url] = shown  # a later message with it reuses the file

    def _shares_a_room(self, nick: str) -> bool:
        return any(
            room.members.find(nick) is not None
            for room in self.rooms.rooms()
            if room.kind == "channel"
        )

    def resend(self, line: ChatLine) -> bool:
        """Send a failed message again (it shows as pending until confirmed)."""
        out = next((o for o in self._outbox if o.line is line and o.state == "failed"), None)
        if out is None:
            return False
        self._restate(out, replace(line, state="pending", time=datetime.now(UTC)))
        out.state = "queued"
        self._flush_outbox()
        return True

    def discard(self, line: ChatLine) -> bool:
        """Forget a failed message."""
        out = next((o for o in self._outbox if o.line is line and o.state == "failed"), None)
        if out is None:
            return False
        self._outbox.remove(out)
        room = self.rooms.get(out.room)
        if room is not None:
            room.messages.remove(line)
        return True

    @property
    def pending(self) -> list[ChatLine]:
        """Own messages not confirmed yet (queued, sent, or failed), oldest first."""
        return [o.line for o in self._outbox]

    def set_window_active(self, active: bool) -> None:
        """The user looks at the window (or stopped): the room in view is read."""
        self.window_active = active
        if active:
            self.mark_read(self.active_room)

    @Slot()
    def network_changed(self) -> None:
        """The network came back or the machine woke: check the link, or retry at once."""
        if self.connection.state == "connected":
            self.connection.probe()
        elif self._retry.isActive():
            self.retry_now()

    # ---------------------------------------------------------------- the outbox
    def _send_message(self, target: str, text: str) -> None:
        ctcp = parse_ctcp(text)
        kind, shown = ("action", ctcp[1]) if ctcp is not None else ("message", text)
        name = target.lstrip(self.connection.info.prefix_symbols) or target
        room = self.rooms.get(name)
        if room is None:
            kind_of_room = "channel" if self.connection.info.is_channel(name) else "query"
            room = self.rooms.open(name, kind_of_room)
            self.room_opened.emit(room.name)
        line = ChatLine(datetime.now(UTC), self.nick, shown, kind, own=True, state="pending")
        self._line(room.name, line)
        self._outbox.append(Outgoing(room.name, target, text, line))
        self._flush_outbox()

    def _flush_outbox(self) -> None:
        """Send what waits, unless offline or its room is still catching up."""
        if self.connection.state != "connected":
            return
        fold = self.connection.info.fold
        for out in list(self._outbox):
            if out.state == "queued" and fold(out.room) not in self._resyncing:
                self._transmit(out)

    def _transmit(self, out: Outgoing) -> None:
        caps = self.connection.caps
        line = format_line(None, "PRIVMSG", (out.target, out.text), trailing=True)
        if "echo-message" not in caps:  # no confirmation will come: sent is shown
            self.connection.send(line)
            self._settle(out, replace(out.line, state="", time=datetime.now(UTC)))
            return
        if "labeled-response" in caps:
            out.label = f"cb{next(self._labels)}"
            line = f"@label={out.label} {line}"
        out.state = "sent"
        self.connection.send(line)

    def _match(self, msg: Message, states: tuple[str, ...]) -> Outgoing | None:
        """The outgoing message ``msg`` (our echo, or our line in history) confirms."""
        label = msg.tags.get("label") if msg.tags else None
        if label:
            return next((o for o in self._outbox if o.label == label), None)
        fold = self.connection.info.fold
        target, text = fold(msg.param(0)), msg.param(1)
        return next(
            (
                o
                for o in self._outbox
                if o.state in states and fold(o.target) == target and o.text == text
            ),
            None,
        )

    def _settle(self, out: Outgoing, line: ChatLine) -> None:
        """``out`` is confirmed: ``line`` (with the server's time and msgid) replaces it."""
        if out in self._outbox:
            self._outbox.remove(out)
        self._restate(out, line)

    def _fail(self, out: Outgoing) -> None:
        out.state = "failed"
        out.label = ""
        self._restate(out, replace(out.line, state="failed"))

    def _restate(self, out: Outgoing, line: ChatLine) -> None:
        room = self.rooms.get(out.room)
        if room is not None:
            room.messages.replace(out.line, line)
        out.line = line

    def _refused(self, msg: Message) -> bool:
        """An error reply to one of our messages: mark it failed (and show the reply)."""
        label = msg.tags.get("label") if msg.tags else None
        out = None
        if label:
            out = next((o for o in self._outbox if o.label == label), None)
        elif msg.command in ("401", "404") and len(msg.params) > 2:  # no such nick, +n/+m
            fold, target = self.connection.info.fold, self.connection.info.fold(msg.param(1))
            out = next(
                (o for o in self._outbox if o.state == "sent" and fold(o.target) == target), None
            )
        if out is None or out.state != "sent":
            return False
        self._fail(out)
        return True

    def _resynced(self, name: str) -> None:
        """``name`` caught up after a reconnect: what the link lost and history did not
        show is failed; what waited is sent now."""
        fold = self.connection.info.fold
        self._resyncing.discard(fold(name))
        for out in list(self._outbox):
            if out.state == "unsure" and fold(out.room) == fold(name):
                self._fail(out)
        self._flush_outbox()

    @Slot()
    def _resync_all(self) -> None:
        for folded in list(self._resyncing):
            self._resynced(folded)

    # ---------------------------------------------------------------- connection events
    @Slot(str)
    def _on_registered(self, nick: str) -> None:
        c = self.connection
        text = f"Connected to {c.host}:{c.port} as {nick}."
        self._line(SERVER_ROOM, ChatLine(datetime.now(UTC), "", text, "info"))
        self._backoff = self.backoff_start
        self._reconnecting = False
        fold = self.connection.info.fold
        rooms = [r.name for r in self.rooms.rooms() if r.kind == "channel" and r.joined]
        self._resyncing = {fold(name) for name in rooms}  # until their catch-up is in
        for channel in dict.fromkeys([*self.autojoin, *rooms]):  # rejoin after a reconnect
            self.connection.send(f"JOIN {channel}")
        for room in self.rooms.rooms():
            if room.kind != "query":
                continue
            seen = self._last_msgid(room)
            if seen and self._can_replay():  # private chats have no JOIN: catch up now
                self._resyncing.add(fold(room.name))
                self.connection.send(
                    f"CHATHISTORY AFTER {room.name} msgid={seen} {self.history_lines}"
                )
            else:
                self._resynced(room.name)
        if self._resyncing:
            self._resync_timer.start(RESYNC_TIMEOUT_MS)
        self._flush_outbox()
        self._check_nick()

    @Slot(str)
    def _on_nick_in_use(self, taken: str) -> None:
        text = f"The nickname {taken} is taken; trying {self.connection.nick}."
        self._line(SERVER_ROOM, ChatLine(datetime.now(UTC), "", text, "info"))

    @Slot(str)
    def _on_error(self, text: str) -> None:
        self._line(SERVER_ROOM, ChatLine(datetime.now(UTC), "", text, "error"))
        self.notice.emit(text)

    @Slot(str)
    def _on_disconnected(self, reason: str) -> None:
        retry_failed = self._reconnecting  # not back yet: one more attempt failed
        self.netsplits.clear()
        for room in self.rooms.rooms():
            room.members.clear()
            if not retry_failed:
                self._line(room.name, ChatLine(datetime.now(UTC), "", reason, "error"))
        if retry_failed:  # said once (the error may be there already), where it is tried
            server_room = self.rooms.get(SERVER_ROOM)
            said = [ln.text for ln in server_room.messages.lines()[-1:]] if server_room else []
            if said != [reason]:
                self._line(SERVER_ROOM, ChatLine(datetime.now(UTC), "", reason, "error"))
        for out in self._outbox:
            if out.state == "sent":  # the echo may never come; the catch-up will tell
                out.state, out.label = "unsure", ""
        self.regain_timer.stop()
        self.notice.emit(reason)
        if self.connection.was_registered and not self.connection.user_left:
            self._reconnecting = True
            self._next_server()
            delay = self._backoff * random.uniform(0.8, 1.2)  # jitter: not all at once
            self._backoff = min(self._backoff * 2, BACKOFF_MAX)
            self._retry.start(int(delay * 1000))
            self.reconnect_scheduled.emit(delay)

    def _next_server(self) -> None:
        """Point the connection at the address after the current one in ``servers``."""
        if not self._servers:
            return
        c = self.connection
        here = (c.host, c.port)
        index = self._servers.index(here) + 1 if here in self._servers else 0
        index %= len(self._servers)
        if self._servers[index] == here:
            return
        c.host, c.port = self._servers[index]
        where = f"{c.host}:{c.port}"
        text = f"Next try: {where} (server {index + 1} of {len(self._servers)})."
        self._line(SERVER_ROOM, ChatLine(datetime.now(UTC), "", text, "info"))
        log.info("failing over to %s", where)
        self.server_changed.emit(where)

    @Slot()
    def retry_now(self) -> None:
        """Reconnect at once (the "Retry now" button, or the backoff timer)."""
        self._retry.stop()
        if self.connection.state == "disconnected":
            self.reconnect_scheduled.emit(0.0)
            self.connection.reconnect()

    @Slot(object)
    def _on_message(self, msg: Message) -> None:
        if msg.command == "BATCH":
            self._irc_batch(msg)
            return
        batch = msg.tags.get("batch") if msg.tags else None
        if batch in self._batches and msg.command in ("PRIVMSG", "NOTICE"):
            self._history_line(self._batches[batch], msg)
            return
        if msg.command == "FAIL" and msg.param(0) == "CHATHISTORY":
            for name in msg.params[1:-1]:  # the target is among the parameters
                if self.connection.info.fold(name) in self._resyncing:
                    self._resynced(name)
        if (msg.command.isdecimal() and msg.command[0] in "45") or msg.command == "FAIL":
            self._refused(msg)
        handler = self._handlers.get(msg.command)
        if handler is not None:
            handler(msg)
        elif msg.command.isdecimal():
            self._irc_numeric(msg)

    # ---------------------------------------------------------------- IRC events
    def _irc_join(self, msg: Message) -> None:
        nick, channel = nick_of(msg.source), msg.param(0)
        me = self.connection.is_me(nick)
        if me:
            room = self.rooms.open(channel, "channel")
            room.joined = True
            self.room_opened.emit(room.name)
        room_or_none = self.rooms.get(channel)
        if room_or_none is None:
            return
        room_or_none.members.add(nick)
        if me and self._can_replay():
            seen = self._last_msgid(room_or_none)
            if seen:  # back after a drop: everything after the last line we have
                self.connection.send(
                    f"CHATHISTORY AFTER {channel} msgid={seen} {self.history_lines}"
                )
            else:
                self.connection.send(f"CHATHISTORY LATEST {channel} * {self.history_lines}")
        elif me:
            self._resynced(channel)
        when, address = message_time(msg), address_of(msg.source)
        if me or not self.netsplits.join(room_or_none, nick, when, address):
            self._event(room_or_none, msg, f"{nick} joined {channel}", "join")

    def _irc_part(self, msg: Message) -> None:
        nick, channel = nick_of(msg.source), msg.param(0)
        room = self.rooms.get(channel)
        if room is None:
            return
        if self.connection.is_me(nick):
            self._left(room, msg, f"You left {channel}", "part")
            return
        room.members.remove(nick)
        self._event(room, msg, f"{nick} left {channel}{reason_of(msg, 1)}", "part")

    def _irc_quit(self, msg: Message) -> None:
        nick = nick_of(msg.source)
        self._nick_freed(nick)
        servers = split_servers(msg.param(0))
        for room in self.rooms.rooms():
            if not room.members.remove(nick):
                continue
            if servers is None:
                self._event(room, msg, f"{nick} quit{reason_of(msg, 0)}", "quit")
            else:  # a netsplit: one line for all who leave with it
                self.netsplits.quit(room, nick, servers, message_time(msg), address_of(msg.source))

    def _irc_nick(self, msg: Message) -> None:
        old, new = nick_of(msg.source), msg.param(0)
        if self.connection.is_me(new):  # the connection has taken the change already
            fold = self.connection.info.fold
            if self._nick_request and fold(self._nick_request) == fold(new):
                self.connection.wanted_nick, self._nick_request = new, ""
            self._check_nick()
        else:
            self._nick_freed(old)
        for room in self.rooms.rooms():
            if room.members.rename(old, new):
                self._event(room, msg, f"{old} is now known as {new}", "nick")
        query = self.rooms.get(old)
        if query is not None and query.kind == "query":
            query.name = new
            self.rooms.changed(query)

    def _irc_kick(self, msg: Message) -> None:
        channel, target = msg.param(0), msg.param(1)
        room = self.rooms.get(channel)
        if room is None:
            return
        by, reason = nick_of(msg.source), reason_of(msg, 2)
        if self.connection.is_me(target):
            self._left(room, msg, f"You were kicked from {channel} by {by}{reason}", "kick")
            return
        room.members.remove(target)
        self._event(room, msg, f"{target} was kicked by {by}{reason}", "kick")

    def _irc_mode(self, msg: Message) -> None:
        target = msg.param(0)
        room = self.rooms.get(target)
        if room is None or room.kind != "channel":
            return
        info = self.connection.info
        chanmodes = [*(info.tokens.get("CHANMODES") or "beI,k,l,").split(","), "", "", ""]
        always, when_set = chanmodes[0] + chanmodes[1], chanmodes[2]
        sign, args = "+", list(msg.params[2:])
        for letter in msg.param(1):
            if letter in "+-":
                sign = letter
            elif letter in info.prefix_modes and args:
                room.members.set_mode(args.pop(0), letter, sign == "+")
            elif args and (letter in always or (letter in when_set and sign == "+")):
                args.pop(0)
        text = " ".join(msg.params[1:])
        self._event(room, msg, f"{nick_of(msg.source)} sets mode {text}", "mode")

    def _irc_topic(self, msg: Message) -> None:
        room = self.rooms.get(msg.param(0))
        if room is None:
            return
        room.topic = msg.param(1)
        self.rooms.changed(room)
        self._event(room, msg, f"{nick_of(msg.source)} changed the topic to: {room.topic}", "topic")

    def _irc_privmsg(self, msg: Message) -> None:
        sender, target, text = nick_of(msg.source), msg.param(0), msg.param(1)
        kind = "message"
        own = self.connection.is_me(sender)
        out = self._match(msg, ("sent", "unsure")) if own else None
        ctcp = parse_ctcp(text)
        if ctcp is not None and ctcp[0] == "DCC" and not own:
            if self.files_from_strangers or self._shares_a_room(sender):
                self.dcc.handle_ctcp(sender, ctcp[1])
            else:
                note = f"{sender} (in none of your rooms) offered a file: ignored."
                self._line(SERVER_ROOM, ChatLine(message_time(msg), "", note, "info"))
            return
        if ctcp is not None:
            if ctcp[0] != "ACTION":
                return  # other CTCP (VERSION, PING …) is not shown
            kind, text = "action", ctcp[1]
        if out is not None:  # the echo of a message we sent: confirmed
            stamp, msgid = message_time(msg), msg.tags.get("msgid", "")
            self._settle(out, ChatLine(stamp, sender, text, kind, True, msgid))
            return
        target = target.lstrip(self.connection.info.prefix_symbols) or target
        channel = self.connection.info.is_channel(target)
        name = target if channel or own else sender
        room = self.rooms.get(name)
        if room is None:
            room = self.rooms.open(name, "channel" if channel else "query")
            self.room_opened.emit(room.name)
        line = ChatLine(message_time(msg), sender, text, kind, own, msg.tags.get("msgid", ""))
        if not self._line(room.name, line):
            return  # seen already
        for url in self.link_images.fetch_from(text):
            self._image_lines.setdefault(url, []).append((room.name, line))
        if own:
            return  # our own: nothing to draw attention to
        info = self.connection.info
        if not channel or mentions(text, self.nick, info.fold):
            self.attention.emit(room.name, sender, text)

    def _irc_notice(self, msg: Message) -> None:
        sender, target = nick_of(msg.source), msg.param(0)
        ctcp = parse_ctcp(msg.param(1))
        if ctcp is not None:  # a CTCP reply: DCC REJECT means an offer was declined
            if ctcp[0] == "DCC" and self._shares_a_room(sender):
                self.dcc.handle_ctcp(sender, ctcp[1])
            return
        room = self.rooms.get(target) if self.connection.info.is_channel(target) else None
        line = ChatLine(message_time(msg), sender, msg.param(1), "notice")
        self._line(room.name if room is not None else SERVER_ROOM, line)

    def _irc_numeric(self, msg: Message) -> None:
        code = msg.command
        if code in ("433", "432", "437") and self._regain_sent:
            self._regain_sent = False  # our quiet attempt to get our nick back
            return
        if code in ("433", "432"):
            self._nick_request = ""
            if self.connection.state == "registering":
                return  # the connection tries another nick, and nick_in_use says so
        if code == "332":
            room = self.rooms.get(msg.param(1))
            if room is not None:
                room.topic = msg.param(2)
                self.rooms.changed(room)
            return
        if code == "353":
            room = self.rooms.get(msg.param(2))
            if room is not None:
                for item in msg.param(3).split():
                    modes, nick = self.connection.info.split_prefix(item)
                    room.members.add(nick.partition("!")[0], modes)
            return
        if code in ("333", "366", "005", "004", "329", "324", "315", "352", "354"):
            return
        text = msg.params[-1] if msg.params else ""
        if code in ("252", "253", "254") and len(msg.params) > 2:  # "3 channels formed"
            text = f"{msg.params[1]} {text}"
        elif code[0] == "4" and len(msg.params) > 2:
            text = f"{msg.params[1]}: {text}"
        kind = "error" if code[0] in "45" and code != "422" else "info"  # 422: no MOTD
        where = self.active_room if kind == "error" else SERVER_ROOM
        self._line(where, ChatLine(message_time(msg), "", text, kind))

    # ---------------------------------------------------------------- history
    def _can_replay(self) -> bool:
        return {"draft/chathistory", "batch"} <= self.connection.caps and self.history_lines > 0

    def _irc_batch(self, msg: Message) -> None:
        ref = msg.param(0)
        if ref.startswith("+") and msg.param(1) == "chathistory":
            self._batches[ref[1:]] = (msg.param(2), [])
        elif ref.startswith("-") and ref[1:] in self._batches:
            name, lines = self._batches.pop(ref[1:])
            room = self.rooms.get(name)
            if room is not None:
                room.messages.merge_history(lines)
            self._resynced(name)

    def _history_line(self, batch: tuple[str, list[ChatLine]], msg: Message) -> None:
        """A replayed message: kept for the merge at the end of the batch; never unread."""
        sender, text = nick_of(msg.source), msg.param(1)
        kind = "notice" if msg.command == "NOTICE" else "message"
        ctcp = parse_ctcp(text)
        if ctcp is not None:
            if ctcp[0] != "ACTION":
                return
            kind, text = "action", ctcp[1]
        own = self.connection.is_me(sender)
        out = self._match(msg, ("unsure",)) if own else None
        if out is not None:  # it did get through before the link dropped
            stamp, msgid = message_time(msg), msg.tags.get("msgid", "")
            self._settle(out, ChatLine(stamp, sender, text, kind, True, msgid))
            return
        batch[1].append(
            ChatLine(
                message_time(msg), sender, text, kind, own, msg.tags.get("msgid", ""), history=True
            )
        )

    # ---------------------------------------------------------------- our nick back
    def _check_nick(self) -> None:
        """Registered under a fallback (alice_: our old connection's ghost still held
        alice): try for the wanted nick now and then until we have it."""
        c = self.connection
        if c.state == "connected" and c.wanted_nick and not c.is_me(c.wanted_nick):
            if not self.regain_timer.isActive():
                self._regain_tries = 0
                self.regain_timer.start()
        else:
            self.regain_timer.stop()

    def _nick_freed(self, nick: str) -> None:
        c = self.connection
        fold = c.info.fold
        if c.state == "connected" and c.wanted_nick and fold(nick) == fold(c.wanted_nick):
            self._try_regain()

    @Slot()
    def _try_regain(self) -> None:
        self._regain_tries += 1
        if self._regain_tries > REGAIN_TRIES or self.connection.state != "connected":
            self.regain_timer.stop()
            return
        self._regain_sent = True
        self.connection.send(f"NICK {self.connection.wanted_nick}")

    # ---------------------------------------------------------------- waking up
    @Slot()
    def _check_clock(self) -> None:
        """Monotonic time stops while the machine sleeps and wall time does not: a jump
        between the two means we woke up (the link is probably dead)."""
        wall, mono = self.wall_clock(), time.monotonic()
        jump = (wall - self._clock_mark[0]) - (mono - self._clock_mark[1])
        self._clock_mark = (wall, mono)
        if abs(jump) > WAKE_JUMP_S:
            log.info("the clock jumped %.0f s: checking the link", jump)
            self.network_changed()

    @Slot(QNetworkInformation.Reachability)
    def _on_reachability(self, reachability: QNetworkInformation.Reachability) -> None:
        if reachability == QNetworkInformation.Reachability.Online:
            self.network_changed()

    # ---------------------------------------------------------------- helpers
    def _fold(self, name: str) -> str:
        return self.connection.info.fold(name)  # the info of the server we are on now

    @staticmethod
    def _last_msgid(room: Room) -> str:
        lines = room.messages.lines()
        return next((ln.msgid for ln in reversed(lines) if ln.msgid), "")

    def _left(self, room: Room, msg: Message, text: str, kind: str) -> None:
        """We are no longer in ``room`` (parted or kicked): it stays, without members."""
        room.joined = False
        room.members.clear()
        self._event(room, msg, text, kind)

    def _event(self, room: Room, msg: Message, text: str, kind: str) -> None:
        self._line(room.name, ChatLine(message_time(msg), nick_of(msg.source), text, kind))

    def _line(self, name: str, line: ChatLine) -> bool:
        """Show ``line`` in room ``name``; False when it was there already (same msgid)."""
        room = self.rooms.get(name) or self.rooms.get(SERVER_ROOM)
        assert room is not None
        if not room.messages.append(line):
            return False
        looking = room.name == self.active_room and self.window_active
        if line.kind in ("message", "action") and not line.own and not looking:
            if not room.unread:
                room.messages.marker = line  # the first unread: a rule above it
            room.unread += 1
            self.rooms.changed(room)
        return True

    def mark_read(self, name: str) -> None:
        room = self.rooms.get(name)
        if room is not None and room.unread:
            room.unread = 0
            self.rooms.changed(room)
