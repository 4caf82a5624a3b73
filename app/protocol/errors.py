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


class BufferOverflow(RemoteProtocolError):
    """The peer sent too much data without a line ending; the connection cannot go on."""


class LocalProtocolError(ProtocolError):
    """We tried to build something that cannot go on the wire (our bug, not the peer's)."""
