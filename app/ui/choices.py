"""The user's choices while the app runs: each change is saved in Settings at once and
announced, so every open window follows it (the Preferences dialog, the View and Room
menus and the tray all change choices through here)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from app.settings import MAX_FONT_PT, MIN_FONT_PT, Settings

# The Settings properties a window or the app follows while running.
LIVE = frozenset({
    "last_nick", "real_name", "theme", "font_family", "font_size", "timestamp_format",
    "notification_level", "notification_sound", "highlight_words", "hide_joins",
    "show_members", "strip_colours", "link_images", "download_folder",
    "files_from_strangers", "close_to_tray", "share_typing", "contact_alerts",
})


class Choices(QObject):
    """Signals: changed(str): the Settings property of that name has a new value."""

    changed = Signal(str)

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.previous: dict[str, object] = {}  # each choice's value before its last change

    def change(self, name: str, value: object) -> None:
        """Set ``settings.<name>`` and tell everyone (nothing happens when it is the same)."""
        if name not in LIVE:
            raise KeyError(f"not a live choice: {name}")
        before = getattr(self.settings, name)
        if before == value:
            return
        self.previous[name] = before
        setattr(self.settings, name, value)
        self.changed.emit(name)

    def message_font(self) -> QFont:
        """The font of the messages: the app's, with the chosen family and size."""
        font = QFont(QApplication.font())
        if self.settings.font_family:
            font.setFamily(self.settings.font_family)
        if self.settings.font_size:
            font.setPointSize(self.settings.font_size)
        return font

    def zoom(self, step: int) -> None:
        """Larger (+1) or smaller (-1) message text by a point; 0 goes back to the default."""
        if step == 0:
            self.change("font_size", 0)
            return
        current = self.message_font().pointSize()
        size = (current if current > 0 else 10) + step  # a font set in pixels has no points
        self.change("font_size", max(MIN_FONT_PT, min(MAX_FONT_PT, size)))
