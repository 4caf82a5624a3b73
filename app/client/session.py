"""A chat session: one IrcConnection, and the rooms, members and messages it produces.

Signals:
    room_opened(str): a room appeared (we joined a channel, or a private chat started).
    notice(str): something to tell the user in the status bar (errors in words included).
    server_changed(str): the next attempt goes to this "host:port" of ``servers``.

The session owns the state, takes the user's actions and reconnects; its parts live
beside it: what the server's messages do to the rooms (events.py), own messages until the
server confirms them (outbox.py), our nick back and waking up (liveness.py), and small
wording helpers (text.py, re-exported here).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.client.commands import Commands
from app.client.connection import IrcConnection
from app.client.contacts import Contacts
from app.client.dcc import DccManager
from app.client.events import AttentionRule, IrcEvents, last_msgid
from app.client.link_images import LinkImages
from app.client.liveness import NickKeeper, WakeWatch
from app.client.models import ChatLine, RoomModel
from app.client.netsplit import NetsplitLines
from app.client.outbox import Outbox, Outgoing
from app.client.read_markers import ReadMarkers
from app.client.text import (
    SERVER_ROOM,
    address_of,
    human_size,
    is_image,
    message_time,
    nick_of,
    reason_of,
)
from app.client.transfer import Transfer
from app.client.typing import TypingTracker
from app.protocol.ctcp import parse_ctcp
from app.protocol.errors import ProtocolError
from app.protocol.input import InputResult
from app.protocol.message import Message, format_line, parse

__all__ = [
    "SERVER_ROOM",
    "ChatSession",
    "Outgoing",
    "address_of",
    "human_size",
    "is_image",
    "message_time",
    "nick_of",
    "reason_of",
]

log = logging.getLogger("chatbox.client")

HISTORY_ON_JOIN = 100
BACKOFF_START = 1.0
BACKOFF_MAX = 30.0
DEFAULT_QUIT = "Chatbox"


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
    attention = Signal(str, str, str)  # room, sender, text: live, as attention_rule says
    read_elsewhere = Signal(str)  # room: read on another device (MARKREAD): withdraw its alerts

    def __init__(self, connection: IrcConnection | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.connection = connection or IrcConnection(self)
        self.rooms = RoomModel(self.connection.info, self)
        self.active_room = SERVER_ROOM
        self.autojoin: list[str] = []
        self.history_lines = HISTORY_ON_JOIN
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
        self._outbox = Outbox(self)
        self._nick_keeper = NickKeeper(self.connection, self)
        self._wake = WakeWatch(self)
        self._wake.woke.connect(self.network_changed)
        self._events = IrcEvents(self, self._outbox, self._nick_keeper)
        self.conversation = self._events.conversation  # replies, reactions, redaction
        self.commands = Commands(self, self._nick_keeper)  # typed commands, their replies
        self.attention_rule = AttentionRule()  # the user's highlight words, or every message
        self.typing = TypingTracker(self, self)  # who types where; ours told to the others
        self.read_markers = ReadMarkers(self, self)  # where reading stopped, on every device
        self.contacts = Contacts(self, self)  # watched nicks, online or not (MONITOR)

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

    @property
    def regain_timer(self) -> QTimer:
        """Paces the attempts to get our wanted nick back from a ghost."""
        return self._nick_keeper.timer

    @property
    def clock_timer(self) -> QTimer:
        """Paces the checks of ``wall_clock`` for a wake-up."""
        return self._wake.timer

    @property
    def wall_clock(self) -> Callable[[], float]:
        return self._wake.wall_clock

    @wall_clock.setter
    def wall_clock(self, clock: Callable[[], float]) -> None:
        self._wake.wall_clock = clock

    # ---------------------------------------------------------------- user actions
    @Slot(str, str)
    def send_input(self, text: str, room: str) -> InputResult:
        """What the user typed in ``room``; returns what it became (the UI shows errors)."""
        if "\n" in text:  # several lines: one multiline message, or line by line
            return self.conversation.send_text(text, room)
        result = self.commands.parse(text, room)  # errors, /help, /clear … said and done
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
            shown = ctcp is None or (ctcp[0] == "ACTION" and msg.command == "PRIVMSG")
            if msg.command in ("PRIVMSG", "NOTICE") and len(msg.params) == 2 and shown:
                self._outbox.send(msg.param(0), msg.param(1), msg.command)
                continue
            if self.connection.state != "connected":
                text = f"Not connected: {msg.command} was not sent."
                self.add_line(room, ChatLine(datetime.now(UTC), "", text, "error"))
                continue
            self.commands.sending(msg, room)  # its replies are said in ``room``
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
                self.add_line(query.name, ChatLine(datetime.now(UTC), "", text, "info"))
                return transfer
        self.add_line(where, ChatLine(datetime.now(UTC), "", problem, "error"))
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
        self.add_line(query.name, ChatLine(datetime.now(UTC), "", text, "info"))

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
        self.add_line(query.name, ChatLine(datetime.now(UTC), "", text, "info", image=image))

    def _fetch_link_images(self, name: str, line: ChatLine) -> None:
        """Fetch the pictures ``line`` (shown in room ``name``) links, to show under it."""
        for url in self.link_images.fetch_from(line.text):
            self._image_lines.setdefault(url, []).append((name, line))

    @Slot(str, str)
    def _on_link_image(self, url: str, path: str) -> None:
        """A linked picture arrived: shown under each message that links it."""
        shown = []
        for name, line in self._image_lines.pop(url, []):
            room = self.rooms.get(name)
            if room is None:
                continue
            with_image = replace(room.messages.current(line), image=path)  # reactions since
            if room.messages.replace(line, with_image):
                shown.append((name, with_image))
        if shown:
            self._image_lines[url] = shown  # a later message with it reuses the file

    def resend(self, line: ChatLine) -> bool:
        """Send a failed message again (it shows as pending until confirmed)."""
        return self._outbox.resend(line)

    def discard(self, line: ChatLine) -> bool:
        """Forget a failed message."""
        return self._outbox.discard(line)

    @property
    def pending(self) -> list[ChatLine]:
        """Own messages not confirmed yet (queued, sent, or failed), oldest first."""
        return self._outbox.pending

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

    # ---------------------------------------------------------------- connection events
    @Slot(str)
    def _on_registered(self, nick: str) -> None:
        c = self.connection
        text = f"Connected to {c.host}:{c.port} as {nick}."
        self.add_line(SERVER_ROOM, ChatLine(datetime.now(UTC), "", text, "info"))
        self._backoff = self.backoff_start
        self._reconnecting = False
        rooms = [r.name for r in self.rooms.rooms() if r.kind == "channel" and r.joined]
        self._outbox.begin_resync(rooms)  # until their catch-up is in
        for channel in dict.fromkeys([*self.autojoin, *rooms]):  # rejoin after a reconnect
            self.connection.send(f"JOIN {channel}")
        for room in self.rooms.rooms():
            if room.kind != "query":
                continue
            seen = last_msgid(room)
            if seen and self._events.can_replay():  # private chats have no JOIN: catch up now
                self._outbox.expect_resync(room.name, f"msgid={seen}")
                self.connection.send(
                    f"CHATHISTORY AFTER {room.name} msgid={seen} {self.history_lines}"
                )
            else:
                self._outbox.resynced(room.name)
        self._outbox.resync_requested()
        self._nick_keeper.check()

    @Slot(str)
    def _on_nick_in_use(self, taken: str) -> None:
        text = f"The nickname {taken} is taken; trying {self.connection.nick}."
        self.add_line(SERVER_ROOM, ChatLine(datetime.now(UTC), "", text, "info"))

    @Slot(str)
    def _on_error(self, text: str) -> None:
        self.add_line(SERVER_ROOM, ChatLine(datetime.now(UTC), "", text, "error"))
        self.notice.emit(text)

    @Slot(str)
    def _on_disconnected(self, reason: str) -> None:
        retry_failed = self._reconnecting  # not back yet: one more attempt failed
        self.netsplits.clear()
        for room in self.rooms.rooms():
            room.members.clear()
            if not retry_failed:
                self.add_line(room.name, ChatLine(datetime.now(UTC), "", reason, "error"))
        if retry_failed:  # said once (the error may be there already), where it is tried
            server_room = self.rooms.get(SERVER_ROOM)
            said = [ln.text for ln in server_room.messages.lines()[-1:]] if server_room else []
            if said != [reason]:
                self.add_line(SERVER_ROOM, ChatLine(datetime.now(UTC), "", reason, "error"))
        self._outbox.link_lost()
        self._nick_keeper.stop()
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
        self.add_line(SERVER_ROOM, ChatLine(datetime.now(UTC), "", text, "info"))
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
        self._events.handle(msg)

    # ---------------------------------------------------------------- helpers
    def _fold(self, name: str) -> str:
        return self.connection.info.fold(name)  # the info of the server we are on now

    def add_line(self, name: str, line: ChatLine) -> bool:
        """Show ``line`` in room ``name``; False when it was there already (same msgid)."""
        room = self.rooms.get(name) or self.rooms.get(SERVER_ROOM)
        looking = room is not None and room.name == self.active_room and self.window_active
        if looking and line.msgid:  # read as it comes: the other devices hear of it
            self.read_markers.seen(name)
        return self.rooms.add_line(name, line, looking=looking)

    def mark_read(self, name: str) -> None:
        self.rooms.mark_read(name)
        self.read_markers.read(name)  # MARKREAD, when the marker moves forward
