"""The message list: a QListView over a room's MessageModel, painted by MessageDelegate.

Text from the wire is laid out with QTextLayout as plain text: never HTML or rich text.
Links (http, https) are found by pattern and open on click. A row under the mouse shows
small actions at its right edge (Reply, React, … for the whole menu) when ``actions_for``
offers any for its line; a click on a reaction chip or on a reply's quote is a signal.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPoint,
    QPointF,
    QRect,
    Qt,
    QTimeLine,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QContextMenuEvent,
    QDesktopServices,
    QGuiApplication,
    QHelpEvent,
    QMouseEvent,
    QPalette,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QListView,
    QMenu,
    QStyleOptionViewItem,
    QToolButton,
    QToolTip,
    QWidget,
)

from app.client.models import LINE_ROLE, ChatLine, MessageModel
from app.protocol.formatting import strip_formatting
from app.ui.message_delegate import MessageDelegate
from app.ui.message_extras import Chip, reaction_tooltip
from app.ui.plain_text import plain_tooltip

FLASH_MS = 1500  # a parent found from its reply's quote is lit up this long


class HoverBar(QFrame):
    """The small actions at the right edge of the row under the mouse: Reply, React, and
    … (the row's whole menu). ``line`` is the row's line while shown."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("HoverBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Button)  # stands out from Base, dark too
        self.line: ChatLine | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(1, 1, 1, 1)
        row.setSpacing(0)
        self.buttons: dict[str, QToolButton] = {}
        for name, text, tip in (("reply", "↩ Reply", "Reply to this message"),
                                ("react", "☺ React", "React with an emoji"),
                                ("more", "…", "More actions")):
            button = QToolButton(self)
            button.setText(text)
            button.setToolTip(tip)
            button.setAccessibleName(tip)
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the context menu has them all
            row.addWidget(button)
            self.buttons[name] = button
        self.hide()


