"""The lines of one room as an item model, with a window over the newest of them.

Messages arrive in bursts (history, a busy channel): the model collects them and inserts
them in one batch, one beginInsertRows for the lot (QT-NOTES.md).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt, QTimer

from app.client.lines import ChatLine
from app.client.roles import (
    KIND_ROLE,
    LINE_ROLE,
    MARKER_ROLE,
    OWN_ROLE,
    SENDER_ROLE,
    TEXT_ROLE,
    TIME_ROLE,
    Index,
)


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
