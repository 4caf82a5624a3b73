"""The server's SQLite data files: opened with errors in words, and repaired on request.

Stdlib only (the headless server loads no GUI library). :func:`open_database` is how
``history.sqlite3`` and ``accounts.sqlite3`` are opened: a file that cannot be used raises
:class:`DataFileError`, whose message names the file, says what is wrong and what to do, in
one line (the command line prints it, "Host a chat" shows it).

The check at open is ``PRAGMA quick_check``. Measured on a 92 MB history (300,000
messages): 0.1 s with the file in the OS cache, 1.1 s from a cold disk, where the start-up
prune already costs 0.3-0.5 s; cheap enough to catch a damaged file at start rather than
half-way through a chat.

:func:`repair` salvages a damaged file into a fresh one, reading the rows of our tables by
ranges of rowid and halving a range that fails until only unreadable rows are left out. The
sqlite3 shell's ``.recover`` would read more, but it is not always installed, and where it is
it may lack the ``sqlite_dbpage`` table it needs (Debian's 3.40 shell fails with "SQL logic
error"), so it is not used.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("chatbox.server")

MAX_FAILED_READS = 100_000  # per file: past this, repair gives up on what is left unread
_BATCH = 1000
_SIDE_FILES = ("-wal", "-shm", "-journal")  # they belong to the damaged file, not a fresh one
_TABLE = re.compile(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.IGNORECASE)
_DAMAGED = "is damaged (not a database, or corrupted)"


class DataFileError(Exception):
    """A data file cannot be used; the message says which, what is wrong and what to do."""

    def __init__(self, path: Path, text: str) -> None:
        super().__init__(text)
        self.path = path


def open_database(
    path: Path | None, schema: str, what: str, *, synchronous: str = "FULL"
) -> sqlite3.Connection:
    """A connection to ``path`` (None: in memory) in WAL mode with ``schema`` in place.

    ``what`` ("history", "accounts") names the file in messages. A missing or 0-byte file
    starts fresh with one log line. Raises :class:`DataFileError`.
    """
    if path is None:
        db = sqlite3.connect(":memory:", isolation_level=None)
        db.executescript(schema)
        return db
    size = _size(path, what)
    if size is None:
        log.info("%s: starting a new file %s", what, path)
    elif size == 0:
        log.info("%s: %s was empty (0 bytes): starting fresh", what, path)
    try:
        db = sqlite3.connect(str(path), isolation_level=None)
    except sqlite3.Error as exc:
        raise _error(path, what, exc) from exc
    try:
        _refuse_foreign(db, path, what, schema)  # first: WAL mode would change the file
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={synchronous}")
        db.executescript(schema)
        if db.execute("PRAGMA quick_check(1)").fetchone() != ("ok",):
            raise DataFileError(path, _damaged_text(path, what))
    except DataFileError:
        db.close()
        raise
    except sqlite3.Error as exc:
        db.close()
        raise _error(path, what, exc) from exc
    return db


def tables_of(schema: str) -> list[str]:
    """The names of the tables ``schema`` creates, in order."""
    return _TABLE.findall(schema)


def _size(path: Path, what: str) -> int | None:
    """The size of the file at ``path``, None when there is none. Raises DataFileError for
    a folder or a file this user may not read and write."""
    try:
        if not path.exists():
            return None
        if path.is_dir():
            raise DataFileError(
                path, f"the {what} file {path} is a folder, not a file. {_move_aside(path)}."
            )
        if not os.access(path, os.R_OK | os.W_OK):
            raise DataFileError(path, _permission_text(path, what))
        return path.stat().st_size
    except OSError as exc:  # the folder cannot be searched
        raise DataFileError(path, _permission_text(path, what)) from exc


def _refuse_foreign(db: sqlite3.Connection, path: Path, what: str, schema: str) -> None:
    """A database whose tables are all someone else's is left alone: creating ours in it
    would change another program's file."""
    found = [str(row[0]) for row in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )]
    if found and not set(found) & set(tables_of(schema)):
        raise DataFileError(
            path,
            f"the {what} file {path} is a database of another program (its tables: "
            f"{', '.join(sorted(found))}). {_move_aside(path)}, or choose another folder "
            "with --data-dir.",
        )


