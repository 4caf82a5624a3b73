"""A test network of our own: two network namespaces joined by a veth pair.

Multicast DNS goes out on these two veth ends only, never on the machine's real interfaces.
The suite keeps ``CHATBOX_NO_MDNS=1`` set everywhere (tests/conftest.py); the processes
started here, inside the namespaces, are the only ones that run without it.

Needs root (``ip netns add``), as on the development machine and in CI. Without it the
tests skip, except in CI (``CI=true``), where they fail and say why.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from app.protocol.dnssd import MDNS_OFF_ENV

ROOT = Path(__file__).resolve().parent.parent
IP = shutil.which("ip") or "/usr/sbin/ip"
APPEAR_S = 10.0  # bound on a chat showing up in a browser (measured: about 1.5 s)
LEAVE_S = 5.0  # bound on a stopped chat leaving the list (measured: well under 1 s)


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([IP, *args], capture_output=True, text=True, timeout=10)


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail in CI, where these tests must run."""
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"LAN discovery tests need network namespaces, and CI must run them: {reason}",
                    pytrace=False)
    pytest.skip(f"network namespaces unavailable: {reason}")


class Output:
    """A child's stdout read line by line with bounded waits: straight from the pipe, since
    a buffered reader would keep lines that select() then never reports."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        self.proc = proc
        self._fd = proc.stdout.fileno()
        self._buffer = b""
        self.ended = False

    def readline(self, timeout: float) -> str:
        """The next line, or "" when none comes within ``timeout`` s (or the output ended)."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer and not self.ended:
            left = deadline - time.monotonic()
            if left <= 0:
                return ""
            with selectors.DefaultSelector() as sel:
                sel.register(self._fd, selectors.EVENT_READ)
                if not sel.select(left):
                    return ""
            chunk = os.read(self._fd, 65536)
            self._buffer += chunk
            self.ended = not chunk
        line, newline, self._buffer = self._buffer.partition(b"\n")
        if not newline:  # the end, with an unfinished last line
            self._buffer = b""
        return line.decode("utf-8", "replace")


def readline(proc: subprocess.Popen[bytes], timeout: float) -> str:
    """The first line of ``proc``'s output, or "" when none comes within ``timeout`` s."""
    return Output(proc).readline(timeout)


@dataclass
class JsonLines:
    """A child process that prints one JSON object per line; bounded waits for lines."""

    proc: subprocess.Popen[bytes]
    lines: list[dict[str, Any]] = field(default_factory=list)
    output: Output = field(init=False)

    def __post_init__(self) -> None:
        self.output = Output(self.proc)

    def read(self, timeout: float) -> bool:
        """Read a line if one arrives within ``timeout`` seconds; False at end of output."""
        line = self.output.readline(timeout)
        if line.strip():
            self.lines.append(json.loads(line))
        return not self.output.ended

    def wait_for(
        self, test: Callable[[dict[str, Any]], bool], timeout: float, what: str
    ) -> dict[str, Any]:
        """The first line so far, or arriving within ``timeout`` s, that passes ``test``."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines:
                if test(line):
                    return line
            left = deadline - time.monotonic()
            if left <= 0 or not self.read(min(left, 0.5)):
                break
        found = [line for line in self.lines if test(line)]
        if not found:
            raise AssertionError(f"no {what} within {timeout} s; got {self.lines}")
        return found[0]


@dataclass
class LanPair:
    """Namespaces ``a`` (10.77.N.1) and ``b`` (10.77.N.2) and the processes run in them."""

    a: str
    b: str
    addr_a: str
    addr_b: str
    tmp: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def popen(self, ns: str, argv: list[str], **env: str) -> subprocess.Popen[bytes]:
        """``argv`` inside namespace ``ns``, with multicast DNS allowed; stdout piped, stderr
        to a file (``self.stderr(proc)``)."""
        environ = {k: v for k, v in os.environ.items() if k != MDNS_OFF_ENV}
        environ |= {"PYTHONUNBUFFERED": "1", **env}
        err = (self.tmp / f"stderr-{len(self.procs)}.log").open("w")
        proc = subprocess.Popen([IP, "netns", "exec", ns, *argv], cwd=ROOT, env=environ,
                                stdout=subprocess.PIPE, stderr=err)
        err.close()
        proc.stderr_path = err.name  # type: ignore[attr-defined]
        self.procs.append(proc)
        return proc

    @staticmethod
    def stderr(proc: subprocess.Popen[bytes]) -> str:
        return Path(proc.stderr_path).read_text()  # type: ignore[attr-defined]

    def server(
        self, *args: str, host: str | None = None, program: tuple[str, ...] = ()
    ) -> subprocess.Popen[bytes]:
        """``chatbox-server --advertise`` in namespace a (``program``: another way to run
        it, e.g. the frozen ``chatbox --server``); returns once it listens."""
        argv = [*(program or (sys.executable, "-m", "app.server")), "--advertise", "--port", "0",
                "--host", host or self.addr_a, "--no-history", "--no-flood-control", *args]
        proc = self.popen(self.a, argv)
        line = readline(proc, 10.0)
        assert line.startswith("listening"), f"server did not start: {line!r} {self.stderr(proc)}"
        return proc

    def browser(self) -> JsonLines:
        """``python -m app.client.discovery`` in namespace b: found/lost as JSON lines."""
        proc = self.popen(self.b, [sys.executable, "-m", "app.client.discovery"])
        return JsonLines(proc)

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 10.0) -> int:
        """SIGTERM and wait (SIGKILL if it hangs); the exit status."""
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        return proc.returncode

    def close(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(Exception):
                self.stop(proc, 5)
            if proc.stdout is not None:
                proc.stdout.close()
        for ns in (self.a, self.b):  # deleting a namespace deletes its veth end, and the pair
            _ip("netns", "delete", ns)


def make_lan(tmp: Path) -> Iterator[LanPair]:
    """Set up the two namespaces, yield, and always tear them down."""
    if os.geteuid() != 0:
        unavailable("not root (ip netns needs CAP_SYS_ADMIN)")
    if not Path(IP).exists():
        unavailable(f"{IP} (iproute2) is not installed")
    tag = secrets.token_hex(3)
    subnet = 1 + secrets.randbelow(254)
    lan = LanPair(f"cbA{tag}", f"cbB{tag}", f"10.77.{subnet}.1", f"10.77.{subnet}.2", tmp)
    veth_a, veth_b = f"cbva{tag}", f"cbvb{tag}"
    steps = [
        ("netns", "add", lan.a),
        ("netns", "add", lan.b),
        ("link", "add", veth_a, "type", "veth", "peer", "name", veth_b),
        ("link", "set", veth_a, "netns", lan.a),
        ("link", "set", veth_b, "netns", lan.b),
        ("-n", lan.a, "addr", "add", f"{lan.addr_a}/24", "dev", veth_a),
        ("-n", lan.b, "addr", "add", f"{lan.addr_b}/24", "dev", veth_b),
        ("-n", lan.a, "link", "set", "lo", "up"),
        ("-n", lan.b, "link", "set", "lo", "up"),
        ("-n", lan.a, "link", "set", veth_a, "multicast", "on", "up"),
        ("-n", lan.b, "link", "set", veth_b, "multicast", "on", "up"),
    ]
    try:
        for step in steps:
            done = _ip(*step)
            if done.returncode != 0:
                with contextlib.suppress(Exception):
                    _ip("link", "delete", veth_a)  # if it was made but not moved yet
                lan.close()
                unavailable(f"ip {' '.join(step)}: {done.stderr.strip()}")
        yield lan
    finally:
        lan.close()
