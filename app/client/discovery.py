"""Chats on the LAN: browse DNS-SD ``_irc._tcp`` and ``_ircs._tcp`` (multicast DNS) and keep
a list model of what answers, live.

Threads. python-zeroconf runs an asyncio loop in a thread of its own: the browser's
handlers and the lookups of each service's details run there. Opening and closing
zeroconf (sockets, the thread: a few ms, and up to 0.3 s to close) runs on one worker thread of
ours. Neither thread touches a Qt object except through one signal, ``_reported``, which
belongs to the LanBrowser (a QObject living in the GUI thread) and is connected to its own
slot with ``Qt.QueuedConnection``: Qt then posts each emission as an event to the GUI
thread, whatever thread emits, and the slot runs there. Only that slot updates state and
emits the public signals. (Measured with PySide6 6.11: AutoConnection would do the same,
for a @Slot, a plain method, a function or a lambda alike, since Qt compares the emitting
thread with the receiver's, and PySide6 gives a Python callable the sender's thread; we
say Queued anyway so the rule is written down, and ``tests/client/test_discovery.py``
checks it.)

Nothing is browsed when ``CHATBOX_NO_MDNS`` is set (app/protocol/dnssd.py), and multicast
goes out only on interfaces that are up, can multicast and are not loopback.

``python -m app.client.discovery`` lists the chats on this network as JSON lines (found and
lost) until interrupted: the tests run it inside a network namespace.

Signals (LanBrowser):
    chat_found(LanChat): a chat appeared, or its details changed (same ``key``).
    chat_lost(str): the chat with this key is gone (goodbye packets, expiry, or stop()).
    state_changed(str): what the browser is doing, in words for the start screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)

from app.net.interfaces import multicast_addresses
from app.protocol.dnssd import (
    MDNS_OFF_ENV,
    PLAIN_TYPE,
    TLS_TYPE,
    LanChat,
    decode_txt,
    instance_of,
    mdns_off,
)

if TYPE_CHECKING:
    from zeroconf import ServiceStateChange, Zeroconf
    from zeroconf.asyncio import AsyncServiceBrowser

log = logging.getLogger("chatbox.client")

RESOLVE_TIMEOUT_MS = 3000
OPEN_TIMEOUT_S = 10.0

STATE_BROWSING = "Looking for chats on this network…"
STATE_OFF = f"Finding chats on the network is off ({MDNS_OFF_ENV} is set)."
STATE_NO_NETWORK = "No network to look for chats on."


class _Watch:
    """The browse, on zeroconf's loop thread: which services are there now, and their
    details looked up. Reports go through ``report`` (the queued signal)."""

    def __init__(self, zc: Zeroconf, report: Any) -> None:
        self.zc = zc
        self.report = report
        self.present: set[str] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.browser: AsyncServiceBrowser | None = None

    def start(self) -> None:
        from zeroconf.asyncio import AsyncServiceBrowser

        self.browser = AsyncServiceBrowser(self.zc, [PLAIN_TYPE, TLS_TYPE],
                                           handlers=[self.on_change])

    def on_change(
        self, zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change.name == "Removed":
            if name in self.present:
                self.present.discard(name)
                self.report("lost", name)
            return
        self.present.add(name)  # Added or Updated: (re)read its details
        task = asyncio.ensure_future(self.resolve(service_type, name))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def resolve(self, service_type: str, name: str) -> None:
        from zeroconf.asyncio import AsyncServiceInfo

        info = AsyncServiceInfo(service_type, name)
        if not await info.async_request(self.zc, RESOLVE_TIMEOUT_MS):
            log.debug("no details for %s", name)
            return
        if name not in self.present or not info.port:  # gone meanwhile
            return
        txt = decode_txt(info.text or b"")
        chat = LanChat(
            key=name,
            name=instance_of(info.name, service_type),
            addresses=tuple(info.parsed_addresses()),
            port=info.port,
            tls=service_type == TLS_TYPE,
            server=txt.server,
            nick=txt.nick,
            room=txt.room,
        )
        if chat.address:
            self.report("found", chat)
        else:
            log.debug("%s has no address we can reach", name)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.browser is not None:
            await self.browser.async_cancel()


class LanBrowser(QObject):
    chat_found = Signal(object)
    chat_lost = Signal(str)
    state_changed = Signal(str)
    _reported = Signal(object)  # (generation, kind, payload) from the other threads

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reported.connect(self._on_reported, Qt.ConnectionType.QueuedConnection)
        self._pool: ThreadPoolExecutor | None = None
        self._last: Future[None] | None = None
        self._generation = 0  # reports of an earlier browse are dropped
        self._chats: dict[str, LanChat] = {}
        self._zc: Zeroconf | None = None  # touched only on the worker thread
        self._watch: _Watch | None = None  # likewise
        self.browsing = False
        self.state = ""

    @property
    def chats(self) -> list[LanChat]:
        return list(self._chats.values())

    def start(self) -> bool:
        """Browse in the background; False (and ``state_changed`` says why) when not."""
        if self.browsing:
            return True
        if mdns_off():
            self._set_state(STATE_OFF)
            return False
        interfaces = multicast_addresses()
        if not interfaces:
            self._set_state(STATE_NO_NETWORK)
            return False
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chatbox-browse")
        self.browsing = True
        self._generation += 1
        self._set_state(STATE_BROWSING)
        self._last = self._pool.submit(self._open, self._generation, interfaces)
        return True

    def stop(self) -> None:
        """Stop browsing (in the background); every chat listed is lost at once."""
        if not self.browsing:
            return
        self.browsing = False
        self._generation += 1
        assert self._pool is not None
        self._last = self._pool.submit(self._close)
        for key in list(self._chats):
            del self._chats[key]
            self.chat_lost.emit(key)
        self._set_state("")

    def wait(self, timeout_s: float = 5.0) -> bool:
        """Block until the background work is done (tests, and a process about to exit)."""
        if self._last is None:
            return True
        try:
            self._last.result(timeout_s)
        except FutureTimeout:
            return False
        return True

    def _set_state(self, text: str) -> None:
        if text != self.state:
            self.state = text
            self.state_changed.emit(text)

    # ------------------------------------------------------------ worker and loop threads
    def _emit_report(self, generation: int, kind: str, payload: object) -> None:
        with contextlib.suppress(RuntimeError):  # the QObject is gone: nobody listens
            self._reported.emit((generation, kind, payload))

    def _open(self, generation: int, interfaces: list[str]) -> None:
        try:
            from zeroconf import Zeroconf

            self._zc = Zeroconf(interfaces=interfaces)
            assert self._zc.loop is not None
            self._watch = _Watch(
                self._zc, lambda kind, payload: self._emit_report(generation, kind, payload)
            )
            self._zc.loop.call_soon_threadsafe(self._watch.start)
        except Exception as exc:  # OSError (no multicast here), zeroconf's own errors
            self._close()
            self._emit_report(generation, "failed", f"{type(exc).__name__}: {exc}")

    def _close(self) -> None:
        zc, watch = self._zc, self._watch
        self._zc = self._watch = None
        if zc is None:
            return
        try:
            if watch is not None and zc.loop is not None and zc.loop.is_running():
                asyncio.run_coroutine_threadsafe(watch.stop(), zc.loop).result(OPEN_TIMEOUT_S)
            zc.close()
        except Exception as exc:
            log.debug("closing zeroconf: %r", exc)

    # ------------------------------------------------------------ back on the GUI thread
    @Slot(object)
    def _on_reported(self, event: tuple[int, str, object]) -> None:
        generation, kind, payload = event
        if generation != self._generation:
            return
        if kind == "found" and isinstance(payload, LanChat):
            self._chats[payload.key] = payload
            self.chat_found.emit(payload)
        elif kind == "lost" and isinstance(payload, str) and payload in self._chats:
            del self._chats[payload]
            self.chat_lost.emit(payload)
        elif kind == "failed":
            log.warning("cannot look for chats on the LAN: %s", payload)
            self.browsing = False
            self._set_state(f"Cannot look for chats on this network: {payload}")


def chat_text(chat: LanChat) -> str:
    """One line of the list: ``alice on kitchen-pc — #chatbox (10.0.0.5:6697, TLS)``."""
    where = f"{chat.address}:{chat.port}" if ":" not in chat.address else \
        f"[{chat.address}]:{chat.port}"
    return f"{chat.name} — {chat.join_room} ({where}{', TLS' if chat.tls else ''})"


