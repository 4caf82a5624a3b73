"""The painting delegate of the message list: one row as ``12:34  nick  text``.

Text from the wire is laid out with QTextLayout as plain text: never HTML or rich text.
IRC formatting codes (bold, colours …) become QTextLayout formats over the text without the
codes (app/ui/irc_style.py); links (http, https) are found by pattern in that same text, so
their positions are layout positions: underlined, and located under a point here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar, cast

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPalette,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from app.client.models import LINE_ROLE, MARKER_ROLE, ChatLine
from app.protocol.formatting import PLAIN, Span, has_formatting, parse, strip_colours
from app.protocol.links import links
from app.ui.irc_style import EVENT_KINDS, formats_for, nick_colour, text_colour
from app.ui.line_state import STATE_SUFFIX, state_suffix
from app.ui.thumbnails import THUMB, ThumbnailCache

__all__ = [
    "EVENT_KINDS",
    "GAP",
    "HIDDEN_KINDS",
    "MARKER_TEXT",
    "PAD",
    "STATE_SUFFIX",
    "MessageDelegate",
    "nick_colour",
]

PAD = 3.0
GAP = 8.0  # between the nick column and the text
HIDDEN_KINDS = {"join", "part", "quit", "nick"}  # what ``hide_joins`` hides
TIME_FORMAT = "%H:%M"
TIME_SAMPLE = datetime(2021, 9, 29, 23, 58, 58)  # the widest: a Wednesday in September
MARKER_TEXT = "New messages"
T = TypeVar("T")


class _Setting(Generic[T]):
    """A display setting of the delegate, kept in ``_<name>``: setting a new value lays out
    every row again."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._attr = f"_{name}"

    def __get__(self, delegate: Any, owner: type | None = None) -> T:
        return cast(T, getattr(delegate, self._attr))

    def __set__(self, delegate: MessageDelegate, value: T) -> None:
        if value != getattr(delegate, self._attr):
            setattr(delegate, self._attr, value)
            delegate._relayout()