def _error(path: Path, what: str, exc: sqlite3.Error) -> DataFileError:
    name = getattr(exc, "sqlite_errorname", "")
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or name.startswith("SQLITE_CORRUPT_"):
        text = _damaged_text(path, what)
    elif name.startswith(("SQLITE_PERM", "SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_AUTH")):
        text = _permission_text(path, what)
    elif name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        text = (
            f"the {what} file {path} is in use by another program (another server on the "
            "same data folder?). Stop it, or choose another folder with --data-dir."
        )
    elif name == "SQLITE_FULL":
        text = f"the {what} file {path} cannot be written: the disk is full. Free some space."
    else:
        text = f"the {what} file {path} cannot be used ({exc}). {_move_aside(path)}."
    return DataFileError(path, text)


def _damaged_text(path: Path, what: str) -> str:
    return (
        f"the {what} file {path} {_DAMAGED}. {_move_aside(path)}, or run "
        f"`chatbox-server --repair --data-dir {path.parent}` to keep what can be read."
    )


def _permission_text(path: Path, what: str) -> str:
    return (
        f"the {what} file {path} cannot be read: permission denied. Let the user who runs "
        "the server read and write it and its folder, or choose another folder with "
        "--data-dir."
    )


def _move_aside(path: Path) -> str:
    return f"Move it aside and restart (a fresh {path.name} is made)"


# ---------------------------------------------------------------------------- repair
@dataclass(frozen=True)
class Repaired:
    """What :func:`repair` did to one file; ``text`` is one line for the user."""

    path: Path
    ok: bool  # False: the file is still unusable (nothing could be read, or not ours)
    text: str


def repair_folder(folder: Path | None, schemas: dict[str, str]) -> tuple[list[str], bool]:
    """``chatbox-server --repair``: :func:`repair` each ``WHAT.sqlite3`` of ``folder``
    (``schemas`` maps what to schema). One line per file, and True when each is usable now."""
    if folder is None or not folder.is_dir():
        where = folder or "for port 0 (it keeps its files in memory)"
        return [f"no data folder {where}: nothing to repair (name it with --data-dir DIR, "
                "or --port N)"], False
    done = [repair(folder / f"{what}.sqlite3", schema, what) for what, schema in schemas.items()]
    return [result.text for result in done], all(result.ok for result in done)


def repair(path: Path, schema: str, what: str) -> Repaired:
    """Salvage ``path`` into a fresh file when it is damaged, keeping the damaged one beside
    it as ``NAME.damaged-YYYYmmdd-HHMMSS``; a healthy or missing file is left as it is.

    The server must not be running on the file meanwhile.
    """
    if not path.exists():
        return Repaired(path, True, f"{path}: no such file, nothing to repair")
    try:
        problem = _problem(path, schema, what)
    except DataFileError as exc:
        return Repaired(path, False, f"{path}: not changed: {exc}")
    if problem is None:
        return Repaired(path, True, f"{path}: healthy, nothing changed")
    fresh = path.with_name(path.name + ".repairing")
    try:
        kept = _salvage(path, fresh, schema)
        if kept == 0:
            fresh.unlink()
            return Repaired(
                path, False,
                f"{path}: nothing could be read from it ({problem}); not changed. "
                f"{_move_aside(path)}.",
            )
        damaged = _set_aside(path)
        os.replace(fresh, path)
    except (OSError, sqlite3.Error) as exc:
        fresh.unlink(missing_ok=True)
        return Repaired(path, False, f"{path}: cannot be repaired: {exc}")
    return Repaired(
        path, True,
        f"{path}: {problem}; kept {kept} rows in a fresh file, the damaged one is now {damaged}",
    )


def _read_only(path: Path) -> sqlite3.Connection:
    """Reading without a trace: a plain read-only connection leaves an empty -wal and -shm
    beside a WAL database, so without a -wal there is nothing to replay and the file is
    read as immutable."""
    wal = path.with_name(path.name + "-wal")
    mode = "mode=ro" if wal.exists() else "immutable=1"
    return sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True, isolation_level=None)


