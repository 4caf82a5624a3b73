"""What others' (and our own echoed) reactions and redactions do to the lines of a room:
TAGMSG with ``+draft/react`` / ``+draft/unreact`` (live, or replayed in a ``chathistory``
batch with draft/event-playback) and REDACT (draft/message-redaction).

A reaction goes on its parent line (``replace`` in the room's model: a dataChanged), or waits
for it by msgid when the parent is not loaded (a live TAGMSG can beat the history batch
holding its parent). A reaction whose msgid the line has already is not added twice; our own
echoed reaction takes the place of the one shown when the user clicked. A TAGMSG without a
reaction (``+typing``: app/client/typing.py) is none of ours. Bad input — a malformed tag,
an unknown msgid, a reaction over MAX_REACTION_BYTES — is dropped, never raised.

``REDACT <target> <msgid> [:reason]`` marks the line ``redacted`` (the replies to it show
that in their preview); the msgid of a reaction takes the reaction back. A msgid this room
does not have is ignored (the spec: "clients MUST ignore it"), unless its line arrives later
in a batch under way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from app.client.lines import ChatLine, Reaction
from app.client.message_model import MessageModel
from app.client.text import SERVER_ROOM, message_time, nick_of
from app.protocol.message import Message
from app.protocol.reactions import reaction_of, reply_to

if TYPE_CHECKING:
    from app.client.session import ChatSession

MAX_REACTIONS = 500  # react/unreact events kept on one line: a flood stops there


def with_reaction(reaction: Reaction, mine: Callable[[str], bool]) -> Callable[
        [ChatLine], ChatLine]:
    """The change that puts ``reaction`` on a line (``mine``: is this nick us?)."""

    def change(line: ChatLine) -> ChatLine:
        known = line.reactions
        if reaction.msgid and any(r.msgid == reaction.msgid for r in known):
            return line  # seen already (live, then again in history)
        if reaction.msgid and mine(reaction.sender):  # our echo: in place of the shown one
            for i, r in enumerate(known):
                if (not r.msgid and r.text == reaction.text and r.unreact == reaction.unreact
                        and mine(r.sender)):
                    return replace(line, reactions=(*known[:i], reaction, *known[i + 1 :]))
        if len(known) >= MAX_REACTIONS:
            return line
        return replace(line, reactions=(*known, reaction))

    return change


def without_reaction(match: Callable[[Reaction], bool]) -> Callable[[ChatLine], ChatLine]:
    """The change that takes the first reaction ``match`` accepts off a line."""

    def change(line: ChatLine) -> ChatLine:
        for i, r in enumerate(line.reactions):
            if match(r):
                return replace(line, reactions=line.reactions[:i] + line.reactions[i + 1 :])
        return line

    return change


def redacted(line: ChatLine) -> ChatLine:
    return line if line.redacted else replace(line, redacted=True)


def with_reply(line: ChatLine, msg: Message, model: MessageModel | None) -> ChatLine:
    """``line`` made from ``msg``, a reply when ``msg`` says it is one (``+reply``)."""
    parent = reply_to(msg.tags)
    if not parent or parent == line.msgid:
        return line
    preview = model.reply_preview(parent) if model is not None else None
    return replace(line, reply_to=parent, reply=preview)


class ConversationEvents:
    """TAGMSG reactions and REDACT for ``session``'s rooms."""

    def __init__(self, session: ChatSession) -> None:
        self._session = session

    # ---------------------------------------------------------------- live
    def tagmsg(self, msg: Message) -> None:
        """A live TAGMSG: a reaction, or not ours to handle (typing)."""
        if reaction_of(msg.tags) is None:
            return
        room = self._room_of(msg)
        if room is not None and not self._session.commands.ignored(msg):
            self.apply(room, msg)

    def redact(self, msg: Message) -> None:
        """A live REDACT."""
        room = self._room_of(msg)
        if room is not None:
            self.apply(room, msg)

    # ---------------------------------------------------------------- live or replayed
    def apply(self, name: str, msg: Message) -> None:
        """A reaction (TAGMSG) or a REDACT, for room ``name``."""
        room = self._session.rooms.get(name)
        if room is None:
            return
        model = room.messages
        if msg.command == "TAGMSG":
            found = reaction_of(msg.tags)
            if found is None:
                return
            sender = nick_of(msg.source)
            reaction = Reaction(sender, found.text, found.unreact, msg.tags.get("msgid", ""))
            model.amend(found.parent, with_reaction(reaction, self._session.connection.is_me))
        elif msg.command == "REDACT" and len(msg.params) >= 2 and msg.params[1]:
            msgid = msg.params[1]
            parent = model.parent_of_reaction(msgid)
            if parent and model.line_for(msgid) is None:
                model.amend(parent, without_reaction(lambda r: r.msgid == msgid))
            else:
                model.amend(msgid, redacted)

    def refused(self, msg: Message) -> bool:
        """``FAIL REDACT …``: said in words where the message is (True: it was one)."""
        if msg.command != "FAIL" or msg.param(0).upper() != "REDACT":
            return False
        s = self._session
        target = msg.param(2)
        name = target if s.rooms.get(target) is not None else SERVER_ROOM
        text = f"The message was not deleted: {msg.params[-1] if msg.params else ''}"
        s.add_line(name, ChatLine(message_time(msg), "", text.rstrip(": "), "error"))
        return True

    def _room_of(self, msg: Message) -> str | None:
        """The open room a message to ``msg.param(0)`` belongs to: the channel, or the
        private chat with the other party (None: no such room is open)."""
        s = self._session
        info = s.connection.info
        target = msg.param(0)
        target = target.lstrip(info.prefix_symbols) or target  # @#room: to its operators
        sender = nick_of(msg.source)
        if not info.is_channel(target) and not s.connection.is_me(sender):
            target = sender
        room = s.rooms.get(target) if target else None
        return room.name if room is not None else None
