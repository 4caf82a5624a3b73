"""Load generators, one process each: a fan-out with a paced latency phase, and idle links.

``run_fanout`` registers N clients in one channel, lets S speakers send M messages each and
counts every PRIVMSG that arrives, then runs a paced latency phase on the same clients.
``run_idle`` holds many registered idle connections. Both sample the server's CPU time and
RSS from /proc at the moments that matter, so the numbers cover exactly one phase.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from app.bench.procstat import cpu_seconds, die_with_parent, raise_nofile_limit, rss_kib
from app.bench.pump import CHANNEL, PRIVMSG, REGISTER_INFLIGHT, LoadError, Pump


@dataclass(frozen=True)
class FanoutConfig:
    host: str
    port: int
    server_pid: int
    clients: int = 100
    speakers: int = 10
    messages: int = 1000
    window: int = 20
    rate: float = 200.0
    latency_seconds: float = 5.0
    timeout: float = 120.0
    speaker_setup: tuple[str, ...] = ()


@dataclass
class FanoutResult:
    expected: int = 0
    delivered: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    generator_cpu_seconds: float = 0.0
    rss_before_kib: int = 0
    rss_after_kib: int = 0
    latency_sent: int = 0
    latencies_us: list[float] = field(default_factory=list)
    error: str = ""


def run_fanout(cfg: FanoutConfig) -> FanoutResult:
    """Connect, join, blast, measure; then a paced phase for latency. Never raises."""
    result = FanoutResult(expected=cfg.speakers * cfg.messages * (cfg.clients - 1))
    raise_nofile_limit()
    pump = Pump(cfg.host, cfg.port)
    try:
        _fanout(pump, cfg, result)
    except (LoadError, OSError) as exc:
        result.error = str(exc) or type(exc).__name__
    finally:
        pump.close()
    return result


def _fanout(pump: Pump, cfg: FanoutConfig, result: FanoutResult) -> None:
    deadline = time.monotonic() + cfg.timeout
    result.rss_before_kib = rss_kib(cfg.server_pid)
    pump.register_many("b", cfg.clients, REGISTER_INFLIGHT, deadline)
    clients = pump.clients
    speakers = clients[: cfg.speakers]
    for client in speakers:
        for line in cfg.speaker_setup:
            pump.send(client, line.format(nick=client.nick.decode()).encode() + b"\r\n")
    for client in clients:
        pump.send(client, b"JOIN %s\r\n" % CHANNEL)
    pump.wait_for(clients, b" 366 ", deadline)
    for client in clients:
        pump.send(client, b"PING :joined\r\n")
    pump.wait_for(clients, b"PONG", deadline)
    result.rss_after_kib = rss_kib(cfg.server_pid)

    _blast(pump, cfg, result, deadline)
    if result.delivered == result.expected and cfg.latency_seconds > 0:
        _latency(pump, cfg, result, time.monotonic() + cfg.latency_seconds + 10)


def _blast(pump: Pump, cfg: FanoutConfig, result: FanoutResult, deadline: float) -> None:
    """Speakers send as fast as the window allows; every receiver counts PRIVMSG lines.

    Each speaker keeps at most ``window`` messages that the observer (the last client, never
    a speaker) has not seen yet: this bounds every server's input and output buffers alike.
    """
    speakers = pump.clients[: cfg.speakers]
    observer = pump.clients[-1]
    index = {c.nick: i for i, c in enumerate(speakers)}
    sent = [0] * len(speakers)
    acked = [0] * len(speakers)
    lines_of = [
        [b"PRIVMSG %s :m%d.%d lorem ipsum dolor sit amet\r\n" % (CHANNEL, i, n)
         for n in range(cfg.messages)]
        for i in range(len(speakers))
    ]
    delivered = 0
    cpu0 = cpu_seconds(cfg.server_pid)
    own0 = time.process_time()
    t0 = time.perf_counter()
    while delivered < result.expected:
        for i, client in enumerate(speakers):
            room = min(cfg.window - (sent[i] - acked[i]), cfg.messages - sent[i])
            if room > 0:
                pump.send(client, b"".join(lines_of[i][sent[i] : sent[i] + room]))
                sent[i] += room
        if time.monotonic() > deadline:
            break
        for client, lines in pump.poll(0.5):
            n = lines.count(PRIVMSG)
            client.got += n
            delivered += n
            if client is observer:
                for line in lines.split(b"\n"):
                    if PRIVMSG in line:
                        who = index.get(line[1 : line.find(b"!")])
                        if who is not None:
                            acked[who] += 1
        if any(c.closed for c in pump.clients):
            raise LoadError("a client was disconnected during the fan-out")
    result.seconds = time.perf_counter() - t0
    result.cpu_seconds = cpu_seconds(cfg.server_pid) - cpu0
    result.generator_cpu_seconds = time.process_time() - own0
    result.delivered = delivered
    if delivered < result.expected:
        result.error = f"time limit: {delivered} of {result.expected} deliveries arrived"


def _latency(pump: Pump, cfg: FanoutConfig, result: FanoutResult, deadline: float) -> None:
    """One speaker sends a monotonic timestamp ``rate`` times a second; all others time it."""
    speaker = pump.clients[0]
    receivers = len(pump.clients) - 1
    interval = 1.0 / cfg.rate
    start = time.monotonic()
    stop_sending = start + cfg.latency_seconds
    next_send = start
    marker = b" PRIVMSG %s :t " % CHANNEL
    samples = result.latencies_us
    while True:
        now = time.monotonic()
        if now >= next_send and now < stop_sending:
            pump.send(speaker, b"PRIVMSG %s :t %d\r\n" % (CHANNEL, time.monotonic_ns()))
            result.latency_sent += 1
            next_send += interval
        if len(samples) >= result.latency_sent * receivers and now >= stop_sending:
            return
        if now > deadline:
            raise LoadError(f"latency phase: {len(samples)} of "
                            f"{result.latency_sent * receivers} timestamps came back")
        wait = max(0.0, min(next_send, stop_sending + 1.0) - time.monotonic())
        for _client, lines in pump.poll(wait):
            arrived = pump.woke_ns
            if marker not in lines:
                continue
            for line in lines.split(b"\n"):
                if marker in line:
                    sent_ns = int(line.rstrip(b"\r").rpartition(b" ")[2])
                    samples.append((arrived - sent_ns) / 1000.0)


@dataclass(frozen=True)
class IdleConfig:
    host: str
    port: int
    server_pid: int
    connections: int = 10_000
    inflight: int = REGISTER_INFLIGHT
    hold_seconds: float = 2.0
    timeout: float = 180.0


@dataclass
class IdleResult:
    requested: int = 0
    registered: int = 0
    held: bool = False
    seconds: float = 0.0
    rss_before_kib: int = 0
    rss_after_kib: int = 0
    error: str = ""


def run_idle(cfg: IdleConfig) -> IdleResult:
    """Open many registered idle connections, check they all answer, hold them. Never raises."""
    result = IdleResult(requested=cfg.connections)
    limit = raise_nofile_limit()
    pump = Pump(cfg.host, cfg.port)
    try:
        if limit < cfg.connections + 64:
            raise LoadError(f"RLIMIT_NOFILE hard limit {limit} is too low")
        deadline = time.monotonic() + cfg.timeout
        result.rss_before_kib = rss_kib(cfg.server_pid)
        t0 = time.perf_counter()
        pump.register_many("i", cfg.connections, cfg.inflight, deadline)
        result.seconds = time.perf_counter() - t0
        result.registered = len(pump.clients)
        for client in pump.clients:
            pump.send(client, b"PING :held\r\n")
        pump.wait_for(pump.clients, b"PONG", deadline)
        hold_until = time.monotonic() + cfg.hold_seconds
        while time.monotonic() < hold_until:
            pump.poll(max(0.0, hold_until - time.monotonic()))
        result.held = not any(c.closed for c in pump.clients)
        result.rss_after_kib = rss_kib(cfg.server_pid)
    except (LoadError, OSError) as exc:
        result.error = str(exc) or type(exc).__name__
        result.registered = sum(1 for c in pump.clients if c.registered and not c.closed)
    finally:
        pump.close()
    return result


def child_main(target: Callable[[Any], Any], cfg: Any, conn: Connection) -> None:
    """Entry point of a generator process: run ``target(cfg)`` and send back its result."""
    die_with_parent()
    conn.send(target(cfg))
    conn.close()
