"""What a message row shows around its text: the unread marker above it, a reply's quote
line, a picture, reaction chips under it, and the words of a deleted message.

Pure painting and geometry, in the row's own coordinates: MessageDelegate decides where a
row's parts go and hands each part its rectangle. Text from the wire is drawn as plain text
(``drawText`` of elided strings); tooltips go through :func:`plain_tooltip`.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPalette, QPixmap

from app.client.lines import ChatLine
from app.protocol.formatting import strip_formatting
from app.ui.irc_style import nick_colour

MARKER_TEXT = "New messages"
DELETED_TEXT = "message deleted"
QUOTE_UNKNOWN = "a message not loaded here"
QUOTE_DELETED = "deleted message"
QUOTE_MARK = "↪ "
CHIP_PAD = 6.0  # inside a chip, left and right of its text
CHIP_GAP = 4.0  # between chips, and between rows of chips
CHIP_TEXT_MAX = 12  # a reaction's text is elided to this many "M" widths
QUOTED_KINDS = ("message", "action", "notice")


@dataclass(frozen=True, slots=True)
class Chip:
    """One reaction under a message: its text, who reacted, whether we did, and where."""

    text: str
    nicks: tuple[str, ...]
    mine: bool
    rect: QRectF  # row coordinates: (0, 0) is the row's top-left

    @property
    def label(self) -> str:
        return f"{self.text} {len(self.nicks)}"


@dataclass(frozen=True, slots=True)
class RowParts:
    """Where the parts of one row go, in row coordinates ((0, 0): the row's top-left, below
    the unread marker's band when it has one)."""

    x: float  # the left edge of the text column
    quote: QRectF | None  # a reply's quote line
    text_top: float
    image: QRectF | None  # the picture's box (a fixed height: no relayout when it loads)
    chips: list[Chip]  # the reactions
    height: int


def dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def one_line(text: str) -> str:
    """``text`` from the wire for a single row: no formatting codes, no line breaks."""
    return " ".join(" ".join(strip_formatting(part) for part in text.split("\n")).split())


# ---------------------------------------------------------------- the quote of a reply
def has_quote(line: ChatLine) -> bool:
    return bool(line.reply_to) and not line.redacted and line.kind in QUOTED_KINDS


def quote_parts(line: ChatLine) -> tuple[str, str, bool]:
    """(sender, text, in words): what the quote line of ``line`` says of its parent.
    ``in words``: the text is ours ("deleted message" …), not the parent's."""
    preview = line.reply
    if preview is None or not preview.sender:
        return "", QUOTE_UNKNOWN, True
    if preview.redacted:
        return preview.sender, QUOTE_DELETED, True
    return preview.sender, one_line(preview.text), False


def paint_quote(
    painter: QPainter, rect: QRectF, line: ChatLine, font: QFont, palette: QPalette
) -> None:
    """``↪ bob: first words…`` in one line: the sender in their colour, the text muted and
    elided to ``rect``."""
    sender, text, in_words = quote_parts(line)
    metrics = QFontMetricsF(font)
    muted = palette.color(QPalette.ColorRole.PlaceholderText)
    painter.save()
    painter.setFont(font)
    painter.setPen(muted)
    flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    painter.drawText(rect, flags, QUOTE_MARK)
    x = rect.left() + metrics.horizontalAdvance(QUOTE_MARK)
    if sender:
        bold = QFont(font)
        bold.setBold(True)
        bold_metrics = QFontMetricsF(bold)
        shown = bold_metrics.elidedText(
            sender, Qt.TextElideMode.ElideRight, max(0.0, rect.right() - x) / 2
        ) + ":"
        painter.setFont(bold)
        painter.setPen(nick_colour(sender, dark(palette)))
        painter.drawText(QRectF(x, rect.top(), rect.right() - x, rect.height()), flags, shown)
        x += bold_metrics.horizontalAdvance(shown + " ")
    italic = QFont(font)
    italic.setItalic(in_words)
    painter.setFont(italic)
    painter.setPen(muted)
    elided = QFontMetricsF(italic).elidedText(
        text, Qt.TextElideMode.ElideRight, max(0.0, rect.right() - x)
    )
    painter.drawText(QRectF(x, rect.top(), rect.right() - x, rect.height()), flags, elided)
    painter.restore()


# ---------------------------------------------------------------- reaction chips
def chip_height(metrics: QFontMetricsF) -> float:
    return metrics.height() + 4


def layout_chips(
    totals: list[tuple[str, list[str], bool]], metrics: QFontMetricsF, left: float,
    top: float, width: float,
) -> list[Chip]:
    """The chips of ``totals`` (:func:`app.client.lines.reaction_totals`) from ``left``,
    ``top`` on, wrapping within ``width``."""
    chips: list[Chip] = []
    height = chip_height(metrics)
    widest = metrics.horizontalAdvance("M" * CHIP_TEXT_MAX)
    x, y = left, top
    for text, nicks, mine in totals:
        shown = metrics.elidedText(one_line(text), Qt.TextElideMode.ElideRight, widest)
        w = metrics.horizontalAdvance(f"{shown} {len(nicks)}") + 2 * CHIP_PAD
        if x > left and x + w > left + width:
            x, y = left, y + height + CHIP_GAP
        chips.append(Chip(text, tuple(nicks), mine, QRectF(x, y, w, height)))
        x += w + CHIP_GAP
    return chips


def chips_height(chips: list[Chip]) -> float:
    if not chips:
        return 0.0
    return max(c.rect.bottom() for c in chips) - min(c.rect.top() for c in chips)


def paint_chips(
    painter: QPainter, chips: list[Chip], metrics: QFontMetricsF, palette: QPalette,
    offset: QPointF,
) -> None:
    """Rounded chips, ``emoji count``; ours filled with the highlight colour."""
    highlight = palette.color(QPalette.ColorRole.Highlight)
    mid = palette.color(QPalette.ColorRole.Mid)
    text_colour = palette.color(QPalette.ColorRole.Text)
    widest = metrics.horizontalAdvance("M" * CHIP_TEXT_MAX)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for chip in chips:
        box = chip.rect.translated(offset).adjusted(0.5, 0.5, -0.5, -0.5)
        if chip.mine:
            fill = QColor(highlight)
            fill.setAlpha(70 if dark(palette) else 45)
            painter.setBrush(fill)
            painter.setPen(highlight)
        else:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(mid)
        radius = box.height() / 2
        painter.drawRoundedRect(box, radius, radius)
        painter.setPen(text_colour)
        shown = metrics.elidedText(one_line(chip.text), Qt.TextElideMode.ElideRight, widest)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, f"{shown} {len(chip.nicks)}")
    painter.restore()


