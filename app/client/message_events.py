"""What others' (and our own echoed) messages do: PRIVMSG and NOTICE become lines of a
room, confirm our own pending lines in the outbox, hand file offers to DCC, and call for
the user's attention (mentions, private messages). A reply (``+reply``) gets its parent's
preview (conversation_events.with_reply); a multiline batch arrives here as one message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.client.conversation_events import with_reply
from app.client.models import ChatLine
from app.client.outbox import Outbox
from app.client.text import SERVER_ROOM, message_time, nick_of
from app.protocol.ctcp import parse_ctcp
from app.protocol.message import Message

if TYPE_CHECKING:
    from app.client.session import ChatSession


class MessageEvents:
    """PRIVMSG and NOTICE for ``session``; own echoes settle lines in ``outbox``."""

    def __init__(self, session: ChatSession, outbox: Outbox) -> None:
        self._session = session
        self._outbox = outbox

    def privmsg(self, msg: Message) -> None:
        s = self._session
        sender, target, text = nick_of(msg.source), msg.param(0), msg.param(1)
        kind = "message"
        own = s.connection.is_me(sender)
        out = self._outbox.match(msg, ("sent", "unsure")) if own else None
        ctcp = parse_ctcp(text)
        if ctcp is not None and ctcp[0] == "DCC" and not own:
            if s.files_from_strangers or self._shares_a_room(sender):
                s.dcc.handle_ctcp(sender, ctcp[1])
            else:
                note = f"{sender} (in none of your rooms) offered a file: ignored."
                s.add_line(SERVER_ROOM, ChatLine(message_time(msg), "", note, "info"))
            return
        if ctcp is not None:
            if ctcp[0] != "ACTION":
                return  # other CTCP (VERSION, PING …) is not shown
            kind, text = "action", ctcp[1]
        if out is not None:  # the echo of a message we sent: confirmed
            stamp, msgid = message_time(msg), msg.tags.get("msgid", "")
            line = ChatLine(stamp, sender, text, kind, True, msgid)
            room = s.rooms.get(out.room)
            self._outbox.settle(out, with_reply(line, msg, room.messages if room else None))
            return
        target = target.lstrip(s.connection.info.prefix_symbols) or target
        channel = s.connection.info.is_channel(target)
        name = target if channel or own else sender
        room = s.rooms.get(name)
        if room is None:
            room = s.rooms.open(name, "channel" if channel else "query")
            s.room_opened.emit(room.name)
        line = ChatLine(message_time(msg), sender, text, kind, own, msg.tags.get("msgid", ""))
        line = with_reply(line, msg, room.messages)
        if not s.add_line(room.name, line):
            return  # seen already
        s._fetch_link_images(room.name, line)
        if own:
            return  # our own: nothing to draw attention to
        info = s.connection.info
        if not channel or s.attention_rule.mentions(text, s.nick, info.fold):
            if room.unread:  # counted unread (nobody looking): marked apart in the room list
                room.highlights += 1
                s.rooms.changed(room)
            s.attention.emit(room.name, sender, text)
        elif s.attention_rule.every_message:
            s.attention.emit(room.name, sender, text)

    def notice(self, msg: Message) -> None:
        s = self._session
        sender, target = nick_of(msg.source), msg.param(0)
        ctcp = parse_ctcp(msg.param(1))
        out = self._outbox.match(msg, ("sent", "unsure")) if s.connection.is_me(sender) else None
        if out is not None:  # the echo of a notice we sent: confirmed
            stamp, msgid = message_time(msg), msg.tags.get("msgid", "")
            self._outbox.settle(out, ChatLine(stamp, sender, msg.param(1), "notice", True, msgid))
            return
        if ctcp is not None:  # a CTCP reply: DCC REJECT means an offer was declined
            if ctcp[0] == "DCC" and self._shares_a_room(sender):
                s.dcc.handle_ctcp(sender, ctcp[1])
            elif ctcp[0] != "DCC":  # the answer to a /ctcp
                s.commands.replies.ctcp_reply(msg, *ctcp)
            return
        room = s.rooms.get(target) if s.connection.info.is_channel(target) else None
        line = ChatLine(message_time(msg), sender, msg.param(1), "notice")
        s.add_line(room.name if room is not None else SERVER_ROOM, line)

    def _shares_a_room(self, nick: str) -> bool:
        return any(
            room.members.find(nick) is not None
            for room in self._session.rooms.rooms()
            if room.kind == "channel"
        )
