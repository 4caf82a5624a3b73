"""IRC formatting in the message list: rows rendered to images by the real view's delegate.

Every row is painted offscreen (DejaVu) into a QImage by MessageDelegate.paint with the
view's own style option, on a dark palette (where the classic colours are hardest to read).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, QRect
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from app.client.models import ChatLine, MessageModel
from app.ui.irc_style import MIN_CONTRAST, contrast, readable
from app.ui.message_view import MessageView

WHEN = datetime(2024, 5, 6, 12, 34, tzinfo=UTC)
BASE, TEXT = QColor("#1e1e1e"), QColor("#dcdcdc")
SHOTS = Path("/tmp/shots")


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[MessageView]:
    view = MessageView()
    palette = view.palette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.Base, BASE)
        palette.setColor(group, QPalette.ColorRole.Text, TEXT)
    view.setPalette(palette)
    view.setModel(MessageModel(view))
    view.resize(600, 300)
    qtbot.addWidget(view)
    view.show()
    yield view


def line(text: str, kind: str = "message", own: bool = False) -> ChatLine:
    return ChatLine(WHEN, "bob", text, kind, own)


def option_for(view: MessageView, row: ChatLine) -> tuple[QStyleOptionViewItem, MessageModel]:
    model = MessageModel(view)
    model.append(row)
    model.flush()
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    return option, model


def render(view: MessageView, row: ChatLine, name: str = "") -> QImage:
    """``row`` painted by the view's delegate at the view's width, on the view's Base."""
    option, model = option_for(view, row)
    index = model.index(0)
    width = view.viewport().width()
    option.rect = QRect(0, 0, width, 100)
    height = view.delegate.sizeHint(option, index).height()
    option.rect = QRect(0, 0, width, height)
    image = QImage(width, max(1, height), QImage.Format.Format_RGB32)
    image.fill(BASE)
    painter = QPainter(image)
    view.delegate.paint(painter, option, index)
    painter.end()
    if name:
        SHOTS.mkdir(parents=True, exist_ok=True)
        image.save(str(SHOTS / f"{name}.png"))
    return image


def text_pixels(view: MessageView, image: QImage, row: ChatLine) -> list[QColor]:
    """The pixels right of the nick column (where the message text is) that are not Base."""
    option, _model = option_for(view, row)
    option.rect = QRect(0, 0, image.width(), image.height())
    _layout, x = view.delegate.layout(option, row, image.width())
    found = []
    for py in range(image.height()):
        for px in range(int(x), image.width()):
            colour = image.pixelColor(px, py)
            if colour != BASE:
                found.append(colour)
    return found


def reddish(colour: QColor) -> bool:
    hue = colour.hslHue()
    return colour.hslSaturation() > 120 and (hue <= 20 or hue >= 340)


def ink_right(image: QImage) -> int:
    """The rightmost column with anything drawn in it."""
    for px in range(image.width() - 1, -1, -1):
        if any(image.pixelColor(px, py) != BASE for py in range(image.height())):
            return px
    return -1


def test_empty_codes_draw_exactly_the_plain_text(view: MessageView) -> None:
    plain = render(view, line("hello"), "plain")
    assert render(view, line("\x02\x02hello\x03"), "empty-codes") == plain
    assert render(view, line("hel\x0flo\x1d\x1d\x07\x04")) == plain
    assert render(view, line("\x0399hello")) == plain


def test_a_red_colour_code_draws_red(view: MessageView) -> None:
    row = line("\x0304red red red red")
    image = render(view, row, "red")
    coloured = [c for c in text_pixels(view, image, row) if c.hslSaturation() > 120]
    assert coloured, "nothing coloured was drawn"
    assert sum(map(reddish, coloured)) > 0.9 * len(coloured)
    plain = line("red red red red")
    assert not any(reddish(c) for c in text_pixels(view, render(view, plain), plain))


def test_bold_draws_wider_than_plain(view: MessageView) -> None:
    plain = ink_right(render(view, line("a few words of plain text")))
    bold = ink_right(render(view, line("\x02a few words of plain text", ), "bold"))
    assert bold > plain + 3


