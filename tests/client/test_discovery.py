"""Finding chats on the LAN: the browser between two processes on a test network of our own,
the list model, and the thread rule the browser relies on.

Multicast happens only inside the two namespaces of the ``lan`` fixture (tests/netns.py);
in this process ``CHATBOX_NO_MDNS=1`` stays set (tests/conftest.py).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from pytestqt.qtbot import QtBot

from app.client.discovery import STATE_OFF, LanBrowser, LanChatsModel, chat_text
from app.protocol.dnssd import LanChat
from tests.netns import APPEAR_S, LEAVE_S, LanPair


def found(server: str, tls: bool) -> Any:
    return lambda e: e["event"] == "found" and e["server"] == server and e["tls"] is tls


def lost(key: str) -> Any:
    return lambda e: e["event"] == "lost" and e["key"] == key


def test_a_server_appears_and_disappears(lan: LanPair) -> None:
    """chatbox-server --advertise in namespace A, the browser process in namespace B: the
    server's plain and TLS services are listed with their TXT fields, and leave the list
    when the server stops (its goodbye packets), in well under the bounds."""
    browser = lan.browser()
    started = time.monotonic()
    server = lan.server("--name", "lan.server", "--tls-port", "0")
    plain = browser.wait_for(found("lan.server", False), APPEAR_S, "the plain service")
    secure = browser.wait_for(found("lan.server", True), APPEAR_S, "the TLS service")
    appeared = time.monotonic() - started
    for entry in (plain, secure):
        assert entry["addresses"] == [lan.addr_a]
        assert entry["name"] == "lan\u2024server"
        assert entry["nick"] == ""
        assert entry["room"] == "#chatbox"
    assert plain["key"] == "lan\u2024server._irc._tcp.local."
    assert secure["key"] == "lan\u2024server._ircs._tcp.local."
    assert plain["port"] != secure["port"]

    stopping = time.monotonic()
    assert lan.stop(server) == 0
    browser.wait_for(lost(plain["key"]), LEAVE_S, "the plain service leaving")
    browser.wait_for(lost(secure["key"]), LEAVE_S, "the TLS service leaving")
    left = time.monotonic() - stopping
    print(f"listed {appeared:.2f} s after the server started; gone {left:.2f} s after SIGTERM")
    assert "LAN advertising stopped" in lan.stderr(server)
    assert all(e["gui_thread"] for e in browser.lines)  # every signal reached the GUI thread
    assert max(e["stall_ms"] for e in browser.lines) < 100  # measured under 10 ms


def test_a_server_already_running_is_found_at_once(lan: LanPair) -> None:
    """A browser that starts after the announcements asks, and the server answers."""
    lan.server("--name", "early")
    first = lan.browser()
    first.wait_for(found("early", False), APPEAR_S, "the server")
    started = time.monotonic()
    second = lan.browser()
    second.wait_for(found("early", False), APPEAR_S, "the server, for a late browser")
    print(f"a late browser lists it after {time.monotonic() - started:.2f} s")


def test_browsing_is_off_with_the_env_switch(qtbot: QtBot) -> None:
    browser = LanBrowser()
    with qtbot.waitSignal(browser.state_changed) as blocker:
        assert not browser.start()
    assert blocker.args == [STATE_OFF]
    assert not browser.browsing
    browser.stop()
    assert browser.wait(0.1)


# ------------------------------------------------------------ the thread rule
class _Emitter(QObject):
    fired = Signal(object)


class _Receiver(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.threads: list[int] = []

    @Slot(object)
    def on_fired(self, _value: object) -> None:
        self.threads.append(threading.get_ident())


def test_a_signal_emitted_on_another_thread_runs_its_slot_on_the_gui_thread(
    qtbot: QtBot,
) -> None:
    """What app/client/discovery.py relies on: emitted on zeroconf's thread, connected
    with QueuedConnection to a slot of a QObject living in the GUI thread, the slot runs
    in the GUI thread's event loop, later. (AutoConnection does the same here, for a slot
    and for a plain function.)"""
    emitter, receiver = _Emitter(), _Receiver()
    emitter.fired.connect(receiver.on_fired, Qt.ConnectionType.QueuedConnection)
    plain: list[int] = []
    emitter.fired.connect(lambda _v: plain.append(threading.get_ident()))
    worker = threading.Thread(target=emitter.fired.emit, args=("from a thread",))
    worker.start()
    worker.join()
    assert receiver.threads == [] and plain == []  # queued: nothing ran on the worker
    qtbot.waitUntil(lambda: len(receiver.threads) == 1 and len(plain) == 1)
    assert receiver.threads == plain == [threading.get_ident()]


# ------------------------------------------------------------ the list model
def chat(name: str, tls: bool = False, port: int = 6667, **more: Any) -> LanChat:
    kind = "_ircs._tcp.local." if tls else "_irc._tcp.local."
    return LanChat(f"{name}.{kind}", name, ("10.0.0.5",), port, tls, **more)


def test_model_sorts_updates_and_removes(qtmodeltester: Any) -> None:
    model = LanChatsModel()
    qtmodeltester.check(model)
    for item in (chat("zed"), chat("Alice on pc", True, 6697), chat("alice on pc"),
                 chat("bob")):
        model.add_chat(item)
    rows = [model.chat_at(r) for r in range(model.rowCount())]
    assert [(c.name, c.tls) for c in rows if c] == [
        ("alice on pc", False), ("Alice on pc", True), ("bob", False), ("zed", False)]
    model.add_chat(chat("bob", port=7000, room="#other"))  # new details, same key
    assert model.rowCount() == 4
    assert model.data(model.index(2)) == "bob — #other (10.0.0.5:7000)"
    model.remove_chat("zed._irc._tcp.local.")
    model.remove_chat("never.listed._irc._tcp.local.")
    assert model.rowCount() == 3
    qtmodeltester.check(model)
    tip = model.data(model.index(1), Qt.ItemDataRole.ToolTipRole)
    assert "secure connection (TLS)" in tip
    assert model.data(model.index(1), LanChatsModel.ChatRole).tls


def test_row_text() -> None:
    assert chat_text(chat("alice on pc", True, 6697, nick="alice")) == (
        "alice on pc — #chatbox (10.0.0.5:6697, TLS)")
    v6 = LanChat("k", "srv", ("2001:db8::5",), 6667, False)
    assert chat_text(v6) == "srv — #chatbox ([2001:db8::5]:6667)"


def test_model_follows_a_browser(qtbot: QtBot) -> None:
    """The model hears the browser's signals: found, details changed, lost."""
    browser, model = LanBrowser(), LanChatsModel()
    model.attach(browser)
    browser.chat_found.emit(chat("alice on pc"))
    browser.chat_found.emit(chat("bob"))
    assert model.rowCount() == 2
    browser.chat_lost.emit("bob._irc._tcp.local.")
    assert [model.chat_at(0)] == [chat("alice on pc")] and model.rowCount() == 1
