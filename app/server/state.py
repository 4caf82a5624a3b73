"""The server's state: one Client per connection, one Channel per room. Pure Python."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.protocol.casemap import irc_lower
from app.protocol.framing import LineReader

if TYPE_CHECKING:
    from app.server.commands.accounts import SaslSession

# Bits of Client.tag_key: which tags a recipient gets on relayed messages.
TAG_TIME = 1
TAG_MESSAGE_TAGS = 2
TAG_ACCOUNT = 4
_NONE: frozenset[str] = frozenset()


class Client:
    """One connection, registered or not. ``write`` sends bytes; ``close`` ends the link."""

    __slots__ = (
        "account",
        "away",
        "cap_version",
        "caps",
        "channels",
        "close",
        "closed",
        "connected_at",
        "folded",
        "has_views",
        "host",
        "id",
        "inbox",
        "invites",
        "last_active",
        "last_message",
        "modes",
        "monitoring",
        "negotiating",
        "nick",
        "password",
        "ping_sent",
        "reader",
        "realname",
        "registered",
        "sasl",
        "secure",
        "tag_key",
        "tokens",
        "tokens_at",
        "user",
        "write",
    )

    def __init__(
        self,
        client_id: int,
        host: str,
        write: Callable[[bytes], object],
        close: Callable[[bool], None],
        now: float,
        burst: float,
    ) -> None:
        self.id = client_id
        self.host = host
        self.write = write
        self.close = close
        self.secure = False  # came in over TLS
        self.account: str | None = None  # logged in as (SASL or REGISTER)
        self.sasl: SaslSession | None = None  # an AUTHENTICATE exchange in progress
        self.has_views = False  # private messages stored in its view of history
        self.nick = "*"
        self.folded = ""
        self.user = ""
        self.realname = ""
        self.password: str | None = None
        self.registered = False
        self.negotiating = False
        self.closed = False
        self.cap_version = 0
        self.caps: frozenset[str] = _NONE  # sets are replaced, never changed: sharing is safe
        self.tag_key = 0
        self.modes = ""  # user mode letters, e.g. "io"
        self.away: str | None = None
        self.monitoring: dict[str, str] | None = None  # MONITOR: folded nick → as sent
        self.channels: dict[str, Channel] = {}
        self.invites: frozenset[str] = _NONE  # folded channel names
        self.connected_at = now
        self.last_active = now
        self.last_message = now
        self.ping_sent: float | None = None
        self.reader = LineReader()
        self.inbox: deque[bytes] | None = None  # lines held back by flood control
        self.tokens = burst
        self.tokens_at = now

    @property
    def prefix(self) -> str:
        """``nick!user@host``, the source of what this client does."""
        return f"{self.nick}!{self.user}@{self.host}"

    def set_nick(self, nick: str) -> None:
        self.nick = nick
        self.folded = irc_lower(nick)

    def update_tag_key(self) -> None:
        self.tag_key = (
            (TAG_TIME if "server-time" in self.caps else 0)
            | (TAG_MESSAGE_TAGS if "message-tags" in self.caps else 0)
            | (TAG_ACCOUNT if "account-tag" in self.caps else 0)
        )

    def __repr__(self) -> str:
        return f"<Client #{self.id} {self.nick}>"


@dataclass
class ListEntry:
    """One mask of a channel's +b, +e or +I list."""

    mask: str
    setter: str
    set_at: int


class Channel:
    """A room: its members with their prefix modes, topic and modes."""

    __slots__ = (
        "created",
        "folded",
        "key",
        "limit",
        "lists",
        "members",
        "modes",
        "name",
        "topic",
        "topic_at",
        "topic_by",
    )

    def __init__(self, name: str, created: int) -> None:
        self.name = name
        self.folded = irc_lower(name)
        self.created = created
        # member → its prefix modes, highest first ("ov", "o", "v" or "")
        self.members: dict[Client, str] = {}
        self.topic = ""
        self.topic_by = ""
        self.topic_at = 0
        self.modes: set[str] = {"n", "t"}
        self.key = ""
        self.limit = 0
        self.lists: dict[str, list[ListEntry]] = {"b": [], "e": [], "I": []}

    @property
    def secret(self) -> bool:
        return "s" in self.modes

    def is_op(self, client: Client) -> bool:
        return "o" in self.members.get(client, "")

    def can_speak_moderated(self, client: Client) -> bool:
        return bool(self.members.get(client, ""))

    def __repr__(self) -> str:
        return f"<Channel {self.name} ({len(self.members)})>"


@dataclass(frozen=True)
class WhowasEntry:
    nick: str
    user: str
    host: str
    realname: str
    left_at: int
