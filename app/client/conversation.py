"""The conversation around a message, as the user takes part in it: replies, reactions,
redaction, jumping to a reply's parent, and messages of several lines.

Each needs something of the server, and :meth:`Conversation.supports` says whether it has
it: replies and reactions ride on client-only tags (``message-tags``, not refused by the
server's ``CLIENTTAGDENY``), deleting on ``draft/message-redaction``, one message of
several lines on ``draft/multiline``. Without it nothing of the kind is sent: a reply goes
as a plain message, a text of several lines line by line.

Replies and multi-line messages go through the outbox (pending until the echo confirms
them); a reaction shows on its line at once and is sent as a TAGMSG, its echo taking the
place of the shown one; a refused one (by label) is taken off again. A deletion shows when
the server's REDACT comes back. What the server sends is handled in conversation_events.py
(reactions, REDACT) and multiline.py (batches).

Signals:
    parent_found(str, str): room, msgid: that line is loaded now; the view may scroll to it.
"""

from __future__ import annotations

import itertools
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.client.conversation_events import ConversationEvents, with_reaction, without_reaction
from app.client.lines import ChatLine, Reaction, reaction_totals
from app.client.message_model import preview_of
from app.client.multiline import limits_of
from app.client.outbox import Outbox
from app.protocol.input import InputResult
from app.protocol.isupport import tag_denied
from app.protocol.message import Message, format_line, serialize_tags
from app.protocol.multiline import normalise
from app.protocol.reactions import (
    MAX_REACTION_BYTES,
    REPLY_TAGS,
    reaction_tags,
    reply_tags,
)

if TYPE_CHECKING:
    from app.client.session import ChatSession

log = logging.getLogger("chatbox.client")

AROUND = 50  # lines of history fetched around a reply's parent
SENTINEL = "chatbox-around-"  # PING after CHATHISTORY AROUND: its PONG ends the wait
LABEL = "react"
KEPT_LABELS = 64  # reactions in flight whose refusal would take them off again
NOT_FOUND = "The message replied to is no longer in the history."


