"""IRC formatting on screen: the spans of app.protocol.formatting as QTextLayout formats.

Senders pick colours for a white window (mIRC's); on a dark palette dark blue or black text
would vanish. As Konversation does, a colour the sender chose against our background (or our
text colour against a background the sender chose) is moved in lightness, keeping its hue,
until it reaches MIN_CONTRAST; a pair the sender chose both halves of is drawn as sent.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette, QTextCharFormat, QTextLayout

from app.protocol.formatting import PLAIN, Span

__all__ = [
    "EVENT_KINDS",
    "MIN_CONTRAST",
    "contrast",
    "formats_for",
    "nick_colour",
    "readable",
    "text_colour",
]

MIN_CONTRAST = 4.5  # WCAG 2 AA for body text
EVENT_KINDS = {"join", "part", "quit", "nick", "kick", "mode", "topic"}


def nick_colour(nick: str, dark: bool) -> QColor:
    """A stable colour per nick (the same on every machine), readable on the palette."""
    hue = zlib.crc32(nick.lower().encode()) % 360
    return QColor.fromHsl(hue, 170, 170 if dark else 90)


def text_colour(kind: str, state: str, palette: QPalette) -> QColor:
    """The colour of a row's text (ChatLine ``kind`` and ``state``): what its formatted
    spans have by default, and what reverse swaps in."""
    dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
    if state == "pending":
        return palette.color(QPalette.ColorRole.PlaceholderText)
    if state == "failed" or kind == "error":
        return QColor("#e06c75") if dark else QColor("#b00020")
    if kind in EVENT_KINDS:
        return palette.color(QPalette.ColorRole.PlaceholderText)
    if kind == "notice":
        return QColor("#c678dd") if dark else QColor("#7b1fa2")
    return palette.color(QPalette.ColorRole.Text)


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _luminance(rgb: int) -> float:
    r, g, b = (rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def _ratio(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    return _ratio(_luminance(a.rgb() & 0xFFFFFF), _luminance(b.rgb() & 0xFFFFFF))


@lru_cache(maxsize=4096)
def _readable_rgb(rgb: int, background: int, minimum: float) -> int:
    back = _luminance(background)
    if _ratio(_luminance(rgb), back) >= minimum:
        return rgb
    colour = QColor.fromRgb(rgb).toHsl()
    hue, saturation = colour.hslHue(), colour.hslSaturation()
    lighten = back < 0.18  # towards white on a dark background, black on a light one
    low, high = (colour.lightness(), 255) if lighten else (0, colour.lightness())
    best = 255 if lighten else 0
    while low <= high:  # the least change in lightness that reaches the minimum
        middle = (low + high) // 2
        candidate = QColor.fromHsl(hue, saturation, middle).rgb() & 0xFFFFFF
        if _ratio(_luminance(candidate), back) >= minimum:
            best = middle
            if lighten:
                high = middle - 1
            else:
                low = middle + 1
        elif lighten:
            low = middle + 1
        else:
            high = middle - 1
    return QColor.fromHsl(hue, saturation, best).rgb() & 0xFFFFFF


def readable(colour: QColor, background: QColor, minimum: float = MIN_CONTRAST) -> QColor:
    """``colour``, lightened or darkened (same hue) until it reads on ``background``."""
    rgb = _readable_rgb(colour.rgb() & 0xFFFFFF, background.rgb() & 0xFFFFFF, minimum)
    return QColor.fromRgb(rgb)


@lru_cache(maxsize=1)
def _fixed_families() -> tuple[str, ...]:
    return tuple(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).families())


def _side(rgb: int | None, ours: QColor) -> tuple[QColor, bool]:
    """The colour of one side of a span, and whether it is the row's own."""
    return (QColor(ours), True) if rgb is None else (QColor.fromRgb(rgb), False)


def formats_for(
    spans: list[Span], offset: int, text: QColor, background: QColor
) -> list[QTextLayout.FormatRange]:
    """Formats for ``spans`` laid out from position ``offset``; ``text`` and ``background``
    are the row's own colours (the defaults, and what reverse swaps in)."""
    formats = []
    start = offset
    for span in spans:
        style = span.style
        if style != PLAIN:
            fmt = QTextCharFormat()
            if style.bold:
                fmt.setFontWeight(QFont.Weight.Bold)
            if style.italic:
                fmt.setFontItalic(True)
            if style.underline:
                fmt.setFontUnderline(True)
            if style.strikethrough:
                fmt.setFontStrikeOut(True)
            if style.monospace:
                fmt.setFontFamilies(list(_fixed_families()))
                fmt.setFontFixedPitch(True)
            if style.fg is not None or style.bg is not None or style.reverse:
                fg, fg_ours = _side(style.fg, text)
                bg, bg_ours = _side(style.bg, background)
                if style.reverse:
                    (fg, fg_ours), (bg, bg_ours) = (bg, bg_ours), (fg, fg_ours)
                if fg_ours != bg_ours:  # one side is ours: make the pair readable
                    fg = readable(fg, bg)
                fmt.setForeground(fg)
                if not bg_ours or style.reverse:
                    fmt.setBackground(bg)
            span_format = QTextLayout.FormatRange()
            span_format.start, span_format.length, span_format.format = start, len(span.text), fmt
            formats.append(span_format)
        start += len(span.text)
    return formats
