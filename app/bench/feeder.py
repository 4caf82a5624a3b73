"""``python -m app.bench.feeder``: one raw IRC client that says RATE lines a second in a channel.

The load for ``python -m app.bench gui``, in its own process so that its CPU time does not count
against the GUI's event loop. Standard library only. Talks to its parent over stdin/stdout:
prints ``ready`` once it has joined, waits for ``go`` on stdin, sends ``rate * seconds``
PRIVMSGs paced on the clock, makes sure the server has handled them (PING/PONG), then prints
one JSON line with what it did. Every wait has a deadline; stdin closing (the parent died)
ends it.
"""

from __future__ import annotations

import argparse
import json
import random
import selectors
import socket
import sys
import time
from dataclasses import asdict, dataclass

_VOCABULARY = (
    "the a to and of is it in that you for on this with was be have are not but just so "
    "what can do if we at about like all get one there no up out they my me or server room "
    "chat message build test release works think know really yes here now then time fix bug"
)
WORDS = tuple(_VOCABULARY.split())
URLS = ("https://example.org/changelog", "https://docs.example.com/page?id=42")
MAX_TEXT = 350  # leaves room for the prefix and tags within IRC's 512 bytes
MAX_PARTIAL = 16 * 1024  # an unfinished line longer than this is junk


class FeedError(RuntimeError):
    """The server refused, closed or did not answer in time."""


def sample_text(rng: random.Random, seq: int) -> str:
    """A chat line numbered ``seq``: mostly short, one in ten long enough to wrap, a few links."""
    words = rng.randint(25, 55) if rng.random() < 0.1 else rng.randint(2, 14)
    parts = [str(seq), *(rng.choice(WORDS) for _ in range(words))]
    if rng.random() < 0.05:
        parts.insert(rng.randint(1, len(parts)), rng.choice(URLS))
    return " ".join(parts)[:MAX_TEXT]


@dataclass
class FeedResult:
    sent: int = 0
    seconds: float = 0.0
    max_lag_ms: float = 0.0  # how far the sender ever fell behind its schedule
    error: str = ""


class Line:
    """A blocking socket with a line buffer; answers PING on the way."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.sock = socket.create_connection((host, port), timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.settimeout(self.timeout)  # a server that stops reading fails us, in time
        self.sock.sendall(data)

    def _scan(self, token: bytes) -> bool:
        """Answer PINGs in the complete lines read so far; True if one contains ``token``."""
        lines, _, self.buffer = self.buffer.rpartition(b"\n")
        self.buffer = self.buffer[-MAX_PARTIAL:]
        found = False
        for line in lines.split(b"\n"):
            if line.startswith(b"PING"):
                self.send(b"PONG" + line[4:].rstrip(b"\r") + b"\r\n")
            found = found or (bool(token) and token in line)
        return found

    def wait_for(self, token: bytes, deadline: float) -> None:
        """Read until a line containing ``token`` arrives; raise FeedError at ``deadline``."""
        while not self._scan(token):
            left = deadline - time.monotonic()
            if left <= 0:
                raise FeedError(f"no {token!r} from the server in time")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            if not data:
                raise FeedError(f"the server closed the connection before {token!r}")
            self.buffer += data

    def drain(self) -> None:
        """Read whatever arrived without waiting (so the server never blocks on us)."""
        self.sock.settimeout(0.0)
        while True:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                break
            if not data:
                raise FeedError("the server closed the connection while we were sending")
            self.buffer += data
        self._scan(b"")

    def close(self) -> None:
        self.sock.close()


def wait_for_go(timeout: float) -> bool:
    with selectors.DefaultSelector() as sel:
        sel.register(sys.stdin, selectors.EVENT_READ)
        if not sel.select(timeout):
            return False
    return sys.stdin.readline().strip() == "go"


def feed(args: argparse.Namespace) -> FeedResult:
    result = FeedResult()
    rng = random.Random(args.seed)
    deadline = time.monotonic() + args.timeout
    link = Line(args.host, args.port, args.timeout)
    try:
        link.send(f"NICK {args.nick}\r\nUSER feeder 0 * :bench feeder\r\n".encode())
        link.wait_for(b" 001 ", deadline)
        link.send(f"JOIN {args.channel}\r\n".encode())
        link.wait_for(b" 366 ", deadline)
        print("ready", flush=True)
        if not wait_for_go(args.timeout):
            raise FeedError("the parent never said go")
        total = round(args.rate * args.seconds)
        prefix = f"PRIVMSG {args.channel} :".encode()
        start = time.monotonic()
        deadline = start + args.seconds + args.timeout
        while result.sent < total:
            now = time.monotonic()
            if now > deadline:
                raise FeedError(f"sent {result.sent} of {total} in time")
            due = min(total, int((now - start) * args.rate) + 1)
            if due > result.sent:
                lag = now - start - result.sent / args.rate
                result.max_lag_ms = max(result.max_lag_ms, lag * 1000)
                batch = [prefix + sample_text(rng, seq).encode() + b"\r\n"
                         for seq in range(result.sent, due)]
                link.send(b"".join(batch))
                result.sent = due
            link.drain()
            time.sleep(max(0.0, min(0.01, start + due / args.rate - time.monotonic())))
        result.seconds = time.monotonic() - start
        link.send(b"PING :fed\r\n")
        link.wait_for(b"fed", deadline)
        link.send(b"QUIT :done\r\n")
    except (FeedError, OSError) as exc:
        result.error = str(exc) or type(exc).__name__
    finally:
        link.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.bench.feeder", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--nick", default="feeder")
    parser.add_argument("--channel", default="#bench")
    parser.add_argument("--rate", type=float, default=2000.0, help="messages per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=30.0, help="limit of every wait, s")
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        result = feed(args)
    except OSError as exc:  # could not even connect
        result = FeedResult(error=str(exc) or type(exc).__name__)
    print(json.dumps(asdict(result)), flush=True)
    return 1 if result.error else 0


if __name__ == "__main__":
    sys.exit(main())