def test_strip_colours_removes_the_red_from_others_only(view: MessageView) -> None:
    red = line("\x02\x0304red red red red")
    view.delegate.strip_colours = True
    image = render(view, red, "stripped")
    assert not any(reddish(c) for c in text_pixels(view, image, red))
    assert image == render(view, line("\x02red red red red"))  # bold stays
    own = line("\x0304red red red red", own=True)
    assert any(reddish(c) for c in text_pixels(view, render(view, own), own))
    view.delegate.strip_colours = False
    assert any(reddish(c) for c in text_pixels(view, render(view, red), red))


def test_dark_blue_is_lightened_to_read_on_a_dark_background(view: MessageView) -> None:
    option, _model = option_for(view, line("\x0302navy"))
    layout, _x = view.delegate.layout(option, line("\x0302navy"), 600)
    ranges = layout.formats()  # held: the formats die with the list
    drawn = QColor(ranges[0].format.foreground().color())
    assert contrast(drawn, BASE) >= MIN_CONTRAST
    assert 200 <= drawn.hslHue() <= 260  # still blue
    assert readable(QColor("#ff0000"), QColor("#ffffff")).hslHue() in (0, 359)
    assert contrast(readable(QColor("#ffff00"), QColor("#ffffff")), QColor("#ffffff")) >= 4.5


def test_every_style_renders(view: MessageView) -> None:
    text = ("\x02bold\x02 \x1ditalic\x1d \x1funder\x1f \x1estrike\x1e \x11mono\x11 "
            "\x16reverse\x16 \x0304,02red on blue\x03 \x04FF8800hex\x04 "
            "\x0316ext\x0f \x0301black \x0314grey")
    image = render(view, line(text), "styles")
    assert image.height() > 0


def test_links_in_formatted_text_are_found_in_the_text_as_shown(view: MessageView) -> None:
    row = line("\x02see\x02 \x0312https://example.org/a\x03 now")
    option, model = option_for(view, row)
    option.rect = QRect(0, 0, 600, 40)
    layout, x = view.delegate.layout(option, row, 600)
    assert layout.text() == "see https://example.org/a now"
    text_line = layout.lineAt(0)
    inside = x + 3 + text_line.cursorToX(10)[0]
    outside = x + 3 + text_line.cursorToX(1)[0]
    assert view.delegate.link_at(option, model.index(0), QPointF(inside, 8)) == (
        "https://example.org/a"
    )
    assert view.delegate.link_at(option, model.index(0), QPointF(outside, 8)) is None


def test_timestamp_format_moves_the_text_and_relays_out(view: MessageView, qtbot: QtBot) -> None:
    row = line("hello")
    option, _model = option_for(view, row)
    x_default = view.delegate.layout(option, row, 600)[1]
    view.delegate.timestamp_format = "%Y-%m-%d %H:%M:%S"
    x_long = view.delegate.layout(option, row, 600)[1]
    view.delegate.timestamp_format = ""
    x_none = view.delegate.layout(option, row, 600)[1]
    assert x_none < x_default < x_long
    view.delegate.timestamp_format = "%H:%M"
    assert view.delegate.layout(option, row, 600)[1] == x_default
    assert render(view, row) == render(view, line("hello"))


def test_hide_joins_takes_event_lines_out_and_back(view: MessageView, qtbot: QtBot) -> None:
    model = view.model()
    assert isinstance(model, MessageModel)
    for row in (line("hi"), line("carol joined #c", "join"), line("dave quit", "quit"),
                line("x is now known as y", "nick"), line("erin left #c", "part"),
                line("bob kicked z", "kick"), line("bye")):
        model.append(row)
    model.flush()
    qtbot.waitUntil(lambda: view.visualRect(model.index(6)).height() > 0)
    assert all(view.visualRect(model.index(r)).height() > 0 for r in range(7))
    view.delegate.hide_joins = True
    qtbot.waitUntil(lambda: view.visualRect(model.index(1)).height() == 0)
    heights = [view.visualRect(model.index(r)).height() for r in range(7)]
    assert heights[1:5] == [0, 0, 0, 0] and all(heights[r] > 0 for r in (0, 5, 6))
    assert render(view, line("carol joined #c", "join")).height() <= 1
    view.delegate.hide_joins = False
    qtbot.waitUntil(lambda: view.visualRect(model.index(1)).height() > 0)
