"""Text too long for one IRC line, cut into lines that arrive whole when the server relays them.

A server relays ``PRIVMSG target :text`` as ``:nick!user@host PRIVMSG target :text`` + CR LF,
and that must fit in 512 bytes (or the ISUPPORT ``LINELEN``, which counts the CR LF too):
:func:`relay_budget` is what is left for the text. Our own ``user@host`` is what the server
told us (:class:`OwnMask`), else the worst case: ``USERLEN`` + 1 for the ``~`` some servers
add beyond it (default 10) and ``HOSTLEN`` (default 63).

:func:`split_text` cuts at the last space that fits, dropping that one space; a word longer than
a line is cut between two grapheme clusters (approximated: no cut before a combining mark,
variation selector, emoji modifier, ZWJ or tag character, nor after a ZWJ, nor inside a flag),
and a single cluster longer than a line between two code points. Never inside a UTF-8 sequence:
the budget is counted in encoded bytes. Pure: no Qt, no IO.
"""

from __future__ import annotations

import bisect
import itertools
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from app.protocol.ctcp import action, parse_ctcp
from app.protocol.errors import LocalProtocolError
from app.protocol.message import Message

DEFAULT_LINELEN = 512  # RFC 1459, CR LF included
DEFAULT_USERLEN = 10
DEFAULT_HOSTLEN = 63
ACTION_OVERHEAD = len(action("").encode())  # \x01ACTION …\x01
MIN_LIMIT = 4  # the longest UTF-8 code point: any text can be cut into pieces this size

_ZWJ = "\u200d"
_ABOUT_A_USER = {"352": 5, "311": 1}  # RPL_WHOREPLY, RPL_WHOISUSER: where the nick is


@dataclass(frozen=True, slots=True)
class Piece:
    """One line's worth of text; ``sep`` is what was cut away after it (" " or "")."""

    text: str
    sep: str = ""


def join_pieces(pieces: list[Piece]) -> str:
    """The text the pieces were cut from."""
    return "".join(p.text + p.sep for p in pieces)


def _extends(ch: str) -> bool:
    """``ch`` belongs to the cluster before it (approximately Unicode's Extend/SpacingMark)."""
    code = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or ch == _ZWJ
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin tones
        or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
        or 0x1160 <= code <= 0x11FF  # Hangul jamo vowels and finals
    )


def _is_flag_half(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF  # regional indicator


def _breaks_before(text: str, index: int) -> bool:
    """May a line end between ``text[index - 1]`` and ``text[index]``?"""
    if index <= 0 or index >= len(text):
        return True
    ch, before = text[index], text[index - 1]
    if _extends(ch) or before == _ZWJ:
        return False
    if _is_flag_half(ch) and _is_flag_half(before):
        run = 0
        while index - run - 1 >= 0 and _is_flag_half(text[index - run - 1]):
            run += 1
        return run % 2 == 0  # flags pair up from the start of the run
    return True


def split_text(text: str, limit: int) -> list[Piece]:
    """Cut ``text`` into pieces of at most ``limit`` UTF-8 bytes each (none for "")."""
    if limit < MIN_LIMIT:
        raise LocalProtocolError(f"a line budget of {limit} bytes cannot hold every character")
    ends = [0, *itertools.accumulate(len(ch.encode("utf-8", "surrogatepass")) for ch in text)]
    pieces: list[Piece] = []
    start, n = 0, len(text)
    while start < n:
        if ends[n] - ends[start] <= limit:
            pieces.append(Piece(text[start:]))
            break
        end = bisect.bisect_right(ends, ends[start] + limit) - 1  # text[start:end] fits
        space = text.rfind(" ", start + 1, end + 1)
        if space > start:
            pieces.append(Piece(text[start:space], " "))
            start = space + 1
            continue
        cut = end
        while cut > start and not _breaks_before(text, cut):
            cut -= 1
        if cut == start:  # one cluster longer than a line: between code points
            cut = end
        pieces.append(Piece(text[start:cut]))
        start = cut
    return pieces


def _number(tokens: Mapping[str, str | None], key: str, default: int) -> int:
    value = tokens.get(key)
    return int(value) if value and value.isdecimal() and int(value) > 0 else default


def relay_budget(
    command: str,
    target: str,
    nick: str,
    tokens: Mapping[str, str | None],
    user: str | None = None,
    host: str | None = None,
) -> int:
    """Bytes of text that fit in one ``command`` to ``target`` as the server relays it.

    ``tokens``: the server's ISUPPORT; ``user`` / ``host``: ours as the server told us
    (None: unknown, assume the longest the server allows)."""
    linelen = _number(tokens, "LINELEN", DEFAULT_LINELEN)
    if user is None:
        user = "~" * (_number(tokens, "USERLEN", DEFAULT_USERLEN) + 1)
    if host is None:
        host = "h" * _number(tokens, "HOSTLEN", DEFAULT_HOSTLEN)
    fixed = len(f":{nick}!{user}@{host} {command} {target} :".encode())
    return max(MIN_LIMIT, linelen - 2 - fixed)


def split_for_relay(text: str, budget: int) -> list[str]:
    """The wire texts ``text`` becomes: each fits in ``budget`` bytes; a CTCP ACTION (/me)
    is cut inside its framing, each piece framed again."""
    ctcp = parse_ctcp(text)
    if ctcp is not None and ctcp[0] == "ACTION":
        body = text[len("\x01ACTION ") :].removesuffix("\x01")
        pieces = split_text(body, max(MIN_LIMIT, budget - ACTION_OVERHEAD))
        return [action(p.text) for p in pieces] or [text]
    return [p.text for p in split_text(text, budget)] or [text]


@dataclass
class OwnMask:
    """Our ``user`` and ``host`` as the server shows them to others (None: not told yet)."""

    user: str | None = None
    host: str | None = None

    def observe(self, msg: Message, is_me: Callable[[str], bool]) -> None:
        """Learn from one message: our own messages' source (JOIN, echoes …), 001, 396,
        CHGHOST, and WHO, WHOIS and USERHOST replies about us."""
        command, params = msg.command, msg.params
        if command == "001":
            self.user = self.host = None  # a new connection
            last = params[-1].split()[-1] if params and params[-1].split() else ""
            self._take_mask(last, is_me)
        elif msg.source:
            self._take_mask(msg.source, is_me)
        if command == "CHGHOST" and len(params) >= 2 and msg.source:
            if is_me(msg.source.partition("!")[0]):
                self.user, self.host = params[0], params[1]
        elif command == "396" and len(params) >= 3:  # RPL_VISIBLEHOST: host or user@host
            user, at, host = params[1].rpartition("@")
            self.host = host
            if at:
                self.user = user
        elif command in _ABOUT_A_USER:  # WHO, WHOIS: user and host are params 2 and 3
            where = _ABOUT_A_USER[command]
            if len(params) > max(where, 3) and is_me(params[where]):
                self.user, self.host = params[2], params[3]
        elif command == "302" and params:  # USERHOST: nick[*]=[+-]user@host …
            for item in params[-1].split():
                nick, _, rest = item.partition("=")
                if is_me(nick.rstrip("*")) and "@" in rest:
                    self.user, _, self.host = rest[1:].partition("@")

    def _take_mask(self, mask: str, is_me: Callable[[str], bool]) -> None:
        nick, bang, address = mask.partition("!")
        user, at, host = address.partition("@")
        if bang and at and user and host and is_me(nick):
            self.user, self.host = user, host
