"""Which of our messages a server's error reply refuses, and why, in words.

A refusal names its target (``404 me #room :Cannot send to channel``), or names none
(``417 me :Input line was too long``: the server could not even parse the line), or is
about some other command of ours (a JOIN, a MODE): not a message's. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.protocol.message import Message

# Numerics that refuse a message: without a target parameter, the oldest one in flight.
MESSAGE_REFUSALS = frozenset(
    {"401", "403", "404", "407", "411", "412", "417", "442", "481", "489", "492"}
)
# Numerics that answer other commands (JOIN, MODE, NICK, KICK …) even when a channel or
# nick we write to is their first parameter: never taken for a refused message.
OTHER_COMMANDS = frozenset(
    {"405", "432", "433", "436", "441", "443", "467", "471", "472", "473", "474", "475",
     "476", "478", "482", "501", "502"}
)
MESSAGE_COMMANDS = ("PRIVMSG", "NOTICE")

WORDS = {
    "401": "{target} is not online",
    "403": "There is no channel {target}",
    "404": "{target} does not let you speak (not a member, moderated, or banned)",
    "417": "Too long for the server",
    "442": "You are not in {target}",
    "481": "Permission denied",
    "489": "{target} is for secure connections only",
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """``names``: targets the reply names; ``untargeted``: it refuses a message whether or
    not one of ``names`` matches (the oldest one in flight); ``command``: the refused
    command when the reply says it (FAIL), else ""."""

    names: tuple[str, ...]
    untargeted: bool
    command: str
    text: str  # the server's own words


def read_refusal(msg: Message) -> Refusal | None:
    """What an error reply (4xx, 5xx, FAIL) says about our messages; None: not about one."""
    params = msg.params
    text = params[-1] if params else ""
    if msg.command == "FAIL":
        refused = msg.param(0).upper()
        if refused not in MESSAGE_COMMANDS:
            return None
        return Refusal(tuple(params[2:-1]), True, refused, text)
    code = msg.command
    if not (code.isdecimal() and len(code) == 3 and code[0] in "45") or code in OTHER_COMMANDS:
        return None
    names = (params[1],) if len(params) > 2 else ()
    return Refusal(names, code in MESSAGE_REFUSALS and not names, "", text)


def reason_words(msg: Message, target: str) -> str:
    """Why the server refused our message to ``target``, for a person."""
    words = WORDS.get(msg.command)
    if words:
        return words.format(target=target)
    return (msg.params[-1] if msg.params else "") or "The server refused it"
