"""Desktop notifications: a message from the app's tray icon where the desktop has a tray,
else the taskbar alert; a beep with it when the user chose a sound.

Signals:
    clicked(str): the user clicked the notification about this room.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QApplication, QWidget

from app.protocol.formatting import strip_formatting
from app.ui.plain_text import notification_body

if TYPE_CHECKING:
    from app.ui.tray import AppTray

PREVIEW = 120


class Notifier(QObject):
    clicked = Signal(str)

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._room = ""
        self.tray: AppTray | None = None  # the app's tray icon (the controller's desktop)
        self.sound = False  # the user's choice

    def notify(self, room: str, sender: str, text: str) -> None:
        """One notification: who said what, and where."""
        self._room = room
        text = strip_formatting(text)
        body = notification_body(text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…")
        title = f"{sender} in {room}" if room.startswith(("#", "&")) else sender
        if self.sound:
            QApplication.beep()
        if self.tray is None or not self.tray.show_message(title, body, self._on_clicked):
            QApplication.alert(self._window)

    @Slot()
    def _on_clicked(self) -> None:
        self.clicked.emit(self._room)
