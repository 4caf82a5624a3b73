"""Hosting tells the truth: the addresses shown are the ones listened on, they stay on screen
(a Share panel with Copy buttons), Stop server asks while people are connected, and a host
restart keeps each channel's topic and modes."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtNetwork import QNetworkInterface
from pytestqt.qtbot import QtBot

from app.ui.controller import ChatboxApp
from app.ui.server_window import StopConfirm
from app.ui.share_panel import SharePanel, listening_addresses
from tests.ui.conftest import LoopClient

MakeLoopClient = Callable[[int], LoopClient]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_hosting_on_loopback_lists_only_loopback_and_the_panel_stays(
    qtbot: QtBot, chatbox: ChatboxApp, hosted  # type: ignore[no-untyped-def]
) -> None:
    window = hosted
    server = chatbox.server
    assert server is not None and server.address == "127.0.0.1"
    panel = window.findChild(SharePanel)
    assert panel is not None
    assert panel.addresses == [f"127.0.0.1:{server.port} (this computer only)"]
    assert panel.tls_addresses == [f"127.0.0.1:{server.tls_port} (this computer only)"]
    assert server.tls is not None and panel.fingerprint == server.tls.fingerprint
    shown = [b.property("copies") for b in panel.copy_buttons]
    assert shown == [f"127.0.0.1:{server.port}", f"127.0.0.1:{server.tls_port}",
                     server.tls.fingerprint]
    qtbot.mouseClick(panel.copy_buttons[0], Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == f"127.0.0.1:{server.port}"
    qtbot.wait(200)  # unlike a status message, it is still there later
    assert panel.isVisible()
    assert window.statusBar().currentMessage() == ""


def test_every_interface_lists_this_machines_addresses_and_never_loopback() -> None:
    mine = {a.toString().partition("%")[0] for a in QNetworkInterface.allAddresses()
            if not a.isLoopback() and not a.isLinkLocal()}
    listed = listening_addresses("0.0.0.0", 6667)
    hosts = {text.rpartition(":")[0].strip("[]") for text in listed}
    if mine:
        assert hosts == mine
    else:
        assert listed == ["127.0.0.1:6667 (this computer only)"]
    assert listening_addresses("192.0.2.7", 6667) == ["192.0.2.7:6667"]  # one address: it
    assert listening_addresses("::1", 6697) == ["[::1]:6697 (this computer only)"]


def test_run_a_server_lists_what_it_binds_and_stop_asks_when_people_are_connected(
    qtbot: QtBot, chatbox: ChatboxApp, loop_clients: MakeLoopClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = chatbox.run_server(0)
    assert window is not None and chatbox.server is not None
    qtbot.addWidget(window)
    port = chatbox.server.port
    assert window.share.addresses == [f"127.0.0.1:{port} (this computer only)"]
    assert "Chatbox" not in window.windowTitle()
    asked: list[int] = []
    answers = [False, True]
    monkeypatch.setattr(StopConfirm, "ask", classmethod(
        lambda cls, parent, n: asked.append(n) or answers.pop(0)))
    raw = loop_clients(port)
    raw.register(qtbot, "dana")
    qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
    assert asked == [1] and chatbox.server is not None and window.isVisible()  # kept on
    window.close()  # the close button asks too; yes this time
    assert asked == [1, 1]
    error = raw.wait_for(qtbot, lambda m: m.command == "ERROR")
    assert error.params == ("Server shutting down",)
    qtbot.waitUntil(lambda: chatbox._finished)


def test_stop_server_with_nobody_connected_does_not_ask(
    qtbot: QtBot, chatbox: ChatboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = chatbox.run_server(0)
    assert window is not None
    qtbot.addWidget(window)
    monkeypatch.setattr(StopConfirm, "ask", classmethod(lambda cls, *_a: pytest.fail("asked")))
    qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: chatbox._finished)


def test_the_server_window_tells_what_happened_in_words(
    qtbot: QtBot, chatbox: ChatboxApp, loop_clients: MakeLoopClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="chatbox.server")  # as the app's set-up does
    window = chatbox.run_server(0)
    assert window is not None and chatbox.server is not None
    qtbot.addWidget(window)
    raw = loop_clients(chatbox.server.port)
    raw.register(qtbot, "dana")
    raw.send("JOIN #chatbox")
    raw.wait_for(qtbot, lambda m: m.command == "366")
    raw.send("QUIT :off to lunch")
    qtbot.waitUntil(lambda: "dana left (Quit: off to lunch)." in window.log_view.toPlainText())
    said = window.log_view.toPlainText()
    assert "dana connected from 127.0.0.1." in said and "dana joined #chatbox." in said
    assert "#1" not in said and "register" not in said


def test_a_host_restart_keeps_each_channels_topic_and_modes(
    qtbot: QtBot, chatbox: ChatboxApp, loop_clients: MakeLoopClient
) -> None:
    port = free_port()
    assert chatbox.host_chat("alice", port) is not None
    raw = loop_clients(port)
    raw.register(qtbot, "rawbob")
    raw.send("JOIN #room")
    raw.wait_for(qtbot, lambda m: m.command == "366")
    raw.send("TOPIC #room :kept across restarts")
    topic_set = raw.wait_for(qtbot, lambda m: m.command == "TOPIC")
    raw.send("MODE #room +mk sesame")
    raw.wait_for(qtbot, lambda m: m.command == "MODE")
    raw.close()
    chatbox.shutdown()
    qtbot.waitUntil(lambda: chatbox._finished, timeout=5000)

    again = ChatboxApp(chatbox.settings)
    again.listen_address = "127.0.0.1"
    try:
        assert again.host_chat("alice", port) is not None
        reader = loop_clients(port)
        reader.register(qtbot, "carol")
        reader.send("JOIN #room sesame")
        topic = reader.wait_for(qtbot, lambda m: m.command == "332")
        assert topic.params[1:] == ("#room", "kept across restarts")
        who = reader.wait_for(qtbot, lambda m: m.command == "333")
        assert who.params[2] == topic_set.source
        reader.send("MODE #room")
        modes = reader.wait_for(qtbot, lambda m: m.command == "324")
        assert modes.params[1:] == ("#room", "+mntk", "sesame")
    finally:
        again.shutdown()
        qtbot.waitUntil(lambda: again._finished, timeout=5000)
