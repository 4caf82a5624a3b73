"""Read markers (IRCv3 ``draft/read-marker``): per user and target, the time of the last
message the user read. Pure Python (stdlib ``sqlite3``).

An account's markers are rows of the ``read_markers`` table of ``history.sqlite3``
(app/server/history_schema.py), so they are checked, upgraded and repaired with that file
and survive a restart; each change is written at once (a MARKREAD is rare, and its reply
then means the marker is stored, ``kill -9`` or not). A guest's markers live in memory, keyed
by its connection (``~run.id``, as its private history is), and go when it leaves; when it
logs in they become its account's. A marker never moves backwards, and each owner keeps at
most :data:`MAX_PER_OWNER` (the oldest go first): nick targets need not exist, so nothing
else bounds them.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.server.history import HistoryStore

log = logging.getLogger("chatbox.server")

MAX_PER_OWNER = 1000


class ReadMarkers:
    """Owned by the core beside its history. Methods that read or write the file raise
    :class:`sqlite3.Error` when SQLite fails; nothing is changed then."""

    def __init__(self, history: HistoryStore) -> None:
        self._history = history
        self._guests: dict[str, dict[str, int]] = {}  # "~run.id" → target → ms

    def get(self, owner: str, target: str) -> int | None:
        """``owner``'s marker of the folded ``target`` (ms), None when it has none."""
        if owner.startswith("~"):
            return self._guests.get(owner, {}).get(target)
        row = self._history.database.execute(
            "SELECT ms FROM read_markers WHERE owner = ? AND target = ?", (owner, target)
        ).fetchone()
        return int(row[0]) if row else None

    def advance(self, owner: str, target: str, ms: int) -> tuple[int, bool]:
        """Move the marker forward to ``ms``: the marker now, and whether it moved."""
        current = self.get(owner, target)
        if current is not None and ms <= current:
            return current, False
        if owner.startswith("~"):
            markers = self._guests.setdefault(owner, {})
            markers[target] = ms
            if len(markers) > MAX_PER_OWNER:
                del markers[min(markers, key=markers.__getitem__)]
            return ms, True
        db = self._history.database
        try:
            db.execute("BEGIN")
            db.execute("INSERT OR REPLACE INTO read_markers VALUES (?, ?, ?)", (owner, target, ms))
            if current is None:  # a new target: past the bound, the oldest goes
                db.execute(
                    "DELETE FROM read_markers WHERE owner = ? AND target NOT IN (SELECT target "
                    "FROM read_markers WHERE owner = ? ORDER BY ms DESC LIMIT ?)",
                    (owner, owner, MAX_PER_OWNER),
                )
            db.execute("COMMIT")
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                if db.in_transaction:
                    db.execute("ROLLBACK")
            raise
        return ms, True

    def forget(self, owner: str) -> None:
        """A guest's connection ended: its markers go."""
        self._guests.pop(owner, None)

    def adopt(self, guest: str, owner: str) -> None:
        """The guest ``guest`` logged in as ``owner``: its markers become the account's
        (where the account's are newer, those stay)."""
        for target, ms in self._guests.pop(guest, {}).items():
            try:
                self.advance(owner, target, ms)
            except sqlite3.Error as exc:
                log.warning("read markers: cannot store %s's in %s (%s)", owner,
                            self._history.where, exc)
                return
