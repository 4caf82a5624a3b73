"""Netsplits as a client sees them: which QUITs are a split, and one line per room for them.

When the link between two servers of a network breaks, each server tells its users that
everyone behind the broken link quit, all at once, with the reason ``"<near> <far>"``: the
names of the two servers (ngircd: ``QUIT :irc1.example irc2.example``; networks that hide
their servers say ``*.net *.split``). When the link is back, the same people JOIN again
(ngircd sends plain JOIN lines, no NAMES). A room of 50 then reads as one line each way
instead of 50: "Netsplit irc1.example ↔ irc2.example: bob, carol and 3 others left", then
"Netsplit over: bob, carol and 3 others are back".

Pure: the caller says when (``now``, monotonic seconds) each QUIT or JOIN happened, and
draws or redraws the group's line (:attr:`Group.text`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WINDOW_S = 1.5  # a QUIT (or JOIN) this soon after the group's previous one joins its line
REMEMBER_S = 3600.0  # a split-off user JOINing back within this is the split ending (irssi)
SHOWN = 2  # names spelled out before "and N others"

# irssi's quitmsg_is_split, as a pattern: exactly two host names and one space between
# them, each with at least one dot, no empty label, a top-level domain of two or more
# letters, and nothing else (no ':' or '/', no quotes: ngircd quotes what users say).
_LABEL = r"[A-Za-z0-9_*-]+"
_HOST = rf"(?:{_LABEL}\.)+[A-Za-z]{{2,}}"
_SPLIT = re.compile(rf"({_HOST}) ({_HOST})")


def split_servers(reason: str) -> tuple[str, str] | None:
    """The two servers of a netsplit QUIT reason (near side first), or None for any
    other reason ("Ping timeout", a user's ``"bye"``)."""
    match = _SPLIT.fullmatch(reason)
    if match is None or match[1].lower() == match[2].lower():
        return None
    return match[1], match[2]


def name_list(nicks: Sequence[str], shown: int = SHOWN) -> str:
    """``bob``; ``bob and carol``; ``bob, carol and dave``; ``bob, carol and 3 others``."""
    if len(nicks) <= 1:
        return "".join(nicks)
    if len(nicks) > shown + 1:
        return f"{', '.join(nicks[:shown])} and {len(nicks) - shown} others"
    return f"{', '.join(nicks[:-1])} and {nicks[-1]}"


@dataclass(eq=False)
class Group:
    """The users of one split (``kind`` "split") or of its end ("join") in one room: one
    line, redrawn as more of them arrive."""

    kind: str
    room: str
    servers: tuple[str, str]
    nicks: list[str] = field(default_factory=list)
    last: float = 0.0  # when the latest of them arrived

    @property
    def text(self) -> str:
        names = name_list(self.nicks)
        if self.kind == "split":
            near, far = self.servers
            return f"Netsplit {near} ↔ {far}: {names} left"
        return f"Netsplit over: {names} {'is' if len(self.nicks) == 1 else 'are'} back"


class NetsplitTracker:
    """Groups split QUITs and the JOINs that end a split, per room.

    ``quit()`` and ``join()`` answer ``(group, new)``: a new group needs a new line, an old
    one a redraw. A group takes arrivals until ``window_s`` passes without one. Who split
    off is remembered for ``remember_s`` (per room, by nick and ``user@host``), so their
    JOIN back is recognised; anyone else's JOIN is an ordinary one (``join()`` is None).
    """

    def __init__(
        self,
        fold: Callable[[str], str] = str.lower,
        *,
        window_s: float = WINDOW_S,
        remember_s: float = REMEMBER_S,
    ) -> None:
        self.fold = fold
        self.window_s = window_s
        self.remember_s = remember_s
        self._open: dict[tuple[str, str, tuple[str, str]], Group] = {}
        # (room, nick), folded → (user@host, the split's servers, when they left)
        self._gone: dict[tuple[str, str], tuple[str, tuple[str, str], float]] = {}

    def quit(
        self, room: str, nick: str, servers: tuple[str, str], now: float, address: str = ""
    ) -> tuple[Group, bool]:
        """``nick`` (``user@host`` ``address``) left ``room`` in the split of ``servers``."""
        self._gone[(self.fold(room), self.fold(nick))] = (address, servers, now)
        return self._add("split", room, nick, servers, now)

    def join(
        self, room: str, nick: str, now: float, address: str = ""
    ) -> tuple[Group, bool] | None:
        """``nick`` joined ``room``: their return from a split, or None (an ordinary join)."""
        key = (self.fold(room), self.fold(nick))
        gone = self._gone.pop(key, None)
        if gone is None:
            return None
        was_address, servers, when = gone
        if now - when > self.remember_s or (address and was_address and address != was_address):
            return None  # long ago, or someone else who took the nick
        return self._add("join", room, nick, servers, now)

    def expire(self, now: float) -> list[Group]:
        """Close the groups whose window has passed (returned: their lines are final) and
        forget splits older than ``remember_s``."""
        closed = [g for g in self._open.values() if now - g.last > self.window_s]
        self._open = {k: g for k, g in self._open.items() if now - g.last <= self.window_s}
        self._gone = {k: v for k, v in self._gone.items() if now - v[2] <= self.remember_s}
        return closed

    @property
    def open_groups(self) -> list[Group]:
        """Groups that may still take arrivals."""
        return list(self._open.values())

    def clear(self) -> None:
        """Forget everything (our own link dropped: we will see the room afresh)."""
        self._open.clear()
        self._gone.clear()

    def _add(
        self, kind: str, room: str, nick: str, servers: tuple[str, str], now: float
    ) -> tuple[Group, bool]:
        key = (kind, self.fold(room), servers)
        group = self._open.get(key)
        new = group is None or now - group.last > self.window_s
        if group is None or new:
            group = self._open[key] = Group(kind, room, servers)
        group.nicks.append(nick)
        group.last = now
        return group, new
