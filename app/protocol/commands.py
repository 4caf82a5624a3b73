"""The commands a user can type, as data: what ``/help`` shows, and what the README lists.

Pure: one table of names, usages and one-sentence summaries; app/protocol/input.py turns
typed lines into IRC, this module only says what each command is for.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # without the slash, lower case
    usage: str  # as typed, e.g. "/kick [#channel] nick [reason]"
    summary: str  # one sentence


COMMANDS: tuple[Command, ...] = (
    Command("away", "/away [message]",
            "Marks you as away, with a message people see when they write to you; /back ends it."),
    Command("back", "/back", "Marks you as here again after /away."),
    Command("ban", "/ban [#channel] nick|mask …",
            "Bans people from the channel: a nick bans nick!*@*, or give a mask such as *!*@host."),
    Command("clear", "/clear", "Clears this room's messages from the window."),
    Command("close", "/close", "Closes this room; in a channel you leave it first."),
    Command("ctcp", "/ctcp nick REQUEST [text]",
            "Sends a CTCP request such as VERSION, PING or TIME; the answer shows here."),
    Command("dcc", "/dcc send nick file", "Offers someone a file, sent directly (DCC)."),
    Command("deop", "/deop [#channel] nick …",
            "Takes channel operator status (@) away from people."),
    Command("devoice", "/devoice [#channel] nick …", "Takes voice (+) away from people."),
    Command("help", "/help [command]", "Lists the commands, or explains one."),
    Command("ignore", "/ignore [nick|mask]",
            "Hides messages, notices and file offers from someone; alone, lists whom you ignore."),
    Command("invite", "/invite nick [#channel]",
            "Invites someone to the channel, even when it is invite-only (+i)."),
    Command("join", "/join #channel [key]",
            "Joins a channel, and makes it when nobody is there yet."),
    Command("kick", "/kick [#channel] nick [reason]",
            "Puts someone out of the channel; they can come back unless banned."),
    Command("list", "/list [>users]",
            "Opens the channel browser: every channel on the server, its users and topic."),
    Command("me", "/me action", "Says what you do, in the third person: * alice waves."),
    Command("mode", "/mode [#channel|nick] [+modes|-modes [arguments]]",
            "Shows or changes the modes of a channel (this one unless named) or your own."),
    Command("msg", "/msg nick text", "Sends someone a private message."),
    Command("names", "/names [#channel]", "Lists who is in the channel."),
    Command("nick", "/nick newnick", "Changes your nickname."),
    Command("notice", "/notice nick|#channel text",
            "Sends a notice: a message that automatic replies never answer."),
    Command("op", "/op [#channel] nick …", "Makes people channel operators (@)."),
    Command("part", "/part [#channel] [reason]", "Leaves a channel; its room stays open."),
    Command("query", "/query nick [text]", "Opens a private chat with someone."),
    Command("quit", "/quit [reason]", "Disconnects from the server."),
    Command("quote", "/quote LINE", "Sends a raw IRC line to the server as it is."),
    Command("topic", "/topic [#channel] [new topic]", "Shows the channel's topic, or sets it."),
    Command("unban", "/unban [#channel] nick|mask …", "Lifts bans."),
    Command("unignore", "/unignore nick|mask", "Shows someone's messages again."),
    Command("voice", "/voice [#channel] nick …",
            "Gives people voice (+): they may talk when the channel is moderated (+m)."),
    Command("whois", "/whois nick",
            "Who someone is: name, address, channels, idle time and account."),
    Command("whowas", "/whowas nick", "Who last used a nickname that is gone now."),
)

BY_NAME = {command.name: command for command in COMMANDS}


def help_lines(name: str = "") -> list[str] | None:
    """What ``/help`` (every command, one line each) or ``/help name`` shows; None when
    there is no such command."""
    if not name:
        return [
            "Commands (/help COMMAND explains one):",
            *(f"{c.usage} — {c.summary}" for c in COMMANDS),
        ]
    command = BY_NAME.get(name.lstrip("/").lower())
    if command is None:
        return None
    return [f"Usage: {command.usage}", command.summary]


def markdown() -> str:
    """The table for the README: exactly what ``/help`` lists (``|`` and ``*`` escaped)."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("*", "\\*")

    rows = [f"| {cell(c.usage)} | {cell(c.summary)} |" for c in COMMANDS]
    return "\n".join(["| Command | What it does |", "|---|---|", *rows])


if __name__ == "__main__":  # python -m app.protocol.commands: the README's table
    sys.stdout.write(markdown() + "\n")