def _problem(path: Path, schema: str, what: str) -> str | None:
    """What is wrong with ``path`` in words, or None when it is healthy. Raises
    DataFileError for a file repair cannot help (another program's, or unreadable)."""
    _size(path, what)
    try:
        db = _read_only(path)
    except sqlite3.Error as exc:
        raise _error(path, what, exc) from exc
    try:
        _refuse_foreign(db, path, what, schema)
        rows = db.execute("PRAGMA integrity_check(1)").fetchall()
    except sqlite3.DatabaseError as exc:
        return _in_one_line(f"damaged ({exc})")
    finally:
        db.close()
    return None if rows == [("ok",)] else _in_one_line(f"damaged ({rows[0][0]})")


def _in_one_line(text: str) -> str:
    """integrity_check's findings span lines and start with "*** in database main ***"."""
    return " ".join(text.replace("*** in database main ***", "").split()).replace("( ", "(")


def _salvage(source: Path, fresh: Path, schema: str) -> int:
    """Copy the rows of ``schema``'s tables that can be read from ``source`` into a new
    ``fresh`` file; the number of rows copied."""
    fresh.unlink(missing_ok=True)
    out = sqlite3.connect(str(fresh), isolation_level=None)
    src = _read_only(source)
    kept = 0
    try:
        out.executescript(schema)
        out.execute("BEGIN")
        for table in tables_of(schema):
            columns = _common_columns(src, out, table)
            if not columns:
                continue
            names = ", ".join(columns)
            insert = (
                f"INSERT OR IGNORE INTO {table} ({names}) "
                f"VALUES ({', '.join('?' * len(columns))})"
            )
            before = out.total_changes
            batch: list[tuple[object, ...]] = []
            for row in _readable_rows(src, table, names):
                batch.append(row)
                if len(batch) >= _BATCH:
                    out.executemany(insert, batch)
                    batch.clear()
            out.executemany(insert, batch)
            kept += out.total_changes - before
        out.execute("COMMIT")
    finally:
        src.close()
        out.close()
    return kept


def _common_columns(src: sqlite3.Connection, out: sqlite3.Connection, table: str) -> list[str]:
    """Columns of ``table`` in the fresh file that the damaged one has too (none when its
    schema cannot be read)."""
    try:
        old = {str(row[1]) for row in src.execute(f"PRAGMA table_info({table})")}
    except sqlite3.DatabaseError:
        return []
    return [str(row[1]) for row in out.execute(f"PRAGMA table_info({table})") if row[1] in old]


def _readable_rows(db: sqlite3.Connection, table: str, names: str) -> Iterator[tuple[object, ...]]:
    """Every row of ``table`` that can be read, in rowid order: a range of rowids that fails
    is halved, down to single rows, which are skipped."""
    sql = f"SELECT rowid, {names} FROM {table} WHERE rowid BETWEEN ? AND ? ORDER BY rowid"
    failures = 0
    ranges = [(-(2**63), 2**63 - 1)]
    while ranges:
        low, high = ranges.pop()
        try:
            for row in db.execute(sql, (low, high)):
                low = int(row[0]) + 1  # on an error, only what is left of the range is retried
                yield tuple(row[1:])
        except sqlite3.DatabaseError:  # a corrupted page, or text that is not UTF-8
            failures += 1
            if low < high and failures < MAX_FAILED_READS:
                middle = (low + high) // 2
                ranges += [(middle + 1, high), (low, middle)]  # the low half first: in order


def _set_aside(path: Path) -> Path:
    """Rename ``path`` (and its -wal, -shm and -journal, which would otherwise be replayed
    into the fresh file) to ``NAME.damaged-YYYYmmdd-HHMMSS``; the new name of ``path``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    damaged = path.with_name(f"{path.name}.damaged-{stamp}")
    count = 1
    while damaged.exists():
        count += 1
        damaged = path.with_name(f"{path.name}.damaged-{stamp}-{count}")
    os.replace(path, damaged)
    for suffix in _SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, damaged.with_name(damaged.name + suffix))
    return damaged
