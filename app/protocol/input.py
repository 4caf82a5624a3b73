"""What the user typed into the input line → IRC lines (``/join``, ``/me``, plain text …).

Pure: the session decides what to do with the result (send, open a query, show an error,
or act locally: /clear, /close, /ignore, the channel browser of /list). What each command
is for is the table in app/protocol/commands.py, which ``/help`` shows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from app.protocol.commands import BY_NAME, help_lines
from app.protocol.ctcp import action, ctcp
from app.protocol.message import format_line
from app.protocol.names import nick_problem, normalize_mask
from app.protocol.serverinfo import ServerInfo

COMMANDS = tuple(BY_NAME)
DEFAULT_AWAY = "Away"
DEFAULT_MODES = 3  # per MODE line when the server does not say (005 MODES)


@dataclass
class InputResult:
    """``lines`` to send (raw IRC, without CR LF), a query to open, words for an error,
    or a quit reason (``quit`` is not None).

    ``info``: lines to show in the room (what /help says); ``local``: what the client does
    itself — ``("clear",)``, ``("close",)``, ``("list",)`` (the channel browser),
    ``("ignore", mask)``, ``("ignore",)`` (list them), ``("unignore", mask)``."""

    lines: list[str] = field(default_factory=list)
    open_query: str | None = None
    error: str | None = None
    quit: str | None = None
    send_file: tuple[str, str] | None = None  # /dcc send NICK FILE: (nick, path)
    info: list[str] = field(default_factory=list)
    local: tuple[str, ...] = ()


Handler = Callable[[str, str, str | None, ServerInfo], InputResult]


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
    handler = HANDLERS.get(name)
    if handler is None:
        return InputResult(error=f"Unknown command /{name} — /help lists the commands")
    return handler(name, rest.strip(), room, info)


# ---------------------------------------------------------------- helpers
def _usage(name: str) -> InputResult:
    return InputResult(error=f"Usage: {BY_NAME[name].usage}")


def _needs_channel(name: str) -> InputResult:
    return InputResult(
        error=f"/{name} works in a channel: type it in the channel's tab, or name the "
        f"channel ({BY_NAME[name].usage})"
    )


def _channel_args(
    name: str, rest: str, room: str | None, info: ServerInfo
) -> tuple[str, list[str]] | InputResult:
    """The channel (named first, or the room it was typed in) and the other words."""
    words = rest.split()
    if words and info.is_channel(words[0]):
        return words[0], words[1:]
    if room is None or not info.is_channel(room):
        return _needs_channel(name)
    return room, words


def _modes_per_line(info: ServerInfo) -> int:
    value = info.tokens.get("MODES") or ""
    return int(value) if value.isdecimal() and int(value) > 0 else DEFAULT_MODES


def _mode_lines(
    channel: str, sign: str, letter: str, args: list[str], info: ServerInfo
) -> list[str]:
    """``MODE #c +ooo a b c``, as many lines as the server's MODES allows per line."""
    step = _modes_per_line(info)
    return [
        " ".join(("MODE", channel, sign + letter * len(chunk), *chunk))
        for chunk in (args[i : i + step] for i in range(0, len(args), step))
    ]


