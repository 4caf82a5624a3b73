"""Per-address accounting: the connections each address holds, how fast it opens new ones,
and its TLS handshakes in progress. Pure Python (no Qt, no sockets): the listener asks before
it keeps a connection and says when the socket is gone.

Addresses are counted the way ergo counts them: an IPv4 address on its own, IPv6 by its /64
(one machine usually holds a whole /64), an IPv4-mapped IPv6 address as its IPv4 address.
Exempt networks are never limited; by default only 127.0.0.1 and ::1, where the host's own
window connects ("Host a chat") — not all of 127.0.0.0/8.
"""

from __future__ import annotations

import ipaddress
import time
from collections import deque
from collections.abc import Callable, Iterable

LOOPBACK = ("127.0.0.1", "::1")
TOO_MANY = "Too many connections from your address"
TOO_FAST = "Too many new connections from your address; wait a little and try again"
IPV6_PREFIX = 64

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_network(text: str) -> Network:
    """``ADDRESS`` or ``ADDRESS/PREFIX`` as a network. Raises ValueError in words."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(f"not an IP address or ADDRESS/PREFIX: {text!r}") from None


def parse_rate(text: str) -> tuple[int, float]:
    """``N/SECONDS`` (``20/10``: 20 new connections in 10 s) or ``0`` (no limit) as
    (N, SECONDS). Raises ValueError in words."""
    count, sep, seconds = text.strip().partition("/")
    try:
        rate, window = int(count), float(seconds) if sep else 0.0
    except ValueError:
        rate = window = -1
    if rate == 0:
        return 0, 0.0
    if rate < 1 or not window > 0:
        raise ValueError(f"want N/SECONDS (like 20/10) or 0, got {text!r}")
    return rate, window


def address_key(address: str, exempt: tuple[Network, ...]) -> str | None:
    """What ``address`` is counted as (an IPv4 address, an IPv6 /64); None when it is in
    one of the ``exempt`` networks."""
    try:
        ip = ipaddress.ip_address(address.partition("%")[0])
    except ValueError:  # not an IP address (a test rig's socket): counted as it is
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in exempt):
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX), strict=False))
    return str(ip)


class RecentAttempts:
    """At most ``limit`` attempts per key within ``window`` seconds (``limit`` 0: no
    limit). Every attempt counts, refused ones too, so a key that keeps trying stays
    refused until it slows down."""

    __slots__ = ("_clock", "_pruned_at", "_recent", "limit", "window")

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._recent: dict[str, deque[float]] = {}
        self._pruned_at = clock()

    def too_many(self, key: str) -> bool:
        """Count an attempt of ``key``; True when it is one too many."""
        over = self.full(key)
        self.note(key)
        return over

    def full(self, key: str) -> bool:
        """Another attempt of ``key`` now would be one too many (nothing is counted)."""
        recent = self._recent.get(key)
        return (self.limit > 0 and recent is not None and len(recent) == self.limit
                and self._clock() - recent[0] < self.window)

    def note(self, key: str) -> None:
        """Count an attempt of ``key``."""
        if self.limit <= 0:
            return
        recent = self._recent.get(key)
        if recent is None:
            recent = self._recent[key] = deque(maxlen=self.limit)
        recent.append(self._clock())

    def prune(self) -> None:
        """Forget the keys quiet for a whole window (call it often; it does the work about
        once a window)."""
        now = self._clock()
        if now - self._pruned_at < self.window:
            return
        self._pruned_at = now
        stale = [key for key, recent in self._recent.items() if now - recent[-1] >= self.window]
        for key in stale:
            del self._recent[key]

    def __len__(self) -> int:
        return len(self._recent)


class AddressGuard:
    """Connection limits per address (``0`` turns a limit off).

    Args:
        max_connections: connections one address may hold at once.
        rate: new connections one address may open within ``window`` seconds; every attempt
            counts, refused ones too, so an address that keeps hammering stays refused until it
            slows down.
        max_handshakes: TLS handshakes one address may have unfinished at once.
        exempt: addresses and networks (``ADDRESS[/PREFIX]``) with no limits at all.
    """

    __slots__ = ("_exempt", "_handshakes", "_open", "_recent", "max_connections",
                 "max_handshakes")

    def __init__(
        self,
        *,
        max_connections: int = 16,
        rate: int = 20,
        window: float = 10.0,
        max_handshakes: int = 8,
        exempt: Iterable[str] = LOOPBACK,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_connections = max_connections
        self.max_handshakes = max_handshakes
        self._exempt = tuple(parse_network(text) for text in exempt)
        self._open: dict[str, int] = {}
        self._handshakes: dict[str, int] = {}
        self._recent = RecentAttempts(rate, window, clock)

    def key(self, address: str) -> str | None:
        """What ``address`` is counted as; None when it is exempt from every limit."""
        return address_key(address, self._exempt)

    # ---------------------------------------------------------------- connections
    def admit(self, key: str | None) -> str | None:
        """A new connection from ``key``: None when it may stay (it is then counted until
        :meth:`release`), otherwise the reason to refuse it with."""
        if key is None:
            return None
        if self._recent.too_many(key):
            return TOO_FAST
        count = self._open.get(key, 0)
        if self.max_connections > 0 and count >= self.max_connections:
            return TOO_MANY
        self._open[key] = count + 1
        return None

    def release(self, key: str | None) -> None:
        """An admitted connection's socket is gone."""
        _decrement(self._open, key)

    def connections(self, key: str | None) -> int:
        """Connections counted for ``key`` now."""
        return self._open.get(key, 0) if key is not None else 0

    # ---------------------------------------------------------------- TLS handshakes
    def start_handshake(self, key: str | None) -> bool:
        """A TLS handshake from ``key`` begins: False (and not counted) when that address
        already has its most unfinished ones; otherwise counted until :meth:`end_handshake`."""
        if key is None:
            return True
        count = self._handshakes.get(key, 0)
        if self.max_handshakes > 0 and count >= self.max_handshakes:
            return False
        self._handshakes[key] = count + 1
        return True

    def end_handshake(self, key: str | None) -> None:
        """A handshake counted by :meth:`start_handshake` finished, failed or timed out."""
        _decrement(self._handshakes, key)

    def handshakes(self, key: str | None) -> int:
        return self._handshakes.get(key, 0) if key is not None else 0

    # ---------------------------------------------------------------- housekeeping
    def tick(self) -> None:
        """Forget the attempts of addresses quiet for a whole window (call it often)."""
        self._recent.prune()

    @property
    def tracked(self) -> int:
        """Addresses with anything remembered (bounded by :meth:`tick`)."""
        return len(self._open.keys() | self._handshakes.keys()) + len(self._recent)


def _decrement(counts: dict[str, int], key: str | None) -> None:
    if key is None:
        return
    count = counts.get(key, 0) - 1
    if count > 0:
        counts[key] = count
    else:
        counts.pop(key, None)
