"""The chat window's signs of other people and other devices, docked into the window:

- typing: the input tells the session's typing tracker of every edit and of each message
  sent; the line under the messages says who types in the room on screen;
- read elsewhere: a room read on another device of the same account loses its unread rule
  here too, and its pending notification is taken back;
- contacts: a Contacts section under the room list (where the server has MONITOR), whose
  double-click opens a private chat, and a notification when a contact comes online.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt, Slot
from PySide6.QtWidgets import QSplitter, QVBoxLayout

from app.client.contacts import WELCOME_ENDS
from app.client.roles import TEXT_ROLE
from app.protocol.message import Message
from app.ui.contacts_list import ContactsPanel
from app.ui.typing_line import TypingLine

if TYPE_CHECKING:
    from app.ui.chat_window import ChatWindow


class ChatPresence(QObject):
    """Docks the typing line under ``window.messages`` and the Contacts section under
    ``window.rooms_view``; call :meth:`show_room` when the window shows another room.

    ``contact_alerts``: notify when a contact comes online (the user's choice)."""

    def __init__(self, window: ChatWindow) -> None:
        super().__init__(window)
        self._window = window
        session = window.session
        self.contact_alerts = True
        self.typing_line = TypingLine(session)
        centre = window.messages.parentWidget()
        column = centre.layout() if centre is not None else None
        assert isinstance(column, QVBoxLayout)
        column.insertWidget(column.indexOf(window.messages) + 1, self.typing_line)
        self.contacts = ContactsPanel(session.contacts)
        self._dock_contacts()
        window.input.multiline = self._multiline
        window.input.edited.connect(self._on_input_edited)
        # made before the window connects its own slots: ``sent`` is told while the room
        # typed in is still the one shown (a /join switches it)
        window.input.submitted.connect(self._on_input_submitted)
        session.read_elsewhere.connect(self._on_read_elsewhere)
        session.contacts.contact_online.connect(self._on_contact_online)
        session.connection.registered.connect(self._on_registered)
        self.contacts.chat_requested.connect(self._on_chat_requested)
        view = self.contacts.view  # right-click a contact: its nick's menu (Stop watching…)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._on_contact_menu)

    def _dock_contacts(self) -> None:
        """The room list and the Contacts section share the left column, one over the
        other (the user can drag the line between them)."""
        rooms = self._window.rooms_view
        outer = rooms.parentWidget()
        assert isinstance(outer, QSplitter)
        at, sizes = outer.indexOf(rooms), outer.sizes()
        left = QSplitter(Qt.Orientation.Vertical)
        left.setChildrenCollapsible(False)
        outer.insertWidget(at, left)
        left.addWidget(rooms)
        outer.setSizes(sizes)  # the column keeps the room list's width
        left.addWidget(self.contacts)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 1)
        self.contacts.refresh()

    def show_room(self, name: str) -> None:
        self.typing_line.show_room(name)

    @Slot(str)
    def _on_registered(self, _nick: str) -> None:
        """ISUPPORT (MONITOR or not) is known once the welcome ends: listen until then."""
        self._window.session.connection.message_received.connect(self._on_welcome_message)

    @Slot(object)
    def _on_welcome_message(self, msg: Message) -> None:
        if msg.command in WELCOME_ENDS:
            connection = self._window.session.connection
            connection.message_received.disconnect(self._on_welcome_message)
            self.contacts.refresh()

    # ---------------------------------------------------------------- typing
    def _multiline(self) -> bool:
        """Several lines typed or pasted go as one message (draft/multiline)."""
        return self._window.session.conversation.supports("multiline")

    @Slot(str)
    def _on_input_edited(self, text: str) -> None:
        self._window.session.typing.typed(self._window.current_room, text)

    @Slot(str)
    def _on_input_submitted(self, _text: str) -> None:
        self._window.session.typing.sent(self._window.current_room)

    # ---------------------------------------------------------------- read elsewhere
    @Slot(str)
    def _on_read_elsewhere(self, name: str) -> None:
        w = self._window  # the session took the counts and moved (or took) the rule
        fold = w.session.connection.info.fold
        if fold(name) == fold(w.current_room):
            w.messages.doItemsLayout()  # the rule's row changes height
        if w.notifier.pending and fold(w.notifier.pending) == fold(name):
            w.notifier.withdraw()

    # ---------------------------------------------------------------- contacts
    @Slot(str)
    def _on_contact_online(self, nick: str) -> None:
        w = self._window
        if self.contact_alerts and w.notify_enabled and not w.isActiveWindow():
            w.notifier.notify_online(nick)

    @Slot(QPoint)
    def _on_contact_menu(self, pos: QPoint) -> None:
        view = self.contacts.view
        nick = view.indexAt(pos).data(TEXT_ROLE)
        if nick:
            menu = self._window.context_menus.nick_menu(str(nick))
            menu.exec(view.viewport().mapToGlobal(pos))

    @Slot(str)
    def _on_chat_requested(self, nick: str) -> None:
        w = self._window
        w.session.send_input(f"/query {nick}", w.current_room)
        w.show_room(nick)
