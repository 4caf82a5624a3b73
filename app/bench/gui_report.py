"""The figures of ``python -m app.bench gui`` and their table."""

from __future__ import annotations

from dataclasses import dataclass, field

FRESH_SAMPLE_MS = 100
TARGET_P99_MS = 16.0
TARGET_FRESH_PCT = 95.0  # a view that lays nothing out would pass the stall target


@dataclass
class GuiReport:
    platform: str = ""
    preload: int = 0
    rate: float = 0.0
    seconds: float = 0.0
    preload_s: float | None = None
    kib_per_1000_model: float | None = None
    kib_per_1000_shown: float | None = None
    open_ms: float | None = None
    open_call_ms: float | None = None
    open_max_stall_ms: float | None = None
    expected: int = 0
    arrived: int = 0
    in_order: bool = False
    feed_seconds: float | None = None
    feed_max_lag_ms: float | None = None
    arrival_s: float | None = None
    fresh_pct: float | None = None  # load-phase samples with the newest message on screen
    caught_up_ms: float | None = None  # after the last arrival, until it was on screen
    ticks: int = 0
    stall_p50_ms: float | None = None
    stall_p99_ms: float | None = None
    stall_max_ms: float | None = None
    stalls_over_target: int = 0
    gui_cpu_pct: float | None = None
    target_p99_ms: float = TARGET_P99_MS
    p99_ok: bool | None = None
    target_fresh_pct: float = TARGET_FRESH_PCT
    fresh_ok: bool | None = None
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    profile: str = ""


def _fmt(value: float | None, unit: str = "", digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}{unit}"


def _verdict(ok: bool | None) -> str:
    return {None: "n/a", True: "PASS", False: "FAIL"}[ok]


def table(r: GuiReport) -> str:
    rows = [
        ("platform", r.platform, ""),
        ("preloaded messages", f"{r.preload:,}", f"built in {_fmt(r.preload_s, ' s', 2)}"),
        ("memory / 1,000 messages (model)", _fmt(r.kib_per_1000_model, " KiB"), "RSS delta"),
        ("memory / 1,000 messages (shown)", _fmt(r.kib_per_1000_shown, " KiB"),
         "model + laid-out view"),
        ("time to open the room", _fmt(r.open_ms, " ms"),
         f"show_room() itself {_fmt(r.open_call_ms, ' ms')}"),
        ("longest stall while opening", _fmt(r.open_max_stall_ms, " ms"), ""),
        ("load", f"{r.rate:g}/s for {r.seconds:g} s",
         f"sent in {_fmt(r.feed_seconds, ' s', 2)}, max lag {_fmt(r.feed_max_lag_ms, ' ms')}"),
        ("arrived in the model", f"{r.arrived:,}/{r.expected:,}",
         f"in order: {'yes' if r.in_order else 'NO'}; last after {_fmt(r.arrival_s, ' s', 2)}"),
        ("event-loop stall p50", _fmt(r.stall_p50_ms, " ms", 2), f"{r.ticks:,} ticks"),
        ("event-loop stall p99", _fmt(r.stall_p99_ms, " ms", 2),
         f"target < {r.target_p99_ms:g} ms: {_verdict(r.p99_ok)}"),
        ("event-loop stall max", _fmt(r.stall_max_ms, " ms", 2),
         f"{r.stalls_over_target:,} stalls >= {r.target_p99_ms:g} ms"),
        ("GUI process CPU", _fmt(r.gui_cpu_pct, " %"), "of one core, during the load"),
        ("newest message on screen", _fmt(r.fresh_pct, " %"),
         f"of {FRESH_SAMPLE_MS} ms samples in the load; target >= {r.target_fresh_pct:g} %: "
         f"{_verdict(r.fresh_ok)}"),
        ("... after the last arrival", _fmt(r.caught_up_ms, " ms"), "until it was on screen"),
    ]
    width = max(len(name) for name, _, _ in rows)
    vwidth = max(len(value) for _, value, _ in rows)
    return "\n".join(f"{name:<{width}}  {value:>{vwidth}}  {note}".rstrip()
                     for name, value, note in rows)
