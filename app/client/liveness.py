"""Keeping a session alive across ghosts and sleeps.

``NickKeeper``: registered under a fallback nick (alice_: our old connection's ghost still
held alice), ask for the wanted nick now and then, and at once when its holder leaves.
``WakeWatch``: the machine woke up or the network came back, so the link may be dead; the
session then checks it, or retries at once instead of waiting out its backoff.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QNetworkInformation

from app.client.connection import IrcConnection

log = logging.getLogger("chatbox.client")

CLOCK_CHECK_MS = 5_000
WAKE_JUMP_S = 10.0  # the wall clock moved this much more than the monotonic one: we slept
REGAIN_INTERVAL_MS = 30_000  # try to get our own nick back from a ghost this often
REGAIN_TRIES = 10


class NickKeeper(QObject):
    """Gets the connection's ``wanted_nick`` back; ``timer`` paces the attempts.

    ``request``: the nick the user asked for with /nick (it becomes the wanted one once
    the server grants it).
    """

    def __init__(self, connection: IrcConnection, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._connection = connection
        self.request = ""
        self._sent = False  # a quiet attempt is out: its error reply is not shown
        self._tries = 0
        self.timer = QTimer(self)
        self.timer.setInterval(REGAIN_INTERVAL_MS)
        self.timer.timeout.connect(self._try)

    def check(self) -> None:
        """Try for the wanted nick now and then until we have it (or stop trying)."""
        c = self._connection
        if c.state == "connected" and c.wanted_nick and not c.is_me(c.wanted_nick):
            if not self.timer.isActive():
                self._tries = 0
                self.timer.start()
        else:
            self.timer.stop()

    def stop(self) -> None:
        self.timer.stop()

    def nick_changed(self, new: str) -> None:
        """We are ``new`` now (the connection has taken the change already)."""
        c = self._connection
        fold = c.info.fold
        if self.request and fold(self.request) == fold(new):
            c.wanted_nick, self.request = new, ""
        self.check()

    def freed(self, nick: str) -> None:
        """``nick`` left or changed: if it is the one we want, ask for it at once."""
        c = self._connection
        fold = c.info.fold
        if c.state == "connected" and c.wanted_nick and fold(nick) == fold(c.wanted_nick):
            self._try()

    def on_numeric(self, code: str) -> bool:
        """A numeric reply arrived: True when it is the refusal of our quiet attempt, which
        is not shown. A refused /nick is no longer requested."""
        if code in ("433", "432", "437") and self._sent:
            self._sent = False
            return True
        if code in ("433", "432"):
            self.request = ""
        return False

    @Slot()
    def _try(self) -> None:
        self._tries += 1
        if self._tries > REGAIN_TRIES or self._connection.state != "connected":
            self.timer.stop()
            return
        self._sent = True
        self._connection.send(f"NICK {self._connection.wanted_nick}")


def _network_information() -> QNetworkInformation | None:
    """The platform's reachability service (NetworkManager, GLib …), loaded once."""
    if QNetworkInformation.instance() is None:
        QNetworkInformation.loadBackendByFeatures(QNetworkInformation.Feature.Reachability)
    return QNetworkInformation.instance()


class WakeWatch(QObject):
    """Signals: woke(): the machine woke up, or the network came back online.

    ``timer`` compares ``wall_clock`` with the monotonic clock every CLOCK_CHECK_MS.
    """

    woke = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.wall_clock: Callable[[], float] = time.time
        self._mark = (self.wall_clock(), time.monotonic())
        self.timer = QTimer(self)
        self.timer.setInterval(CLOCK_CHECK_MS)
        self.timer.timeout.connect(self._check_clock)
        self.timer.start()
        network = _network_information()
        if network is not None:
            network.reachabilityChanged.connect(self._on_reachability)

    @Slot()
    def _check_clock(self) -> None:
        """Monotonic time stops while the machine sleeps and wall time does not: a jump
        between the two means we woke up (the link is probably dead)."""
        wall, mono = self.wall_clock(), time.monotonic()
        jump = (wall - self._mark[0]) - (mono - self._mark[1])
        self._mark = (wall, mono)
        if abs(jump) > WAKE_JUMP_S:
            log.info("the clock jumped %.0f s: checking the link", jump)
            self.woke.emit()

    @Slot(QNetworkInformation.Reachability)
    def _on_reachability(self, reachability: QNetworkInformation.Reachability) -> None:
        if reachability == QNetworkInformation.Reachability.Online:
            self.woke.emit()
