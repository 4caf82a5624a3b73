"""Reply, react and delete on the chat window's messages, through ``session.conversation``.

What a line offers (``actions_for``) depends on the server: nothing at all where it lacks
the capabilities (``conversation.supports``), and nothing on server or info lines, on lines
without a msgid (not confirmed yet) or on deleted ones. Absent, not greyed: the row's
actions bar and its context menu show only what can be done.

- Reply: the strip above the input ("Replying to bob: …", Esc or ✕ cancels); the next
  message typed goes out as ``conversation.reply``.
- React: the emoji picker (the most used first, remembered in Settings), or a click on a
  chip (toggles ours).
- Delete: own lines (an operator's: any in their channel, ``may_redact``), after asking.
- A reply's quote, clicked: ``show_parent``; on ``parent_found`` the view scrolls there and
  lights it up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt, Slot
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QMessageBox, QWidget

from app.client.lines import ChatLine
from app.settings import Settings
from app.ui.emoji_picker import EmojiPicker, remember
from app.ui.message_extras import one_line
from app.ui.reply_strip import EscapeCancels

if TYPE_CHECKING:
    from app.ui.chat_window import ChatWindow

ACTION_KINDS = ("message", "action", "notice")
QUOTED_CHARS = 120  # of the message, in the delete confirmation


class DeleteConfirm:
    @classmethod
    def ask(cls, parent: QWidget | None, line: ChatLine) -> bool:
        """Whether to delete ``line`` for everyone."""
        text = one_line(line.text)
        quoted = text if len(text) <= QUOTED_CHARS else text[:QUOTED_CHARS] + "…"
        # all in the main text: only its format is set (the message is from the wire)
        box = QMessageBox(QMessageBox.Icon.Question, "Chatbox — delete",
                          f"Delete this message for everyone?\n\n{line.sender}: {quoted}",
                          QMessageBox.StandardButton.Cancel, parent)
        box.setTextFormat(Qt.TextFormat.PlainText)
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.exec()
        return box.clickedButton() is delete


class MessageActions(QObject):
    """The window's reply, react and delete; ``settings`` (set by the app) remembers the
    emoji picked, ``picker`` is the emoji picker while it is open."""

    def __init__(self, window: ChatWindow) -> None:
        super().__init__(window)
        self._window = window
        self.strip = window.reply_strip
        self.settings: Settings | None = None
        self.picker: EmojiPicker | None = None
        self._picking: ChatLine | None = None  # the line the picker reacts to
        self._wanted: tuple[str, str] | None = None  # (folded room, msgid) of a quote clicked
        view = window.messages
        view.actions_for = self.actions_for
        view.delegate.me = self._me
        view.delegate.fold = self._fold
        view.reply_requested.connect(self.start_reply)
        view.react_requested.connect(self.open_picker)
        view.reaction_clicked.connect(self.toggle)
        view.quote_clicked.connect(self.show_parent)
        window.session.conversation.parent_found.connect(self._on_parent_found)
        window.rooms_view.selectionModel().currentChanged.connect(self._on_room_changed)
        self._escape = EscapeCancels(self.strip, window.input)
        self.strip.cancelled.connect(self._on_strip_cancelled)

    def _me(self) -> str:
        return self._window.session.nick

    def _fold(self, name: str) -> str:
        return self._window.session.connection.info.fold(name)

    @property
    def _room(self) -> str:
        return self._window.current_room

    def actions_for(self, line: ChatLine) -> frozenset[str]:
        """Which of "reply", "react" and "delete" ``line`` (of the room shown) offers."""
        session = self._window.session
        room = session.rooms.get(self._room)
        if (room is None or room.kind == "server" or line.kind not in ACTION_KINDS
                or not line.msgid or line.redacted or line.state):
            return frozenset()
        conversation = session.conversation
        offered = {name for name in ("reply", "react") if conversation.supports(name)}
        if conversation.supports("redact") and conversation.may_redact(room.name, line):
            offered.add("delete")
        return frozenset(offered)

    def _fresh(self, line: ChatLine) -> ChatLine:
        """``line`` as the room has it now (a reaction may have come since it was shown)."""
        found = self._window.session.conversation.line_for(self._room, line.msgid)
        return found if found is not None else line

    # ---------------------------------------------------------------- reply
    @Slot(object)
    def start_reply(self, line: ChatLine) -> None:
        if "reply" not in self.actions_for(line):
            return
        self.strip.start(self._room, line)
        self._window.input.setFocus()

    def send_reply(self, text: str) -> bool:
        """Send ``text`` as the reply the strip is for; False (nothing done) when there is
        no reply going on, or ``text`` is a command."""
        strip = self.strip
        parent = strip.parent_line
        if parent is None or (text.startswith("/") and not text.startswith("//")):
            return False
        if self._fold(strip.room) != self._fold(self._room):
            strip.finish()
            return False
        strip.finish()
        body = text[1:] if text.startswith("//") else text
        self._window.session.conversation.reply(self._room, parent, body)
        return True

    @Slot()
    def _on_strip_cancelled(self) -> None:
        self._window.input.setFocus()

    @Slot()
    def _on_room_changed(self) -> None:
        self.strip.finish()  # a reply belongs to its room
        if self.picker is not None:
            self.picker.close()

    # ---------------------------------------------------------------- react
    @Slot(object, QPoint)
    def open_picker(self, line: ChatLine, at: QPoint | None = None) -> EmojiPicker | None:
        if "react" not in self.actions_for(line):
            return None
        if self.picker is not None:
            self.picker.close()
        recent = self.settings.recent_emoji if self.settings is not None else []
        self.picker = EmojiPicker(recent, self._window)
        self.picker.picked.connect(self._on_picked)
        self.picker.destroyed.connect(self._on_picker_gone)
        self._picking = line
        self.picker.popup(at if at is not None else QCursor.pos())
        return self.picker

    @Slot(str)
    def _on_picked(self, emoji: str) -> None:
        line, self._picking = self._picking, None
        if self.settings is not None:
            self.settings.recent_emoji = remember(self.settings.recent_emoji, emoji)
        if line is not None:
            self.toggle(line, emoji)

    @Slot()
    def _on_picker_gone(self) -> None:
        self.picker = None

    @Slot(object, str)
    def toggle(self, line: ChatLine, emoji: str) -> None:
        """React with ``emoji``, or take ours back."""
        if "react" in self.actions_for(line):
            self._window.session.conversation.react(self._room, self._fresh(line), emoji)

    # ---------------------------------------------------------------- delete
    def delete(self, line: ChatLine) -> None:
        if "delete" in self.actions_for(line) and DeleteConfirm.ask(self._window, line):
            self._window.session.conversation.redact(self._room, self._fresh(line))

    # ---------------------------------------------------------------- a reply's parent
    @Slot(object)
    def show_parent(self, line: ChatLine) -> None:
        """Scroll to the message ``line`` replies to (fetched first when not loaded)."""
        if not line.reply_to:
            return
        self._wanted = (self._fold(self._room), line.reply_to)
        self._window.session.conversation.show_parent(self._room, line.reply_to)

    @Slot(str, str)
    def _on_parent_found(self, room_name: str, msgid: str) -> None:
        if self._wanted != (self._fold(room_name), msgid):
            return
        self._wanted = None
        room = self._window.session.rooms.get(self._room)
        if room is None or self._fold(room.name) != self._fold(room_name):
            return
        model = room.messages
        model.flush()
        lines = model.lines()
        position = next((i for i in range(len(lines) - 1, -1, -1)
                         if lines[i].msgid == msgid), None)
        if position is not None:
            self._window.messages.show_row(model.reveal(position), msgid)
