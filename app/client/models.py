"""Item models the windows bind to: rooms, members of a room, messages of a room.

Messages arrive in bursts (history, a busy channel): the message model collects them and
inserts them in one batch, one beginInsertRows for the lot (QT-NOTES.md).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)

from app.protocol.serverinfo import ServerInfo

Index = QModelIndex | QPersistentModelIndex

TIME_ROLE = Qt.ItemDataRole.UserRole + 1
SENDER_ROLE = Qt.ItemDataRole.UserRole + 2
TEXT_ROLE = Qt.ItemDataRole.UserRole + 3
KIND_ROLE = Qt.ItemDataRole.UserRole + 4
OWN_ROLE = Qt.ItemDataRole.UserRole + 5
UNREAD_ROLE = Qt.ItemDataRole.UserRole + 6
MODES_ROLE = Qt.ItemDataRole.UserRole + 7
ROOM_KIND_ROLE = Qt.ItemDataRole.UserRole + 8
LINE_ROLE = Qt.ItemDataRole.UserRole + 9  # the ChatLine itself (one call for a delegate)
MARKER_ROLE = Qt.ItemDataRole.UserRole + 10  # True for the first unread line


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One line of a room: a message, an action, a notice, or an event (join, part …)."""

    time: datetime
    sender: str
    text: str
    kind: str = "message"  # message action notice join part quit nick kick mode topic info error
    own: bool = False
    msgid: str = ""
    history: bool = False  # replayed from the server's history, not live
    state: str = ""  # own lines: "pending" (not confirmed yet), "failed" (not sent), or ""
    image: str = ""  # a local image file shown under the text (a received or sent picture)


