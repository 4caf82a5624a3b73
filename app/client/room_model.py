"""The rooms of a session (channels, private chats, the server's own) as an item model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt

from app.client.lines import ChatLine
from app.client.member_model import MemberModel
from app.client.message_model import MessageModel
from app.client.roles import HIGHLIGHT_ROLE, ROOM_KIND_ROLE, TEXT_ROLE, UNREAD_ROLE, Index
from app.client.text import SERVER_ROOM
from app.protocol.serverinfo import ServerInfo


@dataclass
class Room:
    """A channel, a private chat, or the server's own messages."""

    name: str
    kind: str  # "channel", "query" or "server"
    messages: MessageModel
    members: MemberModel
    topic: str = ""
    unread: int = 0
    highlights: int = 0  # of the unread: mentions of us and private messages
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

    def add_line(self, name: str, line: ChatLine, *, looking: bool) -> bool:
        """Show ``line`` in room ``name`` (the server room when there is none); False when
        it was there already (same msgid). Others' messages count as unread unless the
        user is ``looking`` at that room; the first unread gets the marker rule."""
        room = self.get(name) or self.get(SERVER_ROOM)
        assert room is not None
        if not room.messages.append(line):
            return False
        if line.kind in ("message", "action") and not line.own and not looking:
            if not room.unread:
                room.messages.marker = line  # the first unread: a rule above it
            room.unread += 1
            self.changed(room)
        return True

    def mark_read(self, name: str) -> bool:
        """Room ``name`` has been read: its counts go (True when there were any)."""
        room = self.get(name)
        if room is None or not (room.unread or room.highlights):
            return False
        room.unread = room.highlights = 0
        self.changed(room)
        return True

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
        if role == HIGHLIGHT_ROLE:
            return room.highlights
        if role == ROOM_KIND_ROLE:
            return room.kind
        if role == TEXT_ROLE:
            return room.name
        return None
