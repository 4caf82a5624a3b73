"""Real IRC clients from Debian against our server, each checked from both ends.

``ii`` is driven through its FIFOs and read back from its ``out`` files; irssi runs in a
private tmux server, is typed at with ``send-keys`` and read back from its autolog files. The
other end of every exchange is the raw client of ``tests/support.py``, so each step is checked
twice: what our server delivered to the raw client, and what the real client made of what our
server sent it.

External programs give no signal to wait on, so their files are polled under a hard deadline
(``tests/interop/drivers.py``), never with a bare sleep.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shlex
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from app.protocol.message import Message
from tests.interop.drivers import (
    DEADLINE,
    POLL,
    Tmux,
    read_text,
    require,
    wait_for,
    wait_for_line,
)
from tests.support import IrcClient, ServerProcess

pytestmark = pytest.mark.interop

CHANNEL = "#interop"
INSTALL = "ii irssi tmux"  # a missing client fails the run in CI and skips it elsewhere

Connect = Callable[..., IrcClient]


def _line_count(path: Path) -> int:
    return len(read_text(path).splitlines())


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
        ii = require("ii", INSTALL, skip_outside_ci=True)
        argv = [ii, "-s", "127.0.0.1", "-p", str(server.port), "-i", str(prefix),
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
        out = self.out(target)
        return wait_for_line(partial(read_text, out), *needles, where=out.name, after=after,
                             context=self.traffic)

    def traffic(self) -> str:
        return "\n--- ii traffic ---\n" + read_text(self.raw_log)

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

    tmux: Tmux
    logs: Path
    exit_status: Path

    @classmethod
    @contextlib.contextmanager
    def run(cls, server: ServerProcess, home: Path, nick: str) -> Iterator[Irssi]:
        irssi = require("irssi", INSTALL, skip_outside_ci=True)
        tmux = require("tmux", INSTALL, skip_outside_ci=True)
        logs = home / "logs"
        home.mkdir(parents=True)
        (home / "config").write_text(
            _IRSSI_CONFIG.format(port=server.port, channel=CHANNEL, nick=nick, logs=logs)
        )
        # The exit status comes from the shell: tmux 3.3 sometimes marks the pane dead and
        # never reaps irssi.
        exit_status = home / "exit-status"
        irssi_argv = shlex.join([irssi, f"--home={home}"])
        command = f"{irssi_argv}; echo $? > {shlex.quote(str(exit_status))}"
        with Tmux.start(tmux, command, home, "irssi") as session:
            yield cls(session, logs, exit_status)

    def screen(self) -> str:
        return "\n--- irssi screen ---\n" + self.tmux.screen()

    def log(self, target: str) -> Path:
        return self.logs / f"{target}.log"

    def type(self, line: str) -> None:
        """Type ``line`` and Enter; every command names its target, so any window will do."""
        self.tmux.keys(line, literal=True)
        self.tmux.keys("Enter")

    def wait_for(self, target: str, *needles: str, after: int = 0) -> str:
        log = self.log(target)
        return wait_for_line(partial(read_text, log), *needles, where=log.name, after=after,
                             context=self.screen)

    def wait_exit(self) -> int:
        """Wait for irssi to end; its exit status (128 + N for signal N, as the shell says)."""
        status = wait_for(lambda: read_text(self.exit_status).strip(), "irssi exit", self.screen)
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
