"""The Contacts section under the room list: the nicks the user watches (right-click a nick →
Watch), each with a dot — green online, amber away, hollow grey offline — and its nick,
greyed while offline. Double-click (or Enter) opens a private chat.

It is there only where the server can tell (MONITOR in ISUPPORT): elsewhere the room list
looks as it always did.

Signals:
    chat_requested(str): open a private chat with this nick.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QLabel,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.client.contacts import Contacts
from app.client.roles import AWAY_ROLE, ONLINE_ROLE, TEXT_ROLE
from app.ui.plain_text import PlainItemToolTips
from app.ui.room_list import paint_frame

Index = QModelIndex | QPersistentModelIndex
ONLINE = QColor("#2e9d4f")
AWAY = QColor("#d49a1b")
PAD = 6


def faded(palette: QPalette) -> QColor:
    """Text half way to the background: plainly grey on any palette, dark ones too."""
    text = palette.color(QPalette.ColorRole.Text)
    base = palette.color(QPalette.ColorRole.Base)
    return QColor((text.red() + base.red()) // 2, (text.green() + base.green()) // 2,
                  (text.blue() + base.blue()) // 2)


class ContactDelegate(QStyledItemDelegate):
    """A dot for the state, then the nick (greyed while offline or not known yet); the
    state in words is the row's tooltip."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), option.fontMetrics.height() + 6))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        nick = str(index.data(TEXT_ROLE) or "")
        online, away = bool(index.data(ONLINE_ROLE)), bool(index.data(AWAY_ROLE))
        painter.save()
        paint_frame(self, painter, option, index)
        rect = option.rect.adjusted(PAD, 0, -PAD, 0)
        side = max(6, option.fontMetrics.height() // 2)
        dot = QRectF(rect.left(), rect.center().y() - side / 2 + 1, side, side)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        grey = faded(option.palette)
        if online:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(AWAY if away else ONLINE)
        else:
            painter.setPen(grey)
            painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(dot.adjusted(0.5, 0.5, -0.5, -0.5))
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(option.palette.color(role) if online or selected else grey)
        font = QFont(option.font)
        painter.setFont(font)
        text_rect = rect.adjusted(side + PAD, 0, 0, 0)
        shown = QFontMetrics(font).elidedText(nick, Qt.TextElideMode.ElideRight,
                                              text_rect.width())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         shown)
        painter.restore()


class ContactsView(QListView):
    """Enter opens the chosen contact's private chat, as a double-click does."""

    activated_nick = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated_nick.emit(str(self.currentIndex().data(TEXT_ROLE) or ""))
            return
        super().keyPressEvent(event)


class ContactsPanel(QWidget):
    """A "Contacts" heading over the watched nicks of ``contacts``."""

    chat_requested = Signal(str)

    def __init__(self, contacts: Contacts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._contacts = contacts
        self.setAccessibleName("Contacts section")
        self.heading = QLabel("Contacts")
        font = QFont(self.heading.font())
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setContentsMargins(PAD, PAD, PAD, 2)
        self.view = ContactsView()
        self.view.setAccessibleName("Contacts")
        self.view.setModel(contacts.model)
        self.view.setItemDelegate(ContactDelegate(self.view))
        self.view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        PlainItemToolTips(self.view)  # "away: <their message>", never read as HTML
        self.empty = QLabel("Right-click a nick → Watch")
        self.empty.setWordWrap(True)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.empty.setContentsMargins(PAD, 0, PAD, PAD)
        self.empty.setToolTip("Watched nicks show here, online or not")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.heading)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty)
        self.view.doubleClicked.connect(self._on_double_clicked)
        self.view.activated_nick.connect(self.chat_requested)
        model = contacts.model
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(self._on_rows_changed)
        self._on_rows_changed()

    def nicks(self) -> list[str]:
        """The nicks listed, in order (for tests and the accessible tree)."""
        model = self.view.model()
        return [str(model.index(row, 0).data(TEXT_ROLE)) for row in range(model.rowCount())]

    @Slot()
    def refresh(self) -> None:
        """Shown where the server can tell who is online."""
        self.setVisible(self._contacts.available())

    @Slot()
    def _on_rows_changed(self) -> None:
        empty = self.view.model().rowCount() == 0
        self.empty.setVisible(empty)
        self.view.setVisible(not empty)

    @Slot(QModelIndex)
    def _on_double_clicked(self, index: QModelIndex) -> None:
        nick = str(index.data(TEXT_ROLE) or "")
        if nick:
            self.chat_requested.emit(nick)
