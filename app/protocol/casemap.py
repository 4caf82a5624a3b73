"""Case mapping for nicks and channel names (ISUPPORT CASEMAPPING).

``rfc1459`` treats ``[]\\~`` as the lower-case forms of ``{}|^``; ``ascii`` folds only A-Z;
``strict-rfc1459`` leaves ``~``/``^`` apart (modern-irc spells it ``rfc1459-strict``, and servers
send both). The server folds with rfc1459.
"""

from __future__ import annotations

_ASCII_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ASCII_LOWER = "abcdefghijklmnopqrstuvwxyz"

_STRICT = str.maketrans(_ASCII_UPPER + "[]\\", _ASCII_LOWER + "{}|")
_TABLES = {
    "ascii": str.maketrans(_ASCII_UPPER, _ASCII_LOWER),
    "rfc1459": str.maketrans(_ASCII_UPPER + "[]\\~", _ASCII_LOWER + "{}|^"),
    "strict-rfc1459": _STRICT,
    "rfc1459-strict": _STRICT,
}

CASEMAPPINGS = tuple(_TABLES)


def casefold(name: str, mapping: str = "rfc1459") -> str:
    """Fold ``name`` so that two names are equal exactly when the mapping says they are."""
    return name.translate(_TABLES.get(mapping, _TABLES["rfc1459"]))


def irc_lower(name: str) -> str:
    """rfc1459 folding, the server's mapping (the hot path: no table lookup)."""
    return name.translate(_TABLES["rfc1459"])