class MessageModel(QAbstractListModel):
    """The lines of one room, oldest first; the view sees only the newest of them.

    A QListView lays out every row it has again on each insert, so a room of 100,000 lines
    would never show its newest one under load (measured: ``python -m app.bench gui``). The
    model therefore exposes a window: the last ``WINDOW`` lines while the view follows the
    bottom (``follow``), growing by ``PAGE`` older lines at a time on request
    (``fetch_older``). Arrivals are inserted in one batch at most every ``FLUSH_MS``.
    """

    WINDOW = 500
    PAGE = 250
    FLUSH_MS = 50

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lines: list[ChatLine] = []
        self._pending: list[ChatLine] = []
        self._first = 0  # index in _lines of row 0
        self._msgids: set[str] = set()  # every msgid shown: no line twice
        self.marker: ChatLine | None = None  # the first unread line, drawn under a rule
        self.follow = True  # the view is at the bottom: keep the window short
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.FLUSH_MS)
        self._timer.timeout.connect(self.flush)

    def append(self, line: ChatLine) -> bool:
        """Add ``line`` (False, nothing added, when its msgid is already here); views see
        it within FLUSH_MS (or at flush())."""
        if line.msgid:
            if line.msgid in self._msgids:
                return False
            self._msgids.add(line.msgid)
        self._pending.append(line)
        if not self._timer.isActive():
            self._timer.start()
        return True

    def merge_history(self, lines: list[ChatLine]) -> int:
        """Put replayed lines in their place by time (not at the end); lines whose msgid is
        already here are skipped. Returns how many were added."""
        fresh = [ln for ln in lines if not ln.msgid or ln.msgid not in self._msgids]
        if not fresh:
            return 0
        self.flush()
        self._msgids.update(ln.msgid for ln in fresh if ln.msgid)
        self.beginResetModel()
        self._lines = sorted(self._lines + fresh, key=lambda ln: ln.time)  # stable
        self._first = max(0, len(self._lines) - self.WINDOW) if self.follow else 0
        self.endResetModel()
        return len(fresh)

    def flush(self) -> None:
        if not self._pending:
            return
        first_row = len(self._lines) - self._first
        self.beginInsertRows(QModelIndex(), first_row, first_row + len(self._pending) - 1)
        self._lines.extend(self._pending)
        self._pending.clear()
        self.endInsertRows()
        shown = len(self._lines) - self._first
        if self.follow and shown > self.WINDOW + self.PAGE:
            drop = shown - self.WINDOW
            self.beginRemoveRows(QModelIndex(), 0, drop - 1)
            self._first += drop
            self.endRemoveRows()

    def replace(self, old: ChatLine, new: ChatLine) -> bool:
        """Put ``new`` in place of ``old`` (a pending line confirmed or failed). A line
        whose time moved later (sent after a reconnect) moves down to its place by time."""
        self.flush()
        position = self._find(old)
        if position is None:
            return False
        if new.msgid:
            self._msgids.add(new.msgid)
        if self.marker is old:
            self.marker = new
        target = len(self._lines) - 1  # the line to follow: later lines and pending own
        if new.time <= old.time:  # failed, or resent: it stays where it is
            target = position
        while target > position and (  # lines (still in the order typed) stay below
            self._lines[target].time > new.time or self._lines[target].state == "pending"
        ):
            target -= 1
        if target == position:
            self._lines[position] = new
            row = position - self._first
            if row >= 0:
                self.dataChanged.emit(self.index(row), self.index(row))
            return True
        self.remove(old)  # target shifts up by one with it
        row = max(0, target - self._first)
        self.beginInsertRows(QModelIndex(), row, row)
        self._lines.insert(max(target, self._first), new)
        self.endInsertRows()
        return True

    def remove(self, line: ChatLine) -> bool:
        """Take ``line`` out (a failed message the user discarded)."""
        self.flush()
        position = self._find(line)
        if position is None:
            return False
        if self.marker is line:
            self.marker = None
        row = position - self._first
        if row < 0:
            del self._lines[position]
            self._first -= 1
            return True
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._lines[position]
        self.endRemoveRows()
        return True

    def marker_row(self) -> int:
        """The row of the first unread line (showing older lines when needed), or -1."""
        if self.marker is None:
            return -1
        self.flush()
        position = self._find(self.marker)
        return -1 if position is None else self.reveal(position)

    def _find(self, line: ChatLine) -> int | None:
        """The position of this very line (by identity; pending lines are near the end)."""
        for position in range(len(self._lines) - 1, -1, -1):
            if self._lines[position] is line:
                return position
        return None

    def lines(self) -> list[ChatLine]:
        """Every line of the room, pending ones included."""
        return self._lines + self._pending

    @property
    def has_older(self) -> bool:
        return self._first > 0

    def fetch_older(self, count: int = PAGE) -> int:
        """Show up to ``count`` older lines above row 0; returns how many were added."""
        count = min(count, self._first)
        if count:
            self.beginInsertRows(QModelIndex(), 0, count - 1)
            self._first -= count
            self.endInsertRows()
        return count

    def reveal(self, position: int) -> int:
        """The row of line ``position`` (an index into lines()), fetching older lines first
        when it is above the window."""
        self.flush()
        if position < self._first:
            self.fetch_older(self._first - position)
        return position - self._first

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(self._lines) - self._first

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = index.row() + self._first
        if not index.isValid() or not self._first <= row < len(self._lines):
            return None
        line = self._lines[row]
        if role == LINE_ROLE:
            return line
        if role == MARKER_ROLE:
            return line is self.marker
        if role == Qt.ItemDataRole.DisplayRole:
            return f"<{line.sender}> {line.text}" if line.kind == "message" else line.text
        if role == TIME_ROLE:
            return line.time
        if role == SENDER_ROLE:
            return line.sender
        if role == TEXT_ROLE:
            return line.text
        if role == KIND_ROLE:
            return line.kind
        if role == OWN_ROLE:
            return line.own
        return None


@dataclass
class Member:
    nick: str
    modes: str = ""  # membership modes in rank order, e.g. "ov"


