"""The chat window: rooms on the left, messages in the middle, members on the right, the
input line at the bottom, the topic above and the connection state in the status bar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelectionModel, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.client.models import TEXT_ROLE, ChatLine, Room
from app.client.session import SERVER_ROOM, ChatSession
from app.resources import resource_path
from app.ui.chat_menu import ChatMenu
from app.ui.file_sharing import FileSharing
from app.ui.file_sharing import RecipientChooser as RecipientChooser  # still importable here
from app.ui.input_line import InputLine
from app.ui.message_view import MessageView
from app.ui.notify import Notifier
from app.ui.transfers import OfferBar

STATE_TEXT = {
    "connecting": "Connecting to {where}…",
    "registering": "Signing in to {where}…",
    "connected": "Connected to {where} as {nick}",
    "disconnected": "Offline",
}


class ChatWindow(QMainWindow):
    """Renders a :class:`ChatSession`; everything it does goes through the session.

    Signals:
        closed(): the window was closed (the session said QUIT).
        notifications_toggled(bool): the user turned desktop notifications on or off.
        link_images_toggled(bool): the user allowed (or stopped) loading linked pictures.
        strangers_toggled(bool): file offers from people in none of our rooms, on or off.
    """

    closed = Signal()
    notifications_toggled = Signal(bool)
    link_images_toggled = Signal(bool)
    strangers_toggled = Signal(bool)

    def __init__(self, session: ChatSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        session.setParent(self)  # Qt owns it with the window: never collected mid-signal
        self.close_guard: Callable[[], bool] = lambda: True
        self.setObjectName("ChatWindow")
        self.resize(980, 620)

        self.rooms_view = QListView()
        self.rooms_view.setAccessibleName("Rooms")
        self.rooms_view.setModel(session.rooms)
        self.rooms_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.members_view = QListView()
        self.members_view.setAccessibleName("Members")
        self.members_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.topic = QLabel()
        self.topic.setAccessibleName("Topic")
        self.topic.setTextFormat(Qt.TextFormat.PlainText)  # text from the wire is never HTML
        self.topic.setWordWrap(True)
        self.topic.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.messages = MessageView()
        self.find_bar = QLineEdit()
        self.find_bar.setAccessibleName("Find in room")
        self.find_bar.setPlaceholderText("Find in this room (Enter: next, Esc: close)")
        self.find_bar.hide()
        self.input = InputLine()
        self.input.nicks = self._current_nicks

        self.files = FileSharing(self, session, lambda: self._room)
        self.offers = self.files.offers
        self.transfers = self.files.transfers
        self.transfers_dock = self.files.transfers_dock
        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        for widget in (self.topic, self.messages, self.find_bar, self.offers, self.input):
            column.addWidget(widget)
        splitter = QSplitter()
        splitter.addWidget(self.rooms_view)
        splitter.addWidget(centre)
        splitter.addWidget(self.members_view)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([170, 640, 170])
        self.setCentralWidget(splitter)
        self.state_label = QLabel()
        self.state_label.setAccessibleName("Connection state")
        self.state_label.setTextFormat(Qt.TextFormat.PlainText)  # the server's ERROR text
        self.statusBar().addWidget(self.state_label, 1)
        self.lock_icon = QLabel()
        self.lock_icon.setPixmap(QIcon(str(resource_path("icons", "lock.svg"))).pixmap(16, 16))
        self.lock_icon.hide()
        self.security_label = QLabel()
        self.security_label.setAccessibleName("Security")
        self.statusBar().addPermanentWidget(self.lock_icon)
        self.statusBar().addPermanentWidget(self.security_label)
        self.retry_button = QPushButton("Retry now")
        self.retry_button.setAccessibleName("Retry now")
        self.retry_button.hide()
        self.statusBar().addPermanentWidget(self.retry_button)

        self._room = ""
        self.notifier = Notifier(self)
        self.chat_menu = ChatMenu(self, session, self.open_find, self.leave_room)
        self.notify_action = self.chat_menu.notify_action
        self.link_images_action = self.chat_menu.link_images_action
        self.strangers_action = self.chat_menu.strangers_action
        self._connect_signals()
        self._show_room(SERVER_ROOM)
        self._on_state_changed(session.connection.state)
        self.input.setFocus()

    @property
    def notify_enabled(self) -> bool:
        """The user's setting (the controller passes the saved one on)."""
        return self.chat_menu.notify_enabled

    @notify_enabled.setter
    def notify_enabled(self, on: bool) -> None:
        self.chat_menu.notify_enabled = on

    def set_link_images(self, on: bool) -> None:
        """The saved choice (the controller passes it on), without telling it back."""
        self.chat_menu.set_link_images(on)

    def set_files_from_strangers(self, on: bool) -> None:
        self.chat_menu.set_files_from_strangers(on)

    def _connect_signals(self) -> None:
        s = self.session
        self.chat_menu.notifications_toggled.connect(self.notifications_toggled)
        self.chat_menu.link_images_toggled.connect(self.link_images_toggled)
        self.chat_menu.strangers_toggled.connect(self.strangers_toggled)
        self.rooms_view.selectionModel().currentChanged.connect(self._on_room_selected)
        s.rooms.dataChanged.connect(self._on_rooms_changed)
        s.room_opened.connect(self.show_room)
        s.connection.state_changed.connect(self._on_state_changed)
        s.connection.registered.connect(self._on_registered)
        s.connection.disconnected.connect(self._on_disconnected)
        s.reconnect_scheduled.connect(self._on_reconnect_scheduled)
        s.attention.connect(self._on_attention)
        self.notifier.clicked.connect(self._on_notification_clicked)
        self.retry_button.clicked.connect(s.retry_now)
        self.input.submitted.connect(self._on_submitted)
        self.input.image_pasted.connect(self.files.offer_image)
        self.messages.resend_requested.connect(self._on_resend)
        self.messages.discard_requested.connect(self._on_discard)
        self.find_bar.returnPressed.connect(self.find_next)
        QShortcut(QKeySequence("Escape"), self.find_bar, self.close_find)
        for n in range(1, 10):
            QShortcut(QKeySequence(f"Alt+{n}"), self, lambda n=n: self.show_row(n - 1))

    # ---------------------------------------------------------------- rooms
    @property
    def current_room(self) -> str:
        return self._room

    @Slot(str)
    def show_room(self, name: str) -> None:
        row = self.session.rooms.row_of(name)
        if row >= 0:
            self.show_row(row)

    def show_row(self, row: int) -> None:
        if 0 <= row < self.session.rooms.rowCount():
            self.rooms_view.selectionModel().setCurrentIndex(
                self.session.rooms.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
            )

    def _on_room_selected(self, current: object, _previous: object) -> None:
        index = self.rooms_view.currentIndex()
        if index.isValid():
            self._show_room(str(index.data(TEXT_ROLE)))

    def _show_room(self, name: str) -> None:
        room = self.session.rooms.get(name)
        if room is None:
            return
        previous = self.session.rooms.get(self._room)
        if previous is not None and previous is not room:
            previous.messages.marker = None  # read: the rule goes with the visit
        self._room = room.name
        self.session.active_room = room.name
        self.session.mark_read(room.name)
        room.messages.flush()
        self.messages.setModel(room.messages)
        self.messages.scrollToBottom()
        marker = room.messages.marker_row()
        if marker >= 0:  # start reading at the first unread line when it is off screen
            self.messages.doItemsLayout()
            index = room.messages.index(marker)
            if not self.messages.viewport().rect().contains(self.messages.visualRect(index)):
                self.messages.scrollTo(index, MessageView.ScrollHint.PositionAtTop)
        self.members_view.setModel(room.members)
        self.members_view.setVisible(room.kind == "channel")
        self._show_topic(room)
        self._update_title()
        self.input.setFocus()

    def _show_topic(self, room: Room) -> None:
        self.topic.setText(room.topic)
        self.topic.setVisible(bool(room.topic))

    @Slot()
    def _on_rooms_changed(self) -> None:
        room = self.session.rooms.get(self._room)
        if room is not None:
            if room.unread and self.session.window_active:
                self.session.mark_read(room.name)
            self._show_topic(room)
        self._update_title()

    def _update_title(self) -> None:
        unread = sum(r.unread for r in self.session.rooms.rooms())
        badge = f"({unread}) " if unread else ""
        nick = self.session.nick
        self.setWindowTitle(f"{badge}{self._room} — {nick} — Chatbox" if nick else "Chatbox")

    def _current_nicks(self) -> list[str]:
        room = self.session.rooms.get(self._room)
        return room.members.nicks() if room is not None else []

    @Slot()
    def leave_room(self) -> None:
        room = self.session.rooms.get(self._room)
        if room is None or room.kind == "server":
            return
        if room.kind == "channel" and room.joined:
            self.session.send_input(f"/part {room.name}", room.name)
        self.session.rooms.close(room.name)
        self.show_room(SERVER_ROOM)

    # ---------------------------------------------------------------- input and find
    @Slot(str)
    def _on_submitted(self, text: str) -> None:
        room = self.session.rooms.get(self._room)
        if room is not None and room.messages.marker is not None:
            room.messages.marker = None  # answering: the unread rule has done its job
            self.messages.doItemsLayout()
        self.session.send_input(text, self._room)

    @Slot(object)
    def _on_resend(self, line: ChatLine) -> None:
        self.session.resend(line)

    @Slot(object)
    def _on_discard(self, line: ChatLine) -> None:
        self.session.discard(line)

    @Slot()
    def open_find(self) -> None:
        self.find_bar.show()
        self.find_bar.setFocus()
        self.find_bar.selectAll()

    @Slot()
    def close_find(self) -> None:
        self.find_bar.hide()
        self.input.setFocus()

    @Slot()
    def find_next(self) -> None:
        """Scroll to the next line (upwards, newest first) containing the find text; the
        whole room is searched, older lines are shown when the match is among them."""
        needle = self.find_bar.text().lower()
        room = self.session.rooms.get(self._room)
        if not needle or room is None:
            return
        model = room.messages
        model.flush()
        lines = model.lines()
        first = len(lines) - model.rowCount()  # lines above the shown window
        current = self.messages.currentIndex()
        start = current.row() + first if current.isValid() else len(lines)
        for step in range(1, len(lines) + 1):  # upwards from the current line, wrapping round
            position = (start - step) % len(lines)
            if needle in lines[position].text.lower():
                index = model.index(model.reveal(position))
                self.messages.setCurrentIndex(index)
                self.messages.scrollTo(index)
                return
        self.statusBar().showMessage(f"“{self.find_bar.text()}” is not in this room", 3000)

    # ---------------------------------------------------------------- connection
    @Slot(str)
    def _on_state_changed(self, state: str) -> None:
        c = self.session.connection
        where = f"{c.host}:{c.port}"
        text = STATE_TEXT.get(state, state).format(where=where, nick=c.nick)
        if state == "connected" and c.logged_in_as:
            text += f" (account {c.logged_in_as})"
        self.state_label.setText(text)
        self._show_security(state)

    def _show_security(self, state: str) -> None:
        """A lock and the TLS version while the link is encrypted; say so when it is not."""
        c = self.session.connection
        version = c.tls_version if state == "connected" else ""
        self.lock_icon.setVisible(bool(version))
        if version:
            self.security_label.setText(version)
            self.security_label.setToolTip(
                f"Encrypted with {version}. Certificate SHA-256 fingerprint:\n"
                f"{c.peer_fingerprint}"
            )
        elif state == "connected" and c.host in ("127.0.0.1", "::1", "localhost"):
            self.security_label.setText("On this computer")
            self.security_label.setToolTip("The link never leaves this computer.")
        elif state == "connected":
            self.security_label.setText("Not encrypted")
            self.security_label.setToolTip(
                "Everything sent can be read on the network. Use TLS (port 6697) if the "
                "server offers it."
            )
        else:
            self.security_label.setText("")
            self.security_label.setToolTip("")

    @Slot(str, str, str)
    def _on_attention(self, room: str, sender: str, text: str) -> None:
        """A mention or a private message: notify, unless the user is looking at it."""
        if self.notify_enabled and not self.isActiveWindow():
            self.notifier.notify(room, sender, text)

    @Slot(str)
    def _on_notification_clicked(self, room: str) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
        self.show_room(room)

    @Slot(float)
    def _on_reconnect_scheduled(self, seconds: float) -> None:
        if seconds > 0:
            waiting = len(self.session.pending)
            held = f" ({waiting} unsent, kept)" if waiting else ""
            c = self.session.connection
            text = f"Connection lost — reconnecting to {c.host}:{c.port} in {seconds:.0f} s{held}"
            self.state_label.setText(text)
            self.retry_button.show()
        else:
            self.retry_button.hide()

    @Slot(str)
    def _on_registered(self, _nick: str) -> None:
        self.retry_button.hide()
        self._on_state_changed("connected")
        self._update_title()

    @Slot(str)
    def _on_disconnected(self, reason: str) -> None:
        if self.retry_button.isHidden():  # no reconnect on the way (we quit, or never got in)
            self.state_label.setText(f"Offline — {reason}")

    # ---------------------------------------------------------------- files
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.files.handle_drag_enter(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.files.handle_drop(event)

    def offer_files(self, paths: list[Path]) -> None:
        """Send files to the person of this private chat (or one chosen from the room)."""
        self.files.offer_files(paths)

    def offer_bars(self) -> list[OfferBar]:
        """The file offers still waiting for an answer."""
        return self.files.offer_bars()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ActivationChange:
            self.session.set_window_active(self.isActiveWindow())
            self._update_title()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.close_guard():
            event.ignore()
            return
        self.session.quit()
        event.accept()
        self.closed.emit()
