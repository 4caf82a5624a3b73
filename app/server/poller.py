"""Who tells a plain connection that its socket can be read or written.

Where the platform has ``select.epoll`` (Linux), every plain connection of a server is in ONE
epoll set, and ONE QSocketNotifier on the set's descriptor wakes us on Qt's event loop. Measured
on this machine (PySide6 6.11.3, 10,000 connections) against one QSocketNotifier per socket:
a notifier costs 2.1 KiB of RSS and its ``activated.connect`` another 0.9 KiB, of the 4.9 KiB a
connection cost in all; every loop turn polls every notifier (0.92 ms a turn at 10,000); and
creating one is O(N) in glib's dispatcher (15 µs with none, 76 µs with 8,000). With the set an
idle registered connection costs 1.6 KiB, a loop turn polls one descriptor, and opening and
registering 10,000 connections takes 1.6-2.5 s instead of 7-13 s (``python -m app.bench server``).

Elsewhere (macOS, Windows) each descriptor gets its own notifiers, as Qt itself would do.

Both are level-triggered, like QSocketNotifier: a socket still readable after one ``recv`` is
reported again on the next turn. A watcher's descriptor leaves the poller (``unregister``)
before it is closed or handed to someone else.
"""

from __future__ import annotations

import select
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QSocketDescriptor, QSocketNotifier, Slot

HAVE_EPOLL = hasattr(select, "epoll")
# Reported whatever the mask (EPOLLERR, EPOLLHUP) or asked for; looked up, not imported, so
# that this module imports where select has no epoll.
_READABLE: int = (
    getattr(select, "EPOLLIN", 0) | getattr(select, "EPOLLERR", 0) | getattr(select, "EPOLLHUP", 0)
)
_IN: int = getattr(select, "EPOLLIN", 0)
_OUT: int = getattr(select, "EPOLLOUT", 0)
BATCH = 1024  # events taken from the set at once
MAX_BATCHES = 4  # per loop turn: then timers and the acceptor get theirs; the rest waits a turn


class Watcher(Protocol):
    """What a poller tells: a Peer (app/server/peer.py), a TLS handshake awaiting its bytes."""

    def on_readable(self) -> None: ...  # also on error or hang-up: reading finds out which

    def on_writable(self) -> None: ...


class Poller(Protocol):
    """Watches descriptors for readability always, for writability on request."""

    def register(self, fd: int, watcher: Watcher) -> None: ...

    def want_write(self, fd: int, on: bool) -> None: ...

    def unregister(self, fd: int) -> None: ...


def make_poller(
    parent: QObject, after_batch: Callable[[], None], *, epoll: bool | None = None
) -> Poller:
    """One epoll set (``epoll`` None: where there is one), or a notifier per descriptor.
    ``after_batch`` runs after the epoll set's events of one loop turn have been handled."""
    if HAVE_EPOLL if epoll is None else epoll:
        return EpollPoller(parent, after_batch)
    return NotifierPoller(parent)


class EpollPoller(QObject):
    """Every watched descriptor in one ``select.epoll``; one QSocketNotifier on the set."""

    def __init__(self, parent: QObject, after_batch: Callable[[], None]) -> None:
        super().__init__(parent)
        self._epoll = select.epoll()
        self._watchers: dict[int, Watcher] = {}
        self._after_batch = after_batch
        self._notifier = QSocketNotifier(self._epoll.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_activated)

    def register(self, fd: int, watcher: Watcher) -> None:
        self._epoll.register(fd, _IN)
        self._watchers[fd] = watcher

    def want_write(self, fd: int, on: bool) -> None:
        self._epoll.modify(fd, _IN | _OUT if on else _IN)

    def unregister(self, fd: int) -> None:
        if self._watchers.pop(fd, None) is not None:
            self._epoll.unregister(fd)

    @Slot(QSocketDescriptor, QSocketNotifier.Type)
    def _on_activated(self, _fd: QSocketDescriptor, _type: QSocketNotifier.Type) -> None:
        watchers = self._watchers
        poll = self._epoll.poll
        for _ in range(MAX_BATCHES):
            events = poll(0, BATCH)
            for fd, mask in events:
                watcher = watchers.get(fd)
                if watcher is None:  # gone since the kernel reported it
                    continue
                if mask & _OUT:
                    watcher.on_writable()
                    if watchers.get(fd) is not watcher:  # that finished a close
                        continue
                if mask & _READABLE:
                    watcher.on_readable()
            if len(events) < BATCH:
                break
        self._after_batch()


class _Notifiers:
    __slots__ = ("reader", "watcher", "writer")

    def __init__(self, watcher: Watcher, reader: QSocketNotifier) -> None:
        self.watcher = watcher
        self.reader = reader
        self.writer: QSocketNotifier | None = None


class NotifierPoller(QObject):
    """A read QSocketNotifier per descriptor, and a write one while it waits to write."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._watched: dict[int, _Notifiers] = {}

    def register(self, fd: int, watcher: Watcher) -> None:
        reader = QSocketNotifier(fd, QSocketNotifier.Type.Read, self)
        reader.activated.connect(self._on_readable)
        self._watched[fd] = _Notifiers(watcher, reader)

    def want_write(self, fd: int, on: bool) -> None:
        watch = self._watched[fd]
        if watch.writer is None:
            if not on:
                return
            watch.writer = QSocketNotifier(fd, QSocketNotifier.Type.Write, self)
            watch.writer.activated.connect(self._on_writable)
        watch.writer.setEnabled(on)

    def unregister(self, fd: int) -> None:
        watch = self._watched.pop(fd, None)
        if watch is None:
            return
        for notifier in (watch.reader, watch.writer):
            if notifier is not None:
                notifier.setEnabled(False)  # before the descriptor closes or changes hands
                notifier.deleteLater()

    def _watcher_of_sender(self) -> Watcher | None:
        notifier = self.sender()
        if not isinstance(notifier, QSocketNotifier):
            return None
        watch = self._watched.get(notifier.socket())
        return None if watch is None else watch.watcher

    @Slot(QSocketDescriptor, QSocketNotifier.Type)
    def _on_readable(self, _fd: QSocketDescriptor, _type: QSocketNotifier.Type) -> None:
        watcher = self._watcher_of_sender()
        if watcher is not None:
            watcher.on_readable()

    @Slot(QSocketDescriptor, QSocketNotifier.Type)
    def _on_writable(self, _fd: QSocketDescriptor, _type: QSocketNotifier.Type) -> None:
        watcher = self._watcher_of_sender()
        if watcher is not None:
            watcher.on_writable()
