"""What a room holds: lines (messages, actions, notices, events), as pure frozen data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Reaction:
    """One react (or, with ``unreact``, take-back) event on a message: a log entry, not a
    count; totals are worked out when shown (:func:`reaction_totals`)."""

    sender: str
    text: str  # the emoji (or short text) reacted with
    unreact: bool = False
    msgid: str = ""  # of the TAGMSG that carried it, when the server gave one


@dataclass(frozen=True, slots=True)
class ReplyPreview:
    """What a reply shows of its parent: who said what. ``sender`` "" while the parent is
    not loaded ("a message not loaded here")."""

    msgid: str
    sender: str = ""
    text: str = ""
    redacted: bool = False


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One line of a room: a message, an action, a notice, or an event (join, part …)."""

    time: datetime
    sender: str
    text: str
    kind: str = "message"  # message action notice join part quit nick kick mode topic info error
    own: bool = False
    msgid: str = ""
    history: bool = False  # replayed from the server's history, not live
    state: str = ""  # own lines: "pending" (not confirmed yet), "failed" (not sent), or ""
    image: str = ""  # a local image file shown under the text (a received or sent picture)
    reason: str = ""  # a failed own line: why, in words
    reply_to: str = ""  # the msgid this message answers (+reply), or ""
    reply: ReplyPreview | None = None  # what is shown of that parent
    reactions: tuple[Reaction, ...] = ()  # react/unreact events, oldest first
    redacted: bool = False  # taken back (REDACT): shown as "message deleted"
    # A multi-line message (draft/multiline) keeps its line breaks in ``text``.


def reaction_totals(line: ChatLine, fold: Callable[[str], str] = str.lower,
                    me: str = "") -> list[tuple[str, list[str], bool]]:
    """The reactions to show under ``line``: (text, the nicks who reacted, whether ``me``
    is one of them), in the order each text first appeared. A sender counts while their
    reacts with a text outnumber their unreacts (as Halloy's ``visible_reactions``)."""
    tally: dict[str, dict[str, tuple[str, int]]] = {}
    for reaction in line.reactions:
        senders = tally.setdefault(reaction.text, {})
        key = fold(reaction.sender)
        name, count = senders.get(key, (reaction.sender, 0))
        senders[key] = (name, count + (-1 if reaction.unreact else 1))
    shown = []
    for text, senders in tally.items():
        nicks = [name for name, count in senders.values() if count > 0]
        if nicks:
            shown.append((text, nicks, any(fold(n) == fold(me) for n in nicks) if me else False))
    return shown
