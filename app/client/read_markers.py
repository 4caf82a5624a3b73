"""Read markers (IRCv3 draft/read-marker): where the user stopped reading each room, shared
by all the devices logged in to one account.

Ours: when a room is read (``session.mark_read``) the time of its newest message goes to
the server as ``MARKREAD <room> timestamp=…``, only when that moves the marker forward;
lines that arrive while the user looks at their room are read too, told at most every
SEEN_MS. A private chat's marker is asked for (``MARKREAD <nick>``) when it opens and on
each registration; a channel's comes with its JOIN.

Theirs: a ``MARKREAD`` from the server moves the marker on. A live one (another device
read the room) takes away the unread count, the highlights and the "New messages" rule,
keeping only the unread lines after the marker, and says ``read_elsewhere(room)`` so the
UI withdraws a notification. The one after our JOIN (or our ask) says where the user
stopped on any device: the room's lines after it, history included, are its unread ones,
counted again once the catch-up batch that follows is merged. ``*`` (nothing read yet)
leaves the history read, as without the capability.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Slot

from app.client.lines import ChatLine
from app.client.roles import MARKER_ROLE
from app.client.room_model import Room
from app.client.text import nick_of
from app.protocol.message import Message

if TYPE_CHECKING:
    from app.client.session import ChatSession

log = logging.getLogger("chatbox.client")

CAP = "draft/read-marker"
SEEN_MS = 500  # lines read as they come: one MARKREAD for a burst of them
COUNTED = ("message", "action")  # the kinds that count as unread (RoomModel.add_line)
MARKED = ("message", "action", "notice")  # the kinds a marker may point at


def parse_timestamp(text: str) -> datetime | None:
    """``timestamp=YYYY-MM-DDThh:mm:ss.sssZ`` as an aware datetime; None for ``*`` or
    anything malformed."""
    if not text.startswith("timestamp="):
        return None
    stamp = text[len("timestamp="):]
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return _utc(when)


def format_timestamp(when: datetime) -> str:
    """``timestamp=YYYY-MM-DDThh:mm:ss.sssZ`` (server-time's form, milliseconds, UTC)."""
    when = _utc(when)
    return f"timestamp={when:%Y-%m-%dT%H:%M:%S}.{when.microsecond // 1000:03d}Z"


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


class ReadMarkers(QObject):
    """The read markers of ``session``'s rooms; it emits ``session.read_elsewhere``."""

    def __init__(self, session: ChatSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._markers: dict[str, datetime] = {}  # folded room → the newest marker known
        self._fresh: set[str] = set()  # rooms whose marker is asked for (JOIN, MARKREAD get)
        self._settle: set[str] = set()  # rooms whose catch-up is counted when merged
        self._seen: set[str] = set()  # rooms read as lines came, not told yet
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEEN_MS)
        self._timer.timeout.connect(self._tell_seen)
        session.connection.registered.connect(self._on_registered)
        session.room_opened.connect(self._on_room_opened)

    @property
    def available(self) -> bool:
        c = self._session.connection
        return CAP in c.caps and c.state == "connected"

    def marker(self, room: str) -> datetime | None:
        """The newest read marker known for ``room``."""
        return self._markers.get(self._fold(room))

    # ---------------------------------------------------------------- ours
    def read(self, name: str) -> None:
        """Room ``name`` has been read up to its newest message: tell the server, if that
        moves the marker forward."""
        self._seen.discard(self._fold(name))
        room = self._session.rooms.get(name)
        if room is None or not self.available or not _shared(room):
            return
        newest = _newest(room)
        key = self._fold(room.name)
        known = self._markers.get(key)
        if newest is None or (known is not None and newest <= known):
            return
        self._markers[key] = newest
        self._session.connection.send(f"MARKREAD {room.name} {format_timestamp(newest)}")

    def seen(self, name: str) -> None:
        """A line came in room ``name`` while the user looked at it: read (told soon)."""
        if self.available:
            self._seen.add(self._fold(name))
            if not self._timer.isActive():
                self._timer.start()

    @Slot()
    def _tell_seen(self) -> None:
        for key in list(self._seen):
            room = self._session.rooms.get(key)
            self._seen.discard(key)
            if room is not None:
                self.read(room.name)

    @Slot(str)
    def _on_registered(self, _nick: str) -> None:
        self._fresh.clear()
        self._settle.clear()
        if CAP not in self._session.connection.caps:
            return
        for room in self._session.rooms.rooms():
            if room.kind == "query":
                self._ask(room.name)

    @Slot(str)
    def _on_room_opened(self, name: str) -> None:
        room = self._session.rooms.get(name)
        if room is not None and room.kind == "query" and self.available:
            self._ask(room.name)

    def _ask(self, nick: str) -> None:
        self._fresh.add(self._fold(nick))
        self._session.connection.send(f"MARKREAD {nick}")

    # ---------------------------------------------------------------- theirs
    def heard(self, msg: Message) -> bool:
        """Look at every message from the server; True for MARKREAD and its errors (only
        for us)."""
        command = msg.command
        if command == "JOIN" and self._session.connection.is_me(nick_of(msg.source)):
            if CAP in self._session.connection.caps:
                self._fresh.add(self._fold(msg.param(0)))
            return False
        if command == "FAIL" and msg.param(0) == "MARKREAD":
            log.info("MARKREAD refused: %s", " ".join(msg.params[1:]))
            return True
        if command != "MARKREAD":
            return False
        target, stamp = msg.param(0), msg.param(1)
        when = parse_timestamp(stamp)
        if not target or (when is None and stamp != "*"):
            log.debug("MARKREAD ignored: %s", " ".join(msg.params))
            return True
        self._marked(target, when)
        return True

    def _marked(self, target: str, when: datetime | None) -> None:
        key = self._fold(target)
        fresh = key in self._fresh
        self._fresh.discard(key)
        if fresh:
            self._settle.add(key)
        if when is None:
            return  # nothing read yet anywhere: the history stays read
        known = self._markers.get(key)
        moved = known is None or when > known
        if not moved and not fresh:
            return  # what we told it ourselves, or older
        if moved:
            self._markers[key] = when
        room = self._session.rooms.get(target)
        if room is None:
            return
        self._recount(room, self._markers[key], grow=fresh)
        if moved and not fresh:
            self._session.read_elsewhere.emit(room.name)

    def history_merged(self, name: str) -> None:
        """A catch-up batch of room ``name`` was merged: after our JOIN (or ask), count
        its lines after the marker as unread."""
        key = self._fold(name)
        if key not in self._settle:
            return
        self._settle.discard(key)
        room = self._session.rooms.get(name)
        marker = self._markers.get(key)
        if room is not None and marker is not None:
            self._recount(room, marker, grow=True)

    def _recount(self, room: Room, marker: datetime, *, grow: bool) -> None:
        """``room``'s unread lines are those after ``marker``: with ``grow`` every such line
        (the marker just came with a JOIN), else only some of those already unread."""
        s = self._session
        lines = room.messages.lines()
        looking = room.name == s.active_room and s.window_active
        if grow:
            after = [ln for ln in lines if _counts(ln) and _utc(ln.time) > marker]
            unread = 0 if looking else len(after)
        else:
            if not room.unread and room.messages.marker is None:
                return
            after = [ln for ln in _unread_lines(room, lines) if _utc(ln.time) > marker]
            unread = min(room.unread, len(after))
        kept = after[len(after) - unread:] if unread else []
        highlights = sum(1 for ln in kept if self._highlight(room, ln))
        if not grow:
            highlights = min(room.highlights, highlights)
        rule = kept[0] if kept else (after[0] if after and looking else None)
        if (unread, highlights) != (room.unread, room.highlights):
            room.unread, room.highlights = unread, highlights
            s.rooms.changed(room)
        if rule is not room.messages.marker:
            room.messages.marker = rule
            rows = room.messages.rowCount()
            if rows:  # redraw the rule where it was and where it is now
                first, last = room.messages.index(0), room.messages.index(rows - 1)
                room.messages.dataChanged.emit(first, last, [MARKER_ROLE])
        if grow and looking:
            self.read(room.name)  # the user sees them now

    def _highlight(self, room: Room, line: ChatLine) -> bool:
        s = self._session
        if room.kind == "query":
            return True
        return s.attention_rule.mentions(line.text, s.nick, s.connection.info.fold)

    def _fold(self, name: str) -> str:
        return self._session.connection.info.fold(name)


def _counts(line: ChatLine) -> bool:
    return line.kind in COUNTED and not line.own


def _unread_lines(room: Room, lines: list[ChatLine]) -> list[ChatLine]:
    """The lines counted unread now: from the rule on, else the newest ``room.unread``."""
    rule = room.messages.marker
    start = next((i for i in range(len(lines) - 1, -1, -1) if lines[i] is rule), None)
    if start is not None:
        return [ln for ln in lines[start:] if _counts(ln)]
    counted = [ln for ln in lines if _counts(ln)]
    return counted[len(counted) - room.unread:] if room.unread else []


def _newest(room: Room) -> datetime | None:
    """The time of ``room``'s newest message the server gave a time and an id."""
    times = [_utc(ln.time) for ln in room.messages.lines() if ln.msgid and ln.kind in MARKED]
    return max(times, default=None)


def _shared(room: Room) -> bool:
    """A room the server keeps a marker of: a channel we are in, or a private chat."""
    return room.kind == "query" or (room.kind == "channel" and room.joined)
