"""Shared fixtures: a real Chatbox server process on 127.0.0.1 and raw IRC clients."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.netns import LanPair, make_lan
from tests.support import Clients, IrcClient, ServerProcess

if TYPE_CHECKING:
    from app.server.listener import ChatServer

StartServer = Callable[..., ServerProcess]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing a test starts writes into the real home: a server without ``--data-dir`` (and
    "Host a chat") keeps its history under ``$XDG_DATA_HOME``, a launcher its settings under
    ``$XDG_CONFIG_HOME``. Set in the environment, so subprocesses inherit it; QStandardPaths
    reads XDG_DATA_HOME at each call. In-process QSettings fix their file at first use, so the
    GUI tests still hand Settings an ini file of their own (tests/ui/conftest.py).

    ``CHATBOX_NO_MDNS=1``: nothing the suite starts advertises or browses on the machine's
    real network; only the LAN tests' own namespaces see multicast DNS (the ``lan`` fixture)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("CHATBOX_NO_MDNS", "1")


@pytest.fixture
def lan(tmp_path: Path) -> Iterator[LanPair]:
    """Two network namespaces joined by a veth pair, torn down at the end (tests/netns.py)."""
    yield from make_lan(tmp_path)


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """Start servers with extra flags; all are stopped (SIGTERM) at the end of the test."""
    started: list[ServerProcess] = []

    def start(
        *args: str, flood_control: bool = False, data_dir: Path | None = None
    ) -> ServerProcess:
        """``data_dir``: reuse a previous server's folder (a restart); new one otherwise."""
        data_dir = data_dir or tmp_path / f"server{len(started)}"
        proc = ServerProcess.start(*args, data_dir=data_dir, flood_control=flood_control)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture
def server(start_server: StartServer) -> ServerProcess:
    """A Chatbox server named ``test.server``, no password, no flood control."""
    return start_server()


@pytest.fixture
def connect(server: ServerProcess) -> Iterator[Callable[..., IrcClient]]:
    """Open raw clients to ``server``: ``connect("alice")`` registers, ``connect()`` does not."""
    with Clients(server.port) as clients:
        yield clients.open


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    """Our server on the test's own Qt event loop (127.0.0.1, a free port)."""
    from tests.client.conftest import start_chat_server

    server = start_chat_server()
    yield server
    server.stop()  # then the event loop deletes it, at a safe point
