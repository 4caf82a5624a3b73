"""The input line: Enter sends, Up/Down recall, Tab completes nicks, a multi-line paste asks.

Signals:
    submitted(str): one line to send.
    image_pasted(QImage): an image (not text) was pasted: to send as a file.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QGuiApplication, QImage, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QLineEdit, QMessageBox, QWidget

HISTORY_LIMIT = 200


class PasteConfirm:
    """Asks before a paste becomes several messages (tests replace ``ask``)."""

    @classmethod
    def ask(cls, parent: QWidget | None, count: int) -> bool:
        answer = QMessageBox.question(
            parent,
            "Chatbox — paste",
            f"Send {count} messages?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes


class InputLine(QLineEdit):
    submitted = Signal(str)
    image_pasted = Signal(QImage)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Message input")
        self.setPlaceholderText("Type a message, or /help")
        self.nicks: Callable[[], list[str]] = list
        self._history: list[str] = []
        self._cursor = 0
        self._completion: tuple[str, list[str], int] | None = None
        self.returnPressed.connect(self._on_return)

    def _on_return(self) -> None:
        text = self.text()
        if not text.strip():
            return
        self._remember(text)
        self.clear()
        self.submitted.emit(text)

    def _remember(self, text: str) -> None:
        if not self._history or self._history[-1] != text:
            self._history.append(text)
            del self._history[:-HISTORY_LIMIT]
        self._cursor = len(self._history)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key != Qt.Key.Key_Tab:
            self._completion = None
        if event.matches(QKeySequence.StandardKey.Paste):
            clipboard = QGuiApplication.clipboard()
            mime = clipboard.mimeData()
            if mime is not None and mime.hasImage() and not mime.hasText():
                self.image_pasted.emit(clipboard.image())
                return
            self.paste_text(clipboard.text())
            return
        if key == Qt.Key.Key_Up and self._history:
            self._cursor = max(0, self._cursor - 1)
            self.setText(self._history[self._cursor])
            return
        if key == Qt.Key.Key_Down and self._history:
            self._cursor = min(len(self._history), self._cursor + 1)
            self.setText(self._history[self._cursor] if self._cursor < len(self._history) else "")
            return
        if key == Qt.Key.Key_Tab:
            self.complete()
            return
        super().keyPressEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Files dropped here go to the window (to be sent), not into the text."""
        mime = event.mimeData()
        if mime.hasUrls() and all(url.isLocalFile() for url in mime.urls()):
            event.ignore()
            return
        super().dragEnterEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        return False  # Tab completes nicks here; it never leaves the input line

    def paste_text(self, text: str) -> None:
        """Paste ``text``: one line goes into the input, several are sent after asking."""
        lines = [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
        if len(lines) <= 1:
            self.insert(lines[0] if lines else "")
            return
        if PasteConfirm.ask(self, len(lines)):
            for line in lines:
                self._remember(line)
                self.submitted.emit(line)

    def complete(self) -> None:
        """Complete the word before the cursor to a member's nick; Tab again cycles."""
        if self._completion is None:
            text = self.text()[: self.cursorPosition()]
            start = text.rfind(" ") + 1
            prefix = text[start:].lower()
            if not prefix:
                return
            matches = sorted(
                (n for n in self.nicks() if n.lower().startswith(prefix)), key=str.lower
            )
            if not matches:
                return
            self._completion = (self.text()[:start], matches, 0)
        else:
            head, matches, i = self._completion
            self._completion = (head, matches, (i + 1) % len(matches))
        head, matches, i = self._completion
        suffix = ": " if not head else " "
        self.setText(head + matches[i] + suffix)
