"""Driving Debian's IRC clients from a test: a private tmux server, polling, binary checks.

External programs give no signal to wait on, so their files and screens are polled
(:func:`wait_for`): short polls under a hard deadline, never a bare sleep. Each test file
keeps its own client classes (their configs differ) and builds them on these pieces.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

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
