"""WAL checkpoints off the event loop (app/server/checkpoints.py): the log stays bounded under
sustained writes, nothing is lost, and closing stops the thread."""

from __future__ import annotations

import time
from pathlib import Path

from app.server.checkpoints import WAL_BRAKE, WAL_LIMIT
from app.server.history import HistoryStore

COMMITS = 20_000
ROWS = 3  # per commit: a busy loop turn
# Back to back (about 20,000 commits a second) with PASSIVE checkpoints only, the log grew to
# 330 MiB; with RESTART past WAL_LIMIT and SQLite's own checkpoint past WAL_BRAKE times that,
# it stayed under 64 MiB on one machine and reached 66-96 MiB on another, under load: SQLite's
# brake is refused while the thread's checkpoint runs. The writer's brake waits for it.
BOUND = (WAL_BRAKE + 1) * WAL_LIMIT


def test_the_log_stays_bounded_under_sustained_writes_and_keeps_every_message(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite3"
    wal = tmp_path / "history.sqlite3-wal"
    store = HistoryStore(path)
    store.autocommit = False
    largest = 0
    for i in range(COMMITS):
        for j in range(ROWS):
            store.add(f"m{i}.{j}", "#busy", 1_800_000_000_000 + i, f":a!u@h PRIVMSG #busy :{i}")
        store.commit()
        if i % 100 == 0:
            largest = max(largest, wal.stat().st_size)
    assert store.checkpoints is not None
    assert store.checkpoints.checkpoints >= 1
    assert largest < BOUND, f"the log reached {largest >> 20} MiB"
    store.close()
    again = HistoryStore(path)
    assert again._db.execute("SELECT COUNT(*) FROM messages").fetchone() == (COMMITS * ROWS,)
    assert [m.msgid for m in again.latest("#busy", 2)] == [f"m{COMMITS - 1}.1",
                                                           f"m{COMMITS - 1}.2"]
    again.close()


def test_close_stops_the_thread_at_once_and_memory_has_none(tmp_path: Path) -> None:
    assert HistoryStore().checkpoints is None
    store = HistoryStore(tmp_path / "history.sqlite3")
    assert store.checkpoints is not None
    thread = store.checkpoints._thread
    assert thread.is_alive() and thread.daemon
    store.add("m1", "#c", 1, ":a!u@h PRIVMSG #c :one")
    started = time.monotonic()
    store.close()
    assert not thread.is_alive() and time.monotonic() - started < 1.0
    assert store.checkpoints is None
    again = HistoryStore(tmp_path / "history.sqlite3")
    assert [m.msgid for m in again.latest("#c", 10)] == ["m1"]
    again.close()
