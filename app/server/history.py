"""Message history: every PRIVMSG, NOTICE and TAGMSG to a channel or a nick, in SQLite.

Pure Python (stdlib ``sqlite3``, so the headless server loads no GUI library), WAL mode.
With ``autocommit`` every message is committed at once; the Qt server turns it off and calls
:meth:`commit` once per event-loop turn, *before* that turn's bytes go to the sockets: when a
client sees the echo of its message, the message is in the database and survives a restart
or a ``kill -9`` of the server (one executemany and commit per turn: measured, a commit per
message doubled the server's CPU per delivery).

Targets are keys: a channel's case-folded name, or, for a private conversation, one *view*
per party: ``"<owner> <peer>"`` (:func:`view_key`), where the owner is the party's account
as logged in when the message was sent (``@account``) or, for a guest, that very connection
(``~run.id``), and the peer is the other party's folded nick. A private message is stored
once in each party's view, so a conversation is read only by the accounts (or the
connection) that took part in it: taking a nick never gives its past.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.server.storage import open_database

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq     INTEGER PRIMARY KEY,
    msgid   TEXT NOT NULL,
    target  TEXT NOT NULL,   -- folded channel, or "owner peer" for a private view
    ms      INTEGER NOT NULL, -- server time, milliseconds since the epoch
    line    TEXT NOT NULL,   -- ":source COMMAND target :text", without tags
    tags    TEXT NOT NULL,   -- client-only tags as sent on the wire, or ""
    UNIQUE (msgid, target)   -- a private message is in both parties' views
);
CREATE INDEX IF NOT EXISTS messages_by_target ON messages (target, ms, seq);
"""


@dataclass(frozen=True, slots=True)
class Stored:
    seq: int
    msgid: str
    target: str
    ms: int
    line: str
    tags: str

    @property
    def point(self) -> tuple[int, int]:
        """Its place in time: (ms, seq); references compare against it."""
        return self.ms, self.seq

    @property
    def time_text(self) -> str:
        return format_ms(self.ms)


_second_text: tuple[int, str] = (-1, "")


def format_ms(ms: int) -> str:
    """``YYYY-MM-DDThh:mm:ss.sssZ`` for milliseconds since the epoch (per message: the
    second's text is kept from one call to the next)."""
    global _second_text
    seconds, milli = divmod(ms, 1000)
    if _second_text[0] != seconds:
        _second_text = (seconds, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)))
    return f"{_second_text[1]}.{milli:03d}Z"


def parse_time(text: str) -> int | None:
    """Milliseconds for an IRCv3 timestamp, or None when it is not one."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def view_key(owner: str, peer: str) -> str:
    """The key of ``owner``'s view (``@account`` or ``~connection``) of its private
    conversation with the folded nick ``peer``."""
    return f"{owner} {peer}"


def owner_range(owner: str) -> tuple[str, str]:
    """Keys ``k`` with ``low <= k < high`` are ``owner``'s private views."""
    return owner + " ", owner + "!"  # "!" is the character after " "


