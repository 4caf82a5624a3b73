"""What the user types, beyond the IRC lines the session sends: errors and /help said, the
commands the client does itself (/clear, /close, /ignore, /list's browser), away state.

It remembers the room the last command was typed in, for ``REPLY_WINDOW_S``: the replies
to it (WHOIS, errors …; replies.py) are said there, not in whatever room is on screen
by then.

Signals:
    channel_list_requested(): /list was typed; ``channel_list`` fills as the server answers.
    away_changed(bool, str): the server marked us away (with that message) or back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from app.client.channel_list import ChannelListModel
from app.client.ignore import IgnoreList
from app.client.models import ChatLine
from app.client.replies import Replies
from app.client.text import SERVER_ROOM
from app.protocol.input import DEFAULT_AWAY, InputResult, parse_input
from app.protocol.message import Message, format_line

if TYPE_CHECKING:
    from app.client.liveness import NickKeeper
    from app.client.session import ChatSession


class Commands(QObject):
    """Carries out typed lines for ``session``: see the module's docstring for signals."""

    REPLY_WINDOW_S = 60.0
    channel_list_requested = Signal()
    away_changed = Signal(bool, str)

    def __init__(
        self,
        session: ChatSession,
        nick_keeper: NickKeeper,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(session)
        self._session = session
        self._nick_keeper = nick_keeper
        self._clock = clock
        self.ignores = IgnoreList(self)
        self.channel_list = ChannelListModel(self)
        self.replies = Replies(session, self)
        self.away: str | None = None  # our away message while the server has us away
        self._away_asked = DEFAULT_AWAY  # the message of the last /away
        self._typed: tuple[str, float] | None = None  # room, when
        session.connection.registered.connect(self._on_registered)

    # ---------------------------------------------------------------- typed lines
    def parse(self, text: str, room: str) -> InputResult:
        """What the user typed in ``room``: its errors and help said there, and what the
        client does itself done; the session sends the lines (through :meth:`sending`)."""
        s = self._session
        result = parse_input(text, None if room == SERVER_ROOM else room, s.connection.info)
        if result.error:
            self._say(room, result.error, "error")
        for line in result.info:
            self._say(room, line)
        if result.local:
            self._local(result.local, room)
        return result

    def sending(self, msg: Message, room: str) -> None:
        """A command typed in ``room`` goes to the server now: its replies are said there."""
        if msg.command == "NICK":
            self._nick_keeper.request = msg.param(0)
        elif msg.command == "AWAY" and msg.params:
            self._away_asked = msg.param(0)
        self._typed = (room, self._clock())
        self.replies.sent(msg)

    def reply_room(self) -> str:
        """Where a reply goes: the room the last command was typed in, when that was less
        than REPLY_WINDOW_S ago and the room is still open; else the room on screen."""
        if self._typed is not None:
            room, at = self._typed
            if self._clock() - at < self.REPLY_WINDOW_S and self._session.rooms.get(room):
                return room
        return self._session.active_room

    # ---------------------------------------------------------------- local commands
    def _local(self, local: tuple[str, ...], room: str) -> None:
        what, args = local[0], local[1:]
        if what == "clear":
            self.clear(room)
        elif what == "close":
            self.close(room)
        elif what == "list":
            if self._session.connection.state == "connected":
                self.channel_list_requested.emit()
        elif what == "ignore" and not args:
            masks = self.ignores.masks()
            self._say(room, "You ignore: " + ", ".join(masks) if masks else
                      "You ignore no one. /ignore nick hides what someone sends.")
        elif what == "ignore":
            for mask in args:
                added = self.ignores.add(mask)
                self._say(room, f"Ignoring {mask}: their messages, notices and file offers "
                          f"are hidden. /unignore {mask} shows them again." if added else
                          f"You ignore {mask} already.")
        elif what == "unignore":
            for mask in args:
                if self.ignores.remove(mask):
                    self._say(room, f"No longer ignoring {mask}.")
                else:
                    self._say(room, f"You were not ignoring {mask}.", "error")

    def clear(self, name: str) -> None:
        """/clear: the room's lines go from the window (own unconfirmed ones stay)."""
        room = self._session.rooms.get(name)
        if room is None:
            return
        model = room.messages
        model.flush()
        for line in reversed(model.lines()):  # from the end: each is found at once
            if not line.state:
                model.remove(line)

    def close(self, name: str) -> None:
        """/close: a channel is left first; the server's room stays."""
        s = self._session
        room = s.rooms.get(name)
        if room is None:
            return
        if room.kind == "server":
            self._say(name, "The server's room stays open; /quit disconnects.", "error")
            return
        if room.kind == "channel" and room.joined and s.connection.state == "connected":
            s.connection.send(format_line(None, "PART", (room.name,)))
        s.rooms.close(room.name)

    # ---------------------------------------------------------------- away
    def set_away(self, away: bool) -> None:
        """The server confirmed it (306 away, 305 back)."""
        message = self._away_asked if away else ""
        self.away = message if away else None
        text = f"You are marked as away ({message}). /back when you return." if away else (
            "You are back."
        )
        self._say(self.reply_room(), text)
        self.replies.set_away(self._session.nick, away)
        self.away_changed.emit(away, message)

    @Slot(str)
    def _on_registered(self, _nick: str) -> None:
        """A new connection knows nothing of our away: say it again."""
        if self.away is not None:
            self._session.connection.send(format_line(None, "AWAY", (self.away,), trailing=True))

    # ---------------------------------------------------------------- helpers
    def _say(self, room: str, text: str, kind: str = "info") -> None:
        self._session.add_line(room, ChatLine(datetime.now(UTC), "", text, kind))

    def ignored(self, msg: Message) -> bool:
        """Whether ``msg`` (a message, notice, CTCP or file offer) is from someone the user
        ignores: then it is dropped."""
        return self.ignores.matches(msg.source) and not self._session.connection.is_me(
            msg.source.partition("!")[0] if msg.source else ""
        )
