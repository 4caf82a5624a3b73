"""Everything a server instance is configured with, in one frozen place."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path

from app import __version__
from app.server.guard import LOOPBACK


@dataclass(frozen=True)
class FloodPolicy:
    """Fakelag, as ngircd and ergo do it: a token bucket per client.

    A client may send ``burst`` commands at once, then ``rate`` per second; commands beyond
    that wait (they are delayed, not dropped). More than ``max_queued`` waiting lines is a
    sustained flood and ends the connection with ``ERROR :Excess Flood``.
    """

    enabled: bool = True
    burst: float = 10.0
    rate: float = 4.0
    max_queued: int = 100


@dataclass(frozen=True)
class ServerConfig:
    """A server's settings; the command line fills it, tests build it directly."""

    name: str = field(default_factory=socket.gethostname)
    network: str = "Chatbox"
    password: str = ""
    opers: dict[str, str] = field(default_factory=dict)
    motd: tuple[str, ...] | None = None
    description: str = "test server"
    version: str = f"chatbox-{__version__}"
    flood: FloodPolicy = field(default_factory=FloodPolicy)
    ping_interval: float = 120.0
    ping_timeout: float = 60.0
    registration_timeout: float = 60.0
    sendq: int = 1024 * 1024
    whowas_per_nick: int = 10
    whowas_nicks: int = 2000
    data_dir: Path | None = None  # None: history in memory only
    history: bool = True  # False: nothing is stored
    history_days: float = 90.0  # 0: keep forever
    history_per_target: int = 100_000  # 0: no limit
    accounts: bool = True  # SASL and REGISTER
    require_accounts: bool = False  # only logged-in users may connect
    oper_accounts: tuple[str, ...] = ()  # accounts that are IRC operators once logged in
    nick_protect_s: float = 30.0  # time to log in before a registered nick is taken away
    # per address (IPv4, or an IPv6 /64; exempt ones have no limits): app/server/guard.py
    max_connections_per_address: int = 16  # 0: no limit
    connection_rate: int = 20  # new connections per connection_rate_window; 0: no limit
    connection_rate_window: float = 10.0
    max_tls_handshakes_per_address: int = 8  # unfinished at once; 0: no limit
    exempt: tuple[str, ...] = LOOPBACK  # ADDRESS or ADDRESS/PREFIX
    register_per_hour: int = 3  # accounts one address may REGISTER in an hour; 0: no limit
    min_password_length: int = 8  # characters of an account's password, at least
