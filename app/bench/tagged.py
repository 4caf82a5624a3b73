"""What client tags cost on the hot path: one PRIVMSG carrying ``+reply`` fanned out to
recipients that get it with the server's msgid, time and account (message-tags, server-time,
account-tag), against the same PRIVMSG untagged to recipients without those caps.

Measured in the server core in this process (sans-IO: the same parse, dispatch, history
queue and fan-out as the real server, with writes that cost nothing), so the ratio is the
core's own and not diluted by socket writes, which cost both the same. Both kinds of message
alternate in rounds, on CPU time, and the ratio is the median of the rounds' ratios: other
processes on the machine slow both alike.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from app.server.config import FloodPolicy, ServerConfig
from app.server.core import ServerCore
from app.server.state import Client

TARGET_RATIO = 1.3
TEXT = b"a message of ordinary length for a chat room, with a few more words in it"
TAG_CAPS = "message-tags server-time account-tag"


@dataclass(frozen=True)
class TaggedResult:
    recipients: int
    messages: int  # of each kind, per round
    rounds: int
    plain_us: float  # server CPU per delivery, median of the rounds
    tagged_us: float
    ratio: float  # tagged / plain, median of the rounds' ratios

    def verdict(self) -> tuple[str, str]:
        ok = self.ratio <= TARGET_RATIO
        return ("PASS" if ok else "FAIL",
                f"tagged fan-out (+reply, msgid, time, account) vs untagged: {self.ratio:.2f}x "
                f"(target <= {TARGET_RATIO}x)")

    def line(self) -> str:
        return (f"tagged fan-out: {self.tagged_us:.3f} µs/delivery with +reply, msgid, time "
                f"and account, {self.plain_us:.3f} µs untagged, {self.ratio:.2f}x "
                f"({self.recipients} recipients, {self.rounds} rounds of {self.messages})")


def _discard(data: bytes) -> None:
    pass


def _closed(abort: bool) -> None:
    pass


def _join(core: ServerCore, nick: str, channel: str, caps: str = "") -> Client:
    client = core.connect("10.0.0.1", _discard, _closed)
    cap = f"CAP LS 302\r\nCAP REQ :{caps}\r\n" if caps else ""
    core.receive(client, f"{cap}NICK {nick}\r\nUSER u 0 * :R\r\nCAP END\r\nJOIN {channel}\r\n"
                 .encode())
    return client


def measure(recipients: int = 100, messages: int = 200, rounds: int = 15) -> TaggedResult:
    core = ServerCore(ServerConfig(name="bench.server", flood=FloodPolicy(enabled=False)))
    core.history.autocommit = False  # the server commits once per loop turn, not per message
    sender = _join(core, "speaker", "#plain,#tagged")
    sender.account = "speaker"  # logged in: the account tag has a value
    for i in range(recipients):
        _join(core, f"plain{i}", "#plain")
        _join(core, f"tagged{i}", "#tagged", TAG_CAPS)
    parent = core.new_msgid()
    plain = b"PRIVMSG #plain :" + TEXT + b"\r\n"
    tagged = b"@+reply=" + parent.encode() + b" PRIVMSG #tagged :" + TEXT + b"\r\n"
    plain_ns: list[int] = []
    tagged_ns: list[int] = []
    for n in range(rounds + 1):  # the first round warms up and is not counted
        pair = ((plain, plain_ns), (tagged, tagged_ns))
        for line, times in pair if n % 2 else pair[::-1]:
            started = time.process_time_ns()
            for _ in range(messages):
                core.receive(sender, line)
            spent = time.process_time_ns() - started
            core.history.commit()
            if n:
                times.append(spent)
    core.shutdown()
    deliveries = messages * recipients
    return TaggedResult(
        recipients, messages, rounds,
        plain_us=statistics.median(plain_ns) / deliveries / 1000,
        tagged_us=statistics.median(tagged_ns) / deliveries / 1000,
        ratio=statistics.median(t / p for t, p in zip(tagged_ns, plain_ns, strict=True)),
    )