# ---------------------------------------------------------------- the commands
def _help(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    lines = help_lines(rest.split()[0] if rest else "")
    if lines is None:
        return InputResult(error=f"No command /{rest.lstrip('/')} — /help lists the commands")
    return InputResult(info=lines)


def _join(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    if not rest:
        return InputResult(error="Usage: /join #room [key]")
    channel, _, key = rest.partition(" ")
    if not info.is_channel(channel):
        channel = (info.chantypes[:1] or "#") + channel
    return InputResult([" ".join(p for p in ("JOIN", channel, key.strip()) if p)])


def _part(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    target, reason = room, rest
    if rest and info.is_channel(rest.split()[0]):
        target, _, reason = rest.partition(" ")
    if target is None or not info.is_channel(target):
        return InputResult(error="/part leaves a channel: /part #room [reason]")
    params = (target, reason) if reason else (target,)
    return InputResult([format_line(None, "PART", params, trailing=bool(reason))])


def _nick(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    problem = nick_problem(rest, info.nicklen)
    if problem:
        return InputResult(error=problem)
    return InputResult([f"NICK {rest}"])


def _me(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    if room is None:
        return InputResult(error="Join a room first: /join #room")
    return InputResult([format_line(None, "PRIVMSG", (room, action(rest)), trailing=True)])


def _msg(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    target, _, message = rest.partition(" ")
    if not target:
        return InputResult(error=f"Usage: /{name} nick [text]")
    lines = [format_line(None, "PRIVMSG", (target, message), trailing=True)] if message else []
    if name == "msg" and not message:
        return InputResult(error="Usage: /msg nick text")
    return InputResult(lines, open_query=target if name == "query" else None)


def _notice(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    target, _, message = rest.partition(" ")
    if not target or not message:
        return _usage(name)
    return InputResult([format_line(None, "NOTICE", (target, message), trailing=True)])


def _ctcp(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    words = rest.split(maxsplit=2)
    if len(words) < 2:
        return _usage(name)
    request = words[1].upper()
    args = words[2] if len(words) > 2 else ""
    if request == "PING" and not args:  # the answer carries it back: the round trip
        args = str(time.time_ns() // 1_000_000)
    return InputResult([format_line(None, "PRIVMSG", (words[0], ctcp(request, args)),
                                    trailing=True)])


def _topic(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    channel, text = room, rest
    if rest and info.is_channel(rest.split()[0]):
        channel, _, text = rest.partition(" ")
        text = text.strip()
    if channel is None or not info.is_channel(channel):
        return InputResult(error="/topic works in a channel: /topic [#channel] [new topic]")
    if not text:
        return InputResult([f"TOPIC {channel}"])
    return InputResult([format_line(None, "TOPIC", (channel, text), trailing=True)])


def _away(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    if name == "back":
        return InputResult(["AWAY"])
    return InputResult([format_line(None, "AWAY", (rest or DEFAULT_AWAY,), trailing=True)])


def _quit(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    return InputResult(quit=rest)


def _quote(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    return InputResult([rest] if rest else [], error=None if rest else "Usage: /quote LINE")


def _dcc(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    sub, _, args = rest.partition(" ")
    nick, _, path = args.strip().partition(" ")
    if sub.lower() != "send" or not nick or not path.strip():
        return InputResult(error="Usage: /dcc send NICK FILE")
    return InputResult(send_file=(nick, path.strip().strip('"')))


def _whois(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    nick = rest.split()[0] if rest else ""
    if not nick and room is not None and not info.is_channel(room):
        nick = room  # in a private chat: the person of it
    if not nick or info.is_channel(nick):
        return _usage(name)
    return InputResult([f"{name.upper()} {nick}"])


def _mode(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    words = rest.split()
    if words and words[0][0] not in "+-":
        target, changes = words[0], words[1:]  # a channel, or a nick (our own modes)
    elif room is not None and info.is_channel(room):
        target, changes = room, words
    else:
        return _needs_channel(name)
    return InputResult([" ".join(("MODE", target, *changes))])


PREFIX_COMMANDS = {"op": ("+", "o"), "deop": ("-", "o"), "voice": ("+", "v"), "devoice": ("-", "v")}


def _prefix(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    found = _channel_args(name, rest, room, info)
    if isinstance(found, InputResult):
        return found
    channel, nicks = found
    if not nicks:
        return _usage(name)
    sign, letter = PREFIX_COMMANDS[name]
    return InputResult(_mode_lines(channel, sign, letter, nicks, info))


def _ban(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    found = _channel_args(name, rest, room, info)
    if isinstance(found, InputResult):
        return found
    channel, targets = found
    if not targets:
        return _usage(name)
    masks = [normalize_mask(t) for t in targets]
    return InputResult(_mode_lines(channel, "+" if name == "ban" else "-", "b", masks, info))


def _kick(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    found = _channel_args(name, rest, room, info)
    if isinstance(found, InputResult):
        return found
    channel, words = found
    if not words:
        return _usage(name)
    named = rest.split()[0] == channel  # "/kick #room bob …": the reason after the nick
    reason = rest.split(maxsplit=2 if named else 1)[2 if named else 1:]
    params = (channel, words[0], *reason)
    return InputResult([format_line(None, "KICK", params, trailing=bool(reason))])


def _invite(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    words = rest.split()
    if not words or info.is_channel(words[0]):
        return _usage(name)
    channel = words[1] if len(words) > 1 else room
    if channel is None or not info.is_channel(channel):
        return _needs_channel(name)
    return InputResult([f"INVITE {words[0]} {channel}"])


def _names(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    found = _channel_args(name, rest, room, info)
    if isinstance(found, InputResult):
        return found
    return InputResult([f"NAMES {found[0]}"])


def _list(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    return InputResult([f"LIST {rest}" if rest else "LIST"], local=("list",))


def _ignore(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    words = rest.split()
    if not words:
        return InputResult(local=("ignore",)) if name == "ignore" else _usage(name)
    return InputResult(local=(name, *(normalize_mask(w) for w in words)))


def _here(name: str, rest: str, room: str | None, info: ServerInfo) -> InputResult:
    """/clear and /close: about the room they are typed in."""
    return InputResult(local=(name,))


HANDLERS: dict[str, Handler] = {
    "help": _help,
    "join": _join,
    "part": _part,
    "nick": _nick,
    "me": _me,
    "msg": _msg,
    "query": _msg,
    "notice": _notice,
    "ctcp": _ctcp,
    "topic": _topic,
    "away": _away,
    "back": _away,
    "quit": _quit,
    "quote": _quote,
    "dcc": _dcc,
    "whois": _whois,
    "whowas": _whois,
    "mode": _mode,
    "op": _prefix,
    "deop": _prefix,
    "voice": _prefix,
    "devoice": _prefix,
    "ban": _ban,
    "unban": _ban,
    "kick": _kick,
    "invite": _invite,
    "names": _names,
    "list": _list,
    "ignore": _ignore,
    "unignore": _ignore,
    "clear": _here,
    "close": _here,
}
