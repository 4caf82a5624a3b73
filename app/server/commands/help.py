"""HELP texts: the first line is the subject's summary (704), the rest follow as 705."""

from __future__ import annotations

HELP_TOPICS: dict[str, tuple[str, ...]] = {
    "*": (
        "Chatbox IRC server help.",
        "Commands: ADMIN AWAY CAP CHATHISTORY HELP INFO INVITE ISON JOIN KICK KILL LINKS LIST",
        "LUSERS MARKREAD MODE MONITOR MOTD NAMES NICK NOTICE OPER PART PASS PING PRIVMSG QUIT",
        "REDACT REGISTER RENAME SETNAME TAGMSG TIME TOPIC USER USERHOST VERSION WALLOPS WHO",
        "WHOIS WHOWAS.",
        "Type HELP <command> for more about one command.",
    ),
    "JOIN": ("JOIN <#channel>[,<#channel>] [<key>[,<key>]]", "Joins channels; JOIN 0 leaves all."),
    "PART": ("PART <#channel>[,<#channel>] [:<reason>]", "Leaves channels."),
    "PRIVMSG": ("PRIVMSG <target>[,<target>] :<text>", "Sends text to a channel or a nick."),
    "NOTICE": ("NOTICE <target> :<text>", "Like PRIVMSG, but never answered automatically."),
    "NICK": ("NICK <nickname>", "Changes your nickname."),
    "TOPIC": ("TOPIC <#channel> [:<topic>]", "Shows or sets a channel's topic."),
    "MODE": (
        "MODE <target> [<modes> [<params>]]",
        "Channel modes: o v (members), b e I (lists), k l (key, limit), i m n s t.",
        "User modes: i (invisible), w (wallops), B (bot), o (operator, through OPER only).",
    ),
    "KICK": (
        "KICK <#channel>[,<#channel>] <nick>[,<nick>] [:<reason>]",
        "Removes members (ops only): nicks from one channel, or each from its own channel.",
    ),
    "INVITE": ("INVITE <nick> <#channel>", "Invites a user; lets them past +i and +l."),
    "AWAY": ("AWAY [:<message>]", "Marks you away; with no message, back."),
    "WHO": ("WHO <mask> [%<fields>[,<token>]]", "Lists users matching a channel or mask."),
    "WHOIS": ("WHOIS [<server>] <nick>", "Shows information about a user."),
    "WHOWAS": ("WHOWAS <nick> [<count>]", "Shows who used a nickname before."),
    "LIST": ("LIST [<#channel>[,...]] [>n] [<n]", "Lists channels, by size with > and <."),
    "NAMES": ("NAMES [<#channel>[,...]]", "Lists the members of channels."),
    "OPER": ("OPER <name> <password>", "Become an IRC operator."),
    "KILL": ("KILL <nick> :<reason>", "Disconnects a user (operators only)."),
    "WALLOPS": ("WALLOPS :<text>", "Sends text to every user with mode +w (operators only)."),
    "MONITOR": (
        "MONITOR {+|-} <nick>[,<nick>] | MONITOR {C|L|S}",
        "Tells you when nicks come online and go offline: + adds, - removes, C clears,",
        "L lists, S shows who is online.",
    ),
    "RENAME": ("RENAME <#channel> <#newname> [:<reason>]", "Renames a channel (ops only)."),
    "REDACT": (
        "REDACT <target> <msgid> [:<reason>]",
        "Deletes a message of yours (channel ops: any in their channel).",
    ),
    "MARKREAD": (
        "MARKREAD <target> [timestamp=<time>]",
        "Shows or sets how far you have read a channel or a conversation.",
    ),
    "CHATHISTORY": (
        "CHATHISTORY {LATEST|BEFORE|AFTER|AROUND|BETWEEN|TARGETS} <target> ...",
        "Replays what was said in a channel or a conversation.",
    ),
    "REGISTER": ("REGISTER <account> {<email>|*} <password>", "Creates an account."),
    "QUIT": ("QUIT [:<reason>]", "Leaves the server."),
}
