"""The chat window: rooms on the left, messages in the middle, members on the right, the
input line at the bottom, the topic above and the connection state in the status bar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelectionModel, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QListView,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.client.models import TEXT_ROLE, ChatLine, Room
from app.client.session import SERVER_ROOM, ChatSession
from app.ui.channel_browser import ChannelBrowser
from app.ui.chat_menu import ChatMenu
from app.ui.chat_presence import ChatPresence
from app.ui.context_menus import ContextMenus
from app.ui.file_sharing import FileSharing
from app.ui.file_sharing import RecipientChooser as RecipientChooser  # still importable here
from app.ui.input_line import InputLine
from app.ui.member_delegate import MemberDelegate
from app.ui.message_actions import MessageActions
from app.ui.message_view import MessageView
from app.ui.notify import Notifier
from app.ui.reply_strip import ReplyStrip
from app.ui.room_find import RoomFind
from app.ui.room_list import RoomDelegate
from app.ui.status_line import StatusLine
from app.ui.transfers import OfferBar


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
        self.rooms_view.setItemDelegate(RoomDelegate(self.rooms_view))
        self.members_view = QListView()
        self.members_view.setAccessibleName("Members")
        self.members_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.members_view.setItemDelegate(MemberDelegate(self.members_view))  # away: grey
        self.topic = QLabel()
        self.topic.setAccessibleName("Topic")
        self.topic.setTextFormat(Qt.TextFormat.PlainText)  # text from the wire is never HTML
        self.topic.setWordWrap(True)
        self.topic.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.messages = MessageView()
        self.input = InputLine()
        self.input.nicks = self._current_nicks
        self.room_find = RoomFind(self.messages, self._current, self.statusBar(), self.input)
        self.find_bar = self.room_find.bar

        self.files = FileSharing(self, session, lambda: self._room)
        self.offers = self.files.offers
        self.transfers = self.files.transfers
        self.transfers_dock = self.files.transfers_dock
        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        self.reply_strip = ReplyStrip()  # "Replying to bob: …" above the input
        for widget in (self.topic, self.messages, self.find_bar, self.offers, self.reply_strip,
                       self.input):
            column.addWidget(widget)
        splitter = QSplitter()
        splitter.addWidget(self.rooms_view)
        splitter.addWidget(centre)
        splitter.addWidget(self.members_view)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([170, 640, 170])
        self.setCentralWidget(splitter)
        self.status_line = StatusLine(self.statusBar(), session)
        self.state_label = self.status_line.state_label
        self.security_label = self.status_line.security_label
        self.lock_icon = self.status_line.lock_icon
        self.retry_button = self.status_line.retry_button

        self._room = ""
        self._show_members = True  # View → Show member list (the controller passes it on)
        self._drafts: dict[str, str] = {}  # folded room name → its half-typed line
        self._wanted: set[str] = set()  # folded names the user asked to open: shown on arrival
        self.notifier = Notifier(self)
        self.chat_menu = ChatMenu(self, session, self.open_find, self.leave_room)
        self.notify_action = self.chat_menu.notify_action
        self.link_images_action = self.chat_menu.link_images_action
        self.strangers_action = self.chat_menu.strangers_action
        self.context_menus = ContextMenus(self)
        self.message_actions = MessageActions(self)  # reply, react, delete
        self.presence = ChatPresence(self)  # typing line, contacts; before our own slots
        self.channel_browser: ChannelBrowser | None = None  # made by the first /list
        self._connect_signals()
        self._show_room(SERVER_ROOM)
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

    @property
    def show_members(self) -> bool:
        """The member list beside a channel's messages."""
        return self._show_members

    @show_members.setter
    def show_members(self, on: bool) -> None:
        self._show_members = on
        room = self.session.rooms.get(self._room)
        self.members_view.setVisible(on and room is not None and room.kind == "channel")

    def _connect_signals(self) -> None:
        s = self.session
        self.chat_menu.notifications_toggled.connect(self.notifications_toggled)
        self.chat_menu.link_images_toggled.connect(self.link_images_toggled)
        self.chat_menu.strangers_toggled.connect(self.strangers_toggled)
        self.rooms_view.selectionModel().currentChanged.connect(self._on_room_selected)
        s.rooms.dataChanged.connect(self._on_rooms_changed)
        s.room_opened.connect(self._on_room_opened)
        s.connection.registered.connect(self._update_title)
        s.attention.connect(self._on_attention)
        s.commands.channel_list_requested.connect(self.open_channel_browser)
        self.notifier.clicked.connect(self._on_notification_clicked)
        self.input.submitted.connect(self._on_submitted)
        self.input.image_pasted.connect(self.files.offer_image)
        self.messages.resend_requested.connect(self._on_resend)
        self.messages.discard_requested.connect(self._on_discard)
        for n in range(1, 10):
            room_key = QShortcut(QKeySequence(f"Alt+{n}"), self, lambda n=n: self.show_row(n - 1))
            room_key.setWhatsThis(f"Show room {n} of the list")  # Help → Keyboard shortcuts

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

    @Slot(str)
    def _on_room_opened(self, name: str) -> None:
        """A room appeared. Shown only when the user asked for it (a /join, a /query, the
        rooms of the chat they joined while still on the server tab with nothing typed):
        activity from others never moves the window, the focus or the text being typed."""
        folded = self.session.connection.info.fold(name)
        autojoin = {self.session.connection.info.fold(n) for n in self.session.autojoin}
        settling = self._room == SERVER_ROOM and not self.input.text() and folded in autojoin
        if folded in self._wanted or settling:
            self._wanted.discard(folded)
            self.show_room(name)

    def _current(self) -> Room | None:
        return self.session.rooms.get(self._room)

    def _show_room(self, name: str) -> None:
        room = self.session.rooms.get(name)
        if room is None:
            return
        previous = self.session.rooms.get(self._room)
        if previous is not None and previous is not room:
            previous.messages.marker = None  # read: the rule goes with the visit
        fold = self.session.connection.info.fold
        if previous is not room:  # each room keeps its own half-typed line
            if self._room:
                self._drafts[fold(self._room)] = self.input.text()
            self.input.setText(self._drafts.pop(fold(room.name), ""))
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
        self.presence.show_room(room.name)
        self.members_view.setModel(room.members)
        self.members_view.setVisible(room.kind == "channel" and self._show_members)
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
    def leave_room(self, name: str = "") -> None:
        """Leave (part) the room ``name`` (default: the one shown) and close it."""
        room = self.session.rooms.get(name or self._room)
        if room is None or room.kind == "server":
            return
        if room.kind == "channel" and room.joined:
            self.session.send_input(f"/part {room.name}", room.name)
        showing = room.name == self._room
        self.session.rooms.close(room.name)
        if showing:
            self.show_room(SERVER_ROOM)

    # ---------------------------------------------------------------- input and find
    @Slot(str)
    def _on_submitted(self, text: str) -> None:
        room = self.session.rooms.get(self._room)
        if room is not None and room.messages.marker is not None:
            room.messages.marker = None  # answering: the unread rule has done its job
            self.messages.doItemsLayout()
        if self.message_actions.send_reply(text):
            return
        result = self.session.send_input(text, self._room)
        if self.session.rooms.get(self._room) is None:  # /close
            self.show_room(SERVER_ROOM)
        fold = self.session.connection.info.fold
        if result.open_query:
            self.show_room(result.open_query)
        for sent in result.lines:  # a /join: its room is shown when the server says we are in
            command, _, rest = sent.partition(" ")
            if command.upper() == "PRIVMSG" and rest:  # a /msg: its private chat, as typed
                self.show_room(rest.split(" ", 1)[0])
            elif command.upper() == "JOIN" and rest:
                for channel in rest.split(" ", 1)[0].split(","):
                    if self.session.rooms.get(channel) is not None:
                        self.show_room(channel)
                    else:
                        self._wanted.add(fold(channel))

    @Slot()
    def open_channel_browser(self) -> ChannelBrowser:
        """/list: the channel browser, filled as the server answers; choosing joins."""
        if self.channel_browser is None:
            self.channel_browser = ChannelBrowser(self.session.commands.channel_list, self)
            self.channel_browser.join_requested.connect(self._on_channel_chosen)
        self.channel_browser.show()
        self.channel_browser.raise_()
        return self.channel_browser

    @Slot(str)
    def _on_channel_chosen(self, name: str) -> None:
        self._on_submitted(f"/join {name}")  # as if typed: its room shows once joined

    @Slot(object)
    def _on_resend(self, line: ChatLine) -> None:
        self.session.resend(line)

    @Slot(object)
    def _on_discard(self, line: ChatLine) -> None:
        self.session.discard(line)

    @Slot()
    def open_find(self) -> None:
        self.room_find.open()

    @Slot()
    def close_find(self) -> None:
        self.room_find.close()

    @Slot()
    def find_next(self) -> None:
        self.room_find.find_next()

    # ---------------------------------------------------------------- attention
    @Slot(str, str, str)
    def _on_attention(self, room: str, sender: str, text: str) -> None:
        """A mention or a private message: notify, unless the user is looking at it."""
        muted = self.context_menus.is_muted(room)
        if self.notify_enabled and not muted and not self.isActiveWindow():
            self.notifier.notify(room, sender, text)

    @Slot(str)
    def _on_notification_clicked(self, room: str) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
        self.show_room(room)

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
