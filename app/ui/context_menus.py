"""Right-click where people right-click: on a nick (the member list, a message's sender), on
a room in the room list, and on a message.

Every action goes through the session as the user would type it (``/whois bob``, ``/op #room
bob``), so replies land in words in the room where it was chosen; operator actions are
offered only to operators.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QListView, QMenu

from app.client.models import SENDER_ROLE, TEXT_ROLE, ChatLine
from app.protocol.formatting import strip_formatting
from app.protocol.links import links

if TYPE_CHECKING:
    from app.ui.chat_window import ChatWindow

OPERATOR_MODES = set("qaoh")  # owner, admin, op, half-op: may kick and give voice
# what an operator may do to a nick: the /commands a user would type (app/protocol/input.py)
OPERATOR_ACTIONS = (
    ("Give op", "op"), ("Take op", "deop"), ("Give voice", "voice"),
    ("Take voice", "devoice"), ("Kick", "kick"), ("Ban", "ban"),
)


def pick_files(window: ChatWindow, nick: str) -> list[Path]:
    names, _ = QFileDialog.getOpenFileNames(window, f"Send a file to {nick}")
    return [Path(name) for name in names]


class ContextMenus(QObject):
    """Builds the menus (``nick_menu``, ``room_menu``, ``message_menu``) and shows them on
    right-click in the window's three views. ``muted`` holds the folded names of rooms
    whose notifications the user turned off."""

    def __init__(self, window: ChatWindow) -> None:
        super().__init__(window)
        self._window = window
        self.muted: set[str] = set()
        self.pick_files: Callable[[str], list[Path]] = lambda nick: pick_files(window, nick)
        for view, slot in (
            (window.members_view, self._on_members_menu),
            (window.rooms_view, self._on_rooms_menu),
        ):
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(slot)
        window.messages.extend_menu = self._extend_message_menu

    # ---------------------------------------------------------------- nicks
    def nick_menu(self, nick: str, parent: QMenu | None = None) -> QMenu:
        w = self._window
        menu = QMenu(nick, parent or w)
        menu.addAction("Private message", lambda: self._query(nick))
        menu.addAction("Whois", lambda: self._type(f"/whois {nick}"))
        menu.addAction("Send a file…", lambda: self._send_files(nick))
        menu.addAction("Mention", lambda: self._mention(nick))
        menu.addAction("Ignore", lambda: self._type(f"/ignore {nick}"))
        contacts = w.session.contacts
        if contacts.available():  # the server tells who is online (MONITOR)
            if contacts.watched(nick):
                menu.addAction("Stop watching", lambda: contacts.unwatch(nick))
            else:
                menu.addAction("Watch", lambda: contacts.watch(nick))
        room = w.session.rooms.get(w.current_room)
        if room is not None and room.kind == "channel" and self._is_operator():
            menu.addSeparator()
            for title, command in OPERATOR_ACTIONS:
                typed = f"/{command} {room.name} {nick}"
                menu.addAction(title, functools.partial(self._type, typed))
        return menu

    def _query(self, nick: str) -> None:
        w = self._window
        w.session.send_input(f"/query {nick}", w.current_room)
        w.show_room(nick)

    def _is_operator(self) -> bool:
        w = self._window
        room = w.session.rooms.get(w.current_room)
        me = room.members.find(w.session.nick) if room is not None else None
        return me is not None and bool(OPERATOR_MODES & set(me.modes))

    def _type(self, command: str) -> None:
        self._window.session.send_input(command, self._window.current_room)

    def _mention(self, nick: str) -> None:
        field = self._window.input
        if field.text():
            field.insert(f"{nick} ")
        else:
            field.setText(f"{nick}: ")
        field.setFocus()

    def _send_files(self, nick: str) -> None:
        w = self._window
        for path in self.pick_files(nick):
            w.session.send_file(nick, path, w.current_room)

    @Slot(QPoint)
    def _on_members_menu(self, pos: QPoint) -> None:
        view = self._window.members_view
        nick = view.indexAt(pos).data(SENDER_ROLE)
        if nick:
            self.nick_menu(str(nick)).exec(view.viewport().mapToGlobal(pos))

    # ---------------------------------------------------------------- rooms
    def room_menu(self, name: str) -> QMenu:
        w = self._window
        room = w.session.rooms.get(name)
        menu = QMenu(name, w)
        if room is None:
            return menu
        if room.kind != "server":
            menu.addAction("Leave" if room.kind == "channel" else "Close",
                           lambda: w.leave_room(name))
        menu.addAction("Mark as read", lambda: self._mark_read(name))
        mute = menu.addAction("Mute notifications")
        mute.setCheckable(True)
        folded = w.session.connection.info.fold(name)
        mute.setChecked(folded in self.muted)
        mute.toggled.connect(lambda on: self._mute(folded, on))
        return menu

    def _mark_read(self, name: str) -> None:
        room = self._window.session.rooms.get(name)
        if room is not None:
            room.messages.marker = None
            self._window.session.mark_read(name)

    def _mute(self, folded: str, on: bool) -> None:
        if on:
            self.muted.add(folded)
        else:
            self.muted.discard(folded)

    def is_muted(self, name: str) -> bool:
        return self._window.session.connection.info.fold(name) in self.muted

    @Slot(QPoint)
    def _on_rooms_menu(self, pos: QPoint) -> None:
        view: QListView = self._window.rooms_view
        name = view.indexAt(pos).data(TEXT_ROLE)
        if name:
            self.room_menu(str(name)).exec(view.viewport().mapToGlobal(pos))

    # ---------------------------------------------------------------- messages
    def _extend_message_menu(self, menu: QMenu, line: ChatLine) -> None:
        """Reply and React before Copy (where the server has them); after it: Copy link,
        Quote, Delete (own lines, an operator's: any), and the sender's own menu."""
        actions = self._window.message_actions
        offered = actions.actions_for(line)
        first = menu.actions()[0] if menu.actions() else None
        lead: list[tuple[str, str, Callable[[], object]]] = [
            ("reply", "Reply", functools.partial(actions.start_reply, line)),
            ("react", "React…", functools.partial(actions.open_picker, line, None)),
        ]
        for name, title, slot in lead:
            if name in offered:
                action = menu.addAction(title, slot)
                if first is not None:
                    menu.insertAction(first, action)
        if first is not None and offered & {"reply", "react"}:
            menu.insertSeparator(first)
        shown = strip_formatting(line.text)
        found = [] if line.redacted else links(shown)
        if found:
            url = found[0][2]
            menu.addAction("Copy link", lambda: QGuiApplication.clipboard().setText(url))
        if line.kind in ("message", "action", "notice") and not line.redacted:
            menu.addAction("Quote", lambda: self._quote(line.sender, shown))
        if "delete" in offered:
            menu.addAction("Delete…", functools.partial(actions.delete, line))
        if line.sender and not line.own:
            menu.addSeparator()
            menu.addMenu(self.nick_menu(line.sender, menu))

    def _quote(self, sender: str, text: str) -> None:
        field = self._window.input
        field.setText(f"> <{sender}> {text} " if sender else f"> {text} ")
        field.setFocus()