class HistoryStore:
    """``path`` None keeps history in memory (tests, or a server without a data dir)."""

    def __init__(self, path: Path | None = None, *, max_age_days: float = 0,
                 max_per_target: int = 0) -> None:
        self.path = path
        self.max_age_ms = int(max_age_days * 86_400_000)
        self.max_per_target = max_per_target
        # synchronous=NORMAL: a process crash loses nothing. Raises DataFileError.
        self._db = open_database(path, SCHEMA, "history", synchronous="NORMAL")
        self._upgrade()
        self.autocommit = True
        self.enabled = True  # False: add() stores nothing (--no-history)
        self._queue: list[tuple[str, str, int, str, str]] = []

    def _upgrade(self) -> None:
        """Files of before private views had one row per msgid: make (msgid, target) the
        key. Their private rows, keyed by the two nicks, stay where nobody reads them until
        retention removes them (nothing says which account took part)."""
        unique = [row[1] for row in self._db.execute("PRAGMA index_list(messages)") if row[2]]
        columns = {
            name: [row[2] for row in self._db.execute(f"PRAGMA index_info('{name}')")]
            for name in unique
        }
        if ["msgid"] not in columns.values():
            return
        self._db.execute("BEGIN")
        self._db.execute("DROP INDEX IF EXISTS messages_by_target")
        self._db.execute("ALTER TABLE messages RENAME TO messages_before_views")
        for statement in SCHEMA.split(";")[:-1]:  # executescript() would COMMIT first
            self._db.execute(statement)
        self._db.execute("INSERT INTO messages SELECT * FROM messages_before_views")
        self._db.execute("DROP TABLE messages_before_views")
        self._db.execute("COMMIT")

    def add(self, msgid: str, target: str, ms: int, line: str, tags: str = "") -> None:
        if not self.enabled:
            return
        self._queue.append((msgid, target, ms, line, tags))
        if self.autocommit:
            self.commit()

    @property
    def pending(self) -> bool:
        """Messages added but not committed yet (autocommit off)."""
        return bool(self._queue)

    def _rows(self, sql: str, args: tuple[object, ...]) -> list[Stored]:
        self.commit()  # a query sees every message added so far
        return [Stored(*row) for row in self._db.execute(sql, args)]

    def locate(self, target: str, msgid: str) -> tuple[int, int] | None:
        """``(ms, seq)`` of a stored message of ``target``, by msgid."""
        self.commit()
        row = self._db.execute(
            "SELECT ms, seq FROM messages WHERE msgid = ? AND target = ?", (msgid, target)
        ).fetchone()
        return (int(row[0]), int(row[1])) if row else None

    def before(self, target: str, point: tuple[int, int], limit: int) -> list[Stored]:
        """Up to ``limit`` messages strictly before ``point`` (ms, seq), oldest first."""
        rows = self._rows(
            "SELECT seq, msgid, target, ms, line, tags FROM messages WHERE target = ? AND "
            "(ms, seq) < (?, ?) ORDER BY ms DESC, seq DESC LIMIT ?",
            (target, point[0], point[1], limit),
        )
        return rows[::-1]

    def after(self, target: str, point: tuple[int, int], limit: int) -> list[Stored]:
        """Up to ``limit`` messages strictly after ``point``, oldest first."""
        return self._rows(
            "SELECT seq, msgid, target, ms, line, tags FROM messages WHERE target = ? AND "
            "(ms, seq) > (?, ?) ORDER BY ms, seq LIMIT ?",
            (target, point[0], point[1], limit),
        )

    def latest(
        self, target: str, limit: int, after: tuple[int, int] = (-1, -1)
    ) -> list[Stored]:
        """The newest ``limit`` messages (only those after ``after``), oldest first."""
        rows = self._rows(
            "SELECT seq, msgid, target, ms, line, tags FROM messages WHERE target = ? AND "
            "(ms, seq) > (?, ?) ORDER BY ms DESC, seq DESC LIMIT ?",
            (target, after[0], after[1], limit),
        )
        return rows[::-1]

    def targets(
        self, keys: list[str], owner: str | None, start: int, end: int, limit: int
    ) -> list[tuple[str, int]]:
        """Of ``keys`` and ``owner``'s private views, those with messages between ``start``
        and ``end`` (ms), with the time of their latest message in that span, oldest first."""
        self.commit()
        low, high = min(start, end), max(start, end)
        found: list[tuple[str, int]] = []
        if keys:
            marks = ",".join("?" * len(keys))
            found += self._db.execute(
                f"SELECT target, MAX(ms) FROM messages WHERE target IN ({marks}) AND ms > ? "
                f"AND ms < ? GROUP BY target ORDER BY MAX(ms) LIMIT ?",
                (*keys, low, high, limit),
            ).fetchall()
        if owner is not None:
            first, last = owner_range(owner)
            found += self._db.execute(
                "SELECT target, MAX(ms) FROM messages WHERE target >= ? AND target < ? AND "
                "ms > ? AND ms < ? GROUP BY target ORDER BY MAX(ms) LIMIT ?",
                (first, last, low, high, limit),
            ).fetchall()
        found.sort(key=lambda row: row[1])
        return [(str(t), int(ms)) for t, ms in found[:limit]]

    def forget_guests(self) -> None:
        """Delete every guest's private views: at start, no connection of before is left."""
        self.commit()
        self._db.execute("DELETE FROM messages WHERE target >= '~' AND target < '\x7f'")

    def move_views(self, owner: str, new_owner: str) -> None:
        """``owner``'s private views become ``new_owner``'s (a guest logged in)."""
        self.commit()
        first, last = owner_range(owner)
        self._db.execute(
            "UPDATE OR IGNORE messages SET target = ? || substr(target, ?) "
            "WHERE target >= ? AND target < ?",
            (new_owner, len(owner) + 1, first, last),
        )
        self.forget_views(owner)

    def forget_views(self, owner: str) -> None:
        """Delete ``owner``'s private views (a guest's, when its connection ends: nobody
        can read them any more)."""
        self.commit()
        self._db.execute(
            "DELETE FROM messages WHERE target >= ? AND target < ?", owner_range(owner)
        )

    def prune(self, now_ms: int) -> int:
        """Apply the retention settings; returns how many messages went."""
        self.commit()
        removed = 0
        if self.max_age_ms:
            removed += self._db.execute(
                "DELETE FROM messages WHERE ms < ?", (now_ms - self.max_age_ms,)
            ).rowcount
        if self.max_per_target:
            removed += self._db.execute(
                "DELETE FROM messages WHERE seq IN (SELECT seq FROM (SELECT seq, ROW_NUMBER() "
                "OVER (PARTITION BY target ORDER BY ms DESC, seq DESC) AS n FROM messages) "
                "WHERE n > ?)",
                (self.max_per_target,),
            ).rowcount
        return removed

    def commit(self) -> None:
        """Write the messages added since the last commit, in one transaction."""
        if not self._queue:
            return
        rows, self._queue = self._queue, []
        self._db.execute("BEGIN")
        self._db.executemany(
            "INSERT OR IGNORE INTO messages (msgid, target, ms, line, tags) VALUES (?,?,?,?,?)",
            rows,
        )
        self._db.execute("COMMIT")

    def close(self) -> None:
        self.commit()
        self._db.close()
