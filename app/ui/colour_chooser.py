"""The colour chooser of the input line (Ctrl+K): the 16 classic IRC colours as a menu.

A menu pops up at the text cursor and is used with the keyboard as it is with the mouse:
arrows and Enter, Escape to cancel, and the digit of colours 00-09 as a mnemonic.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QWidget

from app.protocol.formatting import COLOURS

__all__ = ["CLASSIC_NAMES", "ColourChooser", "swatch"]

CLASSIC_NAMES = (
    "White", "Black", "Blue", "Green", "Red", "Brown", "Magenta", "Orange",
    "Yellow", "Light green", "Cyan", "Light cyan", "Light blue", "Pink", "Grey", "Light grey",
)  # fmt: skip


def swatch(code: int, size: int = 16) -> QIcon:
    """A square of colour ``code`` with a thin frame (white and black need one)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor.fromRgb(COLOURS[code]))
    painter = QPainter(pixmap)
    painter.setPen(QColor("#808080"))
    painter.drawRect(0, 0, size - 1, size - 1)
    painter.end()
    return QIcon(pixmap)


class ColourChooser:
    """Asks for one of the 16 classic colours (tests replace ``ask``)."""

    @classmethod
    def menu(cls, parent: QWidget | None) -> QMenu:
        menu = QMenu(parent)
        menu.setAccessibleName("Text colour")
        menu.setTitle("Text colour")
        for code, name in enumerate(CLASSIC_NAMES):
            label = f"0&{code}  {name}" if code < 10 else f"{code}  {name}"
            action = menu.addAction(swatch(code), label)
            action.setData(code)
        return menu

    @classmethod
    def ask(cls, parent: QWidget | None, at: QPoint) -> int | None:
        """The colour code chosen (0-15), or None when the menu was closed."""
        menu = cls.menu(parent)
        menu.setActiveAction(menu.actions()[0])
        chosen = menu.exec(at)
        menu.deleteLater()
        code = chosen.data() if chosen is not None else None
        return code if isinstance(code, int) else None
