"""Errors that say whose fault it was (h11's split)."""

from __future__ import annotations


class ProtocolError(Exception):
    """Base class of every error this package raises."""


class RemoteProtocolError(ProtocolError):
    """The peer sent something that is not valid IRC."""


class LineTooLong(RemoteProtocolError):
    """A line, or its tags, is over the protocol's limit; the line is dropped, the peer stays."""

    def __init__(self, message: str, *, tags: bool = False) -> None:
        super().__init__(message)
        self.tags = tags


class InvalidUtf8(RemoteProtocolError):
    """A line whose command or parameters are not UTF-8 (UTF8ONLY: refused, never relayed).

    ``command``: the line's command, upper case, or ``*`` when that is not readable;
    ``tags``: its tag section (without ``@``) less any tag that is not UTF-8;
    ``text``: the whole line with U+FFFD for each bad byte, for the commands a server
    would rather repair than refuse (a legacy client's latin-1 realname)."""

    def __init__(self, command: str, tags: str, text: str) -> None:
        super().__init__(f"{command}: not UTF-8")
        self.command = command
        self.tags = tags
        self.text = text


class BufferOverflow(RemoteProtocolError):
    """The peer sent too much data without a line ending; the connection cannot go on."""


class LocalProtocolError(ProtocolError):
    """We tried to build something that cannot go on the wire (our bug, not the peer's)."""
