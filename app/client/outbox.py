"""The outbox: the user's own messages, shown at once as pending until the server confirms.

Messages are kept while offline and sent after the reconnect. With echo-message each stays
pending until its echo arrives (matched by label, or by target and text); one the server
refused, or that the link lost and the catch-up did not show, is marked failed, to resend or
discard. Messages for a room still catching up after a reconnect wait for its history.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Slot

from app.client.models import ChatLine
from app.protocol.ctcp import parse_ctcp
from app.protocol.message import Message, format_line

if TYPE_CHECKING:
    from app.client.session import ChatSession

RESYNC_TIMEOUT_MS = 15_000  # catch-up after a reconnect that never ends: send anyway


@dataclass(eq=False)
class Outgoing:
    """A message the user sent that the server has not confirmed yet.

    ``state``: "queued" (waiting for the link or the catch-up), "sent" (waiting for the
    echo), "unsure" (sent, then the link dropped: the catch-up will tell), "failed".
    """

    room: str
    target: str
    text: str  # the PRIVMSG text, CTCP ACTION framing included
    line: ChatLine  # as shown now
    state: str = "queued"
    label: str = ""


class Outbox(QObject):
    """The own messages of ``session`` not confirmed yet, oldest first; it shows them in
    the session's rooms and sends them on the session's connection."""

    def __init__(self, session: ChatSession) -> None:
        super().__init__(session)
        self._session = session
        self._items: list[Outgoing] = []
        self._labels = itertools.count(1)
        self._resyncing: set[str] = set()  # folded rooms still catching up after a reconnect
        self._resync_refs: dict[str, str] = {}  # "msgid=…" asked after → its folded room
        self._resync_timer = QTimer(self)
        self._resync_timer.setSingleShot(True)
        self._resync_timer.timeout.connect(self._resync_all)

    @property
    def pending(self) -> list[ChatLine]:
        """Own messages not confirmed yet (queued, sent, or failed), oldest first."""
        return [o.line for o in self._items]

    def send(self, target: str, text: str) -> None:
        """Show a PRIVMSG the user typed as pending in its room, and send it when it may go."""
        session = self._session
        info = session.connection.info
        ctcp = parse_ctcp(text)
        kind, shown = ("action", ctcp[1]) if ctcp is not None else ("message", text)
        name = target.lstrip(info.prefix_symbols) or target
        room = session.rooms.get(name)
        if room is None:
            kind_of_room = "channel" if info.is_channel(name) else "query"
            room = session.rooms.open(name, kind_of_room)
            session.room_opened.emit(room.name)
        line = ChatLine(datetime.now(UTC), session.nick, shown, kind, own=True, state="pending")
        session._line(room.name, line)
        self._items.append(Outgoing(room.name, target, text, line))
        self.flush()

    def resend(self, line: ChatLine) -> bool:
        """Send a failed message again (it shows as pending until confirmed)."""
        out = next((o for o in self._items if o.line is line and o.state == "failed"), None)
        if out is None:
            return False
        self._restate(out, replace(line, state="pending", time=datetime.now(UTC)))
        out.state = "queued"
        self.flush()
        return True

    def discard(self, line: ChatLine) -> bool:
        """Forget a failed message."""
        out = next((o for o in self._items if o.line is line and o.state == "failed"), None)
        if out is None:
            return False
        self._items.remove(out)
        room = self._session.rooms.get(out.room)
        if room is not None:
            room.messages.remove(line)
        return True

    def flush(self) -> None:
        """Send what waits, unless offline or its room is still catching up."""
        connection = self._session.connection
        if connection.state != "connected":
            return
        fold = connection.info.fold
        for out in list(self._items):
            if out.state == "queued" and fold(out.room) not in self._resyncing:
                self._transmit(out)

    def _transmit(self, out: Outgoing) -> None:
        connection = self._session.connection
        caps = connection.caps
        line = format_line(None, "PRIVMSG", (out.target, out.text), trailing=True)
        if "echo-message" not in caps:  # no confirmation will come: sent is shown
            connection.send(line)
            self.settle(out, replace(out.line, state="", time=datetime.now(UTC)))
            return
        if "labeled-response" in caps:
            out.label = f"cb{next(self._labels)}"
            line = f"@label={out.label} {line}"
        out.state = "sent"
        connection.send(line)

    def match(self, msg: Message, states: tuple[str, ...]) -> Outgoing | None:
        """The outgoing message ``msg`` (our echo, or our line in history) confirms."""
        label = msg.tags.get("label") if msg.tags else None
        if label:
            return next((o for o in self._items if o.label == label), None)
        fold = self._session.connection.info.fold
        target, text = fold(msg.param(0)), msg.param(1)
        return next(
            (
                o
                for o in self._items
                if o.state in states and fold(o.target) == target and o.text == text
            ),
            None,
        )

    def settle(self, out: Outgoing, line: ChatLine) -> None:
        """``out`` is confirmed: ``line`` (with the server's time and msgid) replaces it."""
        if out in self._items:
            self._items.remove(out)
        self._restate(out, line)

    def _fail(self, out: Outgoing) -> None:
        out.state = "failed"
        out.label = ""
        self._restate(out, replace(out.line, state="failed"))

    def _restate(self, out: Outgoing, line: ChatLine) -> None:
        room = self._session.rooms.get(out.room)
        if room is not None:
            room.messages.replace(out.line, line)
        out.line = line

    def refused(self, msg: Message) -> bool:
        """An error reply to one of our messages: mark it failed (and show the reply)."""
        label = msg.tags.get("label") if msg.tags else None
        out = None
        if label:
            out = next((o for o in self._items if o.label == label), None)
        elif msg.command in ("401", "404") and len(msg.params) > 2:  # no such nick, +n/+m
            info = self._session.connection.info
            fold, target = info.fold, info.fold(msg.param(1))
            out = next(
                (o for o in self._items if o.state == "sent" and fold(o.target) == target), None
            )
        if out is None or out.state != "sent":
            return False
        self._fail(out)
        return True

    def link_lost(self) -> None:
        """The link dropped: what waits for its echo may never get one."""
        for out in self._items:
            if out.state == "sent":  # the catch-up will tell
                out.state, out.label = "unsure", ""

    # ---------------------------------------------------------------- catching up
    def begin_resync(self, names: Iterable[str]) -> None:
        """After a reconnect: messages for these rooms wait until their catch-up is in."""
        fold = self._session.connection.info.fold
        self._resyncing = {fold(name) for name in names}
        self._resync_refs.clear()

    def expect_resync(self, name: str, reference: str) -> None:
        """One more room to wait for (a private chat whose history was asked for, after
        ``reference``: a FAIL naming it, when the server has no such message for us, ends
        the wait — a guest's new connection has no private history of its own yet)."""
        folded = self._session.connection.info.fold(name)
        self._resyncing.add(folded)
        self._resync_refs[reference] = folded

    def room_of(self, reference: str) -> str | None:
        """The room whose catch-up was asked for after ``reference``, if one was."""
        return self._resync_refs.get(reference)

    def resync_requested(self) -> None:
        """Every catch-up was asked for: wait for them at most RESYNC_TIMEOUT_MS, and send
        what may go now."""
        if self._resyncing:
            self._resync_timer.start(RESYNC_TIMEOUT_MS)
        self.flush()

    def resyncing(self, name: str) -> bool:
        return self._session.connection.info.fold(name) in self._resyncing

    def resynced(self, name: str) -> None:
        """``name`` caught up after a reconnect: what the link lost and history did not
        show is failed; what waited is sent now."""
        fold = self._session.connection.info.fold
        self._resyncing.discard(fold(name))
        for out in list(self._items):
            if out.state == "unsure" and fold(out.room) == fold(name):
                self._fail(out)
        self.flush()

    @Slot()
    def _resync_all(self) -> None:
        for folded in list(self._resyncing):
            self.resynced(folded)