def reaction_tooltip(chip: Chip) -> str:
    """Plain text (shown through plain_tooltip): who reacted, and with what."""
    return f"{', '.join(chip.nicks)} reacted with {one_line(chip.text)}"


# ---------------------------------------------------------------- the others
def paint_thumbnail(
    painter: QPainter, palette: QPalette, pixmap: QPixmap | None, failed: bool, box: QRectF
) -> None:
    """The picture, or its box with "Loading…" (or "Not an image") while there is none."""
    if pixmap is not None:
        painter.drawPixmap(box.topLeft(), pixmap)
        return
    painter.setPen(palette.color(QPalette.ColorRole.Mid))
    painter.drawRect(box.adjusted(0, 0, -1, -1))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "Not an image" if failed else "Loading…")


def paint_marker(
    painter: QPainter, band: QRectF, metrics: QFontMetricsF, palette: QPalette, pad: float
) -> None:
    """A red rule with "New messages" at its right end, above the first unread line."""
    colour = QColor("#e06c75") if dark(palette) else QColor("#d32f2f")
    label_w = metrics.horizontalAdvance(MARKER_TEXT) + 2 * pad
    painter.save()
    painter.setPen(colour)
    y = band.center().y()
    painter.drawLine(QPointF(band.left() + pad, y), QPointF(band.right() - label_w - pad, y))
    painter.drawText(
        QRectF(band.right() - label_w, band.top(), label_w, band.height()),
        Qt.AlignmentFlag.AlignCenter,
        MARKER_TEXT,
    )
    painter.restore()


def paint_flash(painter: QPainter, rect: QRectF, palette: QPalette, strength: float) -> None:
    """The row a quote was clicked for, lit up for a moment (``strength`` 1 → 0)."""
    colour = QColor(palette.color(QPalette.ColorRole.Highlight))
    colour.setAlpha(int(110 * max(0.0, min(1.0, strength))))
    painter.fillRect(rect, colour)
