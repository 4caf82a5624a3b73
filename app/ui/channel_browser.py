"""The channel browser of /list: every channel on the server with its users and topic,
biggest first, a filter over names and topics, and Join (double-click or Enter).

It renders the session's :class:`ChannelListModel` as the server streams it in; topics
are plain text (the model strips IRC formatting; their tooltips go through plain_text.py).

Signals:
    join_requested(str): the user chose this channel.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.client.channel_list import CHANNEL, TOPIC, USERS, ChannelListModel
from app.ui.plain_text import PlainItemToolTips


class ChannelBrowser(QDialog):
    join_requested = Signal(str)

    def __init__(self, channels: ChannelListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Chatbox — channels")
        self.setObjectName("ChannelBrowser")
        self.resize(640, 480)
        self.channels = channels
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(channels)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)  # name or topic
        self.filter = QLineEdit()
        self.filter.setAccessibleName("Filter channels")
        self.filter.setPlaceholderText("Filter by name or topic (Enter: join the first)")
        self.filter.setClearButtonEnabled(True)
        self.table = QTableView()
        self.table.setAccessibleName("Channels")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(USERS, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(CHANNEL, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(USERS, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TOPIC, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(CHANNEL, 180)
        PlainItemToolTips(self.table)
        self.status = QLabel()
        self.status.setAccessibleName("Channel count")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.join_button = self.buttons.addButton(
            "&Join", QDialogButtonBox.ButtonRole.AcceptRole
        )
        layout = QVBoxLayout(self)
        for widget in (self.filter, self.table, self.status, self.buttons):
            layout.addWidget(widget)
        self._connect_signals()
        self._show_count()

    def _connect_signals(self) -> None:
        self.filter.textChanged.connect(self._on_filter_changed)
        self.filter.returnPressed.connect(self.join_selected)
        self.table.activated.connect(self._on_activated)  # double-click, Enter
        self.join_button.clicked.connect(self.join_selected)
        self.buttons.rejected.connect(self.close)
        self.channels.rowsInserted.connect(self._show_count)
        self.channels.modelReset.connect(self._show_count)
        self.channels.finished.connect(self._show_count)
        QShortcut(QKeySequence("Ctrl+F"), self, self.filter.setFocus)

    def _on_filter_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self._show_count()

    def _on_activated(self, index: QModelIndex | QPersistentModelIndex) -> None:
        name = self.proxy.index(index.row(), CHANNEL).data()
        if isinstance(name, str) and name:
            self.join_requested.emit(name)

    def join_selected(self) -> None:
        """Join the selected channel, or the first one shown."""
        current = self.table.currentIndex()
        if not current.isValid() and self.proxy.rowCount() > 0:
            current = self.proxy.index(0, CHANNEL)
        if current.isValid():
            self._on_activated(current)

    def _show_count(self) -> None:
        total, shown = self.channels.rowCount(), self.proxy.rowCount()
        noun = "channel" if total == 1 else "channels"
        if self.channels.loading:
            text = f"Loading… {total:,} {noun} so far"
        elif self.filter.text().strip():
            text = f"{shown:,} of {total:,} {noun} match"
        else:
            text = f"{total:,} {noun}"
        self.status.setText(text)

    def visible_channels(self) -> list[str]:
        """The names shown, top to bottom (what the filter and the sort leave)."""
        return [str(self.proxy.index(row, CHANNEL).data()) for row in range(self.proxy.rowCount())]
