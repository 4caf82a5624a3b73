"""The message list: a QListView over a room's MessageModel, painted by a delegate.

Text from the wire is laid out with QTextLayout as plain text: never HTML or rich text.
Links (http, https) are found by pattern and open on click.
"""

from __future__ import annotations

import re
import zlib
from datetime import datetime

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QFontMetricsF,
    QMouseEvent,
    QPainter,
    QPalette,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.client.models import KIND_ROLE, OWN_ROLE, SENDER_ROLE, TEXT_ROLE, TIME_ROLE

URL_RE = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
PAD = 3.0
GAP = 8.0  # between the nick column and the text
EVENT_KINDS = {"join", "part", "quit", "nick", "kick", "mode", "topic"}


def nick_colour(nick: str, dark: bool) -> QColor:
    """A stable colour per nick (the same on every machine), readable on the palette."""
    hue = zlib.crc32(nick.lower().encode()) % 360
    return QColor.fromHsl(hue, 170, 170 if dark else 90)


def links(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, url)`` for each link in ``text``."""
    return [(m.start(), m.end(), m.group()) for m in URL_RE.finditer(text)]


class MessageDelegate(QStyledItemDelegate):
    """Paints ``12:34  nick  text`` with word wrap; events and errors in their own colours."""

    def _parts(self, index: QModelIndex | QPersistentModelIndex) -> tuple[str, str, str, str, bool]:
        when = index.data(TIME_ROLE)
        stamp = when.astimezone().strftime("%H:%M") if isinstance(when, datetime) else ""
        kind = str(index.data(KIND_ROLE) or "message")
        sender = str(index.data(SENDER_ROLE) or "")
        text = str(index.data(TEXT_ROLE) or "")
        return stamp, kind, sender, text, bool(index.data(OWN_ROLE))

    def _columns(self, option: QStyleOptionViewItem) -> tuple[float, float]:
        metrics = QFontMetricsF(option.font)
        time_w = metrics.horizontalAdvance("00:00") + 2 * PAD
        nick_w = metrics.horizontalAdvance("M" * 9) + 2 * PAD
        return time_w, nick_w

    def _body(self, kind: str, sender: str, text: str) -> str:
        if kind == "action":
            return f"* {sender} {text}"
        return text

    def layout(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex, width: float
    ) -> tuple[QTextLayout, float]:
        """The wrapped text of one row and its x offset."""
        _stamp, kind, sender, text, _own = self._parts(index)
        time_w, nick_w = self._columns(option)
        x = time_w + (0 if kind in EVENT_KINDS or kind == "action" else nick_w + GAP)
        layout = QTextLayout(self._body(kind, sender, text), option.font)
        text_option = QTextOption()
        text_option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(text_option)
        formats = []
        for start, end, _url in links(layout.text()):
            fmt = QTextCharFormat()
            fmt.setFontUnderline(True)
            fmt.setForeground(option.palette.color(QPalette.ColorRole.Link))
            span = QTextLayout.FormatRange()
            span.start, span.length, span.format = start, end - start, fmt
            formats.append(span)
        layout.setFormats(formats)
        layout.beginLayout()
        y = 0.0
        available = max(40.0, width - x - PAD)
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(available)
            line.setPosition(QPointF(0, y))
            y += line.height()
        layout.endLayout()
        return layout, x

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        width = option.rect.width() if option.rect.width() > 0 else 600
        layout, _x = self.layout(option, index, width)
        return QSize(width, int(layout.boundingRect().height() + 2 * PAD))

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        stamp, kind, sender, _text, own = self._parts(index)
        palette = option.palette
        dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.Highlight))
        rect = QRectF(option.rect).adjusted(PAD, PAD, -PAD, -PAD)
        time_w, nick_w = self._columns(option)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        painter.setPen(muted)
        painter.drawText(
            QRectF(rect.left(), rect.top(), time_w, rect.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
            stamp,
        )
        if kind not in EVENT_KINDS and kind != "action" and sender:
            colour = nick_colour(sender, dark)
            painter.setPen(colour)
            font = QFont(option.font)
            font.setBold(own)
            painter.setFont(font)
            elided = QFontMetricsF(font).elidedText(
                sender, Qt.TextElideMode.ElideRight, nick_w - 2 * PAD
            )
            painter.drawText(
                QRectF(rect.left() + time_w, rect.top(), nick_w, rect.height()),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                elided,
            )
            painter.setFont(option.font)
        text_colour = palette.color(QPalette.ColorRole.Text)
        if kind in EVENT_KINDS:
            text_colour = muted
        elif kind == "error":
            text_colour = QColor("#e06c75") if dark else QColor("#b00020")
        elif kind == "notice":
            text_colour = QColor("#c678dd") if dark else QColor("#7b1fa2")
        painter.setPen(text_colour)
        layout, x = self.layout(option, index, option.rect.width())
        layout.draw(painter, QPointF(option.rect.left() + x + PAD, rect.top()))
        painter.restore()

    def link_at(
        self, option: QStyleOptionViewItem, index: QModelIndex, point: QPointF
    ) -> str | None:
        """The link under ``point`` (view coordinates) in row ``index``, if any."""
        layout, x = self.layout(option, index, option.rect.width())
        local = QPointF(
            point.x() - option.rect.left() - x - PAD, point.y() - option.rect.top() - PAD
        )
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            if line.y() <= local.y() < line.y() + line.height():
                pos = line.xToCursor(local.x())
                for start, end, url in links(layout.text()):
                    if start <= pos < end:
                        return url
        return None


class MessageView(QListView):
    """The room's messages: uniform batches, word wrap, follows the bottom when at it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Messages")
        self.delegate = MessageDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(200)
        self.setWordWrap(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QListView.SelectionMode.NoSelection)
        self.setMouseTracking(True)
        self._at_bottom = True
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.verticalScrollBar().rangeChanged.connect(self._on_range_changed)

    def _on_scrolled(self, value: int) -> None:
        self._at_bottom = value >= self.verticalScrollBar().maximum() - 4

    def _on_range_changed(self, _low: int, _high: int) -> None:
        if self._at_bottom:
            self.scrollToBottom()

    def link_at(self, point: QPointF) -> str | None:
        index = self.indexAt(point.toPoint())
        if not index.isValid():
            return None
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        option.rect = self.visualRect(index)
        return self.delegate.link_at(option, index, point)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        url = (
            self.link_at(event.position()) if event.button() == Qt.MouseButton.LeftButton else None
        )
        if url:
            QDesktopServices.openUrl(QUrl(url))
            return
        super().mouseReleaseEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.link_at(event.position()):
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.viewport().unsetCursor()
        super().mouseMoveEvent(event)
