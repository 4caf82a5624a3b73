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
        self.pending = ""  # the room of the notification on screen ("" once clicked or taken back)
        self.tray: AppTray | None = None  # the app's tray icon (the controller's desktop)
        self.sound = False  # the user's choice

    def notify(self, room: str, sender: str, text: str) -> None:
        """One notification: who said what, and where."""
        text = strip_formatting(text)
        body = notification_body(text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…")
        title = f"{sender} in {room}" if room.startswith(("#", "&")) else sender
        self._show(room, title, body)

    def notify_online(self, nick: str) -> None:
        """A contact came online (a click shows the window, and their private chat if open)."""
        self._show(nick, f"{nick} is online", notification_body(f"{nick} is in your contacts"))

    def _show(self, room: str, title: str, body: str) -> None:
        self._room = self.pending = room
        if self.sound:
            QApplication.beep()
        if self.tray is None or not self.tray.show_message(title, body, self._on_clicked):
            QApplication.alert(self._window)

    def withdraw(self) -> None:
        """The pending notification was read elsewhere (another device): take it back, where
        the desktop allows, and a late click on it does nothing."""
        if not self.pending:
            return
        self.pending = ""
        if self.tray is not None:
            self.tray.withdraw_message()

    @Slot()
    def _on_clicked(self) -> None:
        self.pending = ""
        self.clicked.emit(self._room)
