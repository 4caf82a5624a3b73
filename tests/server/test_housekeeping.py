"""The tick's cost follows the work due (app/server/housekeeping.py): registration timeouts
stop at the first connection not yet due, PINGs go round the registered clients in turns."""

from __future__ import annotations

from app.server.config import FloodPolicy, ServerConfig
from app.server.core import ServerCore
from app.server.housekeeping import PING_SLICE
from tests.server.test_core import Clock, Recorder


def make_core(**config: float) -> tuple[ServerCore, Clock]:
    clock = Clock()
    settings = ServerConfig(name="core.test", flood=FloodPolicy(enabled=False), **config)
    return ServerCore(settings, clock=clock), clock


def connect(core: ServerCore, *lines: str) -> Recorder:
    rec = Recorder()
    client = core.connect("10.0.0.1", rec.write, rec.close)
    core.receive(client, "".join(f"{line}\r\n" for line in lines).encode())
    return rec


def test_registration_timeouts_in_the_order_connections_came() -> None:
    core, clock = make_core(registration_timeout=60)
    early = [connect(core, f"NICK early{i}") for i in range(3)]
    clock.now += 30
    late = [connect(core, f"NICK late{i}") for i in range(3)]
    registered = connect(core, "NICK done", "USER u 0 * :R")
    clock.now += 31
    core.tick()
    assert all(rec.closed for rec in early) and not any(rec.closed for rec in late)
    assert early[0].lines()[-1] == "ERROR :Registration timed out"
    clock.now += 30
    core.tick()
    assert all(rec.closed for rec in late) and not registered.closed


def ticks(core: ServerCore, clock: Clock, seconds: float) -> None:
    """Tick every 0.5 s (as the Qt server does) for ``seconds``."""
    for _ in range(int(seconds / 0.5)):
        clock.now += 0.5
        core.tick()


def pinged(recs: list[Recorder]) -> int:
    return sum("PING :core.test" in rec.lines() for rec in recs)


def test_with_many_clients_each_tick_pings_a_turn_of_them() -> None:
    core, clock = make_core(ping_interval=120, ping_timeout=60)
    count = 3 * PING_SLICE
    recs = [connect(core, f"NICK n{i}", "USER u 0 * :R") for i in range(count)]
    ticks(core, clock, 120)  # idle for 120 s: not yet over the interval
    assert pinged(recs) == 0
    seen = []
    for _ in range(3):
        ticks(core, clock, 0.5)
        seen.append(pinged(recs))
    assert seen == [PING_SLICE, 2 * PING_SLICE, count]
    ticks(core, clock, 62)
    assert all(rec.closed for rec in recs) and not core.clients
    assert recs[0].lines()[-1].startswith("ERROR :Closing Link: 10.0.0.1 (Ping timeout: ")


def test_each_client_is_seen_within_a_quarter_of_the_ping_interval() -> None:
    core, clock = make_core(ping_interval=8, ping_timeout=60)  # a quarter: 2 s, 4 ticks
    count = 6 * PING_SLICE
    recs = [connect(core, f"NICK n{i}", "USER u 0 * :R") for i in range(count)]
    ticks(core, clock, 8)
    assert pinged(recs) == 0
    ticks(core, clock, 2)
    assert pinged(recs) == count
