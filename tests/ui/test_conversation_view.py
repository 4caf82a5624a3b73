"""Replies, reactions, deleting and multi-line messages in the chat window.

The painting tests put lines in a MessageModel themselves; the round trips use the real
chat windows of one app (alice hosting, bob joining) over the real server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, Qt, QTimer
from PySide6.QtGui import QHelpEvent, QImage, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QMenu,
    QMessageBox,
    QStyleOptionViewItem,
    QToolTip,
)
from pytestqt.qtbot import QtBot

from app.client import connection as connection_module
from app.client.models import (
    LINE_ROLE,
    ChatLine,
    MessageModel,
    Reaction,
    ReplyPreview,
    reaction_totals,
)
from app.ui import emoji_picker
from app.ui.chat_window import ChatWindow
from app.ui.controller import ChatboxApp
from app.ui.emoji_picker import (
    EmojiPicker,
    drawable,
    emoji_name,
    most_used,
    remember,
    search,
)
from app.ui.message_actions import DeleteConfirm
from app.ui.message_extras import DELETED_TEXT, QUOTE_DELETED, QUOTE_UNKNOWN, quote_parts
from app.ui.message_view import MessageView

WHEN = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[MessageView]:
    view = MessageView()
    view.setModel(MessageModel(view))
    view.resize(600, 400)
    qtbot.addWidget(view)
    view.show()
    yield view


def put(view: MessageView, *lines: ChatLine) -> MessageModel:
    model = view.model()
    assert isinstance(model, MessageModel)
    for line in lines:
        model.append(line)
    model.flush()
    view.doItemsLayout()
    return model


def height(view: MessageView, row: int) -> int:
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = QRect(0, 0, view.viewport().width(), 100)
    return view.delegate.sizeHint(option, view.model().index(row, 0)).height()


def rect_of(view: MessageView, row: int) -> QRect:
    return view.visualRect(view.model().index(row, 0))


def chip_point(view: MessageView, row: int) -> QPointF:
    """The centre of the first reaction chip of ``row`` (viewport coordinates)."""
    rect = rect_of(view, row)
    for y in range(rect.bottom(), rect.top(), -1):
        for x in range(rect.left(), rect.right(), 3):
            point = QPointF(x, y)
            if view.reaction_at(point) is not None:
                return point
    raise AssertionError("no chip in that row")


def test_a_three_line_message_is_drawn_taller_than_one_line(view: MessageView) -> None:
    put(view, ChatLine(WHEN, "bob", "one line", msgid="a"),
        ChatLine(WHEN, "bob", "first\nsecond\nthird", msgid="b"))
    one, three = height(view, 0), height(view, 1)
    assert three >= one + 2 * view.fontMetrics().height() - 2
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    line = view.model().index(1, 0).data(LINE_ROLE)
    layout, _x = view.delegate.layout(option, line, view.viewport().width())
    assert layout.lineCount() == 3  # broken where the sender broke it, not run together
    assert "first" in layout.text() and "second" in layout.text()


def test_a_multi_line_message_with_formatting_keeps_its_breaks(view: MessageView) -> None:
    put(view, ChatLine(WHEN, "bob", "\x02bold\x02 start\nsecond \x0304red\x03"))
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    line = view.model().index(0, 0).data(LINE_ROLE)
    layout, _x = view.delegate.layout(option, line, view.viewport().width())
    assert layout.lineCount() == 2


def test_a_new_reaction_is_measured_again(view: MessageView) -> None:
    """Reactions add a row of chips: the changed line (a new ChatLine) gets a new height,
    even where the freed old line's id is reused."""
    model = put(view, ChatLine(WHEN, "bob", "lunch?", msgid="a"))
    before = height(view, 0)
    old = model.lines()[0]
    for _ in range(3):  # the cache must not hand back a height by a reused id
        model.replace(model.lines()[0], ChatLine(WHEN, "bob", "lunch?", msgid="a",
                                                 reactions=(Reaction("carol", "👍"),)))
        assert height(view, 0) > before
        model.replace(model.lines()[0], old)
        assert height(view, 0) == before


