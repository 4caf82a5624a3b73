"""Find in a room (Ctrl+F): a bar above the input; Enter goes to the next older line that
contains the text, through the whole room (older lines are shown when a match is there)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLineEdit, QStatusBar, QWidget

from app.client.models import Room
from app.protocol.formatting import strip_formatting
from app.ui.message_view import MessageView


class RoomFind(QObject):
    """The find bar over ``messages``, searching the room ``room()`` returns."""

    def __init__(
        self,
        messages: MessageView,
        room: Callable[[], Room | None],
        status: QStatusBar,
        back_to: QWidget,
    ) -> None:
        super().__init__(messages)
        self._messages = messages
        self._room = room
        self._status = status
        self._back_to = back_to  # focus goes back there when the bar closes
        self.bar = QLineEdit()
        self.bar.setAccessibleName("Find in room")
        self.bar.setPlaceholderText("Find in this room (Enter: next, Esc: close)")
        self.bar.hide()
        self.bar.returnPressed.connect(self.find_next)
        QShortcut(QKeySequence("Escape"), self.bar, self.close).setWhatsThis("Close the find bar")

    @Slot()
    def open(self) -> None:
        self.bar.show()
        self.bar.setFocus()
        self.bar.selectAll()

    @Slot()
    def close(self) -> None:
        self.bar.hide()
        self._back_to.setFocus()

    @Slot()
    def find_next(self) -> None:
        """Scroll to the next line (upwards, newest first) containing the find text; the
        whole room is searched, older lines are shown when the match is among them."""
        needle = self.bar.text().lower()
        room = self._room()
        if not needle or room is None:
            return
        model = room.messages
        model.flush()
        lines = model.lines()
        first = len(lines) - model.rowCount()  # lines above the shown window
        current = self._messages.currentIndex()
        start = current.row() + first if current.isValid() else len(lines)
        for step in range(1, len(lines) + 1):  # upwards from the current line, wrapping round
            position = (start - step) % len(lines)
            if needle in strip_formatting(lines[position].text).lower():
                index = model.index(model.reveal(position))
                self._messages.setCurrentIndex(index)
                self._messages.scrollTo(index)
                return
        self._status.showMessage(f"“{self.bar.text()}” is not in this room", 3000)
