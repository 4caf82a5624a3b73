"""Turn raw phase results into metrics, a text table with ratios, and target verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.bench.loadgen import FanoutResult, IdleResult
from app.bench.servers import KINDS

TARGET_CPU_VS_NGIRCD = 6.0
TARGET_TPUT_VS_ASYNCIO = 3.0
TARGET_TPUT_VS_THREADS = 1.5
TARGET_RSS_VS_NGIRCD = 3.0
TARGET_IDLE = 10_000
MIN_CPU_SECONDS = 0.1  # /proc counts CPU time in 10 ms ticks: keep the error under 10 %


@dataclass
class ServerReport:
    """Everything measured for one server; None where a phase did not run or failed."""

    kind: str
    deliveries_per_s: float | None = None
    cpu_us_per_delivery: float | None = None
    generator_busy_pct: float | None = None
    delivered: str = ""
    p50_us: float | None = None
    p99_us: float | None = None
    rss_per_conn_kib: float | None = None
    rss_per_client_kib: float | None = None
    idle_registered: int | None = None
    idle_open_seconds: float | None = None
    idle_held: bool | None = None
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add_fanout(self, res: FanoutResult, clients: int) -> None:
        self.delivered = f"{res.delivered}/{res.expected}"
        if res.error:
            self.errors.append(f"fan-out: {res.error}")
        if res.delivered and res.delivered == res.expected and res.seconds > 0:
            self.deliveries_per_s = res.delivered / res.seconds
            if res.cpu_seconds >= MIN_CPU_SECONDS:
                self.cpu_us_per_delivery = res.cpu_seconds * 1e6 / res.delivered
            else:
                self.notes.append(f"server CPU {res.cpu_seconds * 1e3:.0f} ms is too little for "
                                  "/proc's 10 ms ticks: raise -m for a CPU figure")
            self.generator_busy_pct = 100 * res.generator_cpu_seconds / res.seconds
        if res.rss_after_kib:
            self.rss_per_client_kib = (res.rss_after_kib - res.rss_before_kib) / clients
        if res.latencies_us:
            ordered = sorted(res.latencies_us)
            self.p50_us = ordered[len(ordered) // 2]
            self.p99_us = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]

    def add_idle(self, res: IdleResult) -> None:
        self.idle_registered = res.registered
        self.idle_held = res.held and res.registered == res.requested
        if res.seconds:
            self.idle_open_seconds = res.seconds
        if res.error:
            self.errors.append(f"idle: {res.error}")
        if res.held and res.registered:
            self.rss_per_conn_kib = (res.rss_after_kib - res.rss_before_kib) / res.registered


# (label, ServerReport attribute, format)
ROWS: tuple[tuple[str, str, str], ...] = (
    ("deliveries/s", "deliveries_per_s", "{:,.0f}"),
    ("server CPU µs/delivery", "cpu_us_per_delivery", "{:.3f}"),
    ("load generator busy %", "generator_busy_pct", "{:.0f}"),
    ("latency p50 µs (paced)", "p50_us", "{:,.0f}"),
    ("latency p99 µs (paced)", "p99_us", "{:,.0f}"),
    ("RSS KiB/conn (idle)", "rss_per_conn_kib", "{:.2f}"),
    ("RSS KiB/client (fan-out)", "rss_per_client_kib", "{:.2f}"),
    ("idle conns held", "idle_registered", "{:,}"),
    ("idle: s to open+register", "idle_open_seconds", "{:.1f}"),
)


def _value(report: ServerReport | None, attr: str) -> float | None:
    if report is None:
        return None
    value = getattr(report, attr)
    if attr == "idle_registered" and value is not None and not report.idle_held:
        return None
    return float(value) if value is not None else None


def ratio(reports: dict[str, ServerReport], attr: str, other: str) -> float | None:
    """ours / other for one metric, or None when either side is missing or zero."""
    mine, theirs = _value(reports.get("ours"), attr), _value(reports.get(other), attr)
    if mine is None or theirs is None or theirs == 0:
        return None
    return mine / theirs


def table(reports: dict[str, ServerReport]) -> str:
    kinds = [k for k in KINDS if k in reports]
    others = [k for k in ("ngircd", "asyncio", "threads") if k in reports and "ours" in reports]
    header = ["metric", *kinds, *(f"ours/{k}" for k in others)]
    rows = [header]
    for label, attr, fmt in ROWS:
        row = [label]
        for kind in kinds:
            value = getattr(reports[kind], attr)
            if attr == "idle_registered" and value is not None and not reports[kind].idle_held:
                row.append(f"{value:,} (lost)")
            else:
                row.append("n/a" if value is None else fmt.format(value))
        for other in others:
            r = ratio(reports, attr, other)
            row.append("" if r is None else f"{r:.2f}x")
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def verdicts(reports: dict[str, ServerReport], idle_target: int) -> list[tuple[str, str]]:
    """(verdict, explanation) per target from the issue; verdict is PASS, FAIL or N/A."""
    out: list[tuple[str, str]] = []

    def check(name: str, r: float | None, limit: float, at_most: bool) -> None:
        if r is None:
            out.append(("N/A", f"{name}: not measured"))
            return
        ok = r <= limit if at_most else r >= limit
        bound = "<=" if at_most else ">="
        out.append(("PASS" if ok else "FAIL", f"{name}: {r:.2f}x (target {bound} {limit}x)"))

    check("CPU per delivery vs ngircd", ratio(reports, "cpu_us_per_delivery", "ngircd"),
          TARGET_CPU_VS_NGIRCD, True)
    check("throughput vs asyncio fan-out", ratio(reports, "deliveries_per_s", "asyncio"),
          TARGET_TPUT_VS_ASYNCIO, False)
    check("throughput vs thread-per-client", ratio(reports, "deliveries_per_s", "threads"),
          TARGET_TPUT_VS_THREADS, False)
    check("RSS per connection vs ngircd", ratio(reports, "rss_per_conn_kib", "ngircd"),
          TARGET_RSS_VS_NGIRCD, True)
    ours = reports.get("ours")
    if idle_target <= 0:
        out.append(("N/A", f"{TARGET_IDLE:,} idle connections: phase skipped"))
    elif ours is None or ours.idle_registered is None:
        out.append(("N/A", f"{TARGET_IDLE:,} idle connections: not measured"))
    else:
        ok = bool(ours.idle_held) and ours.idle_registered >= TARGET_IDLE
        out.append(("PASS" if ok else "FAIL",
                    f"{TARGET_IDLE:,} idle connections: {ours.idle_registered:,} registered, "
                    f"{'held' if ours.idle_held else 'not held'}"))
    return out
