"""Deliver SIGINT/SIGTERM to the Qt event loop: ``signal.set_wakeup_fd`` + QSocketNotifier.

Python runs signal handlers only when it gets control, which a blocked Qt loop never gives
it; the wakeup file descriptor wakes the loop instead.

Signals:
    received(int): a watched signal arrived (its number).
"""

from __future__ import annotations

import contextlib
import signal
import socket
from collections.abc import Iterable
from types import FrameType

from PySide6.QtCore import QObject, QSocketNotifier, Signal, Slot


def _ignore(signum: int, frame: FrameType | None) -> None:
    """The Python-level handler; the work happens when the wakeup byte is read."""


class SignalWatcher(QObject):
    received = Signal(int)

    def __init__(self, signums: Iterable[int], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._signums = tuple(signums)
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._previous = {s: signal.signal(s, _ignore) for s in self._signums}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_activated)

    @Slot()
    def _on_activated(self) -> None:
        try:
            data = self._reader.recv(64)
        except BlockingIOError:
            return
        for signum in data:
            if signum in self._signums:
                self.received.emit(signum)

    def close(self) -> None:
        """Restore the previous handlers."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        with contextlib.suppress(OSError):
            self._reader.close()
            self._writer.close()
