"""The members of a channel as an item model, sorted by rank, then nick."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt

from app.client.roles import AWAY_ROLE, MODES_ROLE, SENDER_ROLE, Index
from app.protocol.serverinfo import ServerInfo


@dataclass
class Member:
    nick: str
    modes: str = ""  # membership modes in rank order, e.g. "ov"
    away: bool = False


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
        self._put(Member(nick, self._info.rank_sorted(modes), bool(existing and existing.away)))

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
        self._put(Member(new, member.modes, member.away))
        return True

    def set_mode(self, nick: str, mode: str, on: bool) -> None:
        member = self.find(nick)
        if member is None:
            return
        modes = member.modes + mode if on and mode not in member.modes else member.modes
        if not on:
            modes = modes.replace(mode, "")
        self._take(member)
        self._put(Member(member.nick, self._info.rank_sorted(modes), member.away))

    def set_away(self, nick: str, away: bool) -> None:
        """Away members are drawn greyed (AWAY_ROLE)."""
        member = self.find(nick)
        if member is not None and member.away != away:
            member.away = away
            index = self.index(self._members.index(member))
            self.dataChanged.emit(index, index, [AWAY_ROLE])

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
        if role == AWAY_ROLE:
            return member.away
        return None
