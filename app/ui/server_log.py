"""The server's log lines in words for the server window.

The server logs for its operator's terminal ("quit #3 bob (Quit: Chatbox)", "register #3 as
bob!~chatbox@192.168.1.7"): connection numbers and IRC forms. The window shows the same
events as sentences. A record is recognised by its format string (``record.msg``), not by
parsing the finished text, so a nick or a reason can never be taken for part of the form;
lines without a sentence here are shown as the server wrote them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

Words = Callable[[tuple[object, ...]], str]


def _nick_of(prefix: object) -> tuple[str, str]:
    nick, _, rest = str(prefix).partition("!")
    return nick, rest.partition("@")[2]


def _registered(args: tuple[object, ...]) -> str:
    nick, host = _nick_of(args[1])
    return f"{nick} connected from {host}." if host else f"{nick} connected."


def _quit(args: tuple[object, ...]) -> str:
    nick, reason = str(args[1]), str(args[2])
    if nick == "*":
        return f"A connection closed before choosing a nickname ({reason})."
    return f"{nick} left ({reason})."


SENTENCES: dict[str, Words] = {
    "register #%d as %s": _registered,
    "quit #%d %s (%s)": _quit,
    "join %s %s": lambda a: f"{a[0]} joined {a[1]}.",
    "part %s %s": lambda a: f"{a[0]} left {a[1]}.",
    "kick %s %s by %s": lambda a: f"{a[2]} removed {a[0]} from {a[1]}.",
    "nick #%d %s is now %s": lambda a: f"{a[1]} is now called {a[2]}.",
    "#%d refused: bad password": lambda a: "Someone was turned away: wrong server password.",
    "#%d refused: not logged in": lambda a: "Someone was turned away: not logged in to an "
    "account (this server is for accounts only).",
    "#%d %s logged in as %s": lambda a: f"{a[1]} logged in to the account {a[2]}.",
    "account %s registered": lambda a: f"A new account was made: {a[0]}.",
    "#%d: %s": lambda a: f"A secure connection opened ({a[1]}).",
    "#%d sent a malformed line: %s": lambda a: f"A connection sent a line that is not IRC "
    f"({a[1]}).",
    "#%d %s: SendQ exceeded": lambda a: f"{a[1]} was disconnected: their computer did not "
    "keep up with the messages sent to it.",
    "TLS handshake with %s failed: %s": lambda a: f"A secure connection from {a[0]} failed: "
    f"{a[1]}.",
    "connection from %s refused: %s": lambda a: f"A connection from {a[0]} was refused: "
    f"{a[1]}.",
    "oper %s as %s": lambda a: f"{_nick_of(a[0])[0]} is now a server operator ({a[1]}).",
    "failed OPER %s by %s": lambda a: f"{_nick_of(a[1])[0]} tried to become a server "
    f"operator ({a[0]}) with a wrong password.",
    "kill %s by %s": lambda a: f"{a[1]} disconnected {a[0]} from the server.",
}


def in_words(record: logging.LogRecord) -> str:
    """The record as a sentence for a person, or its own message when there is none."""
    words = SENTENCES.get(str(record.msg))
    args = record.args if isinstance(record.args, tuple) else ()
    if words is not None:
        try:
            return words(args)
        except (IndexError, TypeError, ValueError):
            pass  # a format that changed under us: the server's own words will do
    return record.getMessage()


class WordsFormatter(logging.Formatter):
    """``HH:MM:SS`` and the sentence."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(message)s", "%H:%M:%S")

    def formatMessage(self, record: logging.LogRecord) -> str:  # logging override
        return f"{self.formatTime(record, self.datefmt)} {in_words(record)}"
