"""The server window: the addresses to share, who is connected, a live log, Stop."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QFontDatabase, QGuiApplication
from PySide6.QtNetwork import QAbstractSocket, QNetworkInterface
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.server.listener import ChatServer

LOG_LINES = 2000


def share_addresses(port: int) -> list[str]:
    """Every non-loopback address of this machine with ``port``, IPv4 first."""
    out: list[tuple[int, str]] = []
    for address in QNetworkInterface.allAddresses():
        if address.isLoopback() or address.isLinkLocal():
            continue
        text = address.toString().partition("%")[0]
        if address.protocol() == QAbstractSocket.NetworkLayerProtocol.IPv6Protocol:
            out.append((1, f"[{text}]:{port}"))
        else:
            out.append((0, f"{text}:{port}"))
    return [text for _rank, text in sorted(out)]


class LogFeed(QObject):
    """A logging handler's lines as a Qt signal (the server logs; the window shows)."""

    line_logged = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.handler = _SignalHandler(self)
        self.handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))


class _SignalHandler(logging.Handler):
    def __init__(self, feed: LogFeed) -> None:
        super().__init__(logging.INFO)
        self._feed = feed

    def emit(self, record: logging.LogRecord) -> None:
        self._feed.line_logged.emit(self.format(record))


class ServerWindow(QWidget):
    """Shows a running :class:`ChatServer`. Signals: stop_requested(), closed()."""

    stop_requested = Signal()
    closed = Signal()

    def __init__(self, server: ChatServer, note: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.server = server
        self.setWindowTitle(f"Chatbox server — port {server.port}")
        self.resize(560, 520)
        addresses = share_addresses(server.port) or [f"127.0.0.1:{server.port} (this machine only)"]
        if server.tls_port:
            secure = share_addresses(server.tls_port) or [f"127.0.0.1:{server.tls_port}"]
            addresses += [f"{address} (TLS)" for address in secure]
        self.addresses = QListWidget()
        self.addresses.setAccessibleName("Addresses to share")
        self.addresses.addItems(addresses)
        self.fingerprint = QLabel()
        self.fingerprint.setAccessibleName("Certificate fingerprint")
        self.fingerprint.setWordWrap(True)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if server.tls is not None:
            self.fingerprint.setText(
                "TLS certificate SHA-256 fingerprint (read it out to those who join with "
                f"TLS):\n{server.tls.fingerprint}"
            )
            self.fingerprint.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.fingerprint.setVisible(server.tls is not None)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setAccessibleName("Copy addresses")
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
        self.stop_button.clicked.connect(self.stop_requested)

        share = QGroupBox("Others join with one of these addresses")
        column = QVBoxLayout(share)
        row = QHBoxLayout()
        row.addWidget(self.addresses, 1)
        row.addWidget(self.copy_button)
        column.addLayout(row)
        column.addWidget(self.fingerprint)
        people = QGroupBox("Connected")
        QVBoxLayout(people).addWidget(self.people)
        log = QGroupBox("Log")
        QVBoxLayout(log).addWidget(self.log_view)
        layout = QVBoxLayout(self)
        for widget in (self.note, share, people, log, self.stop_button):
            layout.addWidget(widget)

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
        texts = [self.addresses.item(i).text() for i in range(self.addresses.count())]
        QGuiApplication.clipboard().setText("\n".join(texts))

    @Slot()
    def refresh_people(self) -> None:
        people = sorted(
            (f"{c.nick} ({c.host})" for c in self.server.core.clients if c.registered),
            key=str.lower,
        )
        if people != [self.people.item(i).text() for i in range(self.people.count())]:
            self.people.clear()
            self.people.addItems(people)

    def closeEvent(self, event: QCloseEvent) -> None:
        logging.getLogger("chatbox.server").removeHandler(self.feed.handler)
        self._refresh.stop()
        super().closeEvent(event)
        self.closed.emit()
