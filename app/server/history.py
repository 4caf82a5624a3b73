"""Message history: every PRIVMSG, NOTICE and TAGMSG to a channel or a nick, in SQLite.

Pure Python (stdlib ``sqlite3``, so the headless server loads no GUI library), WAL mode.
With ``autocommit`` every message is committed at once; the Qt server turns it off and calls
:meth:`commit` once per event-loop turn, *before* that turn's bytes go to the sockets: when a
client sees the echo of its message, the message is in the database and survives a restart
or a ``kill -9`` of the server (one executemany and commit per turn: measured, a commit per
message doubled the server's CPU per delivery).

Targets are keys: a channel's case-folded name, or ``"nick1 nick2"`` (the two folded nicks,
sorted) for a private conversation, so that only its two parties can read it.
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
    msgid   TEXT NOT NULL UNIQUE,
    target  TEXT NOT NULL,   -- folded channel, or "a b" for a private conversation
    ms      INTEGER NOT NULL, -- server time, milliseconds since the epoch
    line    TEXT NOT NULL,   -- ":source COMMAND target :text", without tags
    tags    TEXT NOT NULL    -- client-only tags as sent on the wire, or ""
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


def pair_key(a: str, b: str) -> str:
    """The target key of a private conversation between folded nicks ``a`` and ``b``."""
    return " ".join(sorted((a, b)))


class HistoryStore:
    """``path`` None keeps history in memory (tests, or a server without a data dir)."""

    def __init__(self, path: Path | None = None, *, max_age_days: float = 0,
                 max_per_target: int = 0) -> None:
        self.path = path
        self.max_age_ms = int(max_age_days * 86_400_000)
        self.max_per_target = max_per_target
        self._db = open_database(path, SCHEMA, "history", synchronous="NORMAL")
        self.autocommit = True
        self.enabled = True  # False: add() stores nothing (--no-history)
        self._queue: list[tuple[str, str, int, str, str]] = []

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

    def targets(self, keys: list[str], start: int, end: int, limit: int) -> list[tuple[str, int]]:
        self.commit()
        """Of ``keys``, those with messages between ``start`` and ``end`` (ms), with the time
        of their latest message in that span, oldest first."""
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        low, high = min(start, end), max(start, end)
        rows = self._db.execute(
            f"SELECT target, MAX(ms) FROM messages WHERE target IN ({marks}) AND ms > ? AND "
            f"ms < ? GROUP BY target ORDER BY MAX(ms) LIMIT ?",
            (*keys, low, high, limit),
        ).fetchall()
        return [(str(t), int(ms)) for t, ms in rows]

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
