"""The strip above the input while a reply is being written: "Replying to bob: first
words…" and a ✕ that cancels (so does Esc in the input).

The quoted text comes from the wire: the label is plain text, elided to its width.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QFontMetrics, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from app.client.lines import ChatLine
from app.ui.message_extras import DELETED_TEXT, one_line


class ReplyStrip(QFrame):
    """Shown while replying to ``parent_line`` in ``room``.

    Signals:
        cancelled(): the user closed it (✕ or Esc) without sending.
    """

    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ReplyStrip")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Replying to")
        self.room = ""
        self.parent_line: ChatLine | None = None
        self._full = ""
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # text from the wire is never HTML
        self.label.setMinimumWidth(40)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Cancel the reply (Esc)")
        self.close_button.setAccessibleName("Cancel the reply")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.cancel)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 2, 2)
        row.addWidget(self.label, 1)
        row.addWidget(self.close_button)
        self.hide()

    @property
    def active(self) -> bool:
        return self.parent_line is not None

    def start(self, room: str, line: ChatLine) -> None:
        """Reply to ``line`` of ``room`` with what is sent next."""
        self.room, self.parent_line = room, line
        text = DELETED_TEXT if line.redacted else one_line(line.text)
        self._full = f"Replying to {line.sender}: {text}"
        self.label.setToolTip("")
        self.show()
        self._elide()

    def finish(self) -> None:
        """The reply was sent (or its room is gone): the strip goes."""
        self.room, self.parent_line = "", None
        self.hide()

    @Slot()
    def cancel(self) -> None:
        if self.active:
            self.finish()
            self.cancelled.emit()

    def text(self) -> str:
        """What the strip says, whole (the label may show it elided)."""
        return self._full

    def _elide(self) -> None:
        metrics = QFontMetrics(self.label.font())
        self.label.setText(
            metrics.elidedText(self._full, Qt.TextElideMode.ElideRight, self.label.width())
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()


class EscapeCancels(QObject):
    """Esc in the input cancels the reply strip while it is shown (before any Esc
    shortcut of the window, such as the find bar's)."""

    def __init__(self, strip: ReplyStrip, field: QWidget) -> None:
        super().__init__(strip)
        self._strip = strip
        field.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if (
            kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and self._strip.active
        ):
            event.accept()
            if kind == QEvent.Type.KeyPress:
                self._strip.cancel()
            return True
        return False
