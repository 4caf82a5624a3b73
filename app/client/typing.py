"""Typing notifications (IRCv3 client-tags/typing): ours, sent as TAGMSG while the user
types, and others', said under the room as "alice is typing…".

Ours, per room: ``+typing=active`` while the text changes (again every THROTTLE_S while it
goes on changing), ``paused`` once when it stood still for PAUSE_S, ``done`` once when it
was cleared (or became a /command) without being sent. No two notifications to one target
within THROTTLE_S (the spec's throttle): one due sooner waits for its turn, and one
overtaken meanwhile (typing again before a ``done`` went) is never sent. A sent message
ends typing by itself at the receivers ("a message is received from the sender"), so
nothing is sent for it. Nothing at all is sent unless ``enabled``, the server acked
message-tags and its CLIENTTAGDENY lets ``typing`` through, and the room is a channel we
are in or a private chat. With labeled-response each carries a ``typing…`` label, so the
server's answer to it (an ACK, an error for a nick gone offline) is dropped here, never
said in a room nor taken for a refused message.

Others', per room: the nicks typing, each until their ``active`` is ACTIVE_S old, their
``paused`` PAUSED_S, they say ``done``, send a message (PRIVMSG, NOTICE, TAGMSG, a
multiline batch), leave or quit; a NICK change carries them along. Our own echo never shows.

One single-shot timer serves both, set for the next deadline; ``clock`` (monotonic
seconds) can be replaced in tests, which then call :meth:`TypingTracker.tick`.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.client.text import nick_of
from app.protocol.isupport import tag_denied
from app.protocol.message import Message

if TYPE_CHECKING:
    from app.client.session import ChatSession

log = logging.getLogger("chatbox.client")

THROTTLE_S = 3.0  # "not sent within 3 seconds of another one for a given target"
PAUSE_S = 3.0  # the text stood still this long: paused
ACTIVE_S = 6.0  # others: "6 seconds have passed since the last typing=active"
PAUSED_S = 30.0  # others: "30 seconds have elapsed since the last typing=paused"
TAGS = ("+typing", "+draft/typing")  # the spec's name; some clients send the draft one
LABEL = "typing"
_NEVER = -math.inf


def typing_words(nicks: list[str]) -> str:
    """"alice is typing…", "alice and bob are typing…", "3 people are typing…", or ""."""
    if not nicks:
        return ""
    if len(nicks) == 1:
        return f"{nicks[0]} is typing…"
    if len(nicks) == 2:
        return f"{nicks[0]} and {nicks[1]} are typing…"
    return f"{len(nicks)} people are typing…"


@dataclass
class _Ours:
    """What we told one target, and what the input holds."""

    target: str
    text: str = ""
    edited: float = _NEVER  # the last change that left text to send
    sent_at: float = _NEVER  # the last notification
    said: str = ""  # what the others believe: "", "active", "paused" or "done"


class TypingTracker(QObject):
    """Typing state of ``session``'s rooms. Signals: typing_changed(str): who types in this
    room changed (read it with :meth:`text`)."""

    typing_changed = Signal(str)

    def __init__(self, session: ChatSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.enabled = True  # "Let others see when I am typing"
        self.clock: Callable[[], float] = time.monotonic
        self._ours: dict[str, _Ours] = {}  # folded room → our state there
        self._theirs: dict[str, dict[str, tuple[str, float]]] = {}  # room → nick → (as is, until)
        self._names: dict[str, str] = {}  # folded room → its name as last seen
        self._labels = itertools.count(1)
        self._replies: set[str] = set()  # labeled-response batches answering ours
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.tick)
        session.connection.disconnected.connect(self._on_disconnected)

    # ---------------------------------------------------------------- the input
    @Slot(str, str)
    def typed(self, room: str, text: str) -> None:
        """The input of ``room`` changed to ``text`` ("" once cleared)."""
        key = self._fold(room)
        if not self._may_send(room):
            self._ours.pop(key, None)
            return
        ours = self._ours.setdefault(key, _Ours(room))
        ours.target = room
        if text == ours.text:
            return  # not an edit (a draft put back when the room is shown again)
        ours.text = text
        if _announced(text):
            ours.edited = self.clock()
        self.tick()

    @Slot(str)
    def sent(self, room: str) -> None:
        """What the input of ``room`` held was sent: the message itself ends our typing."""
        ours = self._ours.get(self._fold(room))
        if ours is not None:
            ours.text, ours.said, ours.edited = "", "", _NEVER

    # ---------------------------------------------------------------- others
    def text(self, room: str) -> str:
        """Who types in ``room``, in words ("" when nobody)."""
        typists = self._theirs.get(self._fold(room), {})
        return typing_words([nick for nick, _until in typists.values()])

    def typing(self, room: str) -> list[str]:
        """The nicks typing in ``room``, first to start first."""
        return [nick for nick, _until in self._theirs.get(self._fold(room), {}).values()]

    def heard(self, msg: Message) -> bool:
        """Look at every message from the server; True when it was only the answer to one of
        our notifications (then nothing else should see it)."""
        tags = msg.tags or {}
        command = msg.command
        if tags.get("label", "").startswith(LABEL):
            if command == "BATCH" and msg.param(0).startswith("+"):
                self._replies.add(msg.param(0)[1:])  # several lines answer it
            return True
        if tags.get("batch") in self._replies:
            return True
        if command == "BATCH" and msg.param(0)[1:] in self._replies:
            self._replies.discard(msg.param(0)[1:])
            return True
        if command in ("PRIVMSG", "NOTICE", "TAGMSG"):
            self._message(msg)
        elif command == "BATCH" and msg.param(1) == "draft/multiline":
            self._stopped(self._room_of(msg.param(2), nick_of(msg.source)), nick_of(msg.source))
        elif command in ("PART", "KICK"):
            nick = nick_of(msg.source) if command == "PART" else msg.param(1)
            if self._session.connection.is_me(nick):
                self._forget_room(msg.param(0))
            else:
                self._stopped(msg.param(0), nick)
        elif command == "QUIT":
            for key in list(self._theirs):
                self._stopped(self._names[key], nick_of(msg.source))
        elif command == "NICK":
            self._renamed(nick_of(msg.source), msg.param(0))
        return False

    def _message(self, msg: Message) -> None:
        sender = nick_of(msg.source)
        if not sender or "." in sender or (msg.tags and "batch" in msg.tags):
            return  # the server's own, or a line of a batch (history, multiline)
        if self._session.connection.is_me(sender):
            return  # our own echo never shows
        room = self._room_of(msg.param(0), sender)
        state = next((msg.tags[t] for t in TAGS if t in msg.tags), None) if msg.tags else None
        if msg.command != "TAGMSG" or state is None:
            self._stopped(room, sender)  # "a message is received from the sender"
        elif state in ("active", "paused"):
            if self._session.commands.ignores.matches(msg.source):
                return
            wait = ACTIVE_S if state == "active" else PAUSED_S
            key = self._fold(room)
            typists = self._theirs.setdefault(key, {})
            was = [n for n, _ in typists.values()]
            typists[self._fold(sender)] = (sender, self.clock() + wait)
            self._names[key] = room
            if [n for n, _ in typists.values()] != was:
                self.typing_changed.emit(room)
            self._schedule()
        elif state == "done":
            self._stopped(room, sender)

    def _room_of(self, target: str, sender: str) -> str:
        """The room a message to ``target`` is shown in: the channel, or the sender's
        private chat."""
        info = self._session.connection.info
        target = target.lstrip(info.prefix_symbols) or target  # @#room: to its operators
        return target if info.is_channel(target) else sender

    def _stopped(self, room: str, nick: str) -> None:
        key = self._fold(room)
        typists = self._theirs.get(key)
        if typists is None or typists.pop(self._fold(nick), None) is None:
            return
        if not typists:
            del self._theirs[key]
        self.typing_changed.emit(self._names.get(key, room))

    def _renamed(self, old: str, new: str) -> None:
        old_key, new_key = self._fold(old), self._fold(new)
        if old_key in self._theirs:  # a private chat follows its peer's new nick
            self._theirs[new_key] = self._theirs.pop(old_key)
            self._names[new_key] = new
        if old_key in self._ours:
            ours = self._ours.pop(old_key)
            ours.target = new
            self._ours[new_key] = ours
        for key, typists in self._theirs.items():
            if old_key in typists:
                typists[new_key] = (new, typists.pop(old_key)[1])
                self.typing_changed.emit(self._names[key])

    def _forget_room(self, room: str) -> None:
        key = self._fold(room)
        self._ours.pop(key, None)
        if self._theirs.pop(key, None):
            self.typing_changed.emit(self._names.get(key, room))

    @Slot(str)
    def _on_disconnected(self, _reason: str) -> None:
        self._ours.clear()
        for key in list(self._theirs):
            del self._theirs[key]
            self.typing_changed.emit(self._names[key])
        self._timer.stop()

    # ---------------------------------------------------------------- the clock
    @Slot()
    def tick(self) -> None:
        """Send what is due, forget who stopped typing, and wait for the next deadline."""
        now = self.clock()
        for key, typists in list(self._theirs.items()):
            gone = [nick for nick, (_shown, until) in typists.items() if until <= now]
            for nick in gone:
                del typists[nick]
            if not typists:
                del self._theirs[key]
            if gone:
                self.typing_changed.emit(self._names[key])
        for ours in list(self._ours.values()):
            state, when = _next(ours, now)
            if state and when <= now:
                self._send(ours, state, now)
        self._schedule()

    def _schedule(self) -> None:
        now = self.clock()
        deadlines = [until for typists in self._theirs.values() for _n, until in typists.values()]
        for ours in self._ours.values():
            state, when = _next(ours, now)
            if state:
                deadlines.append(when)
        if not deadlines:
            self._timer.stop()
            return
        wait_ms = max(0, math.ceil((min(deadlines) - now) * 1000)) + 5
        self._timer.start(min(wait_ms, int(PAUSED_S * 1000)))

    def _send(self, ours: _Ours, state: str, now: float) -> None:
        if not self._may_send(ours.target):
            self._ours.pop(self._fold(ours.target), None)
            return
        ours.said, ours.sent_at = state, now
        tags = f"+typing={state}"
        if "labeled-response" in self._session.connection.caps:
            tags = f"label={LABEL}{next(self._labels)};{tags}"
        self._session.connection.send(f"@{tags} TAGMSG {ours.target}")

    def _may_send(self, room: str) -> bool:
        s = self._session
        c = s.connection
        if not self.enabled or c.state != "connected" or "message-tags" not in c.caps:
            return False
        if tag_denied(c.info.tokens.get("CLIENTTAGDENY"), "typing"):
            return False
        found = s.rooms.get(room)
        return found is not None and (
            found.kind == "query" or (found.kind == "channel" and found.joined)
        )

    def _fold(self, name: str) -> str:
        return self._session.connection.info.fold(name)


def _announced(text: str) -> bool:
    """Text that others hear being typed: not empty, not a /command."""
    return bool(text) and (not text.startswith("/") or text.startswith("//"))


def _next(ours: _Ours, now: float) -> tuple[str, float]:
    """The notification ``ours`` wants next and when it may go (``("", 0)``: none)."""
    turn = ours.sent_at + THROTTLE_S
    if not _announced(ours.text):
        return ("done", turn) if ours.said in ("active", "paused") else ("", 0.0)
    pause_at = ours.edited + PAUSE_S
    if now < pause_at:
        if ours.said != "active" or ours.edited > ours.sent_at:
            return "active", max(turn, now)
        return "paused", max(turn, pause_at)
    return ("paused", turn) if ours.said == "active" else ("", 0.0)
