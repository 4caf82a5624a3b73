"""The server's channels, as /list streams them in (321 start, 322 one each, 323 end).

A server of thousands of channels sends thousands of 322 lines in a burst: the model
collects them and inserts them in one batch at most every ``FLUSH_MS`` (one
beginInsertRows for the lot, as the message model does; QT-NOTES.md).

Signals:
    started(): a new listing began (the rows so far were cleared).
    finished(int): the listing is complete; that many channels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, QTimer, Signal

from app.client.models import Index
from app.protocol.formatting import strip_formatting

CHANNEL, USERS, TOPIC = range(3)
HEADERS = ("Channel", "Users", "Topic")


@dataclass(frozen=True, slots=True)
class ListedChannel:
    name: str
    users: int
    topic: str  # as it reads: formatting codes taken out


class ChannelListModel(QAbstractTableModel):
    """Columns: the channel's name, its users (an int: sorts as a number), its topic."""

    FLUSH_MS = 50
    started = Signal()
    finished = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ListedChannel] = []
        self._pending: list[ListedChannel] = []
        self.loading = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.FLUSH_MS)
        self._timer.timeout.connect(self.flush)

    # ---------------------------------------------------------------- the listing
    def begin(self) -> None:
        """321: a listing starts; the previous one goes."""
        self._timer.stop()
        self.beginResetModel()
        self._rows.clear()
        self._pending.clear()
        self.endResetModel()
        self.loading = True
        self.started.emit()

    def add(self, name: str, users: int, topic: str) -> None:
        """322 (a server that sends no 321 starts the listing with its first 322)."""
        if not self.loading:
            self.begin()
        self._pending.append(ListedChannel(name, users, strip_formatting(topic)))
        if not self._timer.isActive():
            self._timer.start()

    def end(self) -> None:
        """323: the listing is complete."""
        self.flush()
        self.loading = False
        self.finished.emit(len(self._rows))

    def flush(self) -> None:
        self._timer.stop()
        if not self._pending:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(self._pending) - 1)
        self._rows.extend(self._pending)
        self._pending.clear()
        self.endInsertRows()

    def channels(self) -> list[ListedChannel]:
        return list(self._rows)

    # ---------------------------------------------------------------- the model
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.name, row.users, row.topic)[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == TOPIC:
            return row.topic or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == USERS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(HEADERS)
        ):
            return HEADERS[section]
        return None