class MessageDelegate(QStyledItemDelegate):
    """Paints ``12:34  nick  text`` with word wrap; events and errors in their own colours.

    Row heights are cached per line and width, and a line that fits on one row is measured
    with font metrics instead of a text layout: the view asks for every row's height again
    on each insert. A line with formatting codes is parsed once (``_spans``) and always
    measured with a layout (bold and monospace change its width); the rest never parse.

    The three display settings re-layout every row when changed: ``strip_colours`` (colours
    of other people's lines are not drawn; bold and the rest are), ``timestamp_format`` (a
    ``strftime`` format; empty: no time column) and ``hide_joins`` (join, part, quit and nick
    lines take no height and are not drawn).
    """

    HEIGHT_CACHE = 20_000
    SPAN_CACHE = 2_000
    strip_colours: _Setting[bool] = _Setting()
    timestamp_format: _Setting[str] = _Setting()
    hide_joins: _Setting[bool] = _Setting()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # width → {id(ChatLine): height}; Qt asks at more than one width while laying out
        self._heights: dict[int, dict[int, int]] = {}
        self._font_key = ""
        self._metrics = QFontMetricsF(QFont())
        self._columns_cache = (0.0, 0.0)
        self._spans: dict[str, list[Span]] = {}  # formatted text (colours kept or not) → spans
        self._strip_colours = False
        self._timestamp_format = TIME_FORMAT
        self._hide_joins = False
        self.thumbnails = ThumbnailCache(self)

    def _relayout(self) -> None:
        """Forget every measurement; the view lays out all rows again (an invalid index:
        QAbstractItemView answers sizeHintChanged with a delayed doItemsLayout)."""
        self._font_key = ""
        self._heights.clear()
        self.sizeHintChanged.emit(QModelIndex())

    def _stamp(self, when: datetime) -> str:
        if not self._timestamp_format:
            return ""
        try:
            return when.strftime(self._timestamp_format)
        except ValueError:  # a format this platform's strftime rejects: show it as typed
            return self._timestamp_format

    def _prepare(self, option: QStyleOptionViewItem, width: int, *, check_font: bool) -> None:
        """Reset the caches when the font changed (checked when painting, and once: sizeHint
        runs for every row on every insert, paint only for the rows on screen)."""
        if check_font or not self._font_key:
            font_key = option.font.key()
            if font_key != self._font_key:
                self._font_key = font_key
                self._metrics = QFontMetricsF(option.font)
                stamp = self._stamp(TIME_SAMPLE)
                time_w = self._metrics.horizontalAdvance(stamp) + 2 * PAD if stamp else 0.0
                nick_w = self._metrics.horizontalAdvance("M" * 9) + 2 * PAD
                self._columns_cache = (time_w, nick_w)
                self._heights.clear()

    def _cache(self, width: int) -> dict[int, int]:
        cache = self._heights.get(width)
        if cache is None or len(cache) > self.HEIGHT_CACHE:
            if len(self._heights) >= 4:  # a window being resized: keep a few widths only
                self._heights.clear()
            cache = self._heights[width] = {}
        return cache

    @staticmethod
    def _line(index: QModelIndex | QPersistentModelIndex) -> ChatLine | None:
        line = index.data(LINE_ROLE)
        return line if isinstance(line, ChatLine) else None

    def _text_x(self, line: ChatLine) -> float:
        time_w, nick_w = self._columns_cache
        return time_w + (0 if line.kind in EVENT_KINDS or line.kind == "action" else nick_w + GAP)

    def _styled(self, line: ChatLine) -> list[Span] | None:
        """The spans of a line with formatting codes; None for a line without."""
        text = line.text
        if text.isprintable() or not has_formatting(text):
            return None
        if self._strip_colours and not line.own:
            text = strip_colours(text)
        spans = self._spans.get(text)
        if spans is None:
            if len(self._spans) >= self.SPAN_CACHE:
                self._spans.clear()
            spans = self._spans[text] = parse(text)
        return spans

    @staticmethod
    def _prefix(line: ChatLine) -> str:
        return f"* {line.sender} " if line.kind == "action" else ""

    def _body(self, line: ChatLine, spans: list[Span] | None) -> str:
        """The text laid out: what ``line`` shows, without formatting codes."""
        text = line.text if spans is None else "".join(span.text for span in spans)
        return self._prefix(line) + text + state_suffix(line)

    def hidden(self, line: ChatLine) -> bool:
        return self._hide_joins and line.kind in HIDDEN_KINDS

    def marker_height(self) -> int:
        """The rule above the first unread line, with its label."""
        return int(self._metrics.height() + 2 * PAD)

    @staticmethod
    def _content(
        option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QStyleOptionViewItem:
        """``option`` with the unread marker's band (if this row has it) taken off the top."""
        if not index.data(MARKER_ROLE):
            return option
        shifted = QStyleOptionViewItem(option)
        band = int(QFontMetricsF(option.font).height() + 2 * PAD)
        shifted.rect = option.rect.adjusted(0, band, 0, 0)
        return shifted

    def layout(
        self, option: QStyleOptionViewItem, line: ChatLine, width: float
    ) -> tuple[QTextLayout, float]:
        """The wrapped text of one row and its x offset."""
        self._prepare(option, int(width), check_font=False)
        x = self._text_x(line)
        spans = self._styled(line)
        layout = QTextLayout(self._body(line, spans), option.font)
        text_option = QTextOption()
        text_option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(text_option)
        formats = []
        if spans is not None:
            palette = option.palette
            selected = option.state & QStyle.StateFlag.State_Selected
            role = QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base
            formats = formats_for(
                spans, len(self._prefix(line)), text_colour(line.kind, line.state, palette),
                palette.color(role),
            )
        suffix = state_suffix(line)
        if suffix:
            fmt = QTextCharFormat()
            fmt.setFontItalic(True)
            role = QPalette.ColorRole.PlaceholderText
            fmt.setForeground(option.palette.color(role))
            span = QTextLayout.FormatRange()
            span.start = len(layout.text()) - len(suffix)
            span.length, span.format = len(suffix), fmt
            formats.append(span)
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
            text_line = layout.createLine()
            if not text_line.isValid():
                break
            text_line.setLineWidth(available)
            text_line.setPosition(QPointF(0, y))
            y += text_line.height()
        layout.endLayout()
        return layout, x

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        width = option.rect.width() if option.rect.width() > 0 else 600
        line = self._line(index)
        if line is None:
            return QSize(width, 0)
        self._prepare(option, width, check_font=False)
        cache = self._cache(width)
        height = cache.get(id(line))
        if height is None and self.hidden(line):
            height = cache[id(line)] = 0
        if height is None:
            spans = self._styled(line)
            body = self._body(line, spans)
            available = max(40.0, width - self._text_x(line) - PAD)
            styled = spans is not None and any(span.style != PLAIN for span in spans)
            plain = not styled and "\n" not in body
            if plain and self._metrics.horizontalAdvance(body) <= available:
                text_height = self._metrics.height()
            else:
                text_height = self.layout(option, line, width)[0].boundingRect().height()
            height = int(text_height + 2 * PAD + 0.999)
            if line.image:
                height += THUMB.height() + int(PAD)  # a fixed box: no relayout when it loads
            cache[id(line)] = height
        if index.data(MARKER_ROLE):
            height += self.marker_height()
        return QSize(width, height)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        line = self._line(index)
        if line is None:
            return
        self._prepare(option, option.rect.width(), check_font=True)
        if index.data(MARKER_ROLE):
            self._paint_marker(painter, option)
            option = self._content(option, index)
        if self.hidden(line):
            return
        kind, sender = line.kind, line.sender
        stamp = self._stamp(line.time.astimezone())
        palette = option.palette
        dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.Highlight))
        rect = QRectF(option.rect).adjusted(PAD, PAD, -PAD, -PAD)
        time_w, nick_w = self._columns_cache
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        if stamp:
            painter.drawText(
                QRectF(rect.left(), rect.top(), time_w, rect.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                stamp,
            )
        if kind not in EVENT_KINDS and kind != "action" and sender:
            painter.setPen(nick_colour(sender, dark))
            font = QFont(option.font)
            font.setBold(line.own)
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
        painter.setPen(text_colour(line.kind, line.state, palette))
        layout, x = self.layout(option, line, option.rect.width())
        layout.draw(painter, QPointF(option.rect.left() + x + PAD, rect.top()))
        if line.image:
            self._paint_thumbnail(painter, option, line, self.image_rect(option, line, layout))
        painter.restore()

    def image_rect(
        self, option: QStyleOptionViewItem, line: ChatLine, layout: QTextLayout | None = None
    ) -> QRectF:
        """Where the picture of ``line`` is drawn (view coordinates)."""
        if layout is None:
            layout, x = self.layout(option, line, option.rect.width())
        else:
            x = self._text_x(line)
        top = option.rect.top() + PAD + layout.boundingRect().height() + PAD
        pixmap = self.thumbnails.get(line.image)
        size = pixmap.size() if pixmap is not None else THUMB
        return QRectF(option.rect.left() + x + PAD, top, size.width(), size.height())

    def _paint_thumbnail(
        self, painter: QPainter, option: QStyleOptionViewItem, line: ChatLine, box: QRectF
    ) -> None:
        pixmap = self.thumbnails.get(line.image)
        if pixmap is not None:
            painter.drawPixmap(box.topLeft(), pixmap)
            return
        painter.setPen(option.palette.color(QPalette.ColorRole.Mid))
        painter.drawRect(box.adjusted(0, 0, -1, -1))
        word = "Not an image" if self.thumbnails.failed(line.image) else "Loading…"
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, word)

    def _paint_marker(self, painter: QPainter, option: QStyleOptionViewItem) -> None:
        """A red rule with "New messages" at its right end, above the first unread line."""
        dark = option.palette.color(QPalette.ColorRole.Base).lightness() < 128
        colour = QColor("#e06c75") if dark else QColor("#d32f2f")
        band = QRectF(option.rect.left(), option.rect.top(), option.rect.width(),
                      self.marker_height())
        label_w = self._metrics.horizontalAdvance(MARKER_TEXT) + 2 * PAD
        painter.save()
        painter.setPen(colour)
        y = band.center().y()
        painter.drawLine(QPointF(band.left() + PAD, y), QPointF(band.right() - label_w - PAD, y))
        painter.drawText(
            QRectF(band.right() - label_w, band.top(), label_w, band.height()),
            Qt.AlignmentFlag.AlignCenter,
            MARKER_TEXT,
        )
        painter.restore()

    def link_at(
        self, option: QStyleOptionViewItem, index: QModelIndex, point: QPointF
    ) -> str | None:
        """The link under ``point`` (view coordinates) in row ``index``, if any."""
        line = self._line(index)
        if line is None or self.hidden(line):
            return None
        option = self._content(option, index)
        layout, x = self.layout(option, line, option.rect.width())
        local = QPointF(
            point.x() - option.rect.left() - x - PAD, point.y() - option.rect.top() - PAD
        )
        for i in range(layout.lineCount()):
            text_line = layout.lineAt(i)
            if text_line.y() <= local.y() < text_line.y() + text_line.height():
                pos = text_line.xToCursor(local.x())
                for start, end, url in links(layout.text()):
                    if start <= pos < end:
                        return url
        return None
