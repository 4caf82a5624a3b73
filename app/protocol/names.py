"""Nick and channel name rules, and ban-style ``nick!user@host`` masks."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from app.protocol.casemap import irc_lower

NICKLEN = 30
CHANNELLEN = 50
USERLEN = 18
CHANTYPES = "#"

_SPECIAL = r"\[\]\\`_\^\{\|\}"
_NICK_RE = re.compile(rf"[A-Za-z{_SPECIAL}][A-Za-z0-9{_SPECIAL}\-]*\Z")
_CHANNEL_FORBIDDEN = frozenset(" ,\x07\0\r\n:")


def is_valid_nick(nick: str, nicklen: int = NICKLEN) -> bool:
    """True for a nick a server accepts: a letter or special first, then letters, digits,
    specials and ``-``; at most ``nicklen`` characters."""
    return 0 < len(nick) <= nicklen and _NICK_RE.match(nick) is not None


def nick_problem(nick: str, nicklen: int = NICKLEN) -> str | None:
    """Why ``nick`` is not valid, in words, or None when it is (for dialogs and 432)."""
    if not nick:
        return "A nickname cannot be empty."
    if len(nick) > nicklen:
        return f"A nickname can have at most {nicklen} characters."
    if nick[0].isdecimal() or nick[0] == "-":
        return "A nickname cannot start with a digit or '-'."
    if _NICK_RE.match(nick) is None:
        return "A nickname can use letters, digits and - [ ] \\ ` _ ^ { | } only."
    return None


def is_channel_name(name: str, chantypes: str = CHANTYPES) -> bool:
    """True when ``name`` is addressed as a channel (starts with a channel type)."""
    return bool(name) and name[0] in chantypes


def is_valid_channel(name: str, chantypes: str = CHANTYPES, channellen: int = CHANNELLEN) -> bool:
    """A channel type, then at least one character; no space, comma, BEL, colon, NUL, CR, LF."""
    return (
        1 < len(name) <= channellen
        and name[0] in chantypes
        and not _CHANNEL_FORBIDDEN.intersection(name)
    )


@lru_cache(maxsize=4096)
def _compile_mask(mask: str) -> re.Pattern[str]:
    out = []
    for ch in irc_lower(mask):
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def mask_matches(mask: str, text: str) -> bool:
    """Glob match (``*``, ``?``) under rfc1459 case mapping, as for bans and WHO masks."""
    return _compile_mask(mask).match(irc_lower(text)) is not None


def normalize_mask(mask: str) -> str:
    """Complete a ban mask: ``nick`` → ``nick!*@*``, ``user@host`` → ``*!user@host``.

    An empty part becomes ``*`` (``@host`` → ``*!*@host``): left empty it would match nobody.
    """
    if "!" not in mask and "@" not in mask:
        if "." in mask or ":" in mask:
            return f"*!*@{mask}"
        return f"{mask}!*@*"
    nick, bang, rest = mask.partition("!")
    if not bang:
        nick, rest = "*", mask
    user, _, host = rest.partition("@")
    return f"{nick or '*'}!{user or '*'}@{host or '*'}"


_WORD_RE = re.compile(rf"[A-Za-z0-9{_SPECIAL}\-]+")


def mentions(text: str, nick: str, fold: Callable[[str], str] = irc_lower) -> bool:
    """True when ``nick`` appears in ``text`` as a whole word (``alice:``, ``@alice``,
    ``hi alice!``), compared under the server's case mapping; ``malice`` does not count."""
    if not nick:
        return False
    folded = fold(nick)
    return any(fold(word) == folded for word in _WORD_RE.findall(text))
