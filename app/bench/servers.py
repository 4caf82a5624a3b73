"""Start and stop the servers under test, each its own process on 127.0.0.1.

``ours`` is ``python -m app.server``; ``ngircd`` is Debian's daemon with a configuration
written here; ``asyncio`` and ``threads`` are the reference servers in this package.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.bench.procstat import die_with_parent

ROOT = Path(__file__).resolve().parent.parent.parent
KINDS = ("ours", "ngircd", "asyncio", "threads", "ours-nohistory")
DEFAULT_KINDS = KINDS[:4]  # ours-nohistory: on request, for the cost of history
START_TIMEOUT = 15.0
NGIRCD_OPER = ("bench", "bench")

# Why ngircd is configured like this (ngircd 26, src/ngircd/conn.c):
# - A user's commands are read at most 3 per loop (10 with user mode +F), and a client that
#   sends faster is "throttled": Conn_SetPenalty(1 s). MaxPenaltyTime = 0 caps every penalty
#   below 10 s at 0 s, so throttling never stalls a sender.
# - Speakers also OPER and set +F ("relaxed flood protection", oper-only): 10 commands per
#   loop and Throttle_Connection() returns early for them.
# - Fixed limits remain: a 2048-byte read buffer (a client whose unprocessed input reaches it
#   is disconnected) and a 32 KiB write buffer per client. The load generator keeps a bounded
#   window of messages in flight per speaker, so neither is reached (see loadgen.py).
# - IdleTimeout: ngircd runs as "nobody" and so outlives a killed bench; with no client left
#   it exits by itself after 30 s.
NGIRCD_CONF = """\
[Global]
\tName = bench.ngircd
\tInfo = Chatbox benchmark
\tAdminInfo1 = bench
\tAdminEMail = bench@localhost
\tListen = 127.0.0.1
\tPorts = {port}
\tPidFile = {workdir}/ngircd.pid
\tMotdPhrase = bench
[Limits]
\tMaxConnections = 0
\tMaxConnectionsIP = 0
\tMaxJoins = 0
\tMaxNickLength = 30
\tMaxPenaltyTime = 0
\tPingTimeout = 600
\tPongTimeout = 600
[Options]
\tDNS = no
\tIdent = no
\tPAM = no
\tNoticeBeforeRegistration = no
[Operator]
\tName = {oper_name}
\tPassword = {oper_password}
"""


class ServerStartError(RuntimeError):
    """A server under test did not come up; the message carries its log."""


class NotInstalled(ServerStartError):
    """An optional server (ngircd) is not installed: skipped, not a failure."""


@dataclass
class RunningServer:
    """One server process under test and what a load generator needs to reach it."""

    kind: str
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path
    host: str = "127.0.0.1"
    speaker_setup: tuple[str, ...] = ()
    _drain: threading.Thread | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._drain is not None:
            self._drain.join(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def ngircd_path() -> str | None:
    """The ngircd binary (Debian installs it in /usr/sbin, often not on PATH), or None."""
    return shutil.which("ngircd") or shutil.which("ngircd", path="/usr/sbin:/usr/local/sbin")


def start(kind: str, workdir: Path) -> RunningServer:
    """Start a server of ``kind`` with its files under ``workdir``; wait until it listens."""
    workdir.mkdir(parents=True, exist_ok=True)
    if kind == "ngircd":
        return _start_ngircd(workdir)
    if kind in ("ours", "ours-nohistory"):
        data_dir = workdir / "data"
        data_dir.mkdir(exist_ok=True)
        argv = [sys.executable, "-m", "app.server", "--host", "127.0.0.1", "--port", "0",
                "--name", "bench.server", "--no-flood-control", "--data-dir", str(data_dir)]
        if kind == "ours-nohistory":
            argv.append("--no-history")
    elif kind in ("asyncio", "threads"):
        argv = [sys.executable, "-m", f"app.bench.ref_{kind}", "--host", "127.0.0.1",
                "--port", "0"]
    else:
        raise ValueError(f"unknown server kind {kind!r}")
    return _start_announcing(kind, argv, workdir)


def _start_announcing(kind: str, argv: list[str], workdir: Path) -> RunningServer:
    """Start a server that prints ``listening on HOST:PORT`` as its first stdout line."""
    log_path = workdir / f"{kind}.log"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with log_path.open("wb") as log:
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, env=env,
                                stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
    assert proc.stdout is not None
    line = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if sel.select(START_TIMEOUT):
            line = proc.stdout.readline()
    text = line.decode(errors="replace").strip()
    if not text.startswith("listening on "):
        proc.kill()
        proc.wait()
        proc.stdout.close()
        raise ServerStartError(f"{kind} did not start: {text!r}\n{_tail(log_path)}")
    port = int(text.rpartition(":")[2])
    # Keep reading stdout so a chatty server never blocks on a full pipe.
    drain = threading.Thread(target=_copy_to_log, args=(proc.stdout, log_path), daemon=True)
    drain.start()
    return RunningServer(kind, proc, port, log_path, _drain=drain)


def _start_ngircd(workdir: Path) -> RunningServer:
    binary = ngircd_path()
    if binary is None:
        raise NotInstalled("ngircd is not installed (apt-get install ngircd): skipped")
    port = _free_port()
    # ngircd started as root switches to "nobody", which must be able to write its pid file.
    workdir.chmod(0o777)
    conf = workdir / "ngircd.conf"
    conf.write_text(NGIRCD_CONF.format(port=port, workdir=workdir, oper_name=NGIRCD_OPER[0],
                                       oper_password=NGIRCD_OPER[1]))
    conf.chmod(0o644)
    log_path = workdir / "ngircd.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([binary, "-n", "-f", str(conf)], stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                preexec_fn=die_with_parent)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            speaker_setup = (f"OPER {NGIRCD_OPER[0]} {NGIRCD_OPER[1]}", "MODE {nick} +F")
            return RunningServer("ngircd", proc, port, log_path, speaker_setup=speaker_setup)
        time.sleep(0.05)  # polling a port that is not open yet: nothing to wait on
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    raise ServerStartError(f"ngircd did not start on port {port}\n{_tail(log_path)}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _copy_to_log(stream: object, log_path: Path) -> None:
    read = getattr(stream, "read1", None)
    if read is None:
        return
    with open(log_path, "ab") as log, contextlib.suppress(OSError, ValueError):
        while chunk := read(65536):
            log.write(chunk)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
