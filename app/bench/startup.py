"""``python -m app.bench startup``: cold start to the first window, frozen and from source.

Each run starts the program with CHATBOX_STARTUP_PROBE set, which makes it quit as soon as
the event loop has shown its first window (the start screen); the wall time of the whole
process is the figure. Runs offscreen unless QT_QPA_PLATFORM says otherwise.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def time_runs(command: list[str], runs: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, cwd=ROOT, capture_output=True, timeout=60, check=True)
        times.append(time.perf_counter() - started)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.bench startup")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--frozen", type=Path, default=ROOT / "dist" / "chatbox" / "chatbox",
                        help="the onedir executable (pyinstaller chatbox.spec builds it)")
    args = parser.parse_args(argv)
    env = dict(os.environ, CHATBOX_STARTUP_PROBE="1", XDG_CONFIG_HOME="/tmp/chatbox-bench")
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    rows = []
    if args.frozen.exists():
        rows.append(("frozen onedir", time_runs([str(args.frozen)], args.runs, env),
                     folder_size(args.frozen.parent)))
    else:
        print(f"note: {args.frozen} missing; run: pyinstaller chatbox.spec", file=sys.stderr)
    rows.append(("python -m app", time_runs([sys.executable, "-m", "app"], args.runs, env), 0))
    print(f"cold start to first window shown ({args.runs} runs, {env['QT_QPA_PLATFORM']})")
    print(f"{'program':<16} {'median':>8} {'min':>8} {'max':>8} {'folder':>10}")
    for name, times, size in rows:
        folder = f"{size / 2**20:.0f} MiB" if size else "-"
        print(f"{name:<16} {statistics.median(times):>7.3f}s {min(times):>7.3f}s "
              f"{max(times):>7.3f}s {folder:>10}")
    return 0
