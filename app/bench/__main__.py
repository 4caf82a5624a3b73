"""``python -m app.bench server|gui``: the server under load, or the chat window under load.

server: the same load against our server, ngircd and two references. For each server: a fresh
process for the fan-out + latency phase, and a fresh one for the idle-connection phase; each
phase's load comes from its own generator process. With ``ours``, also what client tags cost
the fan-out: a PRIVMSG with ``+reply`` (and msgid, time, account) against the same one
untagged, in the server core in this process (tagged.py).

gui: a ChatWindow with a preloaded room and a busy channel over a real socket (gui.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from app.bench import loadgen, servers, tagged
from app.bench.procstat import raise_nofile_limit
from app.bench.report import ServerReport, table, verdicts

T = TypeVar("T")


def run_generator(target: Callable[[Any], T], cfg: Any, timeout: float) -> T | None:
    """Run ``target(cfg)`` in a fresh process; None if it did not answer within ``timeout``."""
    ctx = multiprocessing.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=loadgen.child_main, args=(target, cfg, sender), daemon=True)
    proc.start()
    sender.close()
    result: T | None = None
    try:
        if receiver.poll(timeout):
            result = receiver.recv()
    except EOFError:
        result = None
    finally:
        receiver.close()
        if proc.is_alive():
            proc.kill()
        proc.join(10)
    return result


def _start(kind: str, workdir: Path, report: ServerReport) -> servers.RunningServer | None:
    try:
        return servers.start(kind, workdir)
    except servers.NotInstalled as exc:
        report.notes.append(str(exc))
    except servers.ServerStartError as exc:
        report.errors.append(str(exc))
    return None


def _check_alive(server: servers.RunningServer, phase: str, report: ServerReport) -> None:
    if not server.alive():
        report.errors.append(f"{phase}: {server.kind} exited with status "
                             f"{server.proc.returncode}; log: {server.log_path} (kept with "
                             "--workdir)")


def bench_server(kind: str, args: argparse.Namespace, workdir: Path) -> ServerReport:
    """Both phases against fresh processes of one server kind."""
    report = ServerReport(kind)
    server = _start(kind, workdir / kind / "fanout", report)
    if server is None:
        return report
    try:
        fan_cfg = loadgen.FanoutConfig(
            server.host, server.port, server.pid, clients=args.clients, speakers=args.speakers,
            messages=args.messages, window=args.window, rate=args.rate,
            latency_seconds=args.latency_seconds, timeout=args.timeout,
            speaker_setup=server.speaker_setup)
        fan = run_generator(loadgen.run_fanout, fan_cfg, args.timeout + args.latency_seconds + 30)
        if fan is None:
            report.errors.append("fan-out: the load generator did not finish")
        else:
            report.add_fanout(fan, args.clients)
        _check_alive(server, "fan-out", report)
    finally:
        server.stop()
    if args.idle <= 0:
        return report
    server = _start(kind, workdir / kind / "idle", report)
    if server is None:
        return report
    try:
        idle_cfg = loadgen.IdleConfig(server.host, server.port, server.pid,
                                      connections=args.idle, timeout=args.idle_timeout)
        idle = run_generator(loadgen.run_idle, idle_cfg, args.idle_timeout + 30)
        if idle is None:
            report.errors.append("idle: the load generator did not finish")
        else:
            report.add_idle(idle)
        _check_alive(server, "idle", report)
    finally:
        server.stop()
    return report


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m app.bench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("server", help="benchmark the IRC server against ngircd and references")
    p.add_argument("--servers", default=",".join(servers.DEFAULT_KINDS),
                   help="comma-separated subset of: " + ", ".join(servers.KINDS))
    p.add_argument("-n", "--clients", type=int, default=100, help="clients in the channel")
    p.add_argument("-s", "--speakers", type=int, default=10, help="clients that speak")
    p.add_argument("-m", "--messages", type=int, default=1000, help="messages per speaker")
    p.add_argument("--window", type=int, default=20,
                   help="messages a speaker may have in flight (ngircd reads 2 KiB at most)")
    p.add_argument("--rate", type=float, default=200.0, help="paced messages/s for latency")
    p.add_argument("--latency-seconds", type=float, default=5.0,
                   help="length of the paced phase (0 skips it)")
    p.add_argument("--idle", type=int, default=10_000,
                   help="idle connections to hold (0 skips the phase)")
    p.add_argument("--quick", action="store_true", help="skip the idle phase (same as --idle 0)")
    p.add_argument("--timeout", type=float, default=120.0, help="fan-out phase time limit, s")
    p.add_argument("--idle-timeout", type=float, default=180.0, help="idle phase limit, s")
    p.add_argument("--tagged-recipients", type=int, default=100,
                   help="channel size for the tagged fan-out figure (0 skips it)")
    p.add_argument("--workdir", type=Path, help="keep configs and logs here (default: temp)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    g = sub.add_parser("gui", help="event-loop stalls, memory and open time of the chat window")
    g.add_argument("-m", "--messages", type=int, default=100_000, help="lines preloaded")
    g.add_argument("--rate", type=float, default=2000.0, help="messages/s arriving")
    g.add_argument("--seconds", type=float, default=10.0, help="length of the load phase")
    g.add_argument("--timeout", type=float, default=60.0, help="limit of every wait, s")
    g.add_argument("--seed", type=int, default=1, help="of the generated message texts")
    g.add_argument("--profile", type=int, default=0, metavar="N",
                   help="cProfile the load phase; print the N top functions (inflates stalls)")
    g.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    if args.command == "gui":
        if args.messages < 1 or args.rate <= 0 or args.seconds <= 0 or args.timeout <= 0:
            parser.error("messages, rate, seconds and timeout must be positive")
        return args
    args.server_kinds = [k.strip() for k in args.servers.split(",") if k.strip()]
    unknown = set(args.server_kinds) - set(servers.KINDS)
    if unknown:
        parser.error(f"unknown servers: {', '.join(sorted(unknown))}")
    if args.quick:
        args.idle = 0
    if not 0 < args.speakers < args.clients:
        parser.error("need 0 < speakers < clients (one non-speaker observes the window)")
    if args.messages < 1 or args.window < 1 or args.rate <= 0:
        parser.error("messages, window and rate must be positive")
    return args


def run(args: argparse.Namespace, workdir: Path) -> dict[str, ServerReport]:
    reports: dict[str, ServerReport] = {}
    for kind in args.server_kinds:
        started = time.monotonic()
        print(f"[bench] {kind} ...", file=sys.stderr, flush=True)
        reports[kind] = bench_server(kind, args, workdir)
        print(f"[bench] {kind} done in {time.monotonic() - started:.1f} s", file=sys.stderr,
              flush=True)
    return reports


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    sys.exit(128 + signum)  # unwinds through the ``finally`` blocks that stop the servers


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    if raw[:1] == ["startup"]:
        from app.bench import startup

        return startup.main(raw[1:])
    if raw[:1] == ["dcc"]:
        from app.bench import dcc

        return dcc.main(raw[1:])
    if raw[:1] == ["history"]:
        from app.bench import history

        return history.main(raw[1:])
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if args.command == "gui":
        from app.bench import gui  # Qt and the whole client: only for this subcommand

        return gui.main(args)
    nofile = raise_nofile_limit()  # inherited by every server and generator we start
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        reports = run(args, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="chatbox-bench-") as tmp:
            reports = run(args, Path(tmp))
    checks = verdicts(reports, args.idle)
    tagged_fanout = None
    if "ours" in args.server_kinds and args.tagged_recipients > 0:
        tagged_fanout = tagged.measure(args.tagged_recipients)
        checks.append(tagged_fanout.verdict())
    config = {"clients": args.clients, "speakers": args.speakers, "messages": args.messages,
              "window": args.window, "rate": args.rate, "latency_seconds": args.latency_seconds,
              "idle": args.idle, "nofile": nofile}
    if args.json:
        print(json.dumps({
            "config": config,
            "servers": {k: dataclasses.asdict(r) for k, r in reports.items()},
            "verdicts": [{"verdict": v, "detail": d} for v, d in checks],
            "tagged_fanout": dataclasses.asdict(tagged_fanout) if tagged_fanout else None,
        }, indent=2))
    else:
        expected = args.speakers * args.messages * (args.clients - 1)
        print(f"N={args.clients} clients, S={args.speakers} speakers x M={args.messages} "
              f"messages = {expected:,} deliveries; window {args.window}; paced "
              f"{args.rate:g}/s for {args.latency_seconds:g} s; idle {args.idle:,}")
        print(table(reports))
        print("delivered: " + ", ".join(f"{k} {r.delivered or 'n/a'}" for k, r in reports.items()))
        if tagged_fanout is not None:
            print(tagged_fanout.line())
        for verdict, detail in checks:
            print(f"{verdict:4}  {detail}")
        for kind, report in reports.items():
            for error in report.errors:
                print(f"error {kind}: {error}")
            for note in report.notes:
                print(f"note  {kind}: {note}")
    failed = any(r.errors for r in reports.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
