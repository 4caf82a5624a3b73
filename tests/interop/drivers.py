"""Driving Debian's IRC clients from a test: a private tmux server, polling, binary checks.

External programs give no signal to wait on, so their files and screens are polled
(:func:`wait_for`): short polls under a hard deadline, never a bare sleep. Each test file
keeps its own client classes (their configs differ) and builds them on these pieces; WeeChat's
is shared (:class:`Weechat`), its server and options given by each test.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from pytestqt.qtbot import QtBot

from app.client.session import ChatSession
from tests.client.conftest import SESSIONS

DEADLINE = 10.0
POLL = 0.05

T = TypeVar("T")


def require(binary: str, install: str, *, skip_outside_ci: bool = False) -> str:
    """The path of ``binary``; when it is missing the test fails, saying what to apt-get.

    With ``skip_outside_ci`` a missing binary fails only in CI and skips the test elsewhere.
    """
    path = shutil.which(binary)
    if path is None:
        reason = f"{binary} is not installed (apt-get install {install})"
        if skip_outside_ci and not os.environ.get("CI"):
            pytest.skip(reason)
        pytest.fail(reason)
    return path


def read_text(path: Path) -> str:
    """The text of ``path`` so far; empty while the program has not made it yet."""
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def wait_for(
    probe: Callable[[], T | None], what: str, describe: Callable[[], str],
    timeout: float = DEADLINE, poll: float = POLL,
) -> T:
    """Poll ``probe`` until it returns a truthy value; fail with ``describe()`` at the deadline.

    ``poll``: the pause between two probes, longer for a probe that costs."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"no {what} within {timeout} s; saw:\n{describe()}")
        time.sleep(poll)


def wait_for_line(
    read: Callable[[], str], *needles: str, where: str, after: int = 0,
    context: Callable[[], str] = lambda: "",
) -> str:
    """Poll ``read()`` until one of its lines past the first ``after`` holds every needle.

    Returns that line; at the deadline the test fails showing ``read()`` and ``context()``.
    """

    def probe() -> str | None:
        lines = read().splitlines()[after:]
        return next((line for line in lines if all(n in line for n in needles)), None)

    return wait_for(probe, f"line with {needles!r} in {where}", lambda: read() + context())


class Tmux:
    """A tmux server of its own running one session, ``name``, of one shell command.

    remain-on-exit keeps the last screen after the command ends, for failure messages.
    """

    def __init__(self, argv: list[str], name: str) -> None:
        self.argv = argv
        self.name = name

    @classmethod
    @contextlib.contextmanager
    def start(cls, tmux: str, command: str, home: Path, name: str) -> Iterator[Tmux]:
        """Run ``command`` in a 200x50 session; ``home`` gets the tmux.conf. Killed at the end."""
        conf = home / "tmux.conf"
        conf.write_text("set -g remain-on-exit on\n")
        # A socket path must fit in 108 bytes, which a deep pytest tmp_path may not.
        with tempfile.TemporaryDirectory(prefix="chatbox-tmux-") as sockets:
            session = cls([tmux, "-S", f"{sockets}/{name}", "-f", str(conf)], name)
            session.run("new-session", "-d", "-s", name, "-x", "200", "-y", "50", command)
            try:
                yield session
            finally:
                session.kill()

    def run(self, *args: str, check: bool = True) -> str:
        """One tmux command against this server; its stdout. Fails the test if it fails."""
        done = subprocess.run([*self.argv, *args], capture_output=True, text=True,
                              timeout=DEADLINE, env=dict(os.environ, LANG="C.UTF-8"))
        if check and done.returncode != 0:
            pytest.fail(f"tmux {args[0]} failed: {done.stderr}")
        return done.stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        """Send key names (``Enter``), or with ``literal`` the text as it is, to the session."""
        self.run("send-keys", "-t", self.name, *(("-l",) if literal else ()), *keys)

    def screen(self) -> str:
        """The pane with its whole history, wrapped lines joined."""
        return self.run("capture-pane", "-p", "-J", "-S", "-", check=False)

    def kill(self) -> None:
        self.run("kill-server", check=False)


