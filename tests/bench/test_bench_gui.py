"""Smoke test of ``python -m app.bench gui``: a small room and a short, slow load, offscreen."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support import ROOT

SMALL = ["--messages", "2000", "--rate", "200", "--seconds", "1", "--timeout", "20"]
MEASURES = ("kib_per_1000_model", "kib_per_1000_shown", "open_ms", "stall_p50_ms",
            "stall_p99_ms", "stall_max_ms", "gui_cpu_pct", "fresh_pct")


def run_bench(*extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "app.bench", "gui", *SMALL, *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=90, env=env,
    )


def test_gui_bench_json_has_every_figure_and_every_message_arrived() -> None:
    proc = run_bench("--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["errors"] == []
    assert report["platform"] == "offscreen"
    assert report["preload"] == 2000
    assert report["expected"] == report["arrived"] == 200
    assert report["in_order"] is True
    for key in MEASURES:
        assert isinstance(report[key], float), key
    assert 0 <= report["stall_p50_ms"] <= report["stall_p99_ms"] <= report["stall_max_ms"]
    assert report["ticks"] > 0
    assert report["p99_ok"] in (True, False)


def test_gui_bench_prints_a_table() -> None:
    proc = run_bench()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    for name in ("time to open the room", "memory / 1,000 messages (model)",
                 "event-loop stall p50", "event-loop stall p99", "event-loop stall max"):
        assert any(line.startswith(name) for line in lines), name
    arrived = next(line for line in lines if line.startswith("arrived in the model"))
    assert "200/200" in arrived and "in order: yes" in arrived
