"""Message history: every PRIVMSG and NOTICE to a channel or a nick, and each reaction
(a TAGMSG: app/server/client_tags.py; typing is never stored), in SQLite.

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
connection) that took part in it: taking a nick never gives its past. A REDACT deletes
a message from every view it is in (:meth:`HistoryStore.redact`). The tables, and the
upgrades of older files, are in app/server/history_schema.py.

Checkpoints of the file run in a thread of their own (app/server/checkpoints.py), not inside
a commit on the event loop. When SQLite fails (disk full, I/O error) the server goes on
without history: a commit that fails keeps its messages queued (at most MAX_QUEUED, the
oldest dropped past that) and tries again a second later, and one warning line says so;
while it fails, an echo no longer means the message is stored.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.server.checkpoints import WAL_BRAKE, WAL_LIMIT, Checkpointer
from app.server.history_schema import SCHEMA as SCHEMA  # re-exported: --repair uses it
from app.server.history_schema import upgrade
from app.server.storage import open_database

log = logging.getLogger("chatbox.server")

Row = tuple[str, str, int, str, str, str, str, bool]  # the columns of _INSERT
MAX_QUEUED = 100_000  # messages kept in memory while SQLite fails
RETRY_AFTER_S = 1.0  # after a failed write
_INSERT = (
    "INSERT OR IGNORE INTO messages (msgid, target, ms, line, tags, sender, account, bot) "
    "VALUES (?,?,?,?,?,?,?,?)"
)
_SELECT = "SELECT seq, msgid, target, ms, line, tags, account, bot FROM messages"

@dataclass(frozen=True, slots=True)
class Stored:
    seq: int
    msgid: str
    target: str
    ms: int
    line: str
    tags: str
    account: str  # the sender's, as logged in then, or ""
    bot: bool  # sent by a bot (bot mode)

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


def retarget(line: str, target: str) -> str:
    """``:source COMMAND old rest`` with ``target`` for ``old``."""
    source, command, rest = line.split(" ", 2)
    return f"{source} {command} {target}{rest[len(rest.split(' ', 1)[0]):]}"


def owner_range(owner: str) -> tuple[str, str]:
    """Keys ``k`` with ``low <= k < high`` are ``owner``'s private views."""
    return owner + " ", owner + "!"  # "!" is the character after " "


