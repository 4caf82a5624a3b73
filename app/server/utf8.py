"""UTF8ONLY (IRCv3 utf8-only): what the server does with a line that is not UTF-8.

The server advertises ``UTF8ONLY``, so it "MUST NOT relay content … containing non-UTF-8
data". app/protocol/framing.py already left out any tag that is not UTF-8; a line whose
command or parameters are not is refused here with ``FAIL <command> INVALID_UTF8`` (``*``
when the command itself cannot be read), the connection stays, and nothing of it reaches
anyone. Two commands are repaired instead, each bad byte becoming U+FFFD: ``NICK``, which
then gets 432 like any other nick it cannot take, and ``USER``, with a ``WARN USER
INVALID_UTF8``: a legacy client that sends a latin-1 realname still gets in, and what
others see of it is valid UTF-8.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

from app.protocol.errors import InvalidUtf8, RemoteProtocolError
from app.protocol.message import Message, format_line, parse, parse_tags

if TYPE_CHECKING:
    from app.server.core import ServerCore
    from app.server.state import Client

log = logging.getLogger("chatbox.server")

REPAIRED = frozenset({"NICK", "USER"})
_FORBIDDEN = frozenset("\0\r\n")
REFUSED_TEXT = "Message rejected, your IRC software MUST use UTF-8 encoding on this network"
REPAIRED_TEXT = "Your message was not correctly encoded as UTF-8 and had to be modified"


def not_utf8(core: ServerCore, client: Client, exc: InvalidUtf8) -> float:
    """Refuse (or repair) the line ``exc`` is about; returns its flood cost."""
    if exc.command in REPAIRED:
        try:
            msg = parse(exc.text)
        except RemoteProtocolError:
            pass
        else:
            if exc.command == "USER":
                core.send(client, format_line(core.name, "WARN", ("USER", "INVALID_UTF8",
                                                                  REPAIRED_TEXT), trailing=True))
            core.dispatch(client, msg)
            return 1.0
    log.info("#%d sent a line that is not UTF-8 (%s): refused", client.id, exc.command)
    tags: dict[str, str] = {}
    if not _FORBIDDEN.intersection(exc.tags):  # as parse(): no label out of a NUL
        with contextlib.suppress(RemoteProtocolError):
            tags = parse_tags(exc.tags)
    msg = Message(exc.command, (), None, tags)
    label = tags.get("label")
    if label and "labeled-response" in client.caps:  # the refusal answers the labeled line
        core.labels.run(client, msg, _refuse, label)
    else:
        _refuse(core, client, msg)
    return 1.0


def _refuse(core: ServerCore, client: Client, msg: Message) -> None:
    core.send(client, format_line(core.name, "FAIL", (msg.command, "INVALID_UTF8",
                                                      REFUSED_TEXT), trailing=True))