class LanChatsModel(QAbstractListModel):
    """The chats found, sorted by name (a server's plain and TLS entries side by side);
    ``Qt.UserRole`` gives the :class:`LanChat`."""

    ChatRole = Qt.ItemDataRole.UserRole

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[LanChat] = []

    def attach(self, browser: LanBrowser) -> None:
        browser.chat_found.connect(self.add_chat)
        browser.chat_lost.connect(self.remove_chat)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        chat = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return chat_text(chat)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [chat.name]
            if chat.nick:
                lines.append(f"hosted by {chat.nick}")
            if chat.server:
                lines.append(f"server {chat.server}")
            lines.append("addresses: " + ", ".join(chat.addresses))
            lines.append("secure connection (TLS)" if chat.tls else "plain connection")
            return "\n".join(lines)
        if role == self.ChatRole:
            return chat
        return None

    def chat_at(self, row: int) -> LanChat | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    @staticmethod
    def _order(chat: LanChat) -> tuple[str, bool, str]:
        return chat.name.casefold(), chat.tls, chat.key

    @Slot(object)
    def add_chat(self, chat: LanChat) -> None:
        """A new chat, or new details for one listed (same key)."""
        for row, old in enumerate(self._rows):
            if old.key == chat.key:
                if self._order(old) == self._order(chat):
                    self._rows[row] = chat
                    index = self.index(row)
                    self.dataChanged.emit(index, index)
                    return
                self.remove_chat(chat.key)
                break
        row = sum(1 for c in self._rows if self._order(c) < self._order(chat))
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, chat)
        self.endInsertRows()

    @Slot(str)
    def remove_chat(self, key: str) -> None:
        for row, chat in enumerate(self._rows):
            if chat.key == key:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
                return