def test_chips_count_and_know_ours_and_name_the_reacting_nicks(view: MessageView) -> None:
    view.delegate.me = lambda: "alice"
    reactions = (Reaction("carol", "👍"), Reaction("Alice", "👍"), Reaction("dana", "<b>x</b>"),
                 Reaction("dana", "<b>x</b>", unreact=True), Reaction("eve", "🎉"))
    put(view, ChatLine(WHEN, "bob", "lunch?", msgid="a", reactions=reactions))
    chip = view.reaction_at(chip_point(view, 0))
    assert chip is not None and chip.text == "👍" and chip.nicks == ("carol", "Alice")
    assert chip.mine and chip.label == "👍 2"
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = rect_of(view, 0)
    line = view.model().index(0, 0).data(LINE_ROLE)
    parts = view.delegate.parts(line, option.rect.width(), view.fontMetrics().height())
    assert [c.text for c in parts.chips] == ["👍", "🎉"]  # dana took hers back
    assert not parts.chips[1].mine


def test_a_reply_shows_its_parent_in_one_line_or_says_why_not(view: MessageView) -> None:
    known = ChatLine(WHEN, "alice", "yes", msgid="r1", reply_to="p",
                     reply=ReplyPreview("p", "bob", "first\nwords \x02here\x02"))
    unknown = ChatLine(WHEN, "alice", "yes", msgid="r2", reply_to="zz")
    deleted = ChatLine(WHEN, "alice", "yes", msgid="r3", reply_to="p",
                       reply=ReplyPreview("p", "bob", "secret", redacted=True))
    assert quote_parts(known) == ("bob", "first words here", False)
    assert quote_parts(unknown) == ("", QUOTE_UNKNOWN, True)
    assert quote_parts(deleted) == ("bob", QUOTE_DELETED, True)
    plain = ChatLine(WHEN, "alice", "yes", msgid="r0")
    put(view, plain, known)
    assert height(view, 1) > height(view, 0)  # the quote line above the text
    top = rect_of(view, 1).top()
    assert view.quote_at(QPointF(rect_of(view, 1).center().x(), top + 5)) is not None
    assert view.quote_at(QPointF(rect_of(view, 0).center().x(), rect_of(view, 0).top() + 5)) \
        is None


def test_a_deleted_message_reads_message_deleted(view: MessageView) -> None:
    line = ChatLine(WHEN, "bob", "something regretted", msgid="a", redacted=True,
                    reactions=(Reaction("carol", "👍"),))
    put(view, line)
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    layout, _x = view.delegate.layout(option, line, view.viewport().width())
    assert layout.text() == DELETED_TEXT
    assert all(f.format.fontItalic() for f in layout.formats())
    assert height(view, 0) == height(view, 0) and view.reaction_at(QPointF(300, 10)) is None
    assert "Copy" not in [a.text() for a in view.menu_for(line).actions()]


