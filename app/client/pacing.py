"""Lines to the server, paced by a token bucket (a burst, then a steady rate) so a paste
never floods us off; urgent lines (PONG, QUIT, registration) go at once."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtNetwork import QAbstractSocket

from app.protocol.pacing import TokenBucket


class PacedWriter(QObject):
    """Writes to ``sock``; ``queued`` lines wait for the bucket, on a timer of their own."""

    def __init__(self, sock: QAbstractSocket, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sock = sock
        self._lines: list[bytes] = []
        self._bucket = TokenBucket()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._drain)

    def send(self, data: bytes, *, urgent: bool = False) -> None:
        if urgent:
            self._sock.write(data)
            return
        self._lines.append(data)
        self._drain()

    def clear(self) -> None:
        """Forget what waits (a new connection, or we are leaving)."""
        self._lines.clear()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def queued(self) -> int:
        return len(self._lines)

    @Slot()
    def _drain(self) -> None:
        while self._lines:
            if not self._bucket.take():
                self._timer.start(max(1, int(self._bucket.delay() * 1000)))
                return
            self._sock.write(self._lines.pop(0))
