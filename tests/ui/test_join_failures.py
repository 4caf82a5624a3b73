"""A join that fails never closes the app: the start screen comes back with the reason in
words beside the form, and what was typed is still there.

Every case is a real socket on 127.0.0.1: a closed port, a name that cannot resolve, a port
that listens but never answers, a plain server behind the TLS box, a server with a password.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.server.listener import ChatServer
from app.ui.controller import ChatboxApp
from app.ui.nick_dialog import NickDialog
from app.ui.start_window import StartWindow
from tests.client.conftest import start_chat_server


@pytest.fixture
def finished(chatbox: ChatboxApp) -> list[bool]:
    """Set when the controller says the app is done (``python -m app`` quits on it)."""
    said: list[bool] = []
    chatbox.finished.connect(lambda: said.append(True))
    return said


@pytest.fixture
def start(qtbot: QtBot, chatbox: ChatboxApp, monkeypatch: pytest.MonkeyPatch) -> StartWindow:
    monkeypatch.setattr(NickDialog, "ask", classmethod(lambda cls, *_args: "bob"))
    chatbox.connect_timeout_ms = 800  # the never-answering server: a second, not fifteen
    window = chatbox.show_start()
    qtbot.addWidget(window)
    return window


@pytest.fixture
def plain_server() -> Iterator[ChatServer]:
    server = start_chat_server()
    yield server
    server.stop()


def join_from(qtbot: QtBot, start: StartWindow, host: str, port: int, *, tls: bool = False,
              account: str = "", password: str = "") -> None:
    start.host_edit.setCurrentText(host)
    start.port_edit.setValue(port)
    start.tls_check.setChecked(tls)
    start.account_edit.setText(account)
    start.account_password_edit.setText("secret" if account else "")
    start.password_edit.setText(password)
    qtbot.mouseClick(start.join_button, Qt.MouseButton.LeftButton)


def assert_back_with(qtbot: QtBot, chatbox: ChatboxApp, start: StartWindow,
                     finished: list[bool], words: str, host: str, port: int, *,
                     tls: bool = False, account: str = "") -> None:
    """The start screen shows again, says ``words``, keeps the form; the app lives on."""
    qtbot.waitUntil(lambda: start.isVisible() and start.error.isVisible(), timeout=5000)
    assert words in start.error.text()
    assert chatbox.chat_windows == []
    qtbot.wait(50)  # a finish would be queued behind the close: give it its turn
    assert finished == []
    assert start.host_edit.currentText() == host
    assert start.port_edit.value() == port
    assert start.tls_check.isChecked() is tls
    assert start.account_edit.text() == account
    assert chatbox.settings.last_nick == "bob"  # offered again by the nickname dialog


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens there once closed


def test_a_refused_address_brings_the_start_screen_back_and_the_app_stays(
    qtbot: QtBot, chatbox: ChatboxApp, start: StartWindow, finished: list[bool]
) -> None:
    port = closed_port()
    join_from(qtbot, start, "127.0.0.1", port, account="bobacct")
    assert_back_with(qtbot, chatbox, start, finished, "refused", "127.0.0.1", port,
                     account="bobacct")


def test_a_name_that_does_not_resolve_is_said_in_words(
    qtbot: QtBot, chatbox: ChatboxApp, start: StartWindow, finished: list[bool]
) -> None:
    join_from(qtbot, start, "no-such-host.invalid", 6667)
    assert_back_with(qtbot, chatbox, start, finished, "Host not found: no-such-host.invalid",
                     "no-such-host.invalid", 6667)


def test_a_server_that_never_answers_times_out_in_about_a_second(
    qtbot: QtBot, chatbox: ChatboxApp, start: StartWindow, finished: list[bool]
) -> None:
    with socket.socket() as silent:  # the kernel completes the handshake; nobody reads
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        join_from(qtbot, start, "127.0.0.1", port)
        assert_back_with(qtbot, chatbox, start, finished, f"Timed out connecting to "
                         f"127.0.0.1:{port}", "127.0.0.1", port)


def test_tls_to_a_plain_server_says_the_secure_connection_failed(
    qtbot: QtBot, chatbox: ChatboxApp, start: StartWindow, finished: list[bool],
    plain_server: ChatServer,
) -> None:
    join_from(qtbot, start, "127.0.0.1", plain_server.port, tls=True)
    assert_back_with(qtbot, chatbox, start, finished, "secure (TLS) connection failed",
                     "127.0.0.1", plain_server.port, tls=True)


def test_a_server_with_a_password_says_it_needs_one_and_keeps_the_form(
    qtbot: QtBot, chatbox: ChatboxApp, start: StartWindow, finished: list[bool]
) -> None:
    locked = start_chat_server(password="sesame")
    try:
        join_from(qtbot, start, "127.0.0.1", locked.port)
        assert_back_with(qtbot, chatbox, start, finished, "This server needs a password",
                         "127.0.0.1", locked.port)
        start.error.hide()
        join_from(qtbot, start, "127.0.0.1", locked.port, password="nope")
        assert_back_with(qtbot, chatbox, start, finished, "Wrong server password",
                         "127.0.0.1", locked.port)
        assert start.password_edit.text() == "nope"
        start.password_edit.setText("sesame")  # and with the right one, in
        qtbot.mouseClick(start.join_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(chatbox.chat_windows)
                        and chatbox.chat_windows[0].session.connection.state == "connected")
        assert not start.isVisible()
    finally:
        locked.stop()


def test_closing_the_last_window_after_a_failure_ends_the_app(
    qtbot: QtBot, chatbox: ChatboxApp, start: StartWindow, finished: list[bool]
) -> None:
    port = closed_port()
    join_from(qtbot, start, "127.0.0.1", port)
    qtbot.waitUntil(lambda: start.isVisible() and start.error.isVisible(), timeout=5000)
    start.close()
    qtbot.waitUntil(lambda: finished == [True])
