"""What the server's messages do to a session's rooms: joins, parts, quits, nick changes,
kicks, modes, topics, messages, notices and numerics, and chat history replayed in batches
(merged into a room when its batch ends).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.client.conversation import Conversation
from app.client.history_batches import HistoryBatches
from app.client.liveness import NickKeeper
from app.client.message_events import MessageEvents
from app.client.models import ChatLine, Room
from app.client.multiline import MultilineBatches
from app.client.outbox import Outbox
from app.client.text import SERVER_ROOM, address_of, message_time, nick_of, reason_of
from app.protocol.message import Message
from app.protocol.names import mentions
from app.protocol.netsplit import split_servers

if TYPE_CHECKING:
    from app.client.session import ChatSession


def last_msgid(room: Room) -> str:
    """The msgid of the newest line of ``room`` that has one (where a catch-up starts)."""
    lines = room.messages.lines()
    return next((ln.msgid for ln in reversed(lines) if ln.msgid), "")


@dataclass
class AttentionRule:
    """Which live messages from others call for the user (a notification): private ones,
    those naming our nick or one of ``words`` (the user's highlight words, matched as whole
    words, case aside), and with ``every_message`` all the rest too."""

    words: tuple[str, ...] = ()
    every_message: bool = False

    def mentions(self, text: str, nick: str, fold: Callable[[str], str]) -> bool:
        if mentions(text, nick, fold):
            return True
        return any(
            re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE)
            for word in self.words if word
        )


class IrcEvents:
    """Applies each message ``session``'s connection received to its rooms (members,
    topics, lines), confirms or fails own messages in ``outbox``, tells ``nick_keeper``
    when our wanted nick is freed, and hands file offers to the session's DCC."""

    def __init__(self, session: ChatSession, outbox: Outbox, nick_keeper: NickKeeper) -> None:
        self._session = session
        self._outbox = outbox
        self._nick = nick_keeper
        self.messages = MessageEvents(session, outbox)
        self.history = HistoryBatches(session, outbox)
        self.multiline = MultilineBatches(self.handle)  # draft/multiline: one message each
        self.conversation = Conversation(session, outbox)  # replies, reactions, redaction
        self._handlers = {
            "JOIN": self._irc_join,
            "PART": self._irc_part,
            "QUIT": self._irc_quit,
            "NICK": self._irc_nick,
            "KICK": self._irc_kick,
            "MODE": self._irc_mode,
            "TOPIC": self._irc_topic,
            "PRIVMSG": self.messages.privmsg,
            "NOTICE": self.messages.notice,
            "AWAY": self._irc_replied,
            "INVITE": self._irc_replied,
            "TAGMSG": self.conversation.received.tagmsg,  # reactions (not typing: typing.py)
            "REDACT": self.conversation.received.redact,
            "PONG": self.conversation.pong,
        }

    def handle(self, msg: Message) -> None:
        self._outbox.heard(msg)  # our address, and the PONGs that settle sent lines
        s = self._session  # typing, read markers, contacts look first; True: only theirs
        if s.typing.heard(msg) or s.read_markers.heard(msg) or s.contacts.heard(msg):
            return  # an answer to our typing, MARKREAD, MONITOR's numerics
        if msg.command == "BATCH":
            if self.multiline.batch(msg):  # a multiline message's start or end (handled)
                return
            ref = msg.param(0)
            ended = self.history.open.get(ref[1:]) if ref.startswith("-") else None
            self.history.batch(msg)
            if ended is not None:  # merged: after a JOIN, the lines past the read marker
                s.read_markers.history_merged(ended[0])
            return
        batch = msg.tags.get("batch") if msg.tags else None
        if batch is not None and self.multiline.line(batch, msg):
            return  # a line of a multiline message: handled whole at the batch's end
        if msg.command in ("PRIVMSG", "NOTICE", "TAGMSG") and self._session.commands.ignored(msg):
            return  # /ignore: live or replayed, messages, notices, CTCP, offers, reactions
        if batch in self.history.open:  # replayed: never applied as if it happened now
            self.history.line(batch, msg)
            return
        if msg.command == "FAIL" and msg.param(0) == "CHATHISTORY":
            for param in msg.params[1:-1]:  # the target, or the reference, is among them
                name = self._outbox.room_of(param) or param
                if self._outbox.resyncing(name):
                    self._outbox.resynced(name)
        error = (msg.command.isdecimal() and msg.command[0] in "45") or msg.command == "FAIL"
        if error and not self.conversation.refused(msg):  # not a reaction's, a REDACT's
            self._outbox.refused(msg)
        handler = self._handlers.get(msg.command)
        if handler is not None:
            handler(msg)
        elif msg.command.isdecimal():
            self._irc_numeric(msg)

    def can_replay(self) -> bool:
        s = self._session
        return {"draft/chathistory", "batch"} <= s.connection.caps and s.history_lines > 0

    # ---------------------------------------------------------------- IRC events
    def _irc_join(self, msg: Message) -> None:
        s = self._session
        nick, channel = nick_of(msg.source), msg.param(0)
        me = s.connection.is_me(nick)
        if me:
            room = s.rooms.open(channel, "channel")
            room.joined = True
            s.room_opened.emit(room.name)
        room_or_none = s.rooms.get(channel)
        if room_or_none is None:
            return
        room_or_none.members.add(nick)
        if me and "away-notify" in s.connection.caps:  # who is away already (WHO's G flag)
            s.connection.send(f"WHO {channel}")
        if me and self.can_replay():
            seen = last_msgid(room_or_none)
            if seen:  # back after a drop: everything after the last line we have
                s.connection.send(f"CHATHISTORY AFTER {channel} msgid={seen} {s.history_lines}")
            else:
                s.connection.send(f"CHATHISTORY LATEST {channel} * {s.history_lines}")
        elif me:
            self._outbox.resynced(channel)
        when, address = message_time(msg), address_of(msg.source)
        if me or not s.netsplits.join(room_or_none, nick, when, address):
            self._event(room_or_none, msg, f"{nick} joined {channel}", "join")

    def _irc_part(self, msg: Message) -> None:
        nick, channel = nick_of(msg.source), msg.param(0)
        room = self._session.rooms.get(channel)
        if room is None:
            return
        if self._session.connection.is_me(nick):
            self._left(room, msg, f"You left {channel}", "part")
            return
        room.members.remove(nick)
        self._event(room, msg, f"{nick} left {channel}{reason_of(msg, 1)}", "part")

    def _irc_quit(self, msg: Message) -> None:
        s = self._session
        nick = nick_of(msg.source)
        self._nick.freed(nick)
        servers = split_servers(msg.param(0))
        for room in s.rooms.rooms():
            if not room.members.remove(nick):
                continue
            if servers is None:
                self._event(room, msg, f"{nick} quit{reason_of(msg, 0)}", "quit")
            else:  # a netsplit: one line for all who leave with it
                s.netsplits.quit(room, nick, servers, message_time(msg), address_of(msg.source))

    def _irc_nick(self, msg: Message) -> None:
        s = self._session
        old, new = nick_of(msg.source), msg.param(0)
        if s.connection.is_me(new):  # the connection has taken the change already
            self._nick.nick_changed(new)
        else:
            self._nick.freed(old)
        for room in s.rooms.rooms():
            if room.members.rename(old, new):
                self._event(room, msg, f"{old} is now known as {new}", "nick")
        query = s.rooms.get(old)
        if query is not None and query.kind == "query":
            query.name = new
            s.rooms.changed(query)

    def _irc_kick(self, msg: Message) -> None:
        channel, target = msg.param(0), msg.param(1)
        room = self._session.rooms.get(channel)
        if room is None:
            return
        by, reason = nick_of(msg.source), reason_of(msg, 2)
        if self._session.connection.is_me(target):
            self._left(room, msg, f"You were kicked from {channel} by {by}{reason}", "kick")
            return
        room.members.remove(target)
        self._event(room, msg, f"{target} was kicked by {by}{reason}", "kick")

    def _irc_mode(self, msg: Message) -> None:
        target = msg.param(0)
        room = self._session.rooms.get(target)
        if room is None or room.kind != "channel":
            return
        info = self._session.connection.info
        chanmodes = [*(info.tokens.get("CHANMODES") or "beI,k,l,").split(","), "", "", ""]
        always, when_set = chanmodes[0] + chanmodes[1], chanmodes[2]
        sign, args = "+", list(msg.params[2:])
        for letter in msg.param(1):
            if letter in "+-":
                sign = letter
            elif letter in info.prefix_modes and args:
                room.members.set_mode(args.pop(0), letter, sign == "+")
            elif args and (letter in always or (letter in when_set and sign == "+")):
                args.pop(0)
        text = " ".join(msg.params[1:])
        self._event(room, msg, f"{nick_of(msg.source)} sets mode {text}", "mode")

    def _irc_topic(self, msg: Message) -> None:
        room = self._session.rooms.get(msg.param(0))
        if room is None:
            return
        room.topic = msg.param(1)
        self._session.rooms.changed(room)
        self._event(room, msg, f"{nick_of(msg.source)} changed the topic to: {room.topic}", "topic")

    def _irc_numeric(self, msg: Message) -> None:
        s = self._session
        code = msg.command
        if self._nick.on_numeric(code):
            return  # our quiet attempt to get our nick back
        if code in ("433", "432") and s.connection.state == "registering":
            return  # the connection tries another nick, and nick_in_use says so
        if s.commands.replies.handle(msg):
            return  # a reply to a typed command (WHOIS …), an error in words, /list's rows
        if code == "332":
            room = s.rooms.get(msg.param(1))
            if room is not None:
                room.topic = msg.param(2)
                s.rooms.changed(room)
            return
        if code == "353":
            room = s.rooms.get(msg.param(2))
            if room is not None:
                for item in msg.param(3).split():
                    modes, nick = s.connection.info.split_prefix(item)
                    room.members.add(nick.partition("!")[0], modes)
            return
        if code in ("333", "366", "005", "004", "329", "324", "315", "352", "354"):
            return
        text = msg.params[-1] if msg.params else ""
        if code in ("252", "253", "254") and len(msg.params) > 2:  # "3 channels formed"
            text = f"{msg.params[1]} {text}"
        elif code[0] == "4" and len(msg.params) > 2:
            text = f"{msg.params[1]}: {text}"
        kind = "error" if code[0] in "45" and code != "422" else "info"  # 422: no MOTD
        where = s.commands.reply_room() if kind == "error" else SERVER_ROOM
        s.add_line(where, ChatLine(message_time(msg), "", text, kind))

    def _irc_replied(self, msg: Message) -> None:
        """AWAY (away-notify: greyed in the member lists) and INVITE, said by replies.py."""
        replies = self._session.commands.replies
        (replies.away if msg.command == "AWAY" else replies.invite)(msg)

    # ---------------------------------------------------------------- helpers
    def _left(self, room: Room, msg: Message, text: str, kind: str) -> None:
        """We are no longer in ``room`` (parted or kicked): it stays, without members."""
        room.joined = False
        room.members.clear()
        self._event(room, msg, text, kind)

    def _event(self, room: Room, msg: Message, text: str, kind: str) -> None:
        line = ChatLine(message_time(msg), nick_of(msg.source), text, kind)
        self._session.add_line(room.name, line)
