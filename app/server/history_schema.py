"""The tables of ``history.sqlite3`` and the upgrades of files written by earlier versions.

Stdlib only. :data:`SCHEMA` is run at every open (``CREATE … IF NOT EXISTS``), so a table
that is new in this version (``read_markers``) simply appears in an old file; a column that
is new (``messages.sender``) is added by :func:`upgrade`. ``--repair`` salvages the columns
an old or damaged file shares with this schema (app/server/storage.py), and a new column
takes its default there too.

``sender`` says who sent a message, so that REDACT can tell one's own messages: the
sender's owner as in app/server/deliver.py (``@account`` when logged in, else ``~run.id``,
that very connection). Rows of before it have ``""``: nobody's own, only an operator may
redact them. ``account`` (the name as the sender was logged in, not folded) and ``bot``
(1: sent by a user with bot mode) give a replay the ``account`` and ``bot`` tags the live
message had; rows of before them replay without.
"""

from __future__ import annotations

import sqlite3

# No ";" in the comments: upgrade() splits this text into statements on it.
SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq     INTEGER PRIMARY KEY,
    msgid   TEXT NOT NULL,
    target  TEXT NOT NULL,   -- folded channel, or "owner peer" for a private view
    ms      INTEGER NOT NULL, -- server time, milliseconds since the epoch
    line    TEXT NOT NULL,   -- ":source COMMAND target :text", without tags
    tags    TEXT NOT NULL,   -- client-only tags as sent on the wire, or ""
    sender  TEXT NOT NULL DEFAULT '', -- "@account" or "~run.id" of who sent it, or ""
    account TEXT NOT NULL DEFAULT '', -- the sender's account as logged in, or ""
    bot     INTEGER NOT NULL DEFAULT 0, -- 1: the sender had bot mode (+B)
    UNIQUE (msgid, target)   -- a private message is in both parties' views
);
CREATE INDEX IF NOT EXISTS messages_by_target ON messages (target, ms, seq);
CREATE TABLE IF NOT EXISTS read_markers (
    owner   TEXT NOT NULL,   -- "@account" (a guest's markers are never written)
    target  TEXT NOT NULL,   -- folded channel or nick
    ms      INTEGER NOT NULL, -- the last message read, milliseconds since the epoch
    PRIMARY KEY (owner, target)
);
"""

_COLUMNS = "seq, msgid, target, ms, line, tags"  # the columns every version has
_ADDED_COLUMNS = {  # the columns added since, in the order they came, as SCHEMA has them
    "sender": "TEXT NOT NULL DEFAULT ''",
    "account": "TEXT NOT NULL DEFAULT ''",
    "bot": "INTEGER NOT NULL DEFAULT 0",
}


def upgrade(db: sqlite3.Connection) -> None:
    """Bring a file written by an earlier version up to :data:`SCHEMA` (after it ran)."""
    _key_views(db)
    columns = {str(row[1]) for row in db.execute("PRAGMA table_info(messages)")}
    for name, definition in _ADDED_COLUMNS.items():
        if name not in columns:
            db.execute(f"ALTER TABLE messages ADD COLUMN {name} {definition}")


def _key_views(db: sqlite3.Connection) -> None:
    """Files of before private views had one row per msgid: make (msgid, target) the
    key. Their private rows, keyed by the two nicks, stay where nobody reads them until
    retention removes them (nothing says which account took part)."""
    unique = [row[1] for row in db.execute("PRAGMA index_list(messages)") if row[2]]
    columns = {
        name: [row[2] for row in db.execute(f"PRAGMA index_info('{name}')")] for name in unique
    }
    if ["msgid"] not in columns.values():
        return
    db.execute("BEGIN")
    db.execute("DROP INDEX IF EXISTS messages_by_target")
    db.execute("ALTER TABLE messages RENAME TO messages_before_views")
    for statement in SCHEMA.split(";")[:-1]:  # executescript() would COMMIT first
        db.execute(statement)
    db.execute(f"INSERT INTO messages ({_COLUMNS}) SELECT {_COLUMNS} FROM messages_before_views")
    db.execute("DROP TABLE messages_before_views")
    db.execute("COMMIT")
