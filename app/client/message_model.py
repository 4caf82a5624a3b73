"""The lines of one room as an item model, with a window over the newest of them.

Messages arrive in bursts (history, a busy channel): the model collects them and inserts
them in one batch, one beginInsertRows for the lot (QT-NOTES.md).

Lines are frozen: a reaction, a redaction or a reply's preview of its parent is a new line in
the old one's place (:meth:`MessageModel.replace`, a dataChanged). Lines are found by msgid
in a dict, and by identity near the end or by bisecting on time, never by a scan of the
room. A change for a line not here yet (a live reaction that beat the history batch holding
its parent) waits under its msgid and is made when the line arrives (:meth:`amend`); a
reply shown before its parent gets the parent's preview when the parent arrives.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import replace as replaced
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt, QTimer

from app.client.lines import ChatLine, ReplyPreview
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

Change = Callable[[ChatLine], ChatLine]  # what becomes of a line (a reaction added …)
PARK_LIMIT = 2000  # msgids with changes waiting for their line: the oldest go first
TAIL = 64  # lines looked at from the end before bisecting (pending own lines are there)
NEAR = 16  # lines looked at either side of where bisecting lands
DELETED = "(message deleted)"


def _time(line: ChatLine) -> Any:
    return line.time


def preview_of(line: ChatLine) -> ReplyPreview:
    """What a reply shows of ``line``: nothing of its text once it is redacted."""
    return ReplyPreview(line.msgid, line.sender, "" if line.redacted else line.text,
                        line.redacted)


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
        self._by_msgid: dict[str, ChatLine] = {}  # every msgid shown (no line twice)
        self._parked: dict[str, list[Change]] = {}  # changes for lines not here yet
        self._replies: dict[str, set[str]] = {}  # parent msgid → msgids of its replies
        self._reacted: dict[str, str] = {}  # a reaction's msgid → the msgid it reacts to
        self._marker: ChatLine | None = None
        self.follow = True  # the view is at the bottom: keep the window short
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.FLUSH_MS)
        self._timer.timeout.connect(self.flush)

    @property
    def marker(self) -> ChatLine | None:
        """The first unread line, drawn under a rule (None: no rule)."""
        return self._marker

    @marker.setter
    def marker(self, line: ChatLine | None) -> None:
        self._marker = None if line is None else self.current(line)

    # ---------------------------------------------------------------- by msgid
    def line_for(self, msgid: str) -> ChatLine | None:
        """The line with this msgid as it is now (pending ones included), or None."""
        return self._by_msgid.get(msgid) if msgid else None

    def current(self, line: ChatLine) -> ChatLine:
        """``line`` as it is now: a reaction or a preview may have replaced it since."""
        return self._by_msgid.get(line.msgid, line) if line.msgid else line

    def reply_preview(self, msgid: str) -> ReplyPreview:
        """What a reply to ``msgid`` shows of it (sender "" while it is not here)."""
        parent = self.line_for(msgid)
        return preview_of(parent) if parent is not None else ReplyPreview(msgid)

    def parent_of_reaction(self, msgid: str) -> str:
        """The msgid of the line a reaction with this msgid was put on, or ""."""
        return self._reacted.get(msgid, "")

    def amend(self, msgid: str, change: Change) -> bool:
        """Make ``change`` to the line with ``msgid``: now (True), or when it arrives."""
        line = self.line_for(msgid)
        if line is None:
            if msgid not in self._parked and len(self._parked) >= PARK_LIMIT:
                del self._parked[next(iter(self._parked))]
            self._parked.setdefault(msgid, []).append(change)
            return False
        new = change(line)
        if new is not line:
            self.replace(line, new)
        return True

    def _index(self, line: ChatLine) -> None:
        if not line.msgid:
            return
        self._by_msgid[line.msgid] = line
        if line.reply_to:
            self._replies.setdefault(line.reply_to, set()).add(line.msgid)
        for reaction in line.reactions:
            if reaction.msgid:
                self._reacted[reaction.msgid] = line.msgid

    def _unindex(self, line: ChatLine) -> None:
        if line.msgid and self._by_msgid.get(line.msgid) is line:
            del self._by_msgid[line.msgid]

    def _arrived(self, line: ChatLine) -> ChatLine:
        """``line`` with the changes that waited for it."""
        for change in self._parked.pop(line.msgid, ()):
            line = change(line)
        return line

    def _with_preview(self, line: ChatLine) -> ChatLine:
        """``line``, a reply, with the preview of its parent when the parent is here."""
        if not line.reply_to:
            return line
        parent = self.line_for(line.reply_to)
        if parent is None and line.reply is not None:
            return line  # what it was given is all there is to show
        preview = preview_of(parent) if parent is not None else ReplyPreview(line.reply_to)
        return line if preview == line.reply else replaced(line, reply=preview)

    def _refresh_replies(self, msgid: str) -> None:
        """The line ``msgid`` arrived or changed: the replies to it show it as it is."""
        for reply_msgid in list(self._replies.get(msgid, ())):
            reply = self._by_msgid.get(reply_msgid)
            if reply is not None:
                new = self._with_preview(reply)
                if new is not reply:
                    self.replace(reply, new)

    # ---------------------------------------------------------------- adding
    def append(self, line: ChatLine) -> bool:
        """Add ``line`` (False, nothing added, when its msgid is already here); views see
        it within FLUSH_MS (or at flush())."""
        if line.msgid:
            if line.msgid in self._by_msgid:
                return False
            line = self._with_preview(self._arrived(line))
            self._index(line)
        self._pending.append(line)
        if not self._timer.isActive():
            self._timer.start()
        if line.msgid in self._replies:  # replies to it came first
            self._refresh_replies(line.msgid)
        return True

    def merge_history(self, lines: list[ChatLine]) -> int:
        """Put replayed lines in their place by time (not at the end); lines whose msgid is
        already here are skipped. Returns how many were added."""
        fresh: list[ChatLine] = []
        seen: set[str] = set()
        for line in lines:
            if line.msgid:
                if line.msgid in self._by_msgid or line.msgid in seen:
                    continue
                seen.add(line.msgid)
                line = self._arrived(line)
                self._index(line)
            fresh.append(line)
        if not fresh:
            return 0
        self.flush()
        for i, line in enumerate(fresh):  # their parents may have come with them
            if line.reply_to:
                fresh[i] = self._with_preview(line)
                self._index(fresh[i])
        waiting = {m for ln in fresh if ln.msgid in self._replies for m in self._replies[ln.msgid]}
        waiting -= seen  # replies shown before: their parent is here now
        self.beginResetModel()
        self._lines = sorted(self._lines + fresh, key=_time)  # stable
        for i, line in enumerate(self._lines):
            if line.msgid in waiting:
                new = self._with_preview(line)
                if new is not line:
                    self._lines[i] = new
                    self._index(new)
                    if self._marker is line:
                        self._marker = new
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
        old = self._lines[position]  # as it is now
        if self._marker is old:
            self._marker = new
        self._move(position, old, new)
        self._unindex(old)
        self._index(new)
        if new.msgid in self._replies and preview_of(new) != preview_of(old):
            self._refresh_replies(new.msgid)
        return True

    def _move(self, position: int, old: ChatLine, new: ChatLine) -> None:
        """``new`` in place of ``old`` (at ``position``), or lower down by its time."""
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
            return
        self._take(position)  # target shifts up by one with it
        row = max(0, target - self._first)
        self.beginInsertRows(QModelIndex(), row, row)
        self._lines.insert(max(target, self._first), new)
        self.endInsertRows()

    def remove(self, line: ChatLine) -> bool:
        """Take ``line`` out (a failed message the user discarded)."""
        self.flush()
        position = self._find(line)
        if position is None:
            return False
        line = self._lines[position]
        if self._marker is line:
            self._marker = None
        self._unindex(line)
        self._take(position)
        return True

    def _take(self, position: int) -> None:
        row = position - self._first
        if row < 0:
            del self._lines[position]
            self._first -= 1
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._lines[position]
        self.endRemoveRows()

    def marker_row(self) -> int:
        """The row of the first unread line (showing older lines when needed), or -1."""
        if self.marker is None:
            return -1
        self.flush()
        position = self._find(self.marker)
        return -1 if position is None else self.reveal(position)

    def _find(self, line: ChatLine) -> int | None:
        """The position of ``line`` as it is now (:meth:`current`): looked for near the
        end (pending and recent lines), then where its time puts it, then everywhere (a
        line whose local time the server's clock disagrees with)."""
        line = self.current(line)
        lines, n = self._lines, len(self._lines)
        for position in range(n - 1, max(-1, n - 1 - TAIL), -1):
            if lines[position] is line:
                return position
        at = bisect.bisect_left(lines, line.time, key=_time)
        end = min(n, at + NEAR)
        while end < n and lines[end].time == line.time:  # a run of one millisecond
            end += 1
        for position in range(max(0, at - NEAR), end):
            if lines[position] is line:
                return position
        for position in range(n - 1, -1, -1):
            if lines[position] is line:
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
            return line is self._marker
        text = DELETED if line.redacted else line.text  # taken back: kept out of view
        if role == Qt.ItemDataRole.DisplayRole:
            return f"<{line.sender}> {text}" if line.kind == "message" else text
        if role == TIME_ROLE:
            return line.time
        if role == SENDER_ROLE:
            return line.sender
        if role == TEXT_ROLE:
            return text
        if role == KIND_ROLE:
            return line.kind
        if role == OWN_ROLE:
            return line.own
        return None
