"""CTCP inside PRIVMSG/NOTICE text: ``\\x01COMMAND args\\x01`` (ACTION is /me)."""

from __future__ import annotations

DELIM = "\x01"


def action(text: str) -> str:
    """The PRIVMSG text for ``/me text``."""
    return f"{DELIM}ACTION {text}{DELIM}"


def parse_ctcp(text: str) -> tuple[str, str] | None:
    """``(COMMAND, args)`` when ``text`` is a CTCP message (the closing \\x01 is optional)."""
    if not text.startswith(DELIM) or len(text) < 2:
        return None
    body = text[1:-1] if text.endswith(DELIM) else text[1:]
    command, _, args = body.partition(" ")
    return (command.upper(), args) if command else None


def ctcp(command: str, args: str = "") -> str:
    """The PRIVMSG/NOTICE text of a CTCP ``command``."""
    return f"{DELIM}{command} {args}{DELIM}" if args else f"{DELIM}{command}{DELIM}"