class MemberModel(QAbstractListModel):
    """The members of one channel, sorted by prefix rank, then case-folded nick."""

    def __init__(self, info: ServerInfo, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._info = info
        self._members: list[Member] = []
        self._keys: list[tuple[int, str]] = []

    def nicks(self) -> list[str]:
        return [m.nick for m in self._members]

    def find(self, nick: str) -> Member | None:
        folded = self._info.fold(nick)
        return next((m for m in self._members if self._info.fold(m.nick) == folded), None)

    def add(self, nick: str, modes: str = "") -> None:
        existing = self.find(nick)
        if existing is not None:
            self._take(existing)
        self._put(Member(nick, self._info.rank_sorted(modes)))

    def remove(self, nick: str) -> bool:
        member = self.find(nick)
        if member is None:
            return False
        self._take(member)
        return True

    def rename(self, old: str, new: str) -> bool:
        member = self.find(old)
        if member is None:
            return False
        self._take(member)
        self._put(Member(new, member.modes))
        return True

    def set_mode(self, nick: str, mode: str, on: bool) -> None:
        member = self.find(nick)
        if member is None:
            return
        modes = member.modes + mode if on and mode not in member.modes else member.modes
        if not on:
            modes = modes.replace(mode, "")
        self._take(member)
        self._put(Member(member.nick, self._info.rank_sorted(modes)))

    def clear(self) -> None:
        self.beginResetModel()
        self._members.clear()
        self._keys.clear()
        self.endResetModel()

    def _take(self, member: Member) -> None:
        row = self._members.index(member)
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._members[row]
        del self._keys[row]
        self.endRemoveRows()

    def _put(self, member: Member) -> None:
        key = self._info.member_key(member.modes, member.nick)
        row = bisect.bisect(self._keys, key)
        self.beginInsertRows(QModelIndex(), row, row)
        self._members.insert(row, member)
        self._keys.insert(row, key)
        self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(self._members)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._members):
            return None
        member = self._members[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._info.symbol(member.modes) + member.nick
        if role == SENDER_ROLE:
            return member.nick
        if role == MODES_ROLE:
            return member.modes
        return None


@dataclass
class Room:
    """A channel, a private chat, or the server's own messages."""

    name: str
    kind: str  # "channel", "query" or "server"
    messages: MessageModel
    members: MemberModel
    topic: str = ""
    unread: int = 0
    joined: bool = True
    extra: dict[str, str] = field(default_factory=dict)


class RoomModel(QAbstractListModel):
    """The rooms, in the order they were opened; the server room first."""

    def __init__(self, info: ServerInfo, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self._rooms: list[Room] = []

    def rooms(self) -> list[Room]:
        return list(self._rooms)

    def get(self, name: str) -> Room | None:
        folded = self.info.fold(name)
        return next((r for r in self._rooms if self.info.fold(r.name) == folded), None)

    def open(self, name: str, kind: str) -> Room:
        """The room called ``name``, added at the end when it is new."""
        room = self.get(name)
        if room is not None:
            return room
        room = Room(name, kind, MessageModel(self), MemberModel(self.info, self))
        row = len(self._rooms)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rooms.append(room)
        self.endInsertRows()
        return room

    def close(self, name: str) -> None:
        room = self.get(name)
        if room is None:
            return
        row = self._rooms.index(room)
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rooms[row]
        self.endRemoveRows()

    def changed(self, room: Room) -> None:
        """``room``'s name, topic or unread count changed."""
        row = self._rooms.index(room)
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def row_of(self, name: str) -> int:
        room = self.get(name)
        return self._rooms.index(room) if room is not None else -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(self._rooms)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rooms):
            return None
        room = self._rooms[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{room.name} ({room.unread})" if room.unread else room.name
        if role == UNREAD_ROLE:
            return room.unread
        if role == ROOM_KIND_ROLE:
            return room.kind
        if role == TEXT_ROLE:
            return room.name
        return None
