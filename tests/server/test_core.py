"""The server core without sockets: plain calls in, bytes out (h11's split, at server scale)."""

from __future__ import annotations

from app.server.config import FloodPolicy, ServerConfig
from app.server.core import ServerCore
from app.server.state import Client


class Recorder:
    """Stands in for a socket: keeps what the core writes and whether it closed the link."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.chunks.append(data)

    def close(self, abort: bool) -> None:
        self.closed = True

    def lines(self) -> list[str]:
        return b"".join(self.chunks).decode().splitlines()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_core(**flood: float) -> tuple[ServerCore, Clock]:
    clock = Clock()
    policy = FloodPolicy(enabled=bool(flood), **flood) if flood else FloodPolicy(enabled=False)
    config = ServerConfig(name="core.test", flood=policy)
    return ServerCore(config, clock=clock, wall_clock=lambda: 1_800_000_000.5), clock


def join(core: ServerCore, nick: str, *lines: str) -> tuple[Client, Recorder]:
    rec = Recorder()
    client = core.connect("10.0.0.1", rec.write, rec.close)
    script = (*lines, f"NICK {nick}", "USER u 0 * :R", "JOIN #c")
    payload = "".join(f"{line}\r\n" for line in script)
    core.receive(client, payload.encode())
    rec.chunks.clear()
    return client, rec


def test_fan_out_serialises_once_per_capability_set() -> None:
    core, _ = make_core()
    sender, _ = join(core, "sender")
    plain = [join(core, f"plain{i}")[1] for i in range(3)]
    timed = [join(core, f"timed{i}", "CAP REQ :server-time", "CAP END")[1] for i in range(3)]
    for rec in plain + timed:
        rec.chunks.clear()
    core.receive(sender, b"PRIVMSG #c :hi all\r\n")
    plain_chunks = [rec.chunks[-1] for rec in plain]
    timed_chunks = [rec.chunks[-1] for rec in timed]
    assert all(chunk is plain_chunks[0] for chunk in plain_chunks)
    assert all(chunk is timed_chunks[0] for chunk in timed_chunks)
    assert plain_chunks[0] == b":sender!~u@10.0.0.1 PRIVMSG #c :hi all\r\n"
    assert timed_chunks[0] == (
        b"@time=2027-01-15T08:00:00.500Z :sender!~u@10.0.0.1 PRIVMSG #c :hi all\r\n"
    )


def test_replies_to_one_line_come_before_the_next_line_is_handled() -> None:
    core, _ = make_core()
    client, rec = join(core, "alice")
    core.receive(client, b"PING a\r\nNAMES #c\r\nPING b\r\n")
    commands = [line.split()[1] for line in rec.lines()]
    assert commands == ["PONG", "353", "366", "PONG"]


def test_flood_control_holds_lines_and_says_when_to_resume() -> None:
    core, clock = make_core(burst=3, rate=2, max_queued=50)
    client, rec = join(core, "alice")  # registration and JOIN used the whole burst
    clock.now += 10  # the bucket refills
    delay = core.receive(client, b"".join(b"PING %d\r\n" % i for i in range(5)))
    assert len(rec.lines()) == 3
    assert delay is not None and 0 < delay <= 0.5
    clock.now += delay
    assert core.process(client) is not None
    assert len(rec.lines()) == 4


def test_excess_flood_closes_the_link() -> None:
    core, _ = make_core(burst=3, rate=1, max_queued=10)
    client, rec = join(core, "alice")
    core.receive(client, b"PING x\r\n" * 20)
    assert rec.lines()[-1] == "ERROR :Excess Flood"
    assert rec.closed and client not in core.clients


def test_quit_frees_the_nick_and_empties_the_channel() -> None:
    core, _ = make_core()
    client, rec = join(core, "alice")
    core.receive(client, b"QUIT :bye\r\n")
    assert rec.lines() == ["ERROR :Closing Link: 10.0.0.1 (Quit: bye)"]
    assert core.find_nick("ALICE") is None and core.find_channel("#c") is None


def test_labeled_command_with_several_replies_is_one_batch() -> None:
    core, _ = make_core()
    client, rec = join(core, "alice", "CAP REQ :labeled-response batch", "CAP END")
    core.receive(client, b"@label=q1 NAMES #c\r\n")
    lines = rec.lines()
    assert lines[0].startswith("@label=q1 :core.test BATCH +")
    ref = lines[0].split()[3][1:]
    assert lines[1].startswith(f"@batch={ref} :core.test 353 ")
    assert lines[2].startswith(f"@batch={ref} :core.test 366 ")
    assert lines[3] == f":core.test BATCH -{ref}"