class HistoryStore:
    """``path`` None keeps history in memory (tests, or a server without a data dir)."""

    def __init__(self, path: Path | None = None, *, max_age_days: float = 0,
                 max_per_target: int = 0, wal_limit: int = WAL_LIMIT,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self.max_age_ms = int(max_age_days * 86_400_000)
        self.max_per_target = max_per_target
        # synchronous=NORMAL: a process crash loses nothing. Raises DataFileError.
        self._db = open_database(path, SCHEMA, "history", synchronous="NORMAL")
        upgrade(self._db)
        self.autocommit = True
        self.enabled = True  # False: add() stores nothing (--no-history)
        self._queue: list[Row] = []
        self._clock = clock
        self._failing = False  # the last commit failed: the next try is at _retry_at
        self._retry_at = 0.0
        self._dropped = 0  # queued messages given up while failing
        self.checkpoints: Checkpointer | None = None
        if path is not None:
            # SQLite's own checkpoint, inside a commit, only when the thread falls behind
            page = int(self._db.execute("PRAGMA page_size").fetchone()[0])
            self._db.execute(f"PRAGMA wal_autocheckpoint={WAL_BRAKE * wal_limit // page}")
            self._db.execute(f"PRAGMA journal_size_limit={wal_limit}")
            self.checkpoints = Checkpointer(path, limit=wal_limit)

    def add(self, msgid: str, target: str, ms: int, line: str, tags: str = "", *,
            sender: str = "", account: str = "", bot: bool = False) -> None:
        """``sender``: who sent it (app/server/deliver.py ``owner``), for REDACT;
        ``account`` and ``bot``: the tags its replays carry."""
        if not self.enabled:
            return
        self._queue.append((msgid, target, ms, line, tags, sender, account, bot))
        if self.autocommit:
            self.commit()

    @property
    def pending(self) -> bool:
        """Messages added but not committed yet (autocommit off)."""
        return bool(self._queue)

    def _rows(self, sql: str, args: tuple[object, ...]) -> list[Stored]:
        self.commit()  # a query sees every message added so far
        return [Stored(seq, msgid, target, ms, line, tags, account, bool(bot)) for
                seq, msgid, target, ms, line, tags, account, bot in self._db.execute(sql, args)]

    def locate(self, target: str, msgid: str) -> tuple[int, int] | None:
        """``(ms, seq)`` of a stored message of ``target``, by msgid."""
        self.commit()
        row = self._db.execute(
            "SELECT ms, seq FROM messages WHERE msgid = ? AND target = ?", (msgid, target)
        ).fetchone()
        return (int(row[0]), int(row[1])) if row else None

    def sent_by(self, target: str, msgid: str) -> tuple[int, str] | None:
        """``(ms, sender)`` of a stored message of ``target``, by msgid."""
        self.commit()
        row = self._db.execute(
            "SELECT ms, sender FROM messages WHERE msgid = ? AND target = ?", (msgid, target)
        ).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def redact(self, msgid: str, *, target: str = "", sender: str = "") -> list[str]:
        """Delete a message: from ``target`` (a channel), or, by its ``sender``, from every
        private view it is in (msgids are unique to a message). The keys it went from;
        raises sqlite3.Error when it stays (the caller says so)."""
        self.commit()
        where, args = ("target = ?", target) if target else ("sender = ?", sender)
        select = f"SELECT target FROM messages WHERE msgid = ? AND {where}"
        keys = [str(row[0]) for row in self._db.execute(select, (msgid, args))]
        if keys:  # one statement: it is all gone or all still there
            self._db.execute(f"DELETE FROM messages WHERE msgid = ? AND {where}", (msgid, args))
        self._queue = [row for row in self._queue if not (  # SQLite failing: still waiting
            row[0] == msgid and (row[1] == target if target else row[5] == sender))]
        return keys

    @property
    def database(self) -> sqlite3.Connection:
        """The open file, for the read markers kept in it (app/server/read_markers.py)."""
        return self._db

    def before(self, target: str, point: tuple[int, int], limit: int) -> list[Stored]:
        """Up to ``limit`` messages strictly before ``point`` (ms, seq), oldest first."""
        rows = self._rows(
            f"{_SELECT} WHERE target = ? AND (ms, seq) < (?, ?) ORDER BY ms DESC, seq DESC LIMIT ?",
            (target, point[0], point[1], limit),
        )
        return rows[::-1]

    def after(self, target: str, point: tuple[int, int], limit: int) -> list[Stored]:
        """Up to ``limit`` messages strictly after ``point``, oldest first."""
        return self._rows(
            f"{_SELECT} WHERE target = ? AND (ms, seq) > (?, ?) ORDER BY ms, seq LIMIT ?",
            (target, point[0], point[1], limit),
        )

    def latest(
        self, target: str, limit: int, after: tuple[int, int] = (-1, -1)
    ) -> list[Stored]:
        """The newest ``limit`` messages (only those after ``after``), oldest first."""
        rows = self._rows(
            f"{_SELECT} WHERE target = ? AND (ms, seq) > (?, ?) ORDER BY ms DESC, seq DESC LIMIT ?",
            (target, after[0], after[1], limit),
        )
        return rows[::-1]

    def targets(
        self, keys: list[str], owner: str | None, start: int, end: int, limit: int
    ) -> list[tuple[str, int]]:
        """Of ``keys`` and ``owner``'s private views, those with messages between ``start``
        and ``end`` (ms, both excluded), with the time of their latest message in that span,
        oldest first. As for BETWEEN, ``limit`` counts from ``start``: the oldest ones when
        ``start`` is the earlier, the newest when it is the later."""
        self.commit()
        low, high = min(start, end), max(start, end)
        newest = start > end
        order = "DESC" if newest else "ASC"
        found: list[tuple[str, int]] = []
        if keys:
            marks = ",".join("?" * len(keys))
            found += self._db.execute(
                f"SELECT target, MAX(ms) FROM messages WHERE target IN ({marks}) AND ms > ? "
                f"AND ms < ? GROUP BY target ORDER BY MAX(ms) {order} LIMIT ?",
                (*keys, low, high, limit),
            ).fetchall()
        if owner is not None:
            first, last = owner_range(owner)
            found += self._db.execute(
                "SELECT target, MAX(ms) FROM messages WHERE target >= ? AND target < ? AND "
                f"ms > ? AND ms < ? GROUP BY target ORDER BY MAX(ms) {order} LIMIT ?",
                (first, last, low, high, limit),
            ).fetchall()
        found.sort(key=lambda row: row[1], reverse=newest)
        return sorted(((str(t), int(ms)) for t, ms in found[:limit]), key=lambda row: row[1])

    def forget_guests(self) -> None:
        """Delete every guest's private views: at start, no connection of before is left."""
        self.commit()
        self._write("forget the guests' private history",
                    "DELETE FROM messages WHERE target >= '~' AND target < '\x7f'")

    def move_views(self, owner: str, new_owner: str) -> None:
        """``owner``'s private views become ``new_owner``'s (a guest logged in)."""
        self.commit()
        first, last = owner_range(owner)
        self._write(
            "move a guest's private history to its account",
            "UPDATE OR IGNORE messages SET target = ? || substr(target, ?) "
            "WHERE target >= ? AND target < ?",
            (new_owner, len(owner) + 1, first, last),
        )
        self.forget_views(owner)

    def move_channel(self, folded: str, new_folded: str, new_name: str) -> None:
        """The channel ``folded`` is now called ``new_name``: its messages move to it, each
        line naming it so (draft/channel-rename: the history follows the rename)."""
        self.commit()  # what still waits (SQLite failing) moves in the queue
        self._queue = [(row[0], new_folded, row[2], retarget(row[3], new_name), *row[4:])
                       if row[1] == folded else row for row in self._queue]
        self._db.create_function("retarget", 2, retarget, deterministic=True)
        self._write("move a renamed channel's history",
                    "UPDATE messages SET target = ?, line = retarget(line, ?) WHERE target = ?",
                    (new_folded, new_name, folded))

    def forget_views(self, owner: str) -> None:
        """Delete ``owner``'s private views (a guest's, when its connection ends: nobody
        can read them any more)."""
        self.commit()
        self._write("forget a guest's private history",
                    "DELETE FROM messages WHERE target >= ? AND target < ?", owner_range(owner))

    def prune(self, now_ms: int) -> int:
        """Apply the retention settings; returns how many messages went."""
        self.commit()
        removed = 0
        if self.max_age_ms:
            removed += self._write(
                "apply retention", "DELETE FROM messages WHERE ms < ?",
                (now_ms - self.max_age_ms,),
            )
        if self.max_per_target:
            removed += self._write(
                "apply retention",
                "DELETE FROM messages WHERE seq IN (SELECT seq FROM (SELECT seq, ROW_NUMBER() "
                "OVER (PARTITION BY target ORDER BY ms DESC, seq DESC) AS n FROM messages) "
                "WHERE n > ?)",
                (self.max_per_target,),
            )
        return removed

    def commit(self) -> None:
        """Write the messages added since the last commit, in one transaction. When that
        fails they stay queued, and the next commit a second later or more tries again."""
        queue = self._queue
        if not queue:
            return
        if self._failing and self._clock() < self._retry_at:
            self._trim()
            return
        try:
            self._db.execute("BEGIN")
            self._db.executemany(_INSERT, queue)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            self._failed(exc)
            self._trim()
            return
        self._queue = []
        if self.checkpoints is not None:
            self.checkpoints.brake(self._db)
        if self._failing:
            self._failing = False
            lost = f"; {self._dropped} were dropped meanwhile" if self._dropped else ""
            log.info("history: writing to %s works again: %d waiting messages stored%s",
                     self.where, len(queue), lost)
            self._dropped = 0

    def _write(self, doing: str, sql: str, args: tuple[object, ...] = ()) -> int:
        """Run one statement that changes the file; the rows it changed (0 when it failed:
        logged, unless commits fail already, and the server goes on)."""
        try:
            return int(self._db.execute(sql, args).rowcount)
        except sqlite3.Error as exc:
            self._rollback()
            if not self._failing:
                log.warning("history: cannot %s in %s (%s); the server goes on", doing,
                            self.where, exc)
            return 0

    def _failed(self, exc: sqlite3.Error) -> None:
        self._retry_at = self._clock() + RETRY_AFTER_S
        if not self._failing:
            self._failing = True
            log.warning("history: cannot store messages in %s (%s); the server goes on, and "
                        "they wait in memory (at most %d) until it works again", self.where,
                        exc, MAX_QUEUED)

    def _trim(self) -> None:
        extra = len(self._queue) - MAX_QUEUED
        if extra > 0:
            if not self._dropped:
                log.warning("history: %s still fails: more than %d messages wait, the oldest "
                            "are dropped", self.where, MAX_QUEUED)
            del self._queue[:extra]
            self._dropped += extra

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # a closed connection raises here too
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")

    @property
    def where(self) -> str:
        """The file, for log lines."""
        return str(self.path) if self.path is not None else "the in-memory history"

    def close(self) -> None:
        """Stop the checkpoints, write what is queued (one last try), close the file."""
        if self.checkpoints is not None:
            self.checkpoints.stop()
            self.checkpoints = None
        self._retry_at = 0.0
        self.commit()
        if self._queue:
            log.warning("history: %d messages could not be stored in %s and are lost",
                        len(self._queue), self.where)
            self._queue = []
        self.enabled = False
        self._db.close()
