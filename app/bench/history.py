"""``python -m app.bench history``: CHATHISTORY LATEST 100 on a room with 1,000,000 stored
messages, through the server's own store on disk (WAL), and its insert rate."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from app.server.history import HistoryStore

LINE = ":alice!~alice@10.0.0.1 PRIVMSG #big :a message of ordinary length for a chat room"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.bench history")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=50, help="messages per commit (loop turn)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="chatbox-bench-history-") as tmp:
        store = HistoryStore(Path(tmp) / "history.sqlite3", max_age_days=0, max_per_target=0)
        store.autocommit = False
        started = time.perf_counter()
        base = 1_800_000_000_000
        for i in range(args.messages):
            store.add(f"m{i:x}", "#big" if i % 10 else "#other", base + i, LINE)
            if i % args.batch == args.batch - 1:
                store.commit()
        store.commit()
        insert_s = time.perf_counter() - started
        timings = []
        for _ in range(args.queries):
            t0 = time.perf_counter()
            rows = store.latest("#big", 100)
            timings.append((time.perf_counter() - t0) * 1000)
            assert len(rows) == 100
        timings.sort()
        p99 = timings[int(len(timings) * 0.99) - 1]
        store.close()
    print(f"stored {args.messages:,} messages in {insert_s:.1f} s "
          f"({args.messages / insert_s:,.0f} inserts/s, {args.batch} per commit)")
    print(f"CHATHISTORY LATEST 100 ({args.queries} queries): p50 "
          f"{statistics.median(timings):.2f} ms, p99 {p99:.2f} ms, max {timings[-1]:.2f} ms "
          f"(target p99 < 5 ms: {'PASS' if p99 < 5 else 'FAIL'})")
    return 0
