"""What the user typed into the input line → IRC lines (``/join``, ``/me``, plain text …).

Pure: the session decides what to do with the result (send, open a query, show an error).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.protocol.ctcp import action
from app.protocol.message import format_line
from app.protocol.names import nick_problem
from app.protocol.serverinfo import ServerInfo

COMMANDS = (
    "away", "dcc", "join", "me", "msg", "nick", "part", "query", "quit", "quote", "topic",
)


@dataclass
class InputResult:
    """``lines`` to send (raw IRC, without CR LF), a query to open, words for an error,
    or a quit reason (``quit`` is not None)."""

    lines: list[str] = field(default_factory=list)
    open_query: str | None = None
    error: str | None = None
    quit: str | None = None
    send_file: tuple[str, str] | None = None  # /dcc send NICK FILE: (nick, path)


def parse_input(text: str, room: str | None, info: ServerInfo) -> InputResult:
    """Turn one typed line into IRC. ``room`` is the current channel or query (None: none)."""
    if not text.startswith("/") or text.startswith("//"):
        body = text[1:] if text.startswith("//") else text
        if not body:
            return InputResult()
        if room is None:
            return InputResult(error="Join a room first: /join #room")
        return InputResult([format_line(None, "PRIVMSG", (room, body), trailing=True)])
    name, _, rest = text[1:].partition(" ")
    name = name.lower()
    rest = rest.strip()
    if name == "join":
        if not rest:
            return InputResult(error="Usage: /join #room [key]")
        channel, _, key = rest.partition(" ")
        if not info.is_channel(channel):
            channel = (info.chantypes[:1] or "#") + channel
        return InputResult([" ".join(p for p in ("JOIN", channel, key.strip()) if p)])
    if name == "part":
        target, reason = room, rest
        if rest and info.is_channel(rest.split()[0]):
            target, _, reason = rest.partition(" ")
        if target is None or not info.is_channel(target):
            return InputResult(error="/part leaves a channel: /part #room [reason]")
        params = (target, reason) if reason else (target,)
        return InputResult([format_line(None, "PART", params, trailing=bool(reason))])
    if name == "nick":
        problem = nick_problem(rest, info.nicklen)
        if problem:
            return InputResult(error=problem)
        return InputResult([f"NICK {rest}"])
    if name == "me":
        if room is None:
            return InputResult(error="Join a room first: /join #room")
        return InputResult([format_line(None, "PRIVMSG", (room, action(rest)), trailing=True)])
    if name in ("msg", "query"):
        target, _, message = rest.partition(" ")
        if not target:
            return InputResult(error=f"Usage: /{name} nick [text]")
        lines = [format_line(None, "PRIVMSG", (target, message), trailing=True)] if message else []
        if name == "msg" and not message:
            return InputResult(error="Usage: /msg nick text")
        return InputResult(lines, open_query=target if name == "query" else None)
    if name == "topic":
        if room is None or not info.is_channel(room):
            return InputResult(error="/topic works in a channel")
        if not rest:
            return InputResult([f"TOPIC {room}"])
        return InputResult([format_line(None, "TOPIC", (room, rest), trailing=True)])
    if name == "away":
        return InputResult([format_line(None, "AWAY", (rest,), trailing=True) if rest else "AWAY"])
    if name == "quit":
        return InputResult(quit=rest)
    if name == "quote":
        return InputResult([rest] if rest else [], error=None if rest else "Usage: /quote LINE")
    if name == "dcc":
        sub, _, args = rest.partition(" ")
        nick, _, path = args.strip().partition(" ")
        if sub.lower() != "send" or not nick or not path.strip():
            return InputResult(error="Usage: /dcc send NICK FILE")
        return InputResult(send_file=(nick, path.strip().strip('"')))
    return InputResult(error=f"Unknown command /{name}. Commands: /" + ", /".join(COMMANDS))
