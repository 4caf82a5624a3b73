"""Real IRC clients from Debian against our server, each checked from both ends.

``ii`` is driven through its FIFOs and read back from its ``out`` files; irssi runs in a
private tmux server, is typed at with ``send-keys`` and read back from its autolog files. The
other end of every exchange is the raw client of ``tests/support.py``, so each step is checked
twice: what our server delivered to the raw client, and what the real client made of what our
server sent it.

External programs give no signal to wait on, so their files are polled (``_wait_for``): short
polls under a hard deadline, never a bare sleep.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from app.protocol.message import Message
from tests.support import IrcClient, ServerProcess

pytestmark = pytest.mark.interop

CHANNEL = "#interop"
DEADLINE = 10.0
POLL = 0.05

Connect = Callable[..., IrcClient]
T = TypeVar("T")


def _require(binary: str) -> str:
    """The path of ``binary``; a missing client fails the run in CI and skips it elsewhere."""
    path = shutil.which(binary)
    if path is None:
        reason = f"{binary} is not installed (apt-get install ii irssi tmux)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def _wait_for(
    probe: Callable[[], T | None], what: str, describe: Callable[[], str],
    timeout: float = DEADLINE,
) -> T:
    """Poll ``probe`` until it returns a truthy value; fail with ``describe()`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"no {what} within {timeout} s; saw:\n{describe()}")
        time.sleep(POLL)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def _line_count(path: Path) -> int:
    return len(_read(path).splitlines())


def _wait_for_line(
    path: Path, *needles: str, after: int = 0, context: Callable[[], str] = lambda: "",
) -> str:
    """Wait until a line of ``path`` past the first ``after`` contains every needle; return it."""

    def probe() -> str | None:
        lines = _read(path).splitlines()[after:]
        return next((line for line in lines if all(n in line for n in needles)), None)

    return _wait_for(
        probe, f"line with {needles!r} in {path.name}", lambda: _read(path) + context()
    )


def _from(nick: str) -> Callable[[Message], bool]:
    return lambda msg: (msg.source or "").partition("!")[0] == nick


def _raw_peer(connect: Connect, nick: str) -> IrcClient:
    """A raw client registered as ``nick`` and joined to ``CHANNEL``."""
    peer = connect(nick)
    peer.send(f"JOIN {CHANNEL}")
    peer.expect("366")
    return peer


# ii ---------------------------------------------------------------------------------------


@dataclass
class Ii:
    """One ``ii`` process; ``root`` is its directory for the server (``<prefix>/127.0.0.1``)."""

    proc: subprocess.Popen[bytes]
    root: Path
    raw_log: Path

    @classmethod
    @contextlib.contextmanager
    def run(cls, server: ServerProcess, prefix: Path, nick: str) -> Iterator[Ii]:
        argv = [_require("ii"), "-s", "127.0.0.1", "-p", str(server.port), "-i", str(prefix),
                "-n", nick, "-f", "Ii Interop"]
        # Debian's ii echoes every line it sends and receives: kept for failure messages.
        raw_log = prefix.parent / "ii.log"
        with raw_log.open("wb") as log:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        try:
            yield cls(proc, prefix / "127.0.0.1", raw_log)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(DEADLINE)

    def out(self, target: str | None = None) -> Path:
        """The ``out`` file of the server window (None), a channel or a query."""
        return (self.root / target if target else self.root) / "out"

    def type(self, line: str, target: str | None = None) -> None:
        """Write one line to the ``in`` FIFO of the server window (None), a channel or a query.

        ``ii`` closes and reopens its FIFO after every writer, so an open can find no reader
        for a moment (ENXIO); a non-blocking open retried under the deadline cannot hang.
        """
        fifo = (self.root / target if target else self.root) / "in"
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as exc:
                if exc.errno not in (errno.ENXIO, errno.ENOENT) or time.monotonic() >= deadline:
                    raise
                assert self.proc.poll() is None, f"ii exited with {self.proc.returncode}"
                time.sleep(POLL)
        try:
            os.write(fd, line.encode() + b"\n")
        finally:
            os.close(fd)

    def wait_for(self, *needles: str, target: str | None = None, after: int = 0) -> str:
        return _wait_for_line(self.out(target), *needles, after=after, context=self.traffic)

    def traffic(self) -> str:
        return "\n--- ii traffic ---\n" + _read(self.raw_log)

    def wait_exit(self) -> int:
        try:
            return self.proc.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            pytest.fail(f"ii still running {DEADLINE} s after /q")


def test_ii_session(server: ServerProcess, connect: Connect, tmp_path: Path) -> None:
    alice = _raw_peer(connect, "alice")
    carol = _raw_peer(connect, "carol")
    with Ii.run(server, tmp_path / "irc", "iibob") as ii:
        # Registered: ii prints the 001 welcome, which names the new client.
        ii.wait_for("iibob")

        ii.type(f"/j {CHANNEL}")
        join = alice.expect("JOIN", where=_from("iibob"))
        assert join.params[0] == CHANNEL
        ii.wait_for("iibob", f"has joined {CHANNEL}", target=CHANNEL)

        # NAMES: ii prints numerics in its server window, without the leading nick.
        mark = _line_count(ii.out())
        ii.type(f"/NAMES {CHANNEL}")
        names = ii.wait_for(f"{CHANNEL} ", "alice", after=mark)
        assert {"@alice", "carol", "iibob"} <= set(names.split()), names

        # Channel PRIVMSG, both ways.
        ii.type("hello from ii", target=CHANNEL)
        said = alice.expect("PRIVMSG", where=_from("iibob"))
        assert said.params == (CHANNEL, "hello from ii")
        alice.send(f"PRIVMSG {CHANNEL} :hello from the raw client")
        ii.wait_for("<alice> hello from the raw client", target=CHANNEL)

        # Private PRIVMSG, both ways: ii opens a query directory named after the sender.
        alice.send("PRIVMSG iibob :psst, ii")
        ii.wait_for("<alice> psst, ii", target="alice")
        ii.type("psst back", target="alice")
        private = alice.expect("PRIVMSG", where=_from("iibob"))
        assert private.params == ("alice", "psst back")

        # TOPIC, both ways. Channels start +t, so alice (first in, operator) ops ii first.
        alice.send(f"MODE {CHANNEL} +o iibob")
        ii.wait_for("alice changed mode", "+o iibob", target=CHANNEL)
        ii.type("/t set by ii", target=CHANNEL)
        topic = alice.expect("TOPIC", where=_from("iibob"))
        assert topic.params == (CHANNEL, "set by ii")
        ii.wait_for('iibob changed topic to "set by ii"', target=CHANNEL)
        alice.send(f"TOPIC {CHANNEL} :set by alice")
        ii.wait_for('alice changed topic to "set by alice"', target=CHANNEL)

        # Another client's PART and QUIT, as ii sees them.
        carol.send(f"PART {CHANNEL} :carol parts")
        ii.wait_for("carol", f"has left {CHANNEL}", target=CHANNEL)  # ii drops the reason
        mark = _line_count(ii.out(CHANNEL))
        carol.send(f"JOIN {CHANNEL}")
        ii.wait_for("carol", f"has joined {CHANNEL}", target=CHANNEL, after=mark)
        carol.send("QUIT :carol quits")
        ii.wait_for("carol", "has quit", "carol quits")  # ii tracks no members: server window

        # ii's own PART, then back in, so that its QUIT has someone to reach.
        ii.type("/l ii parts", target=CHANNEL)
        part = alice.expect("PART", where=_from("iibob"))
        assert part.params == (CHANNEL, "ii parts")
        mark = _line_count(ii.out())
        ii.type(f"/j {CHANNEL}")
        alice.expect("JOIN", where=_from("iibob"))
        ii.wait_for(f"{CHANNEL} set by alice", after=mark)  # RPL_TOPIC on joining

        ii.type("/q ii quits")
        quit_ = alice.expect("QUIT", where=_from("iibob"))
        assert "ii quits" in quit_.params[0], quit_
        assert ii.wait_exit() == 0


# irssi ------------------------------------------------------------------------------------

_IRSSI_CONFIG = """\
servers = (
  {{ address = "127.0.0.1"; port = "{port}"; chatnet = "chatbox"; use_tls = "no";
    autoconnect = "yes"; }}
);
chatnets = {{ chatbox = {{ type = "IRC"; }}; }};
channels = ( {{ name = "{channel}"; chatnet = "chatbox"; autojoin = "yes"; }} );
settings = {{
  core = {{ nick = "{nick}"; user_name = "{nick}"; real_name = "Irssi Interop";
    settings_autosave = "no"; }};
  "fe-common/core" = {{ autolog = "yes"; autolog_level = "all"; autolog_path = "{logs}/$0.log"; }};
  "irc/core" = {{ cmd_queue_speed = "0"; }};
}};
"""


@dataclass
class Irssi:
    """irssi in a tmux server of its own; it autoconnects and autojoins ``CHANNEL``.

    Every window is autologged to ``<logs>/<target>.log``; those files are what the tests
    read, the tmux pane only goes into failure messages.
    """

    tmux: list[str]
    logs: Path
    exit_status: Path

    @classmethod
    @contextlib.contextmanager
    def run(cls, server: ServerProcess, home: Path, nick: str) -> Iterator[Irssi]:
        irssi = _require("irssi")
        tmux = _require("tmux")
        logs = home / "logs"
        home.mkdir(parents=True)
        (home / "config").write_text(
            _IRSSI_CONFIG.format(port=server.port, channel=CHANNEL, nick=nick, logs=logs)
        )
        # remain-on-exit keeps the last screen for failure messages. The exit status comes
        # from the shell: tmux 3.3 sometimes marks the pane dead and never reaps irssi.
        (home / "tmux.conf").write_text("set -g remain-on-exit on\n")
        exit_status = home / "exit-status"
        irssi_argv = shlex.join([irssi, f"--home={home}"])
        command = f"{irssi_argv}; echo $? > {shlex.quote(str(exit_status))}"
        # A socket path must fit in 108 bytes, which a deep pytest tmp_path may not.
        with tempfile.TemporaryDirectory(prefix="chatbox-tmux-") as sockets:
            session = cls([tmux, "-S", f"{sockets}/irssi", "-f", str(home / "tmux.conf")],
                          logs, exit_status)
            session._tmux("new-session", "-d", "-s", "irssi", "-x", "200", "-y", "50", command)
            try:
                yield session
            finally:
                session._tmux("kill-server", check=False)

    def _tmux(self, *args: str, check: bool = True) -> str:
        done = subprocess.run([*self.tmux, *args], capture_output=True, text=True,
                              timeout=DEADLINE, env=dict(os.environ, LANG="C.UTF-8"))
        if check and done.returncode != 0:
            pytest.fail(f"tmux {args[0]} failed: {done.stderr}")
        return done.stdout

    def screen(self) -> str:
        return "\n--- irssi screen ---\n" + self._tmux("capture-pane", "-p", "-J", "-S", "-",
                                                     check=False)

    def log(self, target: str) -> Path:
        return self.logs / f"{target}.log"

    def type(self, line: str) -> None:
        """Type ``line`` and Enter; every command names its target, so any window will do."""
        self._tmux("send-keys", "-t", "irssi", "-l", line)
        self._tmux("send-keys", "-t", "irssi", "Enter")

    def wait_for(self, target: str, *needles: str, after: int = 0) -> str:
        return _wait_for_line(self.log(target), *needles, after=after, context=self.screen)

    def wait_exit(self) -> int:
        """Wait for irssi to end; its exit status (128 + N for signal N, as the shell says)."""
        status = _wait_for(lambda: _read(self.exit_status).strip(), "irssi exit", self.screen)
        return int(status)


def _names_line(line: str) -> set[str]:
    """The nicks of an irssi names line such as ``12:00 [@alice] [ carol] [ bob]``."""
    return {part.strip(" []@+") for part in line.split("[")[1:]}


def test_irssi_session(server: ServerProcess, connect: Connect, tmp_path: Path) -> None:
    alice = _raw_peer(connect, "alice")
    carol = _raw_peer(connect, "carol")
    alice.send(f"TOPIC {CHANNEL} :set before irssi")
    alice.expect("TOPIC")
    with Irssi.run(server, tmp_path / "irssi", "irssibob") as irssi:
        # irssi registers (CAP LS 302 first) and autojoins once welcomed.
        join = alice.expect("JOIN", where=_from("irssibob"))
        assert join.params[0] == CHANNEL
        irssi.wait_for(CHANNEL, "irssibob", f"has joined {CHANNEL}")
        irssi.wait_for(CHANNEL, f"Topic for {CHANNEL}: set before irssi")  # RPL_TOPIC
        names = irssi.wait_for(CHANNEL, "[@alice]")  # the NAMES reply that comes with JOIN
        assert _names_line(names) == {"alice", "carol", "irssibob"}, names
        irssi.wait_for(CHANNEL, f"{CHANNEL}: Total of 3 nicks")  # RPL_ENDOFNAMES
        # irssi then asks MODE, WHO (WHOX) and the ban list, and calls the channel synced
        # once every reply matched what it expects.
        irssi.wait_for(CHANNEL, f"Join to {CHANNEL} was synced")

        mark = _line_count(irssi.log(CHANNEL))
        irssi.type(f"/names {CHANNEL}")
        names = irssi.wait_for(CHANNEL, "[@alice]", after=mark)
        assert _names_line(names) == {"alice", "carol", "irssibob"}, names

        # Channel PRIVMSG, both ways.
        irssi.type(f"/msg {CHANNEL} hello from irssi")
        said = alice.expect("PRIVMSG", where=_from("irssibob"))
        assert said.params == (CHANNEL, "hello from irssi")
        alice.send(f"PRIVMSG {CHANNEL} :hello from the raw client")
        irssi.wait_for(CHANNEL, "alice> hello from the raw client")

        # Private PRIVMSG, both ways: irssi opens a query window, logged under the nick.
        alice.send("PRIVMSG irssibob :psst, irssi")
        irssi.wait_for("alice", "<alice> psst, irssi")
        irssi.type("/msg alice psst back")
        private = alice.expect("PRIVMSG", where=_from("irssibob"))
        assert private.params == ("alice", "psst back")

        # TOPIC, both ways. Channels start +t, so alice (first in, operator) ops irssi first.
        alice.send(f"MODE {CHANNEL} +o irssibob")
        irssi.wait_for(CHANNEL, f"mode/{CHANNEL} [+o irssibob] by alice")
        irssi.type(f"/topic {CHANNEL} set by irssi")
        topic = alice.expect("TOPIC", where=_from("irssibob"))
        assert topic.params == (CHANNEL, "set by irssi")
        irssi.wait_for(CHANNEL, f"irssibob changed the topic of {CHANNEL} to: set by irssi")
        alice.send(f"TOPIC {CHANNEL} :set by alice")
        irssi.wait_for(CHANNEL, f"alice changed the topic of {CHANNEL} to: set by alice")

        # Another client's PART and QUIT, as irssi shows them.
        carol.send(f"PART {CHANNEL} :carol parts")
        irssi.wait_for(CHANNEL, "carol", f"has left {CHANNEL}", "carol parts")
        mark = _line_count(irssi.log(CHANNEL))
        carol.send(f"JOIN {CHANNEL}")
        irssi.wait_for(CHANNEL, "carol", f"has joined {CHANNEL}", after=mark)
        carol.send("QUIT :carol quits")
        irssi.wait_for(CHANNEL, "carol", "has quit", "carol quits")

        # irssi's own PART, then back in, so that its QUIT has someone to reach.
        irssi.type(f"/part {CHANNEL} irssi parts")
        part = alice.expect("PART", where=_from("irssibob"))
        assert part.params == (CHANNEL, "irssi parts")
        irssi.wait_for(CHANNEL, "irssibob", f"has left {CHANNEL}", "irssi parts")
        mark = _line_count(irssi.log(CHANNEL))
        irssi.type(f"/join {CHANNEL}")
        alice.expect("JOIN", where=_from("irssibob"))
        irssi.wait_for(CHANNEL, f"Topic for {CHANNEL}: set by alice", after=mark)

        irssi.type("/quit irssi quits")
        quit_ = alice.expect("QUIT", where=_from("irssibob"))
        assert "irssi quits" in quit_.params[0], quit_
        assert irssi.wait_exit() == 0
