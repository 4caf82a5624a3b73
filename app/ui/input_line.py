"""The message input: Enter sends, Shift+Enter starts a new line, Up/Down recall, Tab
completes nicks, a multi-line paste asks where the server cannot take it as one message.

It grows with its text to ``MAX_LINES`` lines (then scrolls) and shrinks back when sent.
A message of several lines goes out whole (``submitted`` with "\\n" in it) when
``multiline()`` says the server takes one (draft/multiline); otherwise, after asking "Send
N messages?", as one message per line.

IRC formatting is typed with Ctrl+B (bold), Ctrl+I (italics), Ctrl+U (underline), Ctrl+K (a
colour, from the chooser) and Ctrl+O (back to plain). The codes stay in the text as they are
sent; the text engine shows a control character as an empty box, so each gets a small mark
painted over it (a colour code: a swatch of its colour).

It keeps QLineEdit's names (``text``, ``setText``, ``insert``, ``cursorPosition``,
``setCursorPosition``), with positions counted in Python characters.

Signals:
    submitted(str): a message to send (several lines joined by "\\n" when ``multiline()``).
    edited(str): the user changed the text (typing, pasting, deleting; not ``setText``).
    image_pasted(QImage): an image (not text) was pasted: to send as a file.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QEvent, QMimeData, QRectF, Qt, Signal, Slot
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
    QPixmap,
    QTextCursor,
    QTextOption,
)
from PySide6.QtWidgets import QFrame, QMessageBox, QPlainTextEdit, QWidget

from app.protocol.formatting import BOLD, COLOUR, COLOURS, ITALIC, RESET, UNDERLINE
from app.ui.colour_chooser import ColourChooser

HISTORY_LIMIT = 200
MAX_LINES = 6  # the input grows to this many lines, then scrolls
FORMAT_KEYS = {Qt.Key.Key_B: BOLD, Qt.Key.Key_I: ITALIC, Qt.Key.Key_U: UNDERLINE,
               Qt.Key.Key_O: RESET}
COLOUR_KEY = Qt.Key.Key_K
RETURN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _hidden(char: str) -> bool:
    """A character the text engine draws as a box (C0 controls; not tab or newline)."""
    return char < " " and char not in "\t\n"


def _utf16(text: str, index: int) -> int:
    """The Qt (UTF-16) position of Python index ``index`` of ``text``."""
    return len(text[:index].encode("utf-16-le")) // 2


def _python(text: str, position: int) -> int:
    """The Python index of Qt (UTF-16) position ``position`` of ``text``."""
    return len(text.encode("utf-16-le")[: position * 2].decode("utf-16-le", "ignore"))


def message_lines(text: str) -> list[str]:
    """The lines of ``text`` that say something (a paste's blank lines are not messages)."""
    return [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def trimmed(text: str) -> str:
    """``text`` without blank lines before and after (those inside stay: paragraphs)."""
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


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


class InputLine(QPlainTextEdit):
    submitted = Signal(str)
    edited = Signal(str)
    image_pasted = Signal(QImage)
    # its own keys, for Help → Keyboard shortcuts (the formatting keys are listed there)
    KEYS = (("Send", "Enter"), ("New line", "Shift+Enter"),
            ("Recall what you sent", "Up, Down"), ("Complete a nick", "Tab"),
            ("Bold, italic, underline, plain", "Ctrl+B, Ctrl+I, Ctrl+U, Ctrl+O"),
            ("Pick a colour", "Ctrl+K"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Message input")
        self.setPlaceholderText("Type a message, or /help")
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.nicks: Callable[[], list[str]] = list
        self.multiline: Callable[[], bool] = bool  # the server takes several lines as one
        self._history: list[str] = []
        self._cursor = 0
        self._completion: tuple[str, list[str], int] | None = None
        self._quiet = False  # text set by the program, not typed: no ``edited``
        self.textChanged.connect(self._on_text_changed)
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self._fit_height()

    # ---------------------------------------------------------------- QLineEdit's names
    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        """Replace the text (the cursor goes to its end); not an edit by the user."""
        self._quiet = True
        try:
            self.setPlainText(text)
        finally:
            self._quiet = False
        self.moveCursor(QTextCursor.MoveOperation.End)

    def clear(self) -> None:
        self.setText("")

    def insert(self, text: str) -> None:
        """Type ``text`` at the cursor (over the selection)."""
        self.insertPlainText(text)

    def cursorPosition(self) -> int:
        return _python(self.text(), self.textCursor().position())

    def setCursorPosition(self, index: int) -> None:
        text = self.text()
        cursor = self.textCursor()
        cursor.setPosition(_utf16(text, max(0, min(index, len(text)))))
        self.setTextCursor(cursor)

    # ---------------------------------------------------------------- sending
    def _send(self) -> None:
        text = self.text()
        if not text.strip():
            return
        lines = message_lines(text)
        if len(lines) > 1 and not self.multiline():
            if not PasteConfirm.ask(self, len(lines)):
                return  # kept, to edit or to clear
            self._remember(text)
            self.clear()
            for line in lines:
                self.submitted.emit(line)
            return
        message = trimmed(text) if len(lines) > 1 else text
        self._remember(message)
        self.clear()
        self.submitted.emit(message)

    def _remember(self, text: str) -> None:
        if not self._history or self._history[-1] != text:
            self._history.append(text)
            del self._history[:-HISTORY_LIMIT]
        self._cursor = len(self._history)

    @Slot()
    def _on_text_changed(self) -> None:
        if not self._quiet:
            self.edited.emit(self.text())

    @Slot()
    def _fit_height(self) -> None:
        """As tall as its lines (wrapped ones too), up to ``MAX_LINES``."""
        # the plain-text layout measures its height in lines
        lines = int(self.document().documentLayout().documentSize().height())
        shown = max(1, min(MAX_LINES, lines))
        margin = self.document().documentMargin()
        height = shown * self.fontMetrics().lineSpacing() + 2 * margin + 2 * self.frameWidth()
        self.setFixedHeight(math.ceil(height) + 2)  # a pixel short, and it would scroll
        self.ensureCursorVisible()

    # ---------------------------------------------------------------- keys
    @staticmethod
    def _format_key(event: QKeyEvent) -> bool:
        control = event.modifiers() == Qt.KeyboardModifier.ControlModifier
        return control and (event.key() in FORMAT_KEYS or event.key() == COLOUR_KEY)

    def event(self, event: QEvent) -> bool:
        # ours before any window shortcut (and before the editor's own Ctrl+K / Ctrl+U)
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
        if key not in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            self._completion = None
        if key in RETURN_KEYS:
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.insert("\n")
            else:
                self._send()
            return
        if event.matches(QKeySequence.StandardKey.Paste):
            self._paste(QGuiApplication.clipboard().mimeData())
            return
        if key == Qt.Key.Key_Up and self._history and self._on_edge(up=True):
            self._cursor = max(0, self._cursor - 1)
            self.setText(self._history[self._cursor])
            return
        if key == Qt.Key.Key_Down and self._history and self._on_edge(up=False):
            self._cursor = min(len(self._history), self._cursor + 1)
            self.setText(self._history[self._cursor] if self._cursor < len(self._history) else "")
            return
        if key == Qt.Key.Key_Tab:
            self.complete()
            return
        if key == Qt.Key.Key_Backtab:
            return  # Tab completes nicks here; it never leaves the input
        super().keyPressEvent(event)

    def _on_edge(self, *, up: bool) -> bool:
        """The cursor is on the first (``up``) or last line shown: Up/Down recall there."""
        cursor = QTextCursor(self.textCursor())
        move = QTextCursor.MoveOperation.Up if up else QTextCursor.MoveOperation.Down
        return not cursor.movePosition(move)

    def focusNextPrevChild(self, next: bool) -> bool:
        return False  # Tab completes nicks here; it never leaves the input

    def choose_colour(self) -> None:
        """Ctrl+K: insert the colour chosen as ``\\x03NN`` (two digits: a digit typed next
        stays text)."""
        at = self.viewport().mapToGlobal(self.cursorRect().bottomLeft())
        code = ColourChooser.ask(self, at)
        if code is not None:
            self.insert(f"{COLOUR}{code:02d}")

    # ---------------------------------------------------------------- pasting and dropping
    def insertFromMimeData(self, source: QMimeData) -> None:
        """The context menu's Paste, a middle click, text dropped here: as Ctrl+V."""
        self._paste(source)

    def _paste(self, mime: QMimeData | None) -> None:
        if mime is None:
            return
        if mime.hasImage() and not mime.hasText():
            data = mime.imageData()
            image = data.toImage() if isinstance(data, QPixmap) else data
            if isinstance(image, QImage) and not image.isNull():
                self.image_pasted.emit(image)
            return
        self.paste_text(mime.text())

    def paste_text(self, text: str) -> None:
        """Paste ``text``: one line goes into the input; several too when the server takes
        them as one message, else they are sent line by line after asking."""
        lines = message_lines(text)
        if len(lines) <= 1:
            self.insert(lines[0] if lines else "")
            return
        if self.multiline():
            self.insert(trimmed(text))
            return
        if PasteConfirm.ask(self, len(lines)):
            for line in lines:
                self._remember(line)
                self.submitted.emit(line)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Files dropped here go to the window (to be sent), not into the text."""
        mime = event.mimeData()
        if mime.hasUrls() and all(url.isLocalFile() for url in mime.urls()):
            event.ignore()
            return
        super().dragEnterEvent(event)

    # ---------------------------------------------------------------- completion
    def complete(self) -> None:
        """Complete the word before the cursor to a member's nick; Tab again cycles."""
        if self._completion is None:
            text = self.text()[: self.cursorPosition()]
            start = max(text.rfind(" "), text.rfind("\n")) + 1
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
        self.edited.emit(self.text())  # typed, as far as anyone watching is concerned

    # ---------------------------------------------------------------- formatting marks
    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        text = self.text()
        if text.isprintable():
            return
        marks = [i for i, char in enumerate(text) if _hidden(char)]
        if not marks:
            return
        painter = QPainter(self.viewport())
        cursor = QTextCursor(self.document())
        for i in marks:
            position = _utf16(text, i)
            cursor.setPosition(position)
            here = QRectF(self.cursorRect(cursor))
            cursor.setPosition(position + 1)
            after = QRectF(self.cursorRect(cursor))
            right = after.center().x() if after.top() == here.top() else here.center().x() + 6
            width = max(3.0, right - here.center().x() - 1)
            box = QRectF(here.center().x(), here.top() + 2, width, here.height() - 4)
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