class MessageView(QListView):
    """The room's messages: uniform batches, word wrap, follows the bottom when at it.

    Signals:
        resend_requested(ChatLine), discard_requested(ChatLine): an own message that was
            not sent (clicked, or chosen in the context menu).
        reply_requested(ChatLine): Reply on the row's actions.
        react_requested(ChatLine, QPoint): React on the row's actions (global position).
        reaction_clicked(ChatLine, str): a reaction chip was clicked.
        quote_clicked(ChatLine): a reply's quote was clicked (its parent is wanted).
    """

    resend_requested = Signal(object)
    discard_requested = Signal(object)
    reply_requested = Signal(object)
    react_requested = Signal(object, QPoint)
    reaction_clicked = Signal(object, str)
    quote_clicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Messages")
        self.delegate = MessageDelegate(self)
        self.setItemDelegate(self.delegate)
        # The model shows at most ~1,500 rows and heights are cached: one pass is cheap,
        # and Batched mode restarts from row 0 on every insert (measured: it never reached
        # the newest line of a busy room).
        self.setLayoutMode(QListView.LayoutMode.SinglePass)
        self.setWordWrap(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QListView.SelectionMode.NoSelection)
        self.setMouseTracking(True)
        self.delegate.thumbnails.ready.connect(lambda _path: self.viewport().update())
        self._at_bottom = True
        # the chat window adds Copy link, Quote and the sender's actions to a line's menu
        self.extend_menu: Callable[[QMenu, ChatLine], None] = lambda _menu, _line: None
        # which of "reply", "react" (and "delete") a line offers: none, no actions bar
        self.actions_for: Callable[[ChatLine], frozenset[str]] = lambda _line: frozenset()
        self.hover_bar = HoverBar(self.viewport())
        self.hover_bar.buttons["reply"].clicked.connect(self._on_hover_reply)
        self.hover_bar.buttons["react"].clicked.connect(self._on_hover_react)
        self.hover_bar.buttons["more"].clicked.connect(self._on_hover_more)
        self._flash = QTimeLine(FLASH_MS, self)
        self._flash.valueChanged.connect(self._on_flash_step)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.verticalScrollBar().rangeChanged.connect(self._on_range_changed)

    def _on_scrolled(self, value: int) -> None:
        self.hover_bar.hide()
        bar = self.verticalScrollBar()
        self._at_bottom = value >= bar.maximum() - 4
        model = self.model()
        if isinstance(model, MessageModel):
            model.follow = self._at_bottom
            if value == bar.minimum() and model.has_older:
                self._load_older(model)

    def _load_older(self, model: MessageModel) -> None:
        """Scrolled to the top: show older lines above, keeping the same line in view."""
        top = self.indexAt(self.viewport().rect().topLeft())
        added = model.fetch_older()
        if added and top.isValid():
            self.scrollTo(model.index(top.row() + added), QListView.ScrollHint.PositionAtTop)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        self.hover_bar.hide()
        super().setModel(model)
        self._at_bottom = True
        if isinstance(model, MessageModel):
            model.follow = True

    def _on_range_changed(self, _low: int, _high: int) -> None:
        if self._at_bottom:
            self.scrollToBottom()

    def _option(self, index: QModelIndex) -> QStyleOptionViewItem:
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        option.rect = self.visualRect(index)
        return option

    def link_at(self, point: QPointF) -> str | None:
        index = self.indexAt(point.toPoint())
        if not index.isValid():
            return None
        return self.delegate.link_at(self._option(index), index, point)

    def reaction_at(self, point: QPointF) -> Chip | None:
        """The reaction chip under ``point`` (viewport coordinates), if any."""
        index = self.indexAt(point.toPoint())
        if not index.isValid():
            return None
        return self.delegate.reaction_at(self._option(index), index, point)

    def quote_at(self, point: QPointF) -> ChatLine | None:
        """The reply whose quote is under ``point``, if any."""
        index = self.indexAt(point.toPoint())
        if not index.isValid() or not self.delegate.quote_at(self._option(index), index, point):
            return None
        return self.line_at(point)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        left = event.button() == Qt.MouseButton.LeftButton
        point = event.position()
        url = self.link_at(point) if left else None
        if url:
            QDesktopServices.openUrl(QUrl(url))
            return
        line = self.line_at(point)
        if left and line and line.state == "failed":
            self.resend_requested.emit(line)
            return
        if left and line and line.image and self.image_at(point):
            QDesktopServices.openUrl(QUrl.fromLocalFile(line.image))  # full size
            return
        if left and line is not None:
            chip = self.reaction_at(point)
            if chip is not None and "react" in self.actions_for(line):
                self.reaction_clicked.emit(line, chip.text)
                return
            if self.quote_at(point):
                self.quote_clicked.emit(line)
                return
        super().mouseReleaseEvent(event)

    def image_at(self, point: QPointF) -> str | None:
        """The picture file under ``point``, if any."""
        index = self.indexAt(point.toPoint())
        line = index.data(LINE_ROLE)
        if not isinstance(line, ChatLine) or not line.image:
            return None
        option = self.delegate._content(self._option(index), index)
        return line.image if self.delegate.image_rect(option, line).contains(point) else None

    def line_at(self, point: QPointF) -> ChatLine | None:
        line = self.indexAt(point.toPoint()).data(LINE_ROLE)
        return line if isinstance(line, ChatLine) else None

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        point = QPointF(event.pos())
        if event.reason() != QContextMenuEvent.Reason.Mouse:  # the Menu key: the newest row
            point = QPointF(self.viewport().rect().bottomLeft() + QPoint(4, -4))
        line = self.line_at(point)
        if line is not None:
            self.menu_for(line).exec(event.globalPos())

    def menu_for(self, line: ChatLine) -> QMenu:
        """The right-click menu of ``line``: Copy, and what ``extend_menu`` adds."""
        menu = QMenu(self)
        if line.state == "failed":
            menu.addAction("Send again", lambda: self.resend_requested.emit(line))
            menu.addAction("Delete", lambda: self.discard_requested.emit(line))
            menu.addSeparator()
        shown = strip_formatting(line.text)
        text = f"<{line.sender}> {shown}" if line.sender else shown
        if not line.redacted:  # taken back: not to be passed on
            menu.addAction("Copy", lambda: QGuiApplication.clipboard().setText(text))
        self.extend_menu(menu, line)
        return menu

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = event.position()
        line = self.line_at(point)
        clickable = line is not None and (
            line.state == "failed" or self.quote_at(point) is not None
            or (self.reaction_at(point) is not None and "react" in self.actions_for(line))
        )
        if clickable or self.link_at(point):
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.viewport().unsetCursor()
        self._hover(point.toPoint())
        super().mouseMoveEvent(event)

    # ---------------------------------------------------------------- the actions bar
    def _hover(self, pos: QPoint) -> None:
        """Show the actions bar on the row at ``pos`` (viewport coordinates), if it has any."""
        index = self.indexAt(pos)
        line = index.data(LINE_ROLE) if index.isValid() else None
        offered = self.actions_for(line) if isinstance(line, ChatLine) else frozenset()
        bar = self.hover_bar
        if not isinstance(line, ChatLine) or not offered & {"reply", "react"}:
            bar.hide()
            return
        bar.line = line
        bar.buttons["reply"].setVisible("reply" in offered)
        bar.buttons["react"].setVisible("react" in offered)
        bar.adjustSize()
        option = self.delegate._content(self._option(index), index)
        row = QRect(option.rect)  # a copy: the option's own goes with it
        x = self.viewport().width() - bar.width() - 4
        bar.move(x, max(0, min(row.top() + 1, self.viewport().height() - bar.height())))
        bar.show()
        bar.raise_()

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave and not self.hover_bar.underMouse():
            self.hover_bar.hide()
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            chip = self.reaction_at(QPointF(event.pos()))
            if chip is not None:
                QToolTip.showText(event.globalPos(), plain_tooltip(reaction_tooltip(chip)),
                                  self.viewport())
                return True
        return super().viewportEvent(event)

    @Slot()
    def _on_hover_reply(self) -> None:
        if self.hover_bar.line is not None:
            self.reply_requested.emit(self.hover_bar.line)

    @Slot()
    def _on_hover_react(self) -> None:
        button = self.hover_bar.buttons["react"]
        if self.hover_bar.line is not None:
            self.react_requested.emit(self.hover_bar.line,
                                      button.mapToGlobal(button.rect().bottomLeft()))

    @Slot()
    def _on_hover_more(self) -> None:
        button = self.hover_bar.buttons["more"]
        if self.hover_bar.line is not None:
            self.menu_for(self.hover_bar.line).exec(button.mapToGlobal(button.rect().bottomLeft()))

    # ---------------------------------------------------------------- finding a line
    def show_row(self, row: int, msgid: str) -> None:
        """Scroll to ``row`` (the line ``msgid``) and light it up; the view stops following
        the bottom until the user scrolls back there."""
        model = self.model()
        if not isinstance(model, MessageModel) or not 0 <= row < model.rowCount():
            return
        self._at_bottom = False
        model.follow = False
        self.doItemsLayout()
        self.scrollTo(model.index(row), QListView.ScrollHint.PositionAtCenter)
        self.flash(msgid)

    def flash(self, msgid: str) -> None:
        """Light up the row of ``msgid`` for a moment (it fades)."""
        self.delegate.flash = (msgid, 1.0)
        self._flash.stop()
        self._flash.setDirection(QTimeLine.Direction.Backward)
        self._flash.start()
        self.viewport().update()

    @property
    def flashing(self) -> str:
        """The msgid lit up now ("" once it has faded)."""
        return self.delegate.flash[0]

    @Slot(float)
    def _on_flash_step(self, value: float) -> None:
        msgid = self.delegate.flash[0]
        self.delegate.flash = (msgid, value) if value > 0 else ("", 0.0)
        self.viewport().update()
