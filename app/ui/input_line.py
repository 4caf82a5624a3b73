"""The input line: Enter sends, Up/Down recall, Tab completes nicks, a multi-line paste asks.

IRC formatting is typed with Ctrl+B (bold), Ctrl+I (italics), Ctrl+U (underline), Ctrl+K (a
colour, from the chooser) and Ctrl+O (back to plain). The codes stay in the text as they are
sent; QLineEdit shows a control character as a blank, so each gets a small mark painted over
it (a colour code: a swatch of its colour).

Signals:
    submitted(str): one line to send.
    image_pasted(QImage): an image (not text) was pasted: to send as a file.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
    QTextLayout,
    QTextLine,
)
from PySide6.QtWidgets import QLineEdit, QMessageBox, QWidget

from app.protocol.formatting import BOLD, COLOUR, COLOURS, ITALIC, RESET, UNDERLINE
from app.ui.colour_chooser import ColourChooser

HISTORY_LIMIT = 200
FORMAT_KEYS = {Qt.Key.Key_B: BOLD, Qt.Key.Key_I: ITALIC, Qt.Key.Key_U: UNDERLINE,
               Qt.Key.Key_O: RESET}
COLOUR_KEY = Qt.Key.Key_K


def _x(line: QTextLine, position: int) -> float:
    found = line.cursorToX(position)  # PySide returns (x, position)
    x = found[0] if isinstance(found, tuple) else found
    return float(x) if isinstance(x, (int, float)) else 0.0


def _hidden(char: str) -> bool:
    """A character QLineEdit draws as a blank (it shows C0 controls but tab as spaces)."""
    return char < " " and char != "\t"


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

    @staticmethod
    def _format_key(event: QKeyEvent) -> bool:
        control = event.modifiers() == Qt.KeyboardModifier.ControlModifier
        return control and (event.key() in FORMAT_KEYS or event.key() == COLOUR_KEY)

    def event(self, event: QEvent) -> bool:
        # ours before any window shortcut (and before QLineEdit's Ctrl+K / Ctrl+U editing)
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self._format_key(event)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self._format_key(event):
            self._completion = None
            if key == COLOUR_KEY:
                self.choose_colour()
            else:
                self.insert(FORMAT_KEYS[Qt.Key(key)])
            return
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

    def choose_colour(self) -> None:
        """Ctrl+K: insert the colour chosen as ``\\x03NN`` (two digits: a digit typed next
        stays text)."""
        at = self.mapToGlobal(self.cursorRect().bottomLeft())
        code = ColourChooser.ask(self, at)
        if code is not None:
            self.insert(f"{COLOUR}{code:02d}")

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        text = self.text()
        if text.isprintable() or self.echoMode() != QLineEdit.EchoMode.Normal:
            return
        marks = [i for i, char in enumerate(text) if _hidden(char)]
        if not marks:
            return
        # Where QLineEdit put each character: the same text (controls as the spaces it
        # draws) laid out in the same font, placed by the cursor, whose place it tells.
        layout = QTextLayout("".join(" " if _hidden(c) else c for c in text), self.font())
        layout.beginLayout()
        line = layout.createLine()
        layout.endLayout()
        cursor = QRectF(self.cursorRect())
        origin = cursor.center().x() - _x(line, self.cursorPosition())
        painter = QPainter(self)
        painter.setClipRect(self.contentsRect().marginsRemoved(self.textMargins()))
        for i in marks:
            left = origin + _x(line, i)
            width = max(3.0, _x(line, i + 1) - _x(line, i) - 1)
            box = QRectF(left, cursor.top() + 2, width, cursor.height() - 4)
            painter.fillRect(box, self._mark_colour(text, i))
        painter.end()

    def _mark_colour(self, text: str, i: int) -> QColor:
        """A colour code's own colour (when it has digits); the highlight for the rest."""
        digits = text[i + 1 : i + 3]
        if text[i] == COLOUR and digits[:1].isdigit() and digits[:1].isascii():
            code = int(digits) if digits.isdigit() and digits.isascii() else int(digits[0])
            if code < len(COLOURS):
                return QColor.fromRgb(COLOURS[code])
        return self.palette().color(QPalette.ColorRole.Highlight)

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
