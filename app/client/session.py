"""A chat session: one IrcConnection, and the rooms, members and messages it produces.

Signals:
    room_opened(str): a room appeared (we joined a channel, or a private chat started).
    notice(str): something to tell the user in the status bar (errors in words included).
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.client.connection import IrcConnection
from app.client.models import ChatLine, Room, RoomModel
from app.protocol.ctcp import parse_ctcp
from app.protocol.errors import ProtocolError
from app.protocol.input import InputResult, parse_input
from app.protocol.message import Message, parse
from app.protocol.names import mentions

log = logging.getLogger("chatbox.client")

SERVER_ROOM = "Server"
HISTORY_ON_JOIN = 100
BACKOFF_START = 1.0
BACKOFF_MAX = 30.0
DEFAULT_QUIT = "Chatbox"


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


def nick_of(source: str | None) -> str:
    return (source or "").partition("!")[0]


class ChatSession(QObject):
    """Signals: room_opened(str), notice(str), and reconnect_scheduled(float): the link
    dropped and we try again in that many seconds (0: trying now)."""

    room_opened = Signal(str)
    notice = Signal(str)
    reconnect_scheduled = Signal(float)
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
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.retry_now)
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
        for line in result.lines:
            self.connection.send(line)
            if "echo-message" not in self.connection.caps:
                self._local_echo(line)
        return result

    def quit(self, reason: str = "") -> None:
        self._retry.stop()
        self.connection.quit(reason or DEFAULT_QUIT)

    def _local_echo(self, line: str) -> None:
        """Without echo-message, show our own messages as we send them."""
        try:
            msg = parse(line)
        except ProtocolError:
            return
        if msg.command == "PRIVMSG" and len(msg.params) == 2:
            self._irc_privmsg(Message("PRIVMSG", msg.params, f"{self.nick}!me@local"), own=True)

    # ---------------------------------------------------------------- connection events
    @Slot(str)
    def _on_registered(self, nick: str) -> None:
        self._line(SERVER_ROOM, ChatLine(datetime.now(UTC), "", f"Connected as {nick}.", "info"))
        self._backoff = self.backoff_start
        rooms = [r.name for r in self.rooms.rooms() if r.kind == "channel" and r.joined]
        for channel in dict.fromkeys([*self.autojoin, *rooms]):  # rejoin after a reconnect
            self.connection.send(f"JOIN {channel}")

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
        for room in self.rooms.rooms():
            room.members.clear()
            self._line(room.name, ChatLine(datetime.now(UTC), "", reason, "error"))
        self.notice.emit(reason)
        if self.connection.was_registered and not self.connection.user_left:
            delay = self._backoff * random.uniform(0.8, 1.2)  # jitter: not all at once
            self._backoff = min(self._backoff * 2, BACKOFF_MAX)
            self._retry.start(int(delay * 1000))
            self.reconnect_scheduled.emit(delay)

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
        handler = self._handlers.get(msg.command)
        if handler is not None:
            handler(msg)
        elif msg.command.isdecimal():
            self._irc_numeric(msg)

    # ---------------------------------------------------------------- IRC events
    def _irc_join(self, msg: Message) -> None:
        nick, channel = nick_of(msg.source), msg.param(0)
        if self.connection.is_me(nick):
            room = self.rooms.open(channel, "channel")
            room.joined = True
            self.room_opened.emit(room.name)
        room_or_none = self.rooms.get(channel)
        if room_or_none is None:
            return
        room_or_none.members.add(nick)
        if self.connection.is_me(nick) and self._can_replay():
            seen = [ln.msgid for ln in room_or_none.messages.lines() if ln.msgid]
            if seen:  # back after a drop: everything after the last line we have
                self.connection.send(
                    f"CHATHISTORY AFTER {channel} msgid={seen[-1]} {self.history_lines}"
                )
            else:
                self.connection.send(f"CHATHISTORY LATEST {channel} * {self.history_lines}")
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
        for room in self.rooms.rooms():
            if room.members.remove(nick):
                self._event(room, msg, f"{nick} quit{reason_of(msg, 0)}", "quit")

    def _irc_nick(self, msg: Message) -> None:
        old, new = nick_of(msg.source), msg.param(0)
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

    def _irc_privmsg(self, msg: Message, *, own: bool = False) -> None:
        sender, target, text = nick_of(msg.source), msg.param(0), msg.param(1)
        kind = "message"
        ctcp = parse_ctcp(text)
        if ctcp is not None:
            if ctcp[0] != "ACTION":
                return  # other CTCP (VERSION, PING …) is not shown
            kind, text = "action", ctcp[1]
        own = own or self.connection.is_me(sender)
        target = target.lstrip(self.connection.info.prefix_symbols) or target
        channel = self.connection.info.is_channel(target)
        name = target if channel or own else sender
        room = self.rooms.get(name)
        if room is None:
            room = self.rooms.open(name, "channel" if channel else "query")
            self.room_opened.emit(room.name)
        line = ChatLine(message_time(msg), sender, text, kind, own, msg.tags.get("msgid", ""))
        if not self._line(room.name, line) or own:
            return  # seen already, or our own: nothing to draw attention to
        info = self.connection.info
        if not channel or mentions(text, self.nick, info.fold):
            self.attention.emit(room.name, sender, text)

    def _irc_notice(self, msg: Message) -> None:
        sender, target = nick_of(msg.source), msg.param(0)
        room = self.rooms.get(target) if self.connection.info.is_channel(target) else None
        line = ChatLine(message_time(msg), sender, msg.param(1), "notice")
        self._line(room.name if room is not None else SERVER_ROOM, line)

    def _irc_numeric(self, msg: Message) -> None:
        code = msg.command
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
        if code[0] == "4" and len(msg.params) > 2:
            text = f"{msg.params[1]}: {text}"
        kind = "error" if code[0] in "45" else "info"
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
        batch[1].append(
            ChatLine(
                message_time(msg), sender, text, kind, own, msg.tags.get("msgid", ""), history=True
            )
        )

    # ---------------------------------------------------------------- helpers
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
        if line.kind in ("message", "action") and not line.own and room.name != self.active_room:
            room.unread += 1
            self.rooms.changed(room)
        return True

    def mark_read(self, name: str) -> None:
        room = self.rooms.get(name)
        if room is not None and room.unread:
            room.unread = 0
            self.rooms.changed(room)
