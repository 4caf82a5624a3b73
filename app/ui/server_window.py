"""The server window: the addresses to share, who is connected, what happened (in words),
and Stop server, which asks first while people are connected."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.server.listener import ChatServer
from app.ui.server_log import WordsFormatter
from app.ui.share_panel import SharePanel

LOG_LINES = 2000


class StopConfirm:
    """Asks before the server stops on people still connected (tests replace ``ask``)."""

    @classmethod
    def ask(cls, parent: QWidget | None, connected: int) -> bool:
        people = "1 person is" if connected == 1 else f"{connected} people are"
        answer = QMessageBox.question(
            parent,
            "Stop the server?",
            f"{people} connected. Stopping the server disconnects everyone.",
            QMessageBox.StandardButton.Cancel | QMessageBox.StandardButton.Ok,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Ok


class LogFeed(QObject):
    """A logging handler's lines as a Qt signal (the server logs; the window shows)."""

    line_logged = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.handler = _SignalHandler(self)
        self.handler.setFormatter(WordsFormatter())


class _SignalHandler(logging.Handler):
    def __init__(self, feed: LogFeed) -> None:
        super().__init__(logging.INFO)
        self._feed = feed

    def emit(self, record: logging.LogRecord) -> None:
        self._feed.line_logged.emit(self.format(record))


class ServerWindow(QWidget):
    """Shows a running :class:`ChatServer`.

    Signals:
        stop_requested(): Stop server, confirmed.
        closed(): the window was closed.

    ``close_guard()`` decides whether Stop server and the close button may go ahead; by
    default it asks (:class:`StopConfirm`) while people are connected.
    """

    stop_requested = Signal()
    closed = Signal()

    def __init__(self, server: ChatServer, note: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.server = server
        self.close_guard: Callable[[], bool] = self.confirm_stop
        self.setWindowTitle(f"Server on port {server.port or server.tls_port}")
        self.setObjectName("ServerWindow")
        self.resize(620, 560)
        self.share = SharePanel(server)
        self.copy_button = QPushButton("Copy all")
        self.copy_button.setAccessibleName("Copy all addresses")
        self.copy_button.setToolTip("Every address (and the fingerprint), one a line")
        self.copy_button.clicked.connect(self.copy_addresses)
        self.note = QLabel(note)
        self.note.setAccessibleName("Server note")
        self.note.setWordWrap(True)
        self.note.setVisible(bool(note))
        self.people = QListWidget()
        self.people.setAccessibleName("Connected people")
        self.log_view = QPlainTextEdit()
        self.log_view.setAccessibleName("Server log")
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(LOG_LINES)
        self.stop_button = QPushButton("Stop server")
        self.stop_button.setAccessibleName("Stop server")
        self.stop_button.clicked.connect(self._on_stop_clicked)

        share = QGroupBox("Share")
        column = QVBoxLayout(share)
        column.addWidget(self.share)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.copy_button)
        column.addLayout(row)
        self.people_box = QGroupBox("Connected")
        QVBoxLayout(self.people_box).addWidget(self.people)
        log = QGroupBox("What happened")
        QVBoxLayout(log).addWidget(self.log_view)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        for widget in (self.note, share, self.people_box, log):
            layout.addWidget(widget)
        layout.addLayout(bottom)

        self.feed = LogFeed(self)
        self.feed.line_logged.connect(self.log_view.appendPlainText)
        logging.getLogger("chatbox.server").addHandler(self.feed.handler)
        self._refresh = QTimer(self)
        self._refresh.setInterval(1000)
        self._refresh.timeout.connect(self.refresh_people)
        self._refresh.start()
        self.refresh_people()

    @Slot()
    def copy_addresses(self) -> None:
        QGuiApplication.clipboard().setText(self.share.all_text())

    def connected_count(self) -> int:
        return sum(1 for c in self.server.core.clients if c.registered)

    def confirm_stop(self) -> bool:
        """True when nobody is connected, or the user says stop anyway."""
        connected = self.connected_count()
        return connected == 0 or StopConfirm.ask(self, connected)

    @Slot()
    def _on_stop_clicked(self) -> None:
        if self.close_guard():
            self.close_guard = lambda: True  # asked once: the close that follows goes ahead
            self.stop_requested.emit()

    @Slot()
    def refresh_people(self) -> None:
        people = sorted(
            (f"{c.nick} ({c.host})" for c in self.server.core.clients if c.registered),
            key=str.lower,
        )
        self.people_box.setTitle(f"Connected ({len(people)})" if people else "Connected")
        if people != [self.people.item(i).text() for i in range(self.people.count())]:
            self.people.clear()
            self.people.addItems(people)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.close_guard():
            event.ignore()
            return
        logging.getLogger("chatbox.server").removeHandler(self.feed.handler)
        self._refresh.stop()
        super().closeEvent(event)
        self.closed.emit()