class Conversation(QObject):
    """Replies, reactions, redaction and multi-line text for ``session``; own messages
    through ``outbox``. ``received`` handles the server's side of it."""

    parent_found = Signal(str, str)

    def __init__(self, session: ChatSession, outbox: Outbox) -> None:
        super().__init__(session)
        self._session = session
        self._outbox = outbox
        self.received = ConversationEvents(session)
        self._numbers = itertools.count(1)
        self._reacting: dict[str, tuple[str, str, Reaction]] = {}  # label → room, parent, shown
        self._around: dict[str, tuple[str, str]] = {}  # sentinel → room, msgid asked for

    # ---------------------------------------------------------------- what the server has
    def supports(self, feature: str) -> bool:
        """Whether the server has what ``feature`` ("reply", "react", "redact",
        "multiline") needs."""
        c = self._session.connection
        deny = c.info.tokens.get("CLIENTTAGDENY")
        replies = "message-tags" in c.caps and any(
            not tag_denied(deny, name[1:]) for name in REPLY_TAGS
        )
        if feature == "reply":
            return replies
        if feature == "react":
            return replies and not tag_denied(deny, "draft/react")
        if feature == "redact":
            return {"draft/message-redaction", "message-tags"} <= c.caps
        if feature == "multiline":
            return limits_of(c) is not None
        return False

    def line_for(self, room: str, msgid: str) -> ChatLine | None:
        """The line of ``room`` with ``msgid``, as it is now, or None (not loaded)."""
        found = self._session.rooms.get(room)
        return found.messages.line_for(msgid) if found is not None else None

    # ---------------------------------------------------------------- sending
    def reply(self, room: str, parent: ChatLine, text: str) -> None:
        """Send ``text`` in ``room`` as a reply to ``parent`` (pending until its echo)."""
        found = self._session.rooms.get(room)
        body = "\n".join(normalise(text))
        if found is None or found.kind == "server" or not body:
            return
        model = found.messages
        tags: dict[str, str] = {}
        preview = None
        if parent.msgid and self.supports("reply"):
            deny = self._session.connection.info.tokens.get("CLIENTTAGDENY")
            tags = reply_tags(parent.msgid, deny)
            loaded = model.line_for(parent.msgid)
            preview = preview_of(loaded if loaded is not None else parent)
        multiline = "\n" in body and self.supports("multiline")
        self._outbox.send(found.name, body, tags=tags, reply=preview, multiline=multiline)

    def react(self, room: str, line: ChatLine, text: str) -> None:
        """React to ``line`` with ``text``, or take that reaction back when we gave it."""
        s = self._session
        found = s.rooms.get(room)
        if (found is None or not line.msgid or not text or s.connection.state != "connected"
                or len(text.encode()) > MAX_REACTION_BYTES or not self.supports("react")):
            return
        model = found.messages
        now = model.line_for(line.msgid) or line
        info = s.connection.info
        totals = reaction_totals(now, info.fold, s.nick)
        unreact = any(mine and shown == text for shown, _nicks, mine in totals)
        tags = reaction_tags(line.msgid, text, unreact, info.tokens.get("CLIENTTAGDENY"))
        shown = Reaction(s.nick, text, unreact)
        model.amend(line.msgid, with_reaction(shown, s.connection.is_me))
        if "labeled-response" in s.connection.caps:
            label = f"{LABEL}{next(self._numbers)}"
            self._reacting[label] = (found.name, line.msgid, shown)
            while len(self._reacting) > KEPT_LABELS:
                del self._reacting[next(iter(self._reacting))]
            tags = {"label": label, **tags}
        s.connection.send(f"@{serialize_tags(tags)} TAGMSG {found.name}")

    def may_redact(self, room: str, line: ChatLine) -> bool:
        """Whether to offer deleting ``line``: our own (with a msgid), or any in a channel
        we are an operator of, when the server deletes messages at all."""
        s = self._session
        if not line.msgid or line.redacted or line.state or not self.supports("redact"):
            return False
        if line.own or (line.sender and s.connection.is_me(line.sender)):
            return True
        found = s.rooms.get(room)
        if found is None or found.kind != "channel":
            return False
        member = found.members.find(s.nick)
        prefix = s.connection.info.prefix_modes
        ranks = prefix[: prefix.index("o") + 1] if "o" in prefix else "o"
        return member is not None and any(mode in ranks for mode in member.modes)

    def redact(self, room: str, line: ChatLine, reason: str = "") -> None:
        """Ask the server to delete ``line`` (it shows deleted when the server says so)."""
        s = self._session
        found = s.rooms.get(room)
        if (found is None or not line.msgid or s.connection.state != "connected"
                or not self.supports("redact")):
            return
        params = (found.name, line.msgid, reason) if reason else (found.name, line.msgid)
        s.connection.send(format_line(None, "REDACT", params, trailing=bool(reason)))

    def send_text(self, text: str, room: str) -> InputResult:
        """What the user typed when it holds line breaks: one message of several lines
        when the server takes one, else each line as if typed alone."""
        s = self._session
        lines = normalise(text)
        found = s.rooms.get(room)
        command = bool(lines) and lines[0].startswith("/") and not lines[0].startswith("//")
        if not lines or command or found is None or found.kind == "server" \
                or not self.supports("multiline"):
            return _merged([s.send_input(line, room) for line in lines if line.strip()])
        body = "\n".join(lines)
        self._outbox.send(found.name, body[1:] if body.startswith("//") else body,
                          multiline=True)
        return InputResult()

    # ---------------------------------------------------------------- a reply's parent
    def show_parent(self, room: str, msgid: str) -> None:
        """Bring the line ``msgid`` of ``room`` into view: ``parent_found`` at once when it
        is loaded, else once the history around it is in."""
        s = self._session
        found = s.rooms.get(room)
        if found is None or not msgid:
            return
        if found.messages.line_for(msgid) is not None:
            self.parent_found.emit(found.name, msgid)
            return
        caps = s.connection.caps
        if not {"draft/chathistory", "batch"} <= caps or s.connection.state != "connected":
            s.notice.emit("That message is not loaded here.")
            return
        token = f"{SENTINEL}{next(self._numbers)}"
        self._around[token] = (found.name, msgid)
        s.connection.send(f"CHATHISTORY AROUND {found.name} msgid={msgid} {AROUND}")
        s.connection.send(f"PING :{token}")  # answered after the history batch

    def history_merged(self, name: str) -> None:
        """A history batch of room ``name`` is in: the parents asked for that came."""
        fold = self._session.connection.info.fold
        for token, (room, msgid) in list(self._around.items()):
            if fold(room) == fold(name) and self.line_for(room, msgid) is not None:
                del self._around[token]
                self.parent_found.emit(room, msgid)

    def pong(self, msg: Message) -> None:
        """A PONG: after our CHATHISTORY AROUND, the parent did not come."""
        wanted = self._around.pop(msg.params[-1] if msg.params else "", None)
        if wanted is not None:
            self._session.notice.emit(NOT_FOUND)

    # ---------------------------------------------------------------- refusals
    def refused(self, msg: Message) -> bool:
        """An error reply: our labeled reaction refused (taken off again), or a REDACT
        refused (said in words). True when it was one of those."""
        label = msg.tags.get("label", "") if msg.tags else ""
        shown = self._reacting.pop(label, None) if label.startswith(LABEL) else None
        if shown is not None:
            room, parent, reaction = shown
            found = self._session.rooms.get(room)
            if found is not None:
                found.messages.amend(parent, without_reaction(lambda r: r is reaction))
            log.info("reaction refused: %s", msg.params[-1] if msg.params else msg.command)
            return True
        return self.received.refused(msg)


def _merged(results: list[InputResult]) -> InputResult:
    """The results of several typed lines as one."""
    out = InputResult()
    for result in results:
        out.lines += result.lines
        out.info += result.info
        out.open_query = result.open_query or out.open_query
        out.error = out.error or result.error
        out.send_file = out.send_file or result.send_file
        out.local = result.local or out.local
        if out.quit is None:
            out.quit = result.quit
    return out
