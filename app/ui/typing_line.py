"""The line under the messages that says who is typing in the room on screen ("alice is
typing…", "alice and bob are typing…"), from the session's typing tracker.

Its height is kept while nobody types, so the messages never jump when it fills or
empties. It is there only where the server relays typing (message-tags acked): on a
server without it the column looks as it always did.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from app.client.session import ChatSession

RELAYS_TYPING = "message-tags"  # the cap that carries +typing client tags


class TypingLine(QLabel):
    """Says ``session.typing.text(room)`` for the room shown (``show_room``)."""

    def __init__(self, session: ChatSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._room = ""
        self.setAccessibleName("Who is typing")
        self.setTextFormat(Qt.TextFormat.PlainText)  # nicks from the wire are never HTML
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setContentsMargins(6, 0, 6, 0)
        font = QFont(self.font())
        font.setItalic(True)
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.9))
        self.setFont(font)
        self.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.setFixedHeight(self.fontMetrics().height() + 2)  # reserved: nothing moves
        self.setVisible(False)
        session.typing.typing_changed.connect(self._on_typing_changed)
        session.connection.registered.connect(self._on_registered)

    def show_room(self, name: str) -> None:
        """The window shows room ``name`` now."""
        self._room = name
        self._refresh()

    @Slot(str)
    def _on_typing_changed(self, room: str) -> None:
        fold = self._session.connection.info.fold
        if fold(room) == fold(self._room):
            self._refresh()

    @Slot(str)
    def _on_registered(self, _nick: str) -> None:
        self.setVisible(RELAYS_TYPING in self._session.connection.caps)
        self._refresh()

    def _refresh(self) -> None:
        words = self._session.typing.text(self._room) if self._room else ""
        self.setText(words)
        self.setToolTip(words)
