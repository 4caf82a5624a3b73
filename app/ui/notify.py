"""Desktop notifications: a tray message where the desktop has a tray, else the taskbar alert.

Signals:
    clicked(str): the user clicked the notification about this room.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from app.ui.plain_text import notification_body

PREVIEW = 120


class Notifier(QObject):
    clicked = Signal(str)

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._room = ""
        self._tray: QSystemTrayIcon | None = None

    def notify(self, room: str, sender: str, text: str) -> None:
        """One notification: who said what, and where."""
        self._room = room
        body = notification_body(text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…")
        title = f"{sender} in {room}" if room.startswith(("#", "&")) else sender
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self._tray is None:
                self._tray = QSystemTrayIcon(QGuiApplication.windowIcon(), self)
                self._tray.messageClicked.connect(self._on_clicked)
                self._tray.show()
            self._tray.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, 8000)
        else:
            QApplication.alert(self._window)

    @Slot()
    def _on_clicked(self) -> None:
        self.clicked.emit(self._room)
