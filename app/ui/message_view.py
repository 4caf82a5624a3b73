"""The message list: a QListView over a room's MessageModel, painted by MessageDelegate.

Text from the wire is laid out with QTextLayout as plain text: never HTML or rich text.
Links (http, https) are found by pattern and open on click.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, QPointF, Qt, QUrl, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDesktopServices,
    QGuiApplication,
    QMouseEvent,
)
from PySide6.QtWidgets import QListView, QMenu, QStyleOptionViewItem, QWidget

from app.client.models import LINE_ROLE, ChatLine, MessageModel
from app.protocol.formatting import strip_formatting
from app.ui.message_delegate import MessageDelegate


class MessageView(QListView):
    """The room's messages: uniform batches, word wrap, follows the bottom when at it.

    Signals: resend_requested(ChatLine) and discard_requested(ChatLine), for an own
    message that was not sent (clicked, or chosen in the context menu).
    """

    resend_requested = Signal(object)
    discard_requested = Signal(object)

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
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.verticalScrollBar().rangeChanged.connect(self._on_range_changed)

    def _on_scrolled(self, value: int) -> None:
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
        super().setModel(model)
        self._at_bottom = True
        if isinstance(model, MessageModel):
            model.follow = True

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
        line = self.line_at(event.position())
        if event.button() == Qt.MouseButton.LeftButton and line and line.state == "failed":
            self.resend_requested.emit(line)
            return
        left = event.button() == Qt.MouseButton.LeftButton
        if left and line and line.image and self.image_at(event.position()):
            QDesktopServices.openUrl(QUrl.fromLocalFile(line.image))  # full size
            return
        super().mouseReleaseEvent(event)

    def image_at(self, point: QPointF) -> str | None:
        """The picture file under ``point``, if any."""
        index = self.indexAt(point.toPoint())
        line = index.data(LINE_ROLE)
        if not isinstance(line, ChatLine) or not line.image:
            return None
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        option.rect = self.visualRect(index)
        option = self.delegate._content(option, index)
        return line.image if self.delegate.image_rect(option, line).contains(point) else None

    def line_at(self, point: QPointF) -> ChatLine | None:
        line = self.indexAt(point.toPoint()).data(LINE_ROLE)
        return line if isinstance(line, ChatLine) else None

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        line = self.line_at(QPointF(event.pos()))
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
        menu.addAction("Copy", lambda: QGuiApplication.clipboard().setText(text))
        self.extend_menu(menu, line)
        return menu

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        line = self.line_at(event.position())
        if self.link_at(event.position()) or (line is not None and line.state == "failed"):
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.viewport().unsetCursor()
        super().mouseMoveEvent(event)
