"""The keep-alive watchdog of one connection: a dead link (Wi-Fi gone, laptop asleep) sends
no RST, so notice it by silence.

The connection owns one :class:`Watchdog`, tells it of every read from the server
(:meth:`Watchdog.heard`), starts it once registered and stops it when the link is gone. The
watchdog talks back through three callbacks: is the link registered, send a line at once,
and drop the link with the reason in words.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Slot

IDLE_PING_S = 30.0  # PING the server after this long without a line from it
DEAD_AFTER_S = 60.0  # and give the link up when nothing came back for this long
CHECK_MS = 1000
PING = "PING :chatbox-alive"


class Watchdog(QObject):
    """PINGs a quiet server and drops a link that stays silent (see the module docstring)."""

    def __init__(
        self,
        connected: Callable[[], bool],
        send: Callable[[str], None],
        drop: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._connected = connected
        self._send = send
        self._drop = drop
        self.idle_ping_s = IDLE_PING_S
        self.dead_after_s = DEAD_AFTER_S
        self._last_heard = time.monotonic()
        self._pinged = False
        self._deadline = 0.0  # probe(): the answer must come before this (0: no probe)
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self._check_alive)

    def start(self) -> None:
        """The link is registered: count its silence from now."""
        self._last_heard = time.monotonic()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def heard(self) -> None:
        """Something came from the server: the link is alive."""
        self._last_heard = time.monotonic()
        self._pinged = False
        self._deadline = 0.0

    def cancel_probe(self) -> None:
        self._deadline = 0.0

    def probe(self, within_s: float) -> None:
        """PING now, and drop the link unless the server answers within ``within_s``."""
        if not self._connected():
            return
        self._pinged = True
        self._deadline = time.monotonic() + within_s
        self._send(PING)

    @Slot()
    def _check_alive(self) -> None:
        if not self._connected():
            return
        now = time.monotonic()
        quiet = now - self._last_heard
        if self._deadline and now > self._deadline:
            self._drop("The connection did not survive the network change.")
        elif quiet > self.dead_after_s:
            self._drop(f"No answer from the server for {quiet:.0f} s.")
        elif quiet > self.idle_ping_s and not self._pinged:
            self._pinged = True
            self._send(PING)
