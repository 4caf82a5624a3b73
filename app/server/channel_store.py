"""Each channel's topic (text, setter, time) and modes (+i +m +n +s +t, the key, the limit,
the ban, exception and invite lists), in ``channels.sqlite3`` beside the history.

Pure Python (stdlib ``sqlite3``: the headless server loads no GUI library). The core calls
it at two points: :meth:`ChannelStore.restore` when a channel is made by its first JOIN
(after a restart, or after everyone had left), and :meth:`ChannelStore.save` after a TOPIC
or a MODE changed one. So a channel keeps its topic and rules while nobody is in it, and
across restarts of the server; its rules hold for its first joiner too (a stored key is
still needed), and whoever is let in first becomes its operator, as on any new channel.
Member prefixes (+o, +v) are never stored: they belong to the connections of one run.

A channel back to the defaults (no topic, +nt, nothing else) has no row. Rows are few and
change rarely, so each change is written at once. When SQLite fails (disk full, I/O error)
the server goes on with the state in memory, and one warning line says so.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from pathlib import Path

from app.protocol.casemap import irc_lower
from app.server.state import Channel, ListEntry
from app.server.storage import open_database

log = logging.getLogger("chatbox.server")

SCHEMA = """
CREATE TABLE IF NOT EXISTS channels (
    folded   TEXT PRIMARY KEY, -- the case-folded name
    name     TEXT NOT NULL,    -- as its creator spelled it
    created  INTEGER NOT NULL, -- seconds since the epoch (RPL_CREATIONTIME)
    topic    TEXT NOT NULL,
    topic_by TEXT NOT NULL,    -- nick!user@host of who set it
    topic_at INTEGER NOT NULL,
    modes    TEXT NOT NULL,    -- flag letters, sorted: "mnt"
    key      TEXT NOT NULL,    -- "": none
    lim      INTEGER NOT NULL, -- 0: none
    lists    TEXT NOT NULL     -- JSON {"b": [[mask, setter, set_at], …], "e": …, "I": …}
);
"""
DEFAULT_MODES = "nt"

Row = tuple[str, int, str, str, int, str, str, int, str]  # the columns after ``folded``


def row_of(channel: Channel) -> Row:
    lists = {
        letter: [[e.mask, e.setter, e.set_at] for e in entries]
        for letter, entries in sorted(channel.lists.items())
    }
    return (channel.name, channel.created, channel.topic, channel.topic_by, channel.topic_at,
            "".join(sorted(channel.modes)), channel.key, channel.limit,
            json.dumps(lists, separators=(",", ":")))


def is_default(channel: Channel) -> bool:
    """Nothing worth keeping: no topic, +nt only, no key, limit or list entry."""
    return (
        not channel.topic
        and "".join(sorted(channel.modes)) == DEFAULT_MODES
        and not channel.key
        and not channel.limit
        and not any(channel.lists.values())
    )


def channel_of(row: Row) -> Channel:
    name, created, topic, topic_by, topic_at, modes, key, limit, lists = row
    channel = Channel(name, int(created))
    channel.topic, channel.topic_by, channel.topic_at = topic, topic_by, int(topic_at)
    channel.modes = set(modes)
    channel.key, channel.limit = key, int(limit)
    try:
        stored = json.loads(lists)
    except ValueError:
        stored = {}
    for letter in channel.lists:
        channel.lists[letter] = [
            ListEntry(str(mask), str(setter), int(set_at))
            for mask, setter, set_at in stored.get(letter, [])
        ]
    return channel


class ChannelStore:
    """``path`` None keeps the channels in memory (tests, a server without a data dir)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._db = open_database(path, SCHEMA, "channels")  # raises DataFileError
        self._rows: dict[str, Row] = {
            str(folded): tuple(rest)
            for folded, *rest in self._db.execute(
                "SELECT folded, name, created, topic, topic_by, topic_at, modes, key, lim, "
                "lists FROM channels"
            )
        }
        self._unsaved: set[str] = set()  # changed, not written yet (SQLite failed)
        self._failing = False
        if self._rows:
            log.info("channels: %d kept in %s", len(self._rows), self.where)

    @classmethod
    def beside(cls, data_dir: Path | None) -> ChannelStore:
        """The store in ``data_dir`` (None: in memory)."""
        return cls(data_dir / "channels.sqlite3" if data_dir is not None else None)

    def restore(self, name: str) -> Channel | None:
        """The kept state of the channel ``name`` as a new Channel with no members, or None
        when nothing is kept for it."""
        row = self._rows.get(irc_lower(name))
        return channel_of(row) if row is not None else None

    def save(self, channel: Channel) -> None:
        """Keep ``channel``'s topic and modes as they are now (nothing is written when they
        did not change)."""
        folded = channel.folded
        if is_default(channel):
            if self._rows.pop(folded, None) is None:
                return
        else:
            row = row_of(channel)
            if self._rows.get(folded) == row:
                return
            self._rows[folded] = row
        self._unsaved.add(folded)
        self._write()

    def rename(self, old_folded: str, channel: Channel) -> None:
        """``channel``, now under its new name, was ``old_folded``: what is kept moves."""
        if self._rows.pop(old_folded, None) is not None:
            self._unsaved.add(old_folded)
        if not is_default(channel):
            self._rows[channel.folded] = row_of(channel)
            self._unsaved.add(channel.folded)
        if self._unsaved:
            self._write()

    def is_kept(self, name: str) -> bool:
        """Something is kept for the channel ``name`` (its topic or modes)."""
        return irc_lower(name) in self._rows

    def _write(self) -> None:
        """Write every channel changed since the last write that worked."""
        try:
            self._db.execute("BEGIN")
            for folded in sorted(self._unsaved):
                row = self._rows.get(folded)
                if row is None:
                    self._db.execute("DELETE FROM channels WHERE folded = ?", (folded,))
                else:
                    self._db.execute(
                        "INSERT OR REPLACE INTO channels VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (folded, *row),
                    )
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
            if not self._failing:
                log.warning("channels: cannot store topics and modes in %s (%s); the server "
                            "goes on, keeps them in memory and tries again at the next change",
                            self.where, exc)
            self._failing = True
            return
        self._unsaved.clear()
        if self._failing:
            self._failing = False
            log.info("channels: writing to %s works again", self.where)

    @property
    def where(self) -> str:
        return str(self.path) if self.path is not None else "memory"

    def close(self) -> None:
        self._db.close()
