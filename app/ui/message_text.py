"""The text of one message row as QTextLayout lays it out: what it reads (a deleted line's
words, an own line's state, line breaks), its formats (IRC formatting, links, muted words)
and its wrapping. Plain text always: formats are applied to the characters, never parsed
from them."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QFont, QPalette, QTextCharFormat, QTextLayout, QTextOption

from app.client.lines import ChatLine
from app.protocol.formatting import PLAIN, Span, parse
from app.protocol.links import links
from app.ui.irc_style import formats_for, text_colour
from app.ui.line_state import state_suffix
from app.ui.message_extras import DELETED_TEXT

BREAK = "\u2028"  # QTextLayout breaks a line there; a "\n" would be drawn as a space


def prefix(line: ChatLine) -> str:
    return f"* {line.sender} " if line.kind == "action" else ""


def body(line: ChatLine, spans: list[Span] | None) -> str:
    """What ``line`` reads, without formatting codes, its line breaks as BREAK."""
    if line.redacted:
        return prefix(line) + DELETED_TEXT
    text = line.text if spans is None else "".join(span.text for span in spans)
    return (prefix(line) + text + state_suffix(line)).replace("\n", BREAK)


def parse_lines(text: str) -> list[Span]:
    """The spans of ``text`` with formatting codes, each line on its own (formatting ends
    with its line, as it would in separate messages), BREAK between lines."""
    spans: list[Span] = []
    for i, part in enumerate(text.split("\n")):
        if i:
            spans.append(Span(BREAK, PLAIN))
        spans.extend(parse(part))
    return spans


def _range(start: int, length: int, fmt: QTextCharFormat) -> QTextLayout.FormatRange:
    span = QTextLayout.FormatRange()
    span.start, span.length, span.format = start, length, fmt
    return span


def laid_out(
    line: ChatLine, spans: list[Span] | None, font: QFont, palette: QPalette,
    background: QColor, available: float,
) -> QTextLayout:
    """The text of ``line`` wrapped at ``available`` pixels, its formats applied."""
    layout = QTextLayout(body(line, spans), font)
    text_option = QTextOption()
    text_option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(text_option)
    formats = []
    if spans is not None:
        default = text_colour(line.kind, line.state, palette)
        formats = formats_for(spans, len(prefix(line)), default, background)
    muted = DELETED_TEXT if line.redacted else state_suffix(line)
    text = layout.text()
    if muted:
        fmt = QTextCharFormat()
        fmt.setFontItalic(True)
        fmt.setForeground(palette.color(QPalette.ColorRole.PlaceholderText))
        formats.append(_range(len(text) - len(muted), len(muted), fmt))
    for start, end, _url in links(text):
        fmt = QTextCharFormat()
        fmt.setFontUnderline(True)
        fmt.setForeground(palette.color(QPalette.ColorRole.Link))
        formats.append(_range(start, end - start, fmt))
    layout.setFormats(formats)
    layout.beginLayout()
    y = 0.0
    while True:
        text_line = layout.createLine()
        if not text_line.isValid():
            break
        text_line.setLineWidth(available)
        text_line.setPosition(QPointF(0, y))
        y += text_line.height()
    layout.endLayout()
    return layout
