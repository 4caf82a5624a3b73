"""Smoke test of ``python -m app.bench server``: a tiny load, our server and both references."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.support import ROOT

TINY = ["-n", "5", "-s", "2", "-m", "20", "--latency-seconds", "0.3", "--rate", "50",
        "--quick", "--timeout", "20"]
KINDS = ("ours", "asyncio", "threads")


def run_bench(*extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.bench", "server", "--servers", ",".join(KINDS), *TINY,
         *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )


def test_bench_prints_a_table_with_every_delivery_counted() -> None:
    proc = run_bench()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    expected = 2 * 20 * (5 - 1)
    lines = proc.stdout.splitlines()
    header = next(line for line in lines if line.startswith("metric"))
    assert header.split() == ["metric", *KINDS, "ours/asyncio", "ours/threads"]
    assert any(line.startswith("deliveries/s") for line in lines)
    assert any(line.startswith("server CPU µs/delivery") for line in lines)
    delivered = next(line for line in lines if line.startswith("delivered:"))
    for kind in KINDS:
        assert f"{kind} {expected}/{expected}" in delivered


def test_bench_json_has_latency_and_throughput_for_each_server() -> None:
    proc = run_bench("--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert set(data["servers"]) == set(KINDS)
    for kind, report in data["servers"].items():
        assert report["errors"] == [], kind
        assert report["delivered"] == "160/160", kind
        assert report["deliveries_per_s"] > 0, kind
        assert report["p50_us"] is not None, kind
    assert {v["verdict"] for v in data["verdicts"]} <= {"PASS", "FAIL", "N/A"}


def test_bench_reports_what_client_tags_cost_the_fan_out() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "app.bench", "server", "--servers", "ours", *TINY],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    figure = next(line for line in lines if line.startswith("tagged fan-out:"))
    tagged_us, plain_us, ratio = (float(x) for x in re.findall(r"([\d.]+) ?(?:µs|x)", figure))
    assert "+reply, msgid, time and account" in figure and "100 recipients" in figure
    assert ratio == pytest.approx(tagged_us / plain_us, rel=0.25)  # both from the same run
    verdict = next(line for line in lines if "tagged fan-out (+reply, msgid, time, account) vs "
                   "untagged" in line)
    assert verdict.split()[0] in ("PASS", "FAIL") and "(target <= 1.3x)" in verdict


def test_dcc_bench_moves_the_whole_file_both_ways_and_reports_the_ratio() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app.bench", "dcc", "--size-mb", "8"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "raw cat > /dev/tcp:" in out and "Chatbox DCC:" in out
    assert "Chatbox / raw speed:" in out and "receiving window's event-loop stall:" in out