def main() -> int:
    """List chats on this network as JSON lines until SIGINT/SIGTERM.

    Each line: ``{"event": "found"|"lost"|"state", "t": seconds since start, ...}``; found
    lines carry the LanChat's fields, and every line says whether it was handled on the
    GUI thread and the longest the Qt event loop has waited so far (``stall_ms``).
    """
    from app.net.signals import SignalWatcher

    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    started = time.monotonic()
    gui_thread = threading.get_ident()
    stall = {"last": time.monotonic(), "max": 0.0}

    def on_tick() -> None:
        now = time.monotonic()
        stall["max"] = max(stall["max"], now - stall["last"])
        stall["last"] = now

    ticker = QTimer()
    ticker.setInterval(5)
    ticker.timeout.connect(on_tick)
    ticker.start()

    def say(event: str, **fields: object) -> None:
        line = {"event": event, "t": round(time.monotonic() - started, 3),
                "gui_thread": threading.get_ident() == gui_thread,
                "stall_ms": round(stall["max"] * 1000, 1), **fields}
        print(json.dumps(line), flush=True)

    browser = LanBrowser()
    browser.chat_found.connect(lambda chat: say("found", **asdict(chat)))
    browser.chat_lost.connect(lambda key: say("lost", key=key))
    browser.state_changed.connect(lambda text: say("state", text=text))
    watcher = SignalWatcher((signal.SIGINT, signal.SIGTERM))
    watcher.received.connect(lambda _signum: app.quit())
    if not browser.start():
        return 1
    app.exec()
    browser.stop()
    browser.wait()
    watcher.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