def test_rows_with_extras_paint_inside_their_rows(view: MessageView) -> None:
    """Painting a row draws only within its rectangle (nothing clipped into the next)."""
    line = ChatLine(WHEN, "bob", "a\nb", msgid="a", reply_to="p",
                    reply=ReplyPreview("p", "carol", "long " * 50),
                    reactions=tuple(Reaction(f"n{i}", e) for i, e in enumerate("👍🎉😀🔥👀✅❌💯")))
    put(view, line)
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    width = 300
    option.rect = QRect(0, 0, width, 100)
    h = view.delegate.sizeHint(option, view.model().index(0, 0)).height()
    option.rect = QRect(0, 0, width, h)
    image = QImage(width, h + 40, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    view.delegate.paint(painter, option, view.model().index(0, 0))
    painter.end()
    below = {image.pixel(x, y) for y in range(h, h + 40) for x in range(width)}
    assert below == {image.pixel(0, h + 39)}  # untouched under the row


def test_the_message_model_still_passes_the_model_tester(qtbot: QtBot, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = MessageModel()
    model.append(ChatLine(WHEN, "bob", "hi", msgid="p"))
    model.append(ChatLine(WHEN + timedelta(seconds=1), "alice", "yes\nno", msgid="r",
                          reply_to="p", reply=ReplyPreview("p", "bob", "hi")))
    model.flush()
    qtmodeltester.check(model)
    old = model.lines()[0]
    model.replace(old, ChatLine(WHEN, "bob", "hi", msgid="p", reactions=(Reaction("a", "👍"),)))
    model.replace(model.lines()[1], ChatLine(WHEN, "alice", "", msgid="r", redacted=True))
    qtmodeltester.check(model)


def test_the_picker_searches_names_and_puts_the_most_used_first() -> None:
    assert "👍" in search("thumbs")
    assert search("party") [:2] == ["🎉", "🥳"]
    cats = search("cat")
    assert cats and all(any(word.startswith("cat") for word in emoji_name(e).split())
                        for e in cats)
    assert "\u2716" not in cats  # HEAVY MULTIPLICATION X: "cat" is not a word of it
    assert search("no such emoji name") == []
    picks: list[str] = []
    for emoji in ["🎉", "👍", "👍", "🔥", "👍", "🎉"]:
        picks = remember(picks, emoji)
    assert most_used(picks) == ["👍", "🎉", "🔥"]


def test_without_an_emoji_font_the_picker_shows_only_what_it_can_draw_and_says_so(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert drawable("A") and not drawable(chr(0x10FFFD))  # a private-use character
    # a computer whose fonts stop at the Basic Multilingual Plane (DejaVu alone)
    monkeypatch.setattr(emoji_picker, "_in_a_font", lambda code: code < 0x10000)
    picker = EmojiPicker(["👍", "❤️"])
    qtbot.addWidget(picker)
    shown = picker.results()
    assert shown and all(ord(e[0]) < 0x10000 for e in shown)
    assert "❤️" in shown and "👍" not in shown and picker.recent() == ["❤️"]
    hidden = sum(1 for e in emoji_picker.COMMON if ord(e[0]) >= 0x10000)
    assert picker.all_label.text() == f"Common ({hidden} more need an emoji font on this computer)"
    qtbot.keyClicks(picker.search_field, "cat face")
    assert picker.results() == [] and picker.all_label.text() == "No emoji has that name"


def test_the_hover_bar_shows_only_what_a_line_offers(qtbot: QtBot, view: MessageView) -> None:
    offered: dict[str, frozenset[str]] = {"a": frozenset({"reply", "react"}),
                                          "b": frozenset({"react"})}
    view.actions_for = lambda line: offered.get(line.msgid, frozenset())
    put(view, ChatLine(WHEN, "bob", "one", msgid="a"), ChatLine(WHEN, "bob", "two", msgid="b"),
        ChatLine(WHEN, "", "server says", kind="info"))
    bar = view.hover_bar
    for row, shown, buttons in ((0, True, {"reply", "react", "more"}), (1, True,
                                {"react", "more"}), (2, False, set())):
        qtbot.mouseMove(view.viewport(), rect_of(view, row).center())
        qtbot.waitUntil(lambda shown=shown: bar.isVisible() == shown)
        visible = {name for name, b in bar.buttons.items() if b.isVisibleTo(bar)}
        assert not shown or visible == buttons
    qtbot.mouseMove(view.viewport(), rect_of(view, 0).center())
    qtbot.waitUntil(bar.isVisible)
    with qtbot.waitSignal(view.reply_requested) as replied:
        qtbot.mouseClick(bar.buttons["reply"], Qt.MouseButton.LeftButton)
    assert replied.args[0].msgid == "a"
    assert bar.geometry().right() <= view.viewport().width()
    assert view.viewport().rect().contains(bar.geometry().topLeft() + QPoint(1, 1))


# ---------------------------------------------------------------- round trips: two windows
def lines_of(window: ChatWindow, room: str = "#chatbox") -> list[ChatLine]:
    found = window.session.rooms.get(room)
    assert found is not None
    found.messages.flush()
    return found.messages.lines()


def wait_line(qtbot: QtBot, window: ChatWindow, test: Callable[[ChatLine], bool],
              timeout: int = 5000) -> ChatLine:
    """The newest line of #chatbox in ``window`` that passes ``test`` (waited for)."""
    found: list[ChatLine] = []

    def check() -> bool:
        found[:] = [ln for ln in lines_of(window) if test(ln)]
        return bool(found)

    qtbot.waitUntil(check, timeout=timeout)
    return found[-1]


def said(window: ChatWindow, text: str) -> ChatLine:
    return next(ln for ln in reversed(lines_of(window)) if ln.text == text)


def send(qtbot: QtBot, window: ChatWindow, text: str, *others: ChatWindow) -> None:
    """``window`` says ``text`` in #chatbox; it is there (with its msgid) in every window."""
    window.session.send_input(text, "#chatbox")
    for seen in (window, *others):
        wait_line(qtbot, seen, lambda ln: ln.text == text and bool(ln.msgid))


def row_of(window: ChatWindow, msgid: str) -> int:
    model = window.messages.model()
    rows = range(model.rowCount())
    return next(r for r in rows if model.index(r, 0).data(LINE_ROLE).msgid == msgid)


def row_rect(window: ChatWindow, msgid: str) -> QRect:
    view = window.messages
    index = view.model().index(row_of(window, msgid), 0)
    view.scrollTo(index)
    return view.visualRect(index)


def hover(qtbot: QtBot, window: ChatWindow, msgid: str) -> None:
    """The mouse over the row of ``msgid``: its actions bar shows."""
    view = window.messages
    qtbot.waitUntil(lambda: row_of(window, msgid) >= 0)
    target = row_rect(window, msgid).center()
    # the pointer is over this window only: another window on top of it (the offscreen
    # platform cannot raise one) takes the pointer, and Qt then tells the view it left
    for other in QApplication.topLevelWidgets():
        if other is not window and other.isVisible():
            other.move(window.frameGeometry().right() + 40, other.y())
    assert QApplication.widgetAt(view.viewport().mapToGlobal(target)) is view.viewport()
    # Qt drops a move to where the cursor already is (an earlier test may have left it there)
    qtbot.mouseMove(view.viewport(), target + QPoint(0, 1))
    qtbot.mouseMove(view.viewport(), target)
    bar = view.hover_bar
    qtbot.waitUntil(lambda: bar.isVisible() and bar.line is not None
                    and bar.line.msgid == msgid)


def titles(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def trigger(menu: QMenu, title: str) -> None:
    next(a for a in menu.actions() if a.text() == title).trigger()


def press_return(qtbot: QtBot, window: ChatWindow, text: str) -> None:
    window.input.setText(text)
    qtbot.keyClick(window.input, Qt.Key.Key_Return)


def test_a_reply_from_the_window_arrives_with_its_quote(
    qtbot: QtBot, hosted: ChatWindow, bob: ChatWindow
) -> None:
    alice = hosted
    send(qtbot, bob, "Who is coming to lunch on Friday? The new place has a menu", alice)
    parent = said(alice, "Who is coming to lunch on Friday? The new place has a menu")
    hover(qtbot, alice, parent.msgid)
    qtbot.mouseClick(alice.messages.hover_bar.buttons["reply"], Qt.MouseButton.LeftButton)
    strip = alice.reply_strip
    assert strip.isVisible() and strip.text().startswith("Replying to bob: Who is coming")
    assert alice.input.hasFocus() or alice.focusWidget() is alice.input
    press_return(qtbot, alice, "Me! 12:30?")
    assert not strip.isVisible()
    reply = wait_line(qtbot, bob, lambda ln: ln.text == "Me! 12:30?")
    assert reply.reply_to == parent.msgid and reply.sender == "alice"
    assert reply.reply is not None and reply.reply.sender == "bob"
    assert reply.reply.text.startswith("Who is coming")
    mine = wait_line(qtbot, alice, lambda ln: ln.text == "Me! 12:30?" and not ln.state)
    assert mine.reply_to == parent.msgid
    # bob's row of it has the quote line: clicking it finds the parent
    rect = row_rect(bob, reply.msgid)
    assert bob.messages.quote_at(QPointF(rect.center().x(), rect.top() + 6)) is not None


def test_escape_cancels_the_reply_strip(
    qtbot: QtBot, hosted: ChatWindow, bob: ChatWindow
) -> None:
    alice = hosted
    send(qtbot, bob, "a question", alice)
    parent = said(alice, "a question")
    menu = alice.messages.menu_for(parent)  # the keyboard's way: the context menu
    assert titles(menu)[:3] == ["Reply", "React…", "Copy"]
    trigger(menu, "Reply")
    assert alice.reply_strip.isVisible()
    alice.find_bar.show()  # its own Esc shortcut does not take this one
    qtbot.keyClick(alice.input, Qt.Key.Key_Escape)
    assert not alice.reply_strip.isVisible() and alice.find_bar.isVisible()
    press_return(qtbot, alice, "just a message")
    plain = wait_line(qtbot, bob, lambda ln: ln.text == "just a message")
    assert plain.reply_to == ""
    trigger(alice.messages.menu_for(parent), "Reply")
    qtbot.mouseClick(alice.reply_strip.close_button, Qt.MouseButton.LeftButton)
    assert not alice.reply_strip.isVisible()


def chip_at(window: ChatWindow, msgid: str) -> QPointF:
    view = window.messages
    rect = row_rect(window, msgid)
    for y in range(rect.bottom(), rect.top(), -1):
        for x in range(rect.left(), rect.right(), 3):
            if view.reaction_at(QPointF(x, y)) is not None:
                return QPointF(x, y)
    raise AssertionError("no reaction chip on that row")


def tooltip_at(window: ChatWindow, point: QPointF) -> str:
    viewport = window.messages.viewport()
    local = point.toPoint()
    event = QHelpEvent(QEvent.Type.ToolTip, local, viewport.mapToGlobal(local))
    QApplication.sendEvent(viewport, event)
    return QToolTip.text()


def totals(window: ChatWindow, msgid: str) -> list[tuple[str, list[str], bool]]:
    line = window.session.conversation.line_for("#chatbox", msgid)
    assert line is not None
    return reaction_totals(line, window.session.connection.info.fold, window.session.nick)


def test_react_through_the_picker_and_toggle_by_the_chip(
    qtbot: QtBot, hosted: ChatWindow, bob: ChatWindow, chatbox: ChatboxApp
) -> None:
    alice = hosted
    send(qtbot, bob, "pizza on friday?", alice)
    msgid = said(alice, "pizza on friday?").msgid
    hover(qtbot, alice, msgid)
    qtbot.mouseClick(alice.messages.hover_bar.buttons["react"], Qt.MouseButton.LeftButton)
    picker = alice.message_actions.picker
    assert picker is not None and picker.isVisible()
    qtbot.keyClicks(picker.search_field, "thumbs up")
    assert picker.results()[0] == "👍"
    qtbot.mouseClick(picker.buttons["👍"], Qt.MouseButton.LeftButton)
    assert alice.message_actions.picker is None or not picker.isVisible()
    assert chatbox.settings.recent_emoji == ["👍"]  # the picker shows it first next time
    qtbot.waitUntil(lambda: totals(bob, msgid) == [("👍", ["alice"], False)])
    assert "alice reacted with 👍" in tooltip_at(bob, chip_at(bob, msgid))
    # bob clicks the chip: he reacts too
    qtbot.mouseClick(bob.messages.viewport(), Qt.MouseButton.LeftButton,
                     pos=chip_at(bob, msgid).toPoint())
    qtbot.waitUntil(lambda: totals(alice, msgid) == [("👍", ["alice", "bob"], True)])
    chip = alice.messages.reaction_at(chip_at(alice, msgid))
    assert chip is not None and chip.label == "👍 2" and chip.mine
    assert "alice, bob reacted with 👍" in tooltip_at(alice, chip_at(alice, msgid))
    # alice clicks it: hers is taken back, bob's stays
    qtbot.mouseClick(alice.messages.viewport(), Qt.MouseButton.LeftButton,
                     pos=chip_at(alice, msgid).toPoint())
    qtbot.waitUntil(lambda: totals(bob, msgid) == [("👍", ["bob"], True)])
    qtbot.waitUntil(lambda: totals(alice, msgid) == [("👍", ["bob"], False)])
    picker = alice.message_actions.open_picker(said(alice, "pizza on friday?"), QPoint(5, 5))
    assert picker is not None and picker.recent() == ["👍"]
    picker.close()


def test_delete_asks_and_then_shows_message_deleted_everywhere(
    qtbot: QtBot, hosted: ChatWindow, bob: ChatWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = hosted
    send(qtbot, alice, "oops, wrong room", bob)
    send(qtbot, bob, "bob's own words", alice)
    ours = said(alice, "oops, wrong room")
    assert "Delete…" not in titles(bob.messages.menu_for(said(bob, "oops, wrong room")))
    assert "Delete…" in titles(bob.messages.menu_for(said(bob, "bob's own words")))
    # alice hosts: the channel's operator may delete anyone's
    assert "Delete…" in titles(alice.messages.menu_for(said(alice, "bob's own words")))
    asked: list[str] = []

    def refuse(_cls: object, _parent: object, line: ChatLine) -> bool:
        asked.append(line.text)
        return False

    monkeypatch.setattr(DeleteConfirm, "ask", classmethod(refuse))
    trigger(alice.messages.menu_for(ours), "Delete…")
    assert asked == ["oops, wrong room"]
    monkeypatch.setattr(DeleteConfirm, "ask", classmethod(lambda _cls, _p, _line: True))
    trigger(alice.messages.menu_for(ours), "Delete…")
    gone = wait_line(qtbot, bob, lambda ln: ln.msgid == ours.msgid and ln.redacted)
    option = QStyleOptionViewItem()
    bob.messages.initViewItemOption(option)
    layout, _x = bob.messages.delegate.layout(option, gone, bob.messages.viewport().width())
    assert layout.text() == DELETED_TEXT
    assert bob.message_actions.actions_for(gone) == frozenset()
    wait_line(qtbot, alice, lambda ln: ln.msgid == ours.msgid and ln.redacted)
    assert not any(ln.text == "oops, wrong room" and not ln.redacted for ln in lines_of(bob))


def test_a_quote_click_scrolls_to_its_parent_and_fetches_one_not_loaded(
    qtbot: QtBot, hosted: ChatWindow, bob: ChatWindow, chatbox: ChatboxApp
) -> None:
    alice = hosted
    send(qtbot, bob, "the parent, long ago", alice)
    parent = said(alice, "the parent, long ago")
    alice.resize(760, 300)  # a few rows on screen: the parent scrolls out of view soon
    for n in range(8):
        bob.session.send_input(f"filler {n}", "#chatbox")
    wait_line(qtbot, alice, lambda ln: ln.text == "filler 7", timeout=15000)
    alice.session.conversation.reply("#chatbox", parent, "answering the old one")
    reply = wait_line(qtbot, alice, lambda ln: ln.text == "answering the old one"
                      and not ln.state)
    view = alice.messages
    view.scrollToBottom()
    qtbot.waitUntil(lambda: not view.viewport().rect().intersects(
        view.visualRect(view.model().index(row_of(alice, parent.msgid), 0))))
    rect = view.visualRect(view.model().index(row_of(alice, reply.msgid), 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.center().x(), rect.top() + 6))
    qtbot.waitUntil(lambda: view.flashing == parent.msgid)
    index = view.model().index(row_of(alice, parent.msgid), 0)
    assert view.viewport().rect().intersects(view.visualRect(index))
    # carol joins later with only the last lines: the parent is not loaded there
    assert chatbox.server is not None
    carol = chatbox.join_chat("127.0.0.1", chatbox.server.port, "carol")
    carol.session.history_lines = 3
    qtbot.waitUntil(lambda: carol.current_room == "#chatbox")
    seen = wait_line(qtbot, carol, lambda ln: ln.msgid == reply.msgid)
    assert carol.session.conversation.line_for("#chatbox", parent.msgid) is None
    assert seen.reply is None or seen.reply.sender == ""  # "a message not loaded here"
    rect = row_rect(carol, reply.msgid)
    qtbot.mouseClick(carol.messages.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.center().x(), rect.top() + 6))
    qtbot.waitUntil(lambda: carol.messages.flashing == parent.msgid, timeout=5000)
    index = carol.messages.model().index(row_of(carol, parent.msgid), 0)
    assert carol.messages.viewport().rect().intersects(carol.messages.visualRect(index))


@pytest.fixture
def no_client_tags(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clients made from now on ask for neither message-tags nor message-redaction (as on
    a server without them, such as ngIRCd)."""
    caps = connection_module.WANTED_CAPS - {"message-tags", "draft/message-redaction"}
    monkeypatch.setattr(connection_module, "WANTED_CAPS", caps)


def test_actions_are_absent_without_the_capabilities(
    qtbot: QtBot, no_client_tags: None, hosted: ChatWindow, bob: ChatWindow
) -> None:
    alice = hosted
    for feature in ("reply", "react", "redact"):
        assert not alice.session.conversation.supports(feature)
    bob.session.send_input("no tags here", "#chatbox")
    theirs = wait_line(qtbot, alice, lambda ln: ln.text == "no tags here")
    alice.session.send_input("nor here", "#chatbox")
    ours = wait_line(qtbot, alice, lambda ln: ln.text == "nor here" and not ln.state)
    # a msgid would not make the server take tags: still nothing (as if one had come)
    for line in (theirs, ours, replace(theirs, msgid="x1"), replace(ours, msgid="x2")):
        assert alice.message_actions.actions_for(line) == frozenset()
        names = titles(alice.messages.menu_for(line))
        assert not {"Reply", "React…", "Delete…"} & set(names)
    view = alice.messages
    model = view.model()
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data(LINE_ROLE) is theirs)
    centre = view.visualRect(model.index(row, 0)).center()
    qtbot.mouseMove(view.viewport(), centre + QPoint(0, 1))
    qtbot.mouseMove(view.viewport(), centre)
    assert not view.hover_bar.isVisible()  # the move is handled as it is sent


def test_server_and_info_lines_offer_no_actions(
    qtbot: QtBot, hosted: ChatWindow, bob: ChatWindow
) -> None:
    alice = hosted
    assert alice.session.conversation.supports("reply")
    joined = wait_line(qtbot, alice, lambda ln: ln.kind == "join")
    assert alice.message_actions.actions_for(joined) == frozenset()
    alice.show_room("Server")
    qtbot.waitUntil(lambda: alice.current_room == "Server")
    server_lines = lines_of(alice, "Server")
    assert server_lines
    for line in server_lines:
        assert alice.message_actions.actions_for(line) == frozenset()
        assert "Reply" not in titles(alice.messages.menu_for(line))


def test_network_text_stays_plain_in_tooltips_and_the_delete_question(
    qtbot: QtBot, view: MessageView
) -> None:
    put(view, ChatLine(WHEN, "bob", "<b>bold?</b> &amp;", msgid="a",
                       reactions=(Reaction("carol", "<img src=x>"),)))
    point = chip_point(view, 0)
    local = point.toPoint()
    QApplication.sendEvent(view.viewport(), QHelpEvent(QEvent.Type.ToolTip, local,
                                                       view.viewport().mapToGlobal(local)))
    assert "carol reacted with &lt;img src=x&gt;" in QToolTip.text()
    seen: list[tuple[str, Qt.TextFormat]] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append((box.text(), box.textFormat()))
        box.reject()

    QTimer.singleShot(0, answer)
    line = view.model().index(0, 0).data(LINE_ROLE)
    assert DeleteConfirm.ask(view, line) is False
    assert seen == [("Delete this message for everyone?\n\nbob: <b>bold?</b> &amp;",
                     Qt.TextFormat.PlainText)]
