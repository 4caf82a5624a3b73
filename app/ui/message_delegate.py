"""The painting delegate of the message list: one row as ``12:34  nick  text``.

Text from the wire is laid out with QTextLayout as plain text: never HTML or rich text.
IRC formatting codes (bold, colours …) become QTextLayout formats over the text without the
codes (app/ui/irc_style.py); links (http, https) are found by pattern in that same text, so
their positions are layout positions: underlined, and located under a point here. The parts
around the text (a reply's quote above it, a picture and reaction chips under it, the unread
marker) are painted by app/ui/message_extras.py; this module says where they go.
"""

from __future__ import annotations

from collections.abc import Callable
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
    QFont,
    QFontMetricsF,
    QPainter,
    QPalette,
    QTextLayout,
)
from PySide6.QtWidgets import (
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from app.client.lines import reaction_totals
from app.client.models import LINE_ROLE, MARKER_ROLE, ChatLine
from app.protocol.formatting import PLAIN, Span, has_formatting, strip_colours
from app.protocol.links import links
from app.ui import message_extras as extras
from app.ui import message_text
from app.ui.irc_style import EVENT_KINDS, nick_colour, text_colour
from app.ui.line_state import STATE_SUFFIX
from app.ui.message_extras import MARKER_TEXT, Chip, RowParts
from app.ui.thumbnails import THUMB, ThumbnailCache

__all__ = [
    "EVENT_KINDS",
    "GAP",
    "HIDDEN_KINDS",
    "MARKER_TEXT",
    "PAD",
    "STATE_SUFFIX",
    "MessageDelegate",
    "RowParts",
    "nick_colour",
]

PAD = 3.0
GAP = 8.0  # between the nick column and the text
HIDDEN_KINDS = {"join", "part", "quit", "nick"}  # what ``hide_joins`` hides
TIME_FORMAT = "%H:%M"
TIME_SAMPLE = datetime(2021, 9, 29, 23, 58, 58)  # the widest: a Wednesday in September
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
    on each insert. The cache holds the line itself next to its height, so a changed line
    (a new reaction: a new frozen ChatLine) is measured again, never confused with a freed
    one whose id was reused. A line with formatting codes is parsed once (``_spans``) and
    always measured with a layout (bold and monospace change its width); the rest never
    parse. A multi-line message keeps its line breaks; a deleted one reads *message deleted*.

    The three display settings re-layout every row when changed: ``strip_colours`` (colours
    of other people's lines are not drawn; bold and the rest are), ``timestamp_format`` (a
    ``strftime`` format; empty: no time column) and ``hide_joins`` (join, part, quit and nick
    lines take no height and are not drawn). ``me`` and ``fold`` (our nick, the server's
    case mapping) tell which reactions are ours; ``flash`` lights up the row of one msgid.
    """

    HEIGHT_CACHE = 20_000
    SPAN_CACHE = 2_000
    strip_colours: _Setting[bool] = _Setting()
    timestamp_format: _Setting[str] = _Setting()
    hide_joins: _Setting[bool] = _Setting()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # width → {id(ChatLine): (that line, its height)}; Qt asks at more than one width
        self._heights: dict[int, dict[int, tuple[ChatLine, int]]] = {}
        self._font_key = ""
        self._metrics = QFontMetricsF(QFont())
        self._columns_cache = (0.0, 0.0)
        self._spans: dict[str, list[Span]] = {}  # formatted text (colours kept or not) → spans
        self._strip_colours = False
        self._timestamp_format = TIME_FORMAT
        self._hide_joins = False
        self.thumbnails = ThumbnailCache(self)
        self.me: Callable[[], str] = str  # our nick now ("" by default: no chip is ours)
        self.fold: Callable[[str], str] = str.lower
        self.flash: tuple[str, float] = ("", 0.0)  # (msgid, strength 1 → 0)

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

    def _cache(self, width: int) -> dict[int, tuple[ChatLine, int]]:
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
        probe = text.replace("\n", "")
        if line.redacted or probe.isprintable() or not has_formatting(probe):
            return None
        if self._strip_colours and not line.own:
            text = strip_colours(text)
        spans = self._spans.get(text)
        if spans is None:
            if len(self._spans) >= self.SPAN_CACHE:
                self._spans.clear()
            spans = self._spans[text] = message_text.parse_lines(text)
        return spans

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
        selected = option.state & QStyle.StateFlag.State_Selected
        role = QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base
        layout = message_text.laid_out(
            line, self._styled(line), option.font, option.palette,
            option.palette.color(role), max(40.0, width - x - PAD),
        )
        return layout, x

    def parts(
        self, line: ChatLine, width: float, text_height: float, *, shown: bool = True
    ) -> RowParts:
        """Where the quote, the text, the picture and the chips of ``line`` go in a row
        ``width`` wide whose text is ``text_height`` tall (call after ``_prepare``).
        ``shown``: the row is on screen (its picture is loaded, not only measured)."""
        x = self._text_x(line) + PAD
        available = max(40.0, width - x - PAD)
        line_h = self._metrics.height()
        quote = None
        top = PAD
        if extras.has_quote(line):  # set off from the row above: it belongs to this one
            quote = QRectF(x, top + PAD, available, line_h)
            top += PAD + line_h + 1
        bottom = top + text_height
        image = None
        if line.image and not line.redacted:
            pixmap = self.thumbnails.get(line.image) if shown else None
            size = pixmap.size() if pixmap is not None else THUMB
            image = QRectF(x, bottom + PAD, size.width(), size.height())
            bottom += PAD + THUMB.height()
        chips: list[Chip] = []
        if line.reactions and not line.redacted:
            totals = reaction_totals(line, self.fold, self.me())
            chips = extras.layout_chips(totals, self._metrics, x, bottom + PAD, available)
            if chips:
                bottom += PAD + extras.chips_height(chips)
        return RowParts(x, quote, top, image, chips, int(bottom + PAD + 0.999))

    def _row(
        self, option: QStyleOptionViewItem, line: ChatLine
    ) -> tuple[QTextLayout, RowParts]:
        width = option.rect.width()
        layout, _x = self.layout(option, line, width)
        return layout, self.parts(line, width, layout.boundingRect().height())

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        width = option.rect.width() if option.rect.width() > 0 else 600
        line = self._line(index)
        if line is None:
            return QSize(width, 0)
        self._prepare(option, width, check_font=False)
        cache = self._cache(width)
        cached = cache.get(id(line))
        height = cached[1] if cached is not None and cached[0] is line else None
        if height is None and self.hidden(line):
            height = 0
        if height is None:
            spans = self._styled(line)
            body = message_text.body(line, spans)
            available = max(40.0, width - self._text_x(line) - PAD)
            styled = spans is not None and any(span.style != PLAIN for span in spans)
            plain = not styled and message_text.BREAK not in body
            if plain and self._metrics.horizontalAdvance(body) <= available:
                text_height = self._metrics.height()
            else:
                text_height = self.layout(option, line, width)[0].boundingRect().height()
            height = self.parts(line, width, text_height, shown=False).height
        cache[id(line)] = (line, height)
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
        palette = option.palette
        if index.data(MARKER_ROLE):
            band = QRectF(option.rect.left(), option.rect.top(), option.rect.width(),
                          self.marker_height())
            extras.paint_marker(painter, band, self._metrics, palette, PAD)
            option = self._content(option, index)
        if self.hidden(line):
            return
        kind, sender = line.kind, line.sender
        stamp = self._stamp(line.time.astimezone())
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.Highlight))
        elif option.state & QStyle.StateFlag.State_MouseOver and line.kind not in EVENT_KINDS:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.AlternateBase))
        if self.flash[0] and line.msgid == self.flash[0]:
            extras.paint_flash(painter, QRectF(option.rect), palette, self.flash[1])
        layout, parts = self._row(option, line)
        origin = QPointF(option.rect.left(), option.rect.top())
        text_top = origin.y() + parts.text_top
        rect = QRectF(option.rect).adjusted(PAD, PAD, -PAD, -PAD)
        time_w, nick_w = self._columns_cache
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        top_left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        if stamp:
            painter.drawText(QRectF(rect.left(), text_top, time_w, rect.height()), top_left,
                             stamp)
        if kind not in EVENT_KINDS and kind != "action" and sender:
            painter.setPen(nick_colour(sender, extras.dark(palette)))
            font = QFont(option.font)
            font.setBold(line.own)
            painter.setFont(font)
            elided = QFontMetricsF(font).elidedText(sender, Qt.TextElideMode.ElideRight,
                                                    nick_w - 2 * PAD)
            painter.drawText(QRectF(rect.left() + time_w, text_top, nick_w, rect.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, elided)
            painter.setFont(option.font)
        if parts.quote is not None:
            extras.paint_quote(painter, parts.quote.translated(origin), line, option.font, palette)
        painter.setPen(text_colour(line.kind, line.state, palette))
        layout.draw(painter, QPointF(origin.x() + parts.x, text_top))
        if parts.image is not None:
            extras.paint_thumbnail(painter, palette, self.thumbnails.get(line.image),
                                   self.thumbnails.failed(line.image),
                                   parts.image.translated(origin))
        if parts.chips:
            extras.paint_chips(painter, parts.chips, self._metrics, palette, origin)
        painter.restore()

    def _located(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> tuple[ChatLine, QStyleOptionViewItem, QTextLayout, RowParts] | None:
        """Row ``index`` laid out for finding what is under a point."""
        line = self._line(index)
        if line is None or self.hidden(line):
            return None
        option = self._content(option, index)
        layout, parts = self._row(option, line)
        return line, option, layout, parts

    def image_rect(self, option: QStyleOptionViewItem, line: ChatLine) -> QRectF:
        """Where the picture of ``line`` is drawn (view coordinates; empty: none)."""
        image = self._row(option, line)[1].image
        return QRectF() if image is None else image.translated(option.rect.topLeft())

    def reaction_at(
        self, option: QStyleOptionViewItem, index: QModelIndex, point: QPointF
    ) -> Chip | None:
        """The reaction chip under ``point`` (view coordinates) in row ``index``, if any."""
        found = self._located(option, index)
        if found is None:
            return None
        _line, option, _layout, parts = found
        local = point - QPointF(option.rect.left(), option.rect.top())
        return next((chip for chip in parts.chips if chip.rect.contains(local)), None)

    def quote_at(self, option: QStyleOptionViewItem, index: QModelIndex, point: QPointF) -> bool:
        """Whether ``point`` (view coordinates) is on the quote line of a reply."""
        found = self._located(option, index)
        if found is None or found[3].quote is None:
            return False
        quote = found[3].quote
        local = point - QPointF(found[1].rect.left(), found[1].rect.top())
        return QRectF(quote.left(), 0, quote.width(), quote.bottom()).contains(local)

    def link_at(
        self, option: QStyleOptionViewItem, index: QModelIndex, point: QPointF
    ) -> str | None:
        """The link under ``point`` (view coordinates) in row ``index``, if any."""
        found = self._located(option, index)
        if found is None:
            return None
        _line, option, layout, parts = found
        local = QPointF(point.x() - option.rect.left() - parts.x,
                        point.y() - option.rect.top() - parts.text_top)
        for i in range(layout.lineCount()):
            text_line = layout.lineAt(i)
            if text_line.y() <= local.y() < text_line.y() + text_line.height():
                pos = text_line.xToCursor(local.x())
                for start, end, url in links(layout.text()):
                    if start <= pos < end:
                        return url
        return None