@dataclass
class Weechat:
    """``weechat-headless`` with a home of its own, connected to one server named ``chatbox``.

    It runs in the foreground, its stdout (where ``/debug dump`` writes too) in
    ``<home>/stdout.log``, and is typed at through its FIFO. Each buffer is logged to
    ``<home>/logs/<buffer>.weechatlog`` (``irc.server.chatbox``, ``irc.chatbox.#room``,
    ``core.weechat``), flushed at once (``logger.file.flush_delay 0``).
    """

    proc: subprocess.Popen[bytes]
    home: Path

    @classmethod
    @contextlib.contextmanager
    def run(cls, home: Path, address: str, options: dict[str, str], *, install: str,
            before: tuple[str, ...] = ()) -> Iterator[Weechat]:
        """Start it: the ``before`` commands, then ``/server add chatbox <address>`` with
        ``irc.server.chatbox.<key> <value>`` for each option, then ``/connect chatbox``."""
        weechat = require("weechat-headless", install)
        commands = [
            "/set irc.server_default.anti_flood_prio_high 0",  # else 2 s between lines
            "/set irc.server_default.anti_flood_prio_low 0",  # the same for TAGMSG typing
            "/set logger.file.flush_delay 0",  # else logs are written every 120 s
            *before,
            f"/server add chatbox {address}",
            *(f"/set irc.server.chatbox.{key} {value}" for key, value in options.items()),
            "/connect chatbox",
        ]
        home.mkdir(parents=True)
        with (home / "stdout.log").open("wb") as out:
            proc = subprocess.Popen(
                [weechat, "--dir", str(home), "--stdout", "--run-command", "; ".join(commands)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            )
        try:
            yield cls(proc, home)
        finally:
            proc.terminate()  # SIGTERM: WeeChat quits cleanly
            try:
                proc.wait(DEADLINE)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(DEADLINE)

    def buffer_log(self, buffer: str) -> str:
        """The log of ``buffer`` (such as ``irc.chatbox.#room``) so far; fails if WeeChat
        has ended."""
        code = self.proc.poll()
        assert code is None, f"weechat-headless exited with {code}: {self.home / 'stdout.log'}"
        return read_text(self.home / "logs" / f"{buffer}.weechatlog")

    def log(self) -> str:
        """The server buffer's log so far (where SASL and the like are said)."""
        return self.buffer_log("irc.server.chatbox")

    def wait_for(self, *needles: str) -> str:
        """Wait for a line of the server buffer's log holding every needle."""
        return wait_for_line(self.log, *needles, where="WeeChat's server buffer log")

    def wait_for_buffer(self, channel: str) -> None:
        """Wait until WeeChat has opened ``channel``'s buffer: its log holds our own join.
        (The server sees the JOIN before WeeChat reads the reply and opens the buffer; a
        line sent to a buffer not there yet is lost.)"""
        wait_for_line(lambda: self.buffer_log(f"irc.chatbox.{channel}"), channel,
                      where=f"WeeChat's {channel} log")

    def say(self, buffer: str, text: str) -> None:
        """Send ``text`` to ``buffer`` (such as ``irc.chatbox.#room``) through the FIFO, as
        if typed there and sent; a ``/command`` runs in that buffer."""
        # The fifo plugin makes it while loading, before the startup commands run.
        fifo = self.home / f"weechat_fifo_{self.proc.pid}"
        assert fifo.exists(), f"no {fifo}; WeeChat said:\n{self.log()}"
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # WeeChat holds it open to read
        try:
            os.write(fd, f"{buffer} *{text}\n".encode())
        finally:
            os.close(fd)

    def bar_item(self, name: str) -> str:
        """What the bar item ``name`` (such as ``typing``) holds in the current window, colour
        codes and all ("" when empty), as WeeChat built it to draw: read from a fresh
        ``/debug dump`` (some 2 MB, written to its stdout). Headless, it builds its bars only
        on a full redraw, asked for first; the dump may still come before that redraw and so
        show the one before: poll (unhurried: ``wait_for(…, poll=1.0)``)."""
        out = self.home / "stdout.log"
        start = out.stat().st_size
        self.say("core.weechat", "/window refresh")
        self.say("core.weechat", "/debug dump")
        end = "****** End of WeeChat dump ******"

        def dump() -> str | None:
            with out.open("rb") as file:
                file.seek(start)
                text = file.read().decode(errors="replace")
            return text if end in text else None

        text = wait_for(dump, "/debug dump", lambda: f"{out} from byte {start}",
                        timeout=3 * DEADLINE)
        found = re.search(rf"items_content\[\d+\]\[\d+\]: '(.*)' \(item: '\[?{re.escape(name)}\]?'",
                          text)
        assert found, f"no bar item {name!r} in the dump in {out} from byte {start}"
        return "" if found[1] == "(null)" else found[1]


def joined(chat: ChatSession, channel: str, *nicks: str) -> bool:
    """``chat`` is in ``channel``, and so are ``nicks``."""
    found = chat.rooms.get(channel)
    return found is not None and found.joined and all(found.members.find(n) for n in nicks)


@contextlib.contextmanager
def chat_sessions(
    qtbot: QtBot, host: str, port: int, wait_ms: int
) -> Iterator[Callable[..., ChatSession]]:
    """``make("alice", channels=(...))``: a ChatSession registered on ``host:port`` (a real
    server of another process), in those channels; all of them quit at the end."""
    made: list[ChatSession] = []

    def make(nick: str, *, channels: tuple[str, ...] = ()) -> ChatSession:
        chat = ChatSession()
        made.append(chat)
        SESSIONS.append(chat)  # kept for the whole run (see tests/client/conftest.py)
        chat.autojoin = list(channels)
        with qtbot.waitSignal(chat.connection.registered, timeout=wait_ms):
            chat.connection.connect_to(host, port, nick)
        for channel in channels:
            qtbot.waitUntil(functools.partial(joined, chat, channel), timeout=wait_ms)
        return chat

    yield make
    for chat in made:
        if chat.connection.state != "disconnected":
            with qtbot.waitSignal(chat.connection.disconnected, timeout=wait_ms):
                chat.quit("test over")
