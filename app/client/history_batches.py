"""Chat history replayed in ``chathistory`` batches: the lines are kept while the batch
runs and merged into their room, in time order and never unread, when it ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

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

    def batch(self, msg: Message) -> None:
        ref = msg.param(0)
        if ref.startswith("+") and msg.param(1) == "chathistory":
            self.open[ref[1:]] = (msg.param(2), [])
        elif ref.startswith("-") and ref[1:] in self.open:
            name, lines = self.open.pop(ref[1:])
            room = self._session.rooms.get(name)
            if room is not None:
                room.messages.merge_history(lines)
            self._outbox.resynced(name)

    def line(self, batch: tuple[str, list[ChatLine]], msg: Message) -> None:
        """A replayed message: kept for the merge at the end of the batch; never unread."""
        sender, text = nick_of(msg.source), msg.param(1)
        kind = "notice" if msg.command == "NOTICE" else "message"
        ctcp = parse_ctcp(text)
        if ctcp is not None:
            if ctcp[0] != "ACTION":
                return
            kind, text = "action", ctcp[1]
        own = self._session.connection.is_me(sender)
        out = self._outbox.match(msg, ("unsure",)) if own else None
        if out is not None:  # it did get through before the link dropped
            stamp, msgid = message_time(msg), msg.tags.get("msgid", "")
            self._outbox.settle(out, ChatLine(stamp, sender, text, kind, True, msgid))
            return
        batch[1].append(
            ChatLine(
                message_time(msg), sender, text, kind, own, msg.tags.get("msgid", ""), history=True
            )
        )
