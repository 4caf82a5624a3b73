"""The room list's rows: the name, bold while it has unread lines, and a count badge on the
right — grey for ordinary activity, the accent colour for mentions and private messages."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.client.models import HIGHLIGHT_ROLE, TEXT_ROLE, UNREAD_ROLE

Index = QModelIndex | QPersistentModelIndex
MENTION_COLOUR = QColor("#d83b3b")  # the badge of mentions and private messages
PAD = 6


def badge_text(count: int) -> str:
    return "999+" if count > 999 else str(count)


def paint_frame(
    delegate: QStyledItemDelegate, painter: QPainter, option: QStyleOptionViewItem, index: Index
) -> None:
    """The style's row (selection, hover, focus) without its text: the delegate draws that."""
    item = QStyleOptionViewItem(option)
    delegate.initStyleOption(item, index)
    item.text = ""
    style = item.widget.style() if item.widget is not None else None
    if style is not None:
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, item.widget)


class RoomDelegate(QStyledItemDelegate):
    """Paints one room row; the accessible text stays the model's DisplayRole."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), option.fontMetrics.height() + 8))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        unread = int(index.data(UNREAD_ROLE) or 0)
        highlights = int(index.data(HIGHLIGHT_ROLE) or 0)
        name = str(index.data(TEXT_ROLE) or "")
        painter.save()
        paint_frame(self, painter, option, index)
        font = QFont(option.font)
        font.setBold(unread > 0)
        rect = option.rect.adjusted(PAD, 0, -PAD, 0)
        if unread:
            rect = self._paint_badge(painter, option, rect, unread, highlights, font)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(option.palette.color(role))
        painter.setFont(font)
        shown = QFontMetrics(font).elidedText(name, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, shown)
        painter.restore()

    def _paint_badge(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        rect: QRect,
        unread: int,
        highlights: int,
        font: QFont,
    ) -> QRect:
        """Draw the count at the right of ``rect``; returns what is left for the name."""
        text = badge_text(highlights or unread)
        metrics = QFontMetrics(font)
        height = metrics.height()
        width = max(height, metrics.horizontalAdvance(text) + height // 2)
        box = QRect(rect.right() - width, rect.center().y() - height // 2, width, height)
        if highlights:
            fill, ink = MENTION_COLOUR, QColor("white")
        else:
            fill = option.palette.color(QPalette.ColorRole.Mid)
            ink = option.palette.color(QPalette.ColorRole.BrightText)
            if fill.lightness() > 140:
                ink = QColor("black")
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(box, height / 2, height / 2)
        painter.setPen(ink)
        painter.setFont(font)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        return rect.adjusted(0, 0, -(width + PAD), 0)
