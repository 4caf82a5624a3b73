"""GUI tests: the real windows (offscreen) with pytest-qt, real sockets on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from app.protocol.message import Message, parse
from app.settings import Settings
from app.ui.controller import ChatboxApp
from app.ui.nick_dialog import NickDialog
from app.ui.tray import AppTray


class LoopClient:
    """A raw IRC client for a server on the test's own event loop: non-blocking, read while
    qtbot waits (a blocking client would freeze the server it talks to)."""

    errors = "replace"  # how invalid UTF-8 from the server is decoded ("strict": it fails)

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.setblocking(False)
        self.received: list[Message] = []
        self.raw: list[bytes] = []  # each received line's bytes, CR LF included
        self._buffer = b""

    def send(self, line: str) -> None:
        self.sock.sendall(line.encode() + b"\r\n")

    def poll(self) -> list[Message]:
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                self._buffer += chunk
        except BlockingIOError:
            pass
        *lines, self._buffer = self._buffer.split(b"\n")
        for raw in lines:
            if raw.strip():
                self.raw.append(raw + b"\n")
                self.received.append(parse(raw.rstrip(b"\r").decode("utf-8", self.errors)))
        return self.received

    def wait_for(
        self, qtbot: QtBot, test: Callable[[Message], bool], timeout: int = 5000
    ) -> Message:
        """The first message so far or within ``timeout`` ms that passes ``test``."""
        found: list[Message] = []

        def check() -> bool:
            found[:] = [m for m in self.poll() if test(m)]
            return bool(found)

        qtbot.waitUntil(check, timeout=timeout)
        return found[0]

    def register(self, qtbot: QtBot, nick: str) -> None:
        self.send(f"NICK {nick}")
        self.send("USER raw 0 * :Raw Client")
        self.wait_for(qtbot, lambda m: m.command == "001")

    def join(self, qtbot: QtBot, channel: str = "#chatbox") -> None:
        """JOIN ``channel`` and wait for the end of its NAMES."""
        self.send(f"JOIN {channel}")
        self.wait_for(qtbot, lambda m: m.command == "366")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "chatbox.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def chatbox(qtbot: QtBot, settings: Settings) -> Iterator[ChatboxApp]:
    """The app's controller, hosting on 127.0.0.1 and a free port only."""
    controller = ChatboxApp(settings)
    controller.listen_address = "127.0.0.1"
    controller.host_port = 0
    yield controller
    controller.shutdown()
    qtbot.waitUntil(lambda: controller._finished, timeout=5000)


@pytest.fixture
def loop_clients() -> Iterator[Callable[[int], LoopClient]]:
    made: list[LoopClient] = []

    def make(port: int) -> LoopClient:
        client = LoopClient(port)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def hosted(qtbot: QtBot, chatbox: ChatboxApp, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Start screen → Host a chat → nickname 'alice' → the chat window in #chatbox."""
    monkeypatch.setattr(NickDialog, "ask", classmethod(lambda cls, *_args: "alice"))
    start = chatbox.show_start()
    qtbot.addWidget(start)
    qtbot.mouseClick(start.host_button, Qt.MouseButton.LeftButton)
    assert chatbox.server is not None and chatbox.chat_windows
    window = chatbox.chat_windows[0]
    qtbot.waitUntil(lambda: window.session.rooms.get("#chatbox") is not None)
    qtbot.waitUntil(lambda: window.current_room == "#chatbox")
    return window


@pytest.fixture
def system_theme_after(chatbox: ChatboxApp) -> Iterator[None]:
    """The theme is the whole application's: give the next test the system's back."""
    yield
    chatbox.desktop.theme.apply("system")


@pytest.fixture
def bob(qtbot: QtBot, chatbox: ChatboxApp, hosted):  # type: ignore[no-untyped-def]
    """A second chat window of the same app (nick bob), in the same room."""
    assert chatbox.server is not None
    window = chatbox.join_chat("127.0.0.1", chatbox.server.port, "bob")
    qtbot.waitUntil(lambda: window.current_room == "#chatbox")
    return window


@pytest.fixture
def tray_messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """What the tray icon would hand the desktop's notification server."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QSystemTrayIcon, "showMessage",
                        lambda self, title, body, *_rest: shown.append((title, body)))
    return shown


@pytest.fixture
def tray(chatbox: ChatboxApp) -> AppTray:
    """The desktop has a system tray."""
    chatbox.desktop.tray.available = lambda: True
    chatbox.desktop.tray.start()
    assert chatbox.desktop.tray.shown
    return chatbox.desktop.tray
