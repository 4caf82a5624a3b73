"""Client-side capability negotiation (CAP 302), as plain data: what the server offers, what
we ask for, what it acknowledged. The connection sends the lines; this only decides them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# What the desktop client asks for when a server offers it.
WANTED_CAPS = frozenset(
    {
        "server-time",
        "message-tags",
        "echo-message",
        "multi-prefix",
        "away-notify",
        "userhost-in-names",
        "setname",
        "batch",
        "labeled-response",
        "cap-notify",
        "draft/chathistory",
        "draft/event-playback",
        "draft/message-redaction",
        "draft/multiline",
        "draft/read-marker",
        "account-notify",
        "extended-join",
        "extended-monitor",
    }
)


class CapNegotiation:
    """``offered`` (name → value) from CAP LS, ``acked`` from CAP ACK (and ``-name``).

    Both are changed in place, never replaced: the connection exposes them as attributes.
    """

    def __init__(self, wanted: Iterable[str]) -> None:
        self.wanted = frozenset(wanted)
        self.offered: dict[str, str] = {}
        self.acked: set[str] = set()

    def reset(self) -> None:
        """A new connection: nothing offered or acknowledged yet."""
        self.offered.clear()
        self.acked.clear()

    def listed(self, params: Sequence[str]) -> bool:
        """A ``CAP <nick> LS [*] :caps`` reply; True once the (multi-line) list is complete."""
        more = len(params) > 3 and params[2] == "*"
        for item in params[-1].split():
            name, _, value = item.partition("=")
            self.offered[name] = value
        return not more

    def request(self, also: str = "") -> str:
        """The line to send once the list is complete: ``CAP REQ`` for what we want and the
        server offers (``also`` as well, say ``sasl``), or ``CAP END`` when that is nothing."""
        wanted = set(self.wanted) | ({also} if also else set())
        requested = sorted(wanted & self.offered.keys())
        return f"CAP REQ :{' '.join(requested)}" if requested else "CAP END"

    def acknowledged(self, params: Sequence[str]) -> None:
        """A ``CAP <nick> ACK :caps`` reply (``-name`` turns one off)."""
        for item in params[-1].split():
            if item.startswith("-"):
                self.acked.discard(item[1:])
            else:
                self.acked.add(item)


def fallback_nick(nick: str, nicklen: int) -> str:
    """The nick to try when ``nick`` is taken: ``bob_``, or the last character replaced by a
    digit when that would be longer than the server allows."""
    candidate = nick + "_"
    if len(candidate) > nicklen:
        candidate = nick[: nicklen - 1] + str(len(nick) % 10)
    return candidate
