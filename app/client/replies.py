"""The server's answers to typed commands, in words, in the room they were typed in.

WHOIS arrives as up to ten numerics (311 312 313 317 319 330 671 301 378, then 318): they
are gathered into one line ("bob is Bob Smith (bob@10.0.0.2), on #chatbox @#ops, idle
3 min …"). NAMES, topics, modes and ban lists asked for are said once complete; error
numerics are said as what went wrong; /list's 321, 322 and 323 fill the channel browser's model.
Who is away (301, WHO's G flag, away-notify's AWAY) greys them in the member lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from app.client.models import ChatLine
from app.client.text import SERVER_ROOM, message_time, nick_of
from app.protocol.message import Message

if TYPE_CHECKING:
    from app.client.commands import Commands
    from app.client.session import ChatSession

# Error numerics in words; {1}, {2} … are the numeric's parameters (0 is our nick).
ERRORS = {
    "401": "No one called {1} is online.",
    "402": "There is no server called {1}.",
    "403": "There is no channel called {1}.",
    "404": "{1} does not let you speak there (not a member, moderated, or banned).",
    "405": "You are in too many channels to join {1}.",
    "406": "No one called {1} was here recently.",
    "411": "Nothing was sent: there was no one to send it to.",
    "412": "Nothing was sent: the message was empty.",
    "421": "The server does not know the command {1}.",
    "431": "Give a nickname.",
    "432": "{1} cannot be a nickname here.",
    "433": "The nickname {1} is taken.",
    "441": "{1} is not in {2}.",
    "442": "You are not in {1}.",
    "443": "{1} is in {2} already.",
    "461": "{1} needs more: see /help.",
    "471": "{1} is full (+l).",
    "472": "The server does not know the mode {1}.",
    "473": "{1} is invite-only (+i): ask one of its operators for an /invite.",
    "474": "You are banned from {1}.",
    "475": "{1} needs its key: /join {1} KEY",
    "476": "{1} is not a channel name here.",
    "478": "The ban list of {1} is full.",
    "481": "Only IRC operators may do that.",
    "482": "You need to be an operator of {1} (@) to do that.",
    "501": "The server does not know that user mode.",
    "502": "You can only change your own modes.",
    "524": "The server has no help on {1}.",
}
# Answers to commands typed as /quote (VERSION, TIME, HELP …): said where they were typed.
ANSWERS = frozenset(
    {"221", "256", "257", "258", "259", "302", "303", "351", "364", "365", "371", "374",
     "381", "391", "704", "705", "706"}
)
MASK_LISTS = {"367": ("368", "Bans on"), "346": ("347", "Invite exceptions on"),
              "348": ("349", "Ban exceptions on")}
QUIET_ENDS = frozenset({"315", "318", "347", "349", "366", "368", "369", "376"})


def idle_words(seconds: int) -> str:
    """12 → "12 s", 200 → "3 min", 7500 → "2 h 5 min", 200000 → "2 days"."""
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    days = seconds // 86400
    return f"{days} day" if days == 1 else f"{days} days"


def when_words(stamp: str) -> str:
    """A Unix time from the server → "Mon 3 Jun 14:02" (local time)."""
    try:
        moment = datetime.fromtimestamp(int(stamp))
    except (ValueError, OverflowError, OSError):
        return stamp
    return f"{moment:%a} {moment.day} {moment:%b %Y %H:%M}"


@dataclass
class Whois:
    """One WHOIS (or WHOWAS) answer, gathered until its end numeric."""

    nick: str
    who: str = ""  # "Bob Smith (bob@10.0.0.2)"
    parts: dict[str, str] = field(default_factory=dict)

    ORDER = ("channels", "idle", "signon", "account", "away", "secure", "oper", "server",
             "host", "extra")

    def words(self, was: bool = False) -> str:
        head = f"{self.nick} {'was' if was else 'is'} {self.who or 'someone'}"
        parts = [self.parts[k] for k in self.ORDER if self.parts.get(k)]
        return ", ".join([head, *parts])


class Replies:
    """Turns replies into lines for ``session``'s rooms; ``commands`` knows where the user
    typed last (:meth:`Commands.reply_room`) and holds the channel list and away state."""

    def __init__(self, session: ChatSession, commands: Commands) -> None:
        self._session = session
        self._commands = commands
        self._whois: dict[str, Whois] = {}
        self._whowas: dict[str, list[Whois]] = {}
        self._names: dict[str, list[str]] = {}  # folded channel → names so far
        self._masks: dict[str, list[str]] = {}  # ban (and exception) lists so far
        self._expected: set[tuple[str, str]] = set()  # (what, folded target) asked for

    # ---------------------------------------------------------------- typed commands
    def sent(self, msg: Message) -> None:
        """The user typed a command that became ``msg``: its answer is to be said."""
        fold = self._session.connection.info.fold
        command, target = msg.command, fold(msg.param(0))
        if command == "NAMES" and target:
            self._expected.add(("names", target))
            self._names[target] = []
        elif command == "TOPIC" and len(msg.params) == 1:
            self._expected.add(("topic", target))
        elif command == "MODE" and len(msg.params) == 1:
            self._expected.add(("modes", target))
        elif command == "WHO":
            self._expected.add(("who", target))

    # ---------------------------------------------------------------- numerics
    def handle(self, msg: Message) -> bool:
        """True when ``msg`` was a reply said (or used) here; False leaves it to the rest
        of the events (a 353 or 332 that also updates a room is said here and passed on)."""
        code, p = msg.command, msg.params
        if len(p) < 2:
            return False
        key = self._session.connection.info.fold(p[1])
        if code in ("314", "369") or (
            code == "312" and key in self._whowas and key not in self._whois
        ):
            return self._whowas_part(msg, key)
        if code in ("311", "312", "313", "317", "319", "330", "671", "378", "338", "318"):
            return self._whois_part(msg, key)
        if code == "301":
            return self._away_reply(msg, key)
        if code in ("305", "306"):
            self._commands.set_away(code == "306")
            return True
        if code in ("321", "322", "323"):
            return self._listing(msg)
        if code in ("353", "366"):
            return self._names_part(msg)
        if code in ("331", "332", "333", "324", "329"):
            return self._channel_reply(msg, key)
        if code in ("352", "315"):
            return self._who_reply(msg, key)
        if code in MASK_LISTS or code in {end for end, _ in MASK_LISTS.values()}:
            return self._mask_list(msg, key)
        if code == "341":
            self._say(f"You invited {p[1]} to {msg.param(2)}.", msg)
            return True
        if code in ANSWERS:
            self._say(" ".join(p[1:]) if len(p) > 2 else p[-1], msg)
            return True
        if code[0] in "45" and code in ERRORS and code != "422":
            self._say(ERRORS[code].format(*p, *([""] * 4)), msg, "error")
            return True
        return False

    def _whois_part(self, msg: Message, key: str) -> bool:
        code, p = msg.command, msg.params
        if code == "318":
            entry = self._whois.pop(key, None)
            if entry is not None:
                self._say(entry.words(), msg)
            return True
        entry = self._whois.setdefault(key, Whois(p[1]))
        last = p[-1]
        if code == "311" and len(p) > 5:
            entry.who = f"{p[5]} ({p[2]}@{p[3]})"
        elif code == "312" and len(p) > 2:
            entry.parts["server"] = f"connected to {p[2]}"
        elif code == "313":
            entry.parts["oper"] = "an IRC operator"
        elif code == "317" and len(p) > 2 and p[2].isdecimal():
            entry.parts["idle"] = f"idle {idle_words(int(p[2]))}"
            if len(p) > 4 and p[3].isdecimal():
                entry.parts["signon"] = f"signed on {when_words(p[3])}"
        elif code == "319":
            entry.parts["channels"] = f"on {last.strip()}"
        elif code == "330" and len(p) > 3:
            entry.parts["account"] = f"logged in as {p[2]}"
        elif code == "671":
            entry.parts["secure"] = "on a secure connection"
        elif code in ("378", "338"):
            entry.parts["host"] = " ".join(p[2:]).removeprefix("is ")
        return True

    def _whowas_part(self, msg: Message, key: str) -> bool:
        code, p = msg.command, msg.params
        if code == "369":
            for entry in self._whowas.pop(key, []):
                self._say(entry.words(was=True), msg)
            return True
        entries = self._whowas.setdefault(key, [])
        if code == "314" and len(p) > 5:
            entries.append(Whois(p[1], f"{p[5]} ({p[2]}@{p[3]})"))
        elif code == "312" and entries and len(p) > 3:
            entries[-1].parts["server"] = f"last on {p[2]} at {p[3]}"
        return True

    def _away_reply(self, msg: Message, key: str) -> bool:
        nick, text = msg.param(1), msg.params[-1]
        self.set_away(nick, True)
        entry = self._whois.get(key)
        if entry is not None:
            entry.parts["away"] = f"away: {text}"
            return True
        query = self._session.rooms.get(nick)
        where = query.name if query is not None else self._commands.reply_room()
        self._line(where, f"{nick} is away: {text}", msg)
        return True

    def _listing(self, msg: Message) -> bool:
        listing = self._commands.channel_list
        if msg.command == "321":
            listing.begin()
        elif msg.command == "322" and len(msg.params) > 2:
            users = msg.params[2]
            listing.add(msg.params[1], int(users) if users.isdecimal() else 0, msg.param(3))
        elif msg.command == "323":
            listing.end()
        return True

    def _names_part(self, msg: Message) -> bool:
        fold = self._session.connection.info.fold
        if msg.command == "353":
            names = self._names.get(fold(msg.param(2)))
            if names is not None:
                names.extend(n.partition("!")[0] for n in msg.param(3).split())
            return False  # the room's member list takes them too
        channel = msg.param(1)
        if ("names", fold(channel)) not in self._expected:
            return False
        self._expected.discard(("names", fold(channel)))
        names = self._names.pop(fold(channel), [])
        text = f"{channel} ({len(names)}): {' '.join(names)}" if names else (
            f"No one is in {channel}, or it is secret."
        )
        self._say(text, msg)
        return True

    def _channel_reply(self, msg: Message, key: str) -> bool:
        code, channel = msg.command, msg.param(1)
        what = "modes" if code in ("324", "329") else "topic"
        if (what, key) not in self._expected:
            return code in ("324", "329", "331", "333")  # not asked for: said by nobody
        if code == "331":
            self._expected.discard((what, key))
            self._say(f"{channel} has no topic.", msg)
        elif code == "332":
            self._say(f"Topic of {channel}: {msg.param(2)}", msg)
            return False  # the room's topic too
        elif code == "333":
            self._expected.discard((what, key))
            by = nick_of(msg.param(2))
            self._say(f"Set by {by} on {when_words(msg.param(3))}.", msg)
        elif code == "324":
            modes = " ".join(msg.params[2:])
            self._say(f"Modes of {channel}: {modes}" if modes.strip("+") else
                      f"{channel} has no modes set.", msg)
        else:  # 329 follows 324
            self._expected.discard((what, key))
            self._say(f"{channel} was made on {when_words(msg.param(2))}.", msg)
        return True

    def _who_reply(self, msg: Message, key: str) -> bool:
        p = msg.params
        if msg.command == "315":
            self._expected.discard(("who", key))
            return True
        if len(p) < 8:
            return True
        nick, flags = p[5], p[6]
        self.set_away(nick, flags.startswith("G"), p[1])
        asked = {("who", self._session.connection.info.fold(t)) for t in (p[1], nick)}
        if asked & self._expected:
            away = ", away" if flags.startswith("G") else ""
            real = p[7].partition(" ")[2]
            self._say(f"{nick} ({p[2]}@{p[3]}) in {p[1]}{away}: {real}", msg)
        return True

    def _mask_list(self, msg: Message, key: str) -> bool:
        code, channel = msg.command, msg.param(1)
        if code in MASK_LISTS:
            setter = f" (by {nick_of(msg.param(3))})" if msg.param(3) else ""
            self._masks.setdefault(f"{code}{key}", []).append(msg.param(2) + setter)
            return True
        item, title = next((i, t) for i, (end, t) in MASK_LISTS.items() if end == code)
        masks = self._masks.pop(f"{item}{key}", [])
        self._say(f"{title} {channel}: {', '.join(masks)}" if masks else
                  f"{title} {channel}: none.", msg)
        return True

    # ---------------------------------------------------------------- other messages
    def away(self, msg: Message) -> None:
        """away-notify: ``:bob!u@h AWAY :lunch`` (away) or ``:bob!u@h AWAY`` (back)."""
        self.set_away(nick_of(msg.source), bool(msg.param(0)))

    def invite(self, msg: Message) -> None:
        """``:bob!u@h INVITE alice #room``: said where the user looks, with how to accept."""
        if self._commands.ignores.matches(msg.source):
            return
        channel = msg.param(1)
        text = f"{nick_of(msg.source)} invites you to {channel}: /join {channel}"
        self._line(self._session.active_room, text, msg)

    def ctcp_reply(self, msg: Message, request: str, args: str) -> None:
        """A NOTICE answering our /ctcp (VERSION, PING …)."""
        sender = nick_of(msg.source)
        if request == "PING" and args.isdecimal():
            now_ms = message_time(msg).timestamp() * 1000
            text = f"{sender} answered PING in {max(0.0, now_ms - int(args)) / 1000:.2f} s"
        else:
            text = f"{sender} answered {request}" + (f": {args}" if args else "")
        self._say(text, msg)

    def set_away(self, nick: str, away: bool, channel: str = "") -> None:
        """Grey (or ungrey) ``nick`` in the member lists (of ``channel``, or of every room)."""
        rooms = self._session.rooms
        found = rooms.get(channel) if channel and channel != "*" else None
        for room in [found] if found is not None else rooms.rooms():
            if room.kind == "channel":
                room.members.set_away(nick, away)

    # ---------------------------------------------------------------- helpers
    def _say(self, text: str, msg: Message, kind: str = "info") -> None:
        self._line(self._commands.reply_room(), text, msg, kind)

    def _line(self, room: str, text: str, msg: Message, kind: str = "info") -> None:
        self._session.add_line(room or SERVER_ROOM, ChatLine(message_time(msg), "", text, kind))
