"""The outbox: the user's own messages, shown at once as pending until the server confirms.

Messages are kept while offline and sent after the reconnect. Text longer than one line is cut
into as many lines as the server relays whole (app/protocol/split.py), each its own pending
line, as the others will see them. Text of several lines goes as one draft/multiline batch
(app/client/multiline.py), one pending line that its echoed batch confirms; more than the
server takes in one batch goes as several; without the cap, line by line. Messages for a room
still catching up after a reconnect wait for its history; one the link lost and the catch-up
did not show is failed, to resend or discard.

How a line sent is settled. IRC servers handle one client's lines in order, and everything they
answer to a line comes before what they answer to the next one. So:

* With echo-message, a line's echo confirms it (matched by label, else by command, target and
  text). An error reply refuses the oldest line in flight it names: by label, else by a target
  parameter. A message refusal that names none of our targets (417 input too long, 412,
  ``FAIL PRIVMSG …``) refuses the oldest line in flight: every older one was answered already.
* After each batch of lines, a sentinel ``PING :chatbox-<n>`` goes in the same queue. Its PONG
  means the server has handled every line sent before it: those it neither echoed nor refused
  are failed ("The server did not take it": dropped in silence, as a NOTICE to a channel that
  refuses it is). No line waits at "sending…" for longer than the server takes to answer.
* Without echo-message nothing confirms a line by itself: a sentinel follows each line, and its
  PONG marks the line sent unless a refusal came first. One sentinel per line keeps "the oldest
  line in flight" the very line the server is on, so an untargeted refusal finds its line.
* A refusal taken for a line that then echoes was another command's: the echo settles it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Slot

from app.client.models import ChatLine, ReplyPreview
from app.client.multiline import batch_wire, limits_of, pieces
from app.protocol.ctcp import parse_ctcp
from app.protocol.message import Message, format_line, serialize_tags
from app.protocol.refusal import read_refusal, reason_words
from app.protocol.split import OwnMask, relay_budget, split_for_relay

if TYPE_CHECKING:
    from app.client.session import ChatSession

RESYNC_TIMEOUT_MS = 15_000  # catch-up after a reconnect that never ends: send anyway
SENTINEL = "chatbox-"  # PING :chatbox-<n>, after our lines
NOT_TAKEN = "The server did not take it"
LINK_LOST = "The connection dropped before the server confirmed it"


@dataclass(eq=False)
class Outgoing:
    """A message line the user sent that the server has not confirmed yet.

    ``state``: "queued" (waiting for the link or the catch-up), "sent" (on its way: waiting
    for the echo or the sentinel), "unsure" (sent, then the link dropped: the catch-up will
    tell), "failed".
    """

    room: str
    target: str
    text: str  # the PRIVMSG / NOTICE text, CTCP ACTION framing included
    line: ChatLine  # as shown now
    state: str = "queued"
    label: str = ""
    command: str = "PRIVMSG"
    sentinel: int = 0  # the PING :chatbox-<n> that followed it (0: none in flight)
    echo: bool = False  # sent with echo-message: its echo confirms it
    tags: dict[str, str] = field(default_factory=dict)  # client tags (a reply's)
    multiline: bool = False  # ``text`` (lines joined by "\n") goes as one batch


class Outbox(QObject):
    """The own messages of ``session`` not confirmed yet, oldest first; it shows them in
    the session's rooms and sends them on the session's connection."""

    def __init__(self, session: ChatSession) -> None:
        super().__init__(session)
        self._session = session
        self._items: list[Outgoing] = []
        self._labels = itertools.count(1)
        self._sentinels = itertools.count(1)
        self._mask = OwnMask()  # our user@host, as others see it: counts in each line
        self._resyncing: set[str] = set()  # folded rooms still catching up after a reconnect
        self._resync_refs: dict[str, str] = {}  # "msgid=…" asked after → its folded room
        self._resync_timer = QTimer(self)
        self._resync_timer.setSingleShot(True)
        self._resync_timer.timeout.connect(self._resync_all)

    @property
    def pending(self) -> list[ChatLine]:
        """Own messages not confirmed yet (queued, sent, or failed), oldest first."""
        return [o.line for o in self._items]

    def send(self, target: str, text: str, command: str = "PRIVMSG", *,
             tags: dict[str, str] | None = None, reply: ReplyPreview | None = None,
             multiline: bool = False) -> None:
        """Show a PRIVMSG (or NOTICE) the user typed as pending in its room, one line per
        piece it is cut into (per batch, ``multiline``), and send them when they may go.
        ``tags`` and ``reply`` (a reply's parent) go with the first piece."""
        session = self._session
        info = session.connection.info
        ctcp = parse_ctcp(text) if command == "PRIVMSG" else None
        kind = "action" if ctcp is not None else "notice" if command == "NOTICE" else "message"
        name = target.lstrip(info.prefix_symbols) or target
        room = session.rooms.get(name)
        if room is None:
            kind_of_room = "channel" if info.is_channel(name) else "query"
            room = session.rooms.open(name, kind_of_room)
            session.room_opened.emit(room.name)
        now = datetime.now(UTC)
        multiline = multiline and limits_of(session.connection) is not None
        for i, piece in enumerate(self._pieces(command, target, text, multiline)):
            shown = _shown(kind, piece)
            line = ChatLine(now, session.nick, shown, kind, own=True, state="pending")
            if i == 0 and reply is not None:
                line = replace(line, reply_to=reply.msgid, reply=reply)
            session.add_line(room.name, line)
            self._items.append(Outgoing(room.name, target, piece, line, command=command,
                                        tags=dict(tags or {}) if i == 0 else {},
                                        multiline=multiline))
        self.flush()

    def _budget(self, command: str, target: str) -> int:
        connection = self._session.connection
        nick = connection.nick or "x" * connection.info.nicklen
        mask = self._mask
        return relay_budget(command, target, nick, connection.info.tokens, mask.user, mask.host)

    def _pieces(self, command: str, target: str, text: str, multiline: bool = False) -> list[str]:
        budget = self._budget(command, target)
        if multiline or "\n" in text:
            limits = limits_of(self._session.connection) if multiline else None
            return pieces(text, budget, limits) or [text]
        return split_for_relay(text, budget)

    def resend(self, line: ChatLine) -> bool:
        """Send a failed message again (it shows as pending until confirmed)."""
        out = next((o for o in self._items if o.line is line and o.state == "failed"), None)
        if out is None:
            return False
        self._restate(out, replace(line, state="pending", reason="", time=datetime.now(UTC)))
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
        batch: list[Outgoing] = []
        for out in list(self._items):
            if out.state == "queued" and fold(out.room) not in self._resyncing:
                for part in self._refit(out):
                    self._transmit(part)
                    batch.append(part)
        if batch and "echo-message" in connection.caps:
            self._sentinel(batch)

    def _refit(self, out: Outgoing) -> list[Outgoing]:
        """``out`` cut again if it no longer fits (our nick or the server changed since it
        was typed): its pieces, shown in its place, the lines queued after it below them."""
        if out.multiline and limits_of(self._session.connection) is None:
            out.multiline = False  # another server (failover) without the cap: line by line
        pieces = self._pieces(out.command, out.target, out.text, out.multiline)
        if pieces == [out.text]:
            return [out]
        at = self._items.index(out)
        later = [o for o in self._items[at + 1 :] if o.room == out.room and o.state == "queued"]
        room = self._session.rooms.get(out.room)
        if room is not None:
            for other in later:
                room.messages.remove(other.line)
        out.text = pieces[0]
        self._restate(out, replace(out.line, text=_shown(out.line.kind, pieces[0])))
        parts = [out]
        for piece in pieces[1:]:
            line = replace(out.line, text=_shown(out.line.kind, piece), reply_to="", reply=None)
            parts.append(Outgoing(out.room, out.target, piece, line, command=out.command,
                                  multiline=out.multiline))
            self._session.add_line(out.room, line)
        self._items[at + 1 : at + 1] = parts[1:]
        for other in later:
            self._session.add_line(other.room, other.line)
        return parts

    def _transmit(self, out: Outgoing) -> None:
        connection = self._session.connection
        caps = connection.caps
        line = format_line(None, out.command, (out.target, out.text), trailing=True)
        out.echo = "echo-message" in caps
        tags = dict(out.tags)
        if out.echo and "labeled-response" in caps:
            out.label = f"cb{next(self._labels)}"
            tags = {"label": out.label, **tags}
        limits = limits_of(connection) if out.multiline else None
        if limits is not None:  # the label and client tags go on the opening BATCH
            budget = self._budget(out.command, out.target)
            line = batch_wire(f"cb{next(self._labels)}", out.target, out.text, budget, limits,
                              tags)
        elif tags:
            line = f"@{serialize_tags(tags)} {line}"
        out.state = "sent"
        connection.send(line)
        if not out.echo:  # nothing else will tell this line from the next one
            self._sentinel([out])

    def _sentinel(self, lines: list[Outgoing]) -> None:
        """PING after ``lines``, in the same queue: its PONG settles what is left of them."""
        number = next(self._sentinels)
        for out in lines:
            out.sentinel = number
        self._session.connection.send(f"PING :{SENTINEL}{number}")

    def heard(self, msg: Message) -> None:
        """Every message from the server, before anything else sees it: what it says of our
        address, and a sentinel's PONG."""
        self._mask.observe(msg, self._session.connection.is_me)
        token = msg.params[-1] if msg.command == "PONG" and msg.params else ""
        number = token.removeprefix(SENTINEL)
        if token.startswith(SENTINEL) and number.isdecimal():
            self._answered(int(number))

    def _answered(self, number: int) -> None:
        """The server has handled every line sent before sentinel ``number``."""
        for out in list(self._items):
            if out.state != "sent" or not 0 < out.sentinel <= number:
                continue
            if out.echo:  # neither echoed nor refused: dropped in silence
                self._fail(out, NOT_TAKEN)
            else:
                self.settle(out, replace(out.line, state="", time=datetime.now(UTC)))

    def match(self, msg: Message, states: tuple[str, ...]) -> Outgoing | None:
        """The outgoing message ``msg`` (our echo, or our line in history) confirms."""
        label = msg.tags.get("label") if msg.tags else None
        if label:
            return next((o for o in self._items if o.label == label), None)
        fold = self._session.connection.info.fold
        target, text = fold(msg.param(0)), msg.param(1)
        same = [
            o
            for o in self._items
            if o.command == msg.command and fold(o.target) == target and o.text == text
        ]
        found = next((o for o in same if o.state in states), None)
        if found is None and "sent" in states:  # a refusal taken for it was another's
            found = next((o for o in same if o.state == "failed"), None)
        return found

    def settle(self, out: Outgoing, line: ChatLine) -> None:
        """``out`` is confirmed: ``line`` (with the server's time and msgid) replaces it."""
        if out in self._items:
            self._items.remove(out)
        self._restate(out, line)

    def _fail(self, out: Outgoing, reason: str) -> None:
        out.state = "failed"
        out.sentinel = 0  # the label stays: a late echo of it still settles it
        self._restate(out, replace(out.line, state="failed", reason=reason))

    def _restate(self, out: Outgoing, line: ChatLine) -> None:
        room = self._session.rooms.get(out.room)
        if room is not None:
            room.messages.replace(out.line, line)
        out.line = line

    def refused(self, msg: Message) -> bool:
        """An error reply (4xx, 5xx, FAIL): mark the line it refuses failed, with the
        reason in words (see the module docstring for which line that is)."""
        flying = [o for o in self._items if o.state == "sent"]
        label = msg.tags.get("label") if msg.tags else None
        out = None
        if label:
            out = next((o for o in flying if o.label == label), None)
        else:
            refusal = read_refusal(msg)
            if refusal is None:
                return False
            if refusal.command:
                flying = [o for o in flying if o.command == refusal.command]
            out = self._named(flying, refusal.names)
            if out is None and refusal.untargeted and flying:
                out = flying[0]
        if out is None:
            return False
        self._fail(out, reason_words(msg, out.target))
        return True

    def _named(self, flying: list[Outgoing], names: Iterable[str]) -> Outgoing | None:
        """The oldest of ``flying`` whose target is one of ``names``."""
        info = self._session.connection.info
        wanted = {info.fold(name) for name in names}
        return next(
            (
                o
                for o in flying
                if {info.fold(o.target), info.fold(o.target.lstrip(info.prefix_symbols))}
                & wanted
            ),
            None,
        )

    def link_lost(self) -> None:
        """The link dropped: what waits for its echo may never get one."""
        for out in self._items:
            if out.state == "sent":  # the catch-up will tell
                out.state, out.label, out.sentinel = "unsure", "", 0

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
                self._fail(out, LINK_LOST)
        self.flush()

    @Slot()
    def _resync_all(self) -> None:
        for folded in list(self._resyncing):
            self.resynced(folded)


def _shown(kind: str, text: str) -> str:
    """What a line shows of the wire ``text``: an action without its CTCP framing."""
    ctcp = parse_ctcp(text) if kind == "action" else None
    return ctcp[1] if ctcp is not None else text
