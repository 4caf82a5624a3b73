"""Chat history replayed in ``chathistory`` batches: the lines are kept while the batch
runs and merged into their room, in time order and never unread, when it ends.

With draft/event-playback a batch also holds reactions (TAGMSG) and may hold REDACTs: they
are applied after the merge, their parents then loaded (conversation_events.py). Other
events (JOIN, MODE …) of the past are not applied to the present: they are dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.client.conversation_events import with_reply
from app.client.models import ChatLine
from app.client.outbox import Outbox
from app.client.text import message_time, nick_of
from app.protocol.ctcp import parse_ctcp
from app.protocol.message import Message

if TYPE_CHECKING:
    from app.client.session import ChatSession


class HistoryBatches:
    """The open ``chathistory`` batches of ``session``'s connection, by reference."""

    def __init__(self, session: ChatSession, outbox: Outbox) -> None:
        self._session = session
        self._outbox = outbox
        self.open: dict[str, tuple[str, list[ChatLine]]] = {}  # ref → (room, lines)
        self._events: dict[str, list[Message]] = {}  # ref → its reactions and REDACTs

    def batch(self, msg: Message) -> None:
        ref = msg.param(0)
        if ref.startswith("+") and msg.param(1) == "chathistory":
            self.open[ref[1:]] = (msg.param(2), [])
            self._events[ref[1:]] = []
        elif ref.startswith("-") and ref[1:] in self.open:
            name, lines = self.open.pop(ref[1:])
            events = self._events.pop(ref[1:], [])
            room = self._session.rooms.get(name)
            conversation = self._session.conversation
            if room is not None:
                room.messages.merge_history(lines)
                for event in events:
                    conversation.received.apply(room.name, event)
                conversation.history_merged(room.name)
            self._outbox.resynced(name)

    def line(self, ref: str, msg: Message) -> None:
        """A replayed message: kept for the merge at the end of the batch; never unread.
        A reaction or REDACT: kept to apply after it; any other event: dropped."""
        batch = self.open[ref]
        if msg.command in ("TAGMSG", "REDACT"):
            self._events.setdefault(ref, []).append(msg)
            return
        if msg.command not in ("PRIVMSG", "NOTICE") or len(msg.params) < 2:
            return
        sender, text = nick_of(msg.source), msg.param(1)
        kind = "notice" if msg.command == "NOTICE" else "message"
        ctcp = parse_ctcp(text)
        if ctcp is not None:
            if ctcp[0] != "ACTION":
                return
            kind, text = "action", ctcp[1]
        own = self._session.connection.is_me(sender)
        out = self._outbox.match(msg, ("unsure",)) if own else None
        room = self._session.rooms.get(batch[0])
        model = room.messages if room is not None else None
        stamp, msgid = message_time(msg), msg.tags.get("msgid", "")
        if out is not None:  # it did get through before the link dropped
            self._outbox.settle(out, with_reply(ChatLine(stamp, sender, text, kind, True, msgid),
                                                msg, model))
            return
        line = ChatLine(stamp, sender, text, kind, own, msgid, history=True)
        batch[1].append(with_reply(line, msg, model))
