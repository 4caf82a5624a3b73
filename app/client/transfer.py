"""One DCC file transfer and its progress, as :class:`~app.client.dcc.DccManager` drives it,
and where a received file goes on disk (:func:`unique_path`)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import BinaryIO

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtNetwork import QTcpServer, QTcpSocket

from app.protocol.dcc import DccSend, is_risky

PROGRESS_MS = 100


class Transfer(QObject):
    """One file going to or coming from ``nick``.

    ``state``: offered (incoming, waiting for the user), waiting (for the other side),
    transferring, done, failed, cancelled, refused. Signals: changed() as bytes move (at
    most every PROGRESS_MS) or the state changes; finished() once, at the end.
    """

    changed = Signal()
    finished = Signal()

    def __init__(self, direction: str, nick: str, offer: DccSend, path: Path | None) -> None:
        super().__init__()
        self.direction = direction  # "send" or "receive"
        self.nick = nick
        self.offer = offer
        self.path = path
        self.state = "offered" if direction == "receive" else "waiting"
        self.reason = ""
        self.done = 0  # bytes in the file (counting a resumed start)
        self.start_at = 0  # where this connection began (RESUME)
        self.started = 0.0
        self._last_emit = 0.0
        self._speed_mark = (0.0, 0)
        self.speed = 0.0  # bytes per second, recent
        # The manager drives these: the link, the file, a partly received 4-byte ack, and
        # the timer that ends an offer nobody answers.
        self.sock: QTcpSocket | None = None
        self.server: QTcpServer | None = None
        self.file: BinaryIO | None = None
        self.partial_ack = b""
        self.expiry = QTimer(self)
        self.expiry.setSingleShot(True)

    @property
    def size(self) -> int:
        return self.offer.size

    @property
    def name(self) -> str:
        return self.offer.filename

    @property
    def risky(self) -> bool:
        """Opening it could run code: the receiver is warned."""
        return is_risky(self.name)

    @property
    def seconds_left(self) -> float | None:
        if self.speed <= 0 or self.size <= 0:
            return None
        return max(0.0, (self.size - self.done) / self.speed)

    @property
    def active(self) -> bool:
        return self.state in ("offered", "waiting", "transferring")

    def progress(self, force: bool = False) -> None:
        now = time.monotonic()
        mark_time, mark_done = self._speed_mark
        if now - mark_time >= 0.5:
            if mark_time:
                self.speed = (self.done - mark_done) / (now - mark_time)
            self._speed_mark = (now, self.done)
        if force or now - self._last_emit >= PROGRESS_MS / 1000:
            self._last_emit = now
            self.changed.emit()


def unique_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name (2)`` … when that exists (never overwrite by default)."""
    path = folder / name
    stem, suffix = os.path.splitext(name)
    n = 2
    while path.exists():
        path = folder / f"{stem} ({n}){suffix}"
        n += 1
    return path
