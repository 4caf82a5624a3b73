"""WAL checkpoints of the history file in a thread of its own, off the event loop.

The server commits history once per event-loop turn, in WAL mode with synchronous=NORMAL (no
fsync per commit). SQLite's automatic checkpoint (every 1000 pages: about every 300 of those
commits) runs inside a commit and took 1-16 ms there, about 1 % of messages: the paced p99.
Here a thread with a connection of its own to the same file runs ``wal_checkpoint(PASSIVE)``
about every second; SQLite lets go of the GIL while it copies and syncs, and PASSIVE never
makes the writer wait. Measured, commits of one message 1-5 ms apart: 10-18 of 3000-5000 took
over 3 ms before (up to 10 ms), 0-2 after; in the server after the bench's blast, paced at
200/s: 7-10 of 2000 commits over 1 ms before, 0-1 after, and p99.9 latency 5.3-7.5 ms before,
3.1-3.9 ms after.

Under sustained writes PASSIVE never finds the whole log copied (new commits land while it
works), so the writer never starts the log over and it grows: 40 MB after 3,000 commits.
When the file passes :data:`WAL_LIMIT`, a RESTART follows the PASSIVE: it holds the write lock
while it copies what the PASSIVE left (0.1-1.0 ms at 200-330 commits/s), and the writer's next
commit starts the log over (``journal_size_limit``, set on the writer, cuts the file back to
the limit then). A RESTART alone took 4.4 ms and held the writer 8.7 ms; TRUNCATE 7-13 ms and
19 ms. RESTART waits at most BUSY_S for the lock: back-to-back commits (20,000 a second)
starved it for 134 ms once while the log grew to 193 MiB, so the writer keeps SQLite's own
checkpoint as a brake at WAL_BRAKE times the limit, which only such a storm reaches (the log
then stayed at 64-70 MiB, the slowest commit 31-59 ms).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path

log = logging.getLogger("chatbox.server")

WAL_LIMIT = 16 * 1024 * 1024  # bytes of log before a RESTART
WAL_BRAKE = 4  # times WAL_LIMIT: past that the writer checkpoints in its commit, as before
EVERY_S = 1.0  # PASSIVE checkpoints
POLL_S = 0.1  # how often the log's size is looked at
BUSY_S = 0.02  # RESTART waits this long at most for the writer and readers
STOP_S = 5.0  # stop() waits this long at most for a checkpoint under way


class Checkpointer:
    """Checkpoints the WAL database at ``path`` from a daemon thread until :meth:`stop`."""

    def __init__(self, path: Path, *, limit: int = WAL_LIMIT) -> None:
        self.path = path
        self.limit = limit
        self.checkpoints = 0  # PASSIVE ones done
        self.restarts = 0
        self._wal = path.with_name(path.name + "-wal")
        self._stop = threading.Event()
        self._lock = threading.Lock()  # held while the thread checkpoints
        self._thread = threading.Thread(
            target=self._run, name=f"checkpoints of {path.name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """End the thread, a checkpoint under way first (bounded by STOP_S)."""
        self._stop.set()
        self._thread.join(STOP_S)
        if self._thread.is_alive():
            log.warning("history: the checkpoint of %s did not end in %.0f s; going on without "
                        "it", self.path, STOP_S)

    def _run(self) -> None:
        try:
            db = sqlite3.connect(str(self.path), isolation_level=None, timeout=BUSY_S)
        except sqlite3.Error as exc:
            log.warning("history: no checkpoints of %s in a thread (%s): SQLite's own, in "
                        "commits, past %d MiB", self.path, exc, WAL_BRAKE * self.limit >> 20)
            return
        try:
            self._loop(db)
        finally:
            db.close()

    def _loop(self, db: sqlite3.Connection) -> None:
        last = time.monotonic()
        restarted_at = -1  # the log's size at the last RESTART: it stays so until a commit
        failing = False
        while not self._stop.wait(POLL_S):
            size = self._wal_size()
            big = size > self.limit and size != restarted_at
            now = time.monotonic()
            if not big and now - last < EVERY_S:
                continue
            last = now
            try:
                with self._lock:  # the writer's brake waits for this checkpoint
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpoints += 1
                    if big:
                        busy = db.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()[0]
                        if not busy:
                            restarted_at = size
                            self.restarts += 1
            except sqlite3.Error as exc:
                if not failing:
                    log.warning("history: cannot checkpoint %s (%s); trying again every "
                                "second", self.path, exc)
                failing = True
            else:
                if failing:
                    log.info("history: checkpoints of %s work again", self.path)
                failing = False

    def brake(self, writer: sqlite3.Connection) -> None:
        """After a commit: past WAL_BRAKE times the limit (a storm the thread falls behind),
        wait for the thread's checkpoint under way, then RESTART from the writer, so the next
        commit starts the log over. SQLite's own brake is a checkpoint too, refused at once
        while the thread's runs: under load the log passed 96 MiB with it alone."""
        if self._wal_size() <= WAL_BRAKE * self.limit:
            return
        with self._lock, contextlib.suppress(sqlite3.Error):
            writer.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()

    def _wal_size(self) -> int:
        try:
            return os.stat(self._wal).st_size
        except OSError:  # not there (yet), or gone with the last connection
            return 0
