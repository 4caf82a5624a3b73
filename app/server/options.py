"""``chatbox-server``'s flags: the parser, and the ServerConfig they make."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

from app import __version__
from app.server.accounts import MAX_PASSWORD
from app.server.config import FloodPolicy, ServerConfig
from app.server.datadir import default_data_dir
from app.server.guard import LOOPBACK, parse_network, parse_rate


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chatbox-server",
        description="Run the Chatbox IRC server without a window.",
    )
    parser.add_argument(
        "--host",
        default=None,
        metavar="ADDR",
        help="address to listen on (default: 0.0.0.0, and :: where available)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=6667,
        metavar="N",
        help="port to listen on; 0 picks a free one (default: 6667)",
    )
    parser.add_argument(
        "--name",
        default=None,
        metavar="SERVERNAME",
        help="the server's name (default: this machine's host name)",
    )
    parser.add_argument(
        "--password",
        default="",
        metavar="PASS",
        help="connection password; '' means none (the default)",
    )
    parser.add_argument(
        "--oper",
        action="append",
        default=[],
        metavar="NAME:PASSWORD",
        help="an IRC operator login; may be given several times",
    )
    parser.add_argument(
        "--oper-account",
        action="append",
        default=[],
        metavar="ACCOUNT",
        help="this account is an IRC operator once logged in; may be given several times",
    )
    parser.add_argument(
        "--require-accounts",
        action="store_true",
        help="a private server: only users logged in to an account (SASL) may connect; "
        "accounts are made with REGISTER before connecting",
    )
    parser.add_argument(
        "--nick-protect",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="someone on a registered account's nick must log in by then, or is renamed "
        "to a guest nick; until then they cannot talk or join (default: 30)",
    )
    parser.add_argument(
        "--register-limit",
        type=int,
        default=3,
        metavar="N",
        help="accounts one address may create with REGISTER in an hour (127.0.0.1, ::1 and "
        "--exempt ones: any number); 0 for no limit (default: 3)",
    )
    parser.add_argument(
        "--min-password-length",
        type=int,
        default=8,
        metavar="N",
        help="an account's password (REGISTER) needs at least N characters (default: 8)",
    )
    parser.add_argument(
        "--strict-nicks",
        action="store_true",
        help="a registered account's nick is refused (433) to anyone not logged in to it: "
        "no grace period (--nick-protect 0)",
    )
    parser.add_argument(
        "--motd",
        type=Path,
        default=None,
        metavar="FILE",
        help="message of the day, a UTF-8 text file",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="where this server keeps its files (message history); default: chatbox/servers/PORT "
        "in the user's data folder ($XDG_DATA_HOME or ~/.local/share on Linux), so history "
        "survives a restart; with --port 0, history lives in memory only",
    )
    parser.add_argument(
        "--no-history",
        action="store_true",
        help="keep no message history at all (CHATHISTORY then finds nothing)",
    )
    parser.add_argument(
        "--history-days",
        type=float,
        default=90.0,
        metavar="DAYS",
        help="keep history this many days; 0 keeps it forever (default: 90)",
    )
    parser.add_argument(
        "--history-max",
        type=int,
        default=100_000,
        metavar="N",
        help="keep at most N messages per room; 0 for no limit (default: 100000)",
    )
    parser.add_argument(
        "--no-flood-control",
        action="store_true",
        help="never delay or drop fast clients (for benchmarks and test rigs)",
    )
    parser.add_argument(
        "--ping-interval",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="PING a client after this long without a line (default: 120)",
    )
    parser.add_argument(
        "--ping-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="drop a client this long after an unanswered PING (default: 60)",
    )
    parser.add_argument(
        "--registration-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="drop a connection that has not registered by then (default: 60)",
    )
    parser.add_argument(
        "--tls-port",
        type=int,
        default=None,
        metavar="N",
        help="also listen for TLS connections on port N (6697 is usual; 0 picks a free one)",
    )
    parser.add_argument(
        "--tls-cert",
        type=Path,
        default=None,
        metavar="FILE",
        help="the TLS certificate (PEM); default: a self-signed one made once and kept in "
        "the data folder, its SHA-256 fingerprint printed at start",
    )
    parser.add_argument(
        "--tls-key",
        type=Path,
        default=None,
        metavar="FILE",
        help="the private key of --tls-cert (PEM, unencrypted)",
    )
    parser.add_argument(
        "--tls-only",
        action="store_true",
        help="refuse plain connections: listen with TLS only (on --tls-port, default 6697)",
    )
    parser.add_argument(
        "--tls-handshake-timeout",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="drop a TLS connection whose handshake is not done by then (default: 5); "
        "handshakes never wait for one another, and one address may have at most 8 unfinished",
    )
    parser.add_argument(
        "--max-connections-per-address",
        type=int,
        default=16,
        metavar="N",
        help="connections one address (IPv4, or an IPv6 /64) may hold at once; more get "
        "'ERROR :Too many connections from your address'; 0 for no limit (default: 16)",
    )
    parser.add_argument(
        "--connection-rate",
        default="20/10",
        metavar="N/SECONDS",
        help="new connections one address may open within SECONDS; beyond that, attempts are "
        "refused with an ERROR until it slows down; 0 for no limit (default: 20/10)",
    )
    parser.add_argument(
        "--exempt",
        action="append",
        default=[],
        metavar="ADDR[/PREFIX]",
        help="an address or network with no per-address limits, as 127.0.0.1 and ::1 (the "
        "host's own window) always are; may be given several times",
    )
    parser.add_argument(
        "--advertise",
        action="store_true",
        help="let Chatbox apps on this network find the server (DNS-SD over multicast DNS: "
        "_irc._tcp, and _ircs._tcp for TLS); never on loopback; CHATBOX_NO_MDNS=1 turns it off",
    )
    parser.add_argument(
        "--repair",
        action="store_true",
        help="do not serve: check the files of the data folder (--data-dir, or --port's) and "
        "salvage a damaged one into a fresh file, keeping it beside; stop the server first",
    )
    parser.add_argument("--version", action="version", version=f"chatbox-server {__version__}")
    return parser


class UsageError(Exception):
    """A flag's value is unusable; the message says which and why."""


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    opers: dict[str, str] = {}
    for item in args.oper:
        name, sep, password = item.partition(":")
        if not sep or not name or not password:
            raise UsageError(f"--oper wants NAME:PASSWORD, got {item!r}")
        opers[name] = password
    motd: tuple[str, ...] | None = None
    if args.motd is not None:
        try:
            motd = tuple(args.motd.read_text(encoding="utf-8", errors="replace").splitlines())
        except OSError as exc:
            raise UsageError(f"cannot read the MOTD file {args.motd}: {exc.strerror}") from None
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {args.port}")
    name = args.name or socket.gethostname() or "chatbox"
    if " " in name or not name:
        raise UsageError(f"--name cannot contain spaces: {name!r}")
    if (args.tls_cert is None) != (args.tls_key is None):
        raise UsageError("--tls-cert and --tls-key go together")
    if args.tls_only and args.tls_port is None:
        args.tls_port = 6697
    if args.tls_cert is not None and args.tls_port is None:
        raise UsageError("--tls-cert needs --tls-port (the port for TLS connections)")
    if args.tls_port is not None and not 0 <= args.tls_port <= 65535:
        raise UsageError(f"--tls-port must be between 0 and 65535, got {args.tls_port}")
    if args.register_limit < 0:
        raise UsageError("--register-limit must be 0 (no limit) or more")
    if not 1 <= args.min_password_length <= MAX_PASSWORD:
        raise UsageError(f"--min-password-length must be between 1 and {MAX_PASSWORD}")
    if args.max_connections_per_address < 0:
        raise UsageError("--max-connections-per-address must be 0 (no limit) or more")
    try:
        rate, window = parse_rate(args.connection_rate)
    except ValueError as exc:
        raise UsageError(f"--connection-rate: {exc}") from None
    try:
        exempt = (*LOOPBACK, *(str(parse_network(item)) for item in args.exempt))
    except ValueError as exc:
        raise UsageError(f"--exempt: {exc}") from None
    data_dir: Path | None = args.data_dir
    if data_dir is None and not args.no_history:
        data_dir = default_data_dir(args.tls_port if args.tls_only else args.port)
    return ServerConfig(
        name=name,
        password=args.password,
        opers=opers,
        motd=motd,
        flood=FloodPolicy(enabled=not args.no_flood_control),
        ping_interval=args.ping_interval,
        ping_timeout=args.ping_timeout,
        registration_timeout=args.registration_timeout,
        data_dir=data_dir,
        history=not args.no_history,
        history_days=args.history_days,
        history_per_target=args.history_max,
        require_accounts=args.require_accounts,
        oper_accounts=tuple(args.oper_account),
        nick_protect_s=0.0 if args.strict_nicks else args.nick_protect,
        max_connections_per_address=args.max_connections_per_address,
        connection_rate=rate,
        connection_rate_window=window,
        exempt=exempt,
        register_per_hour=args.register_limit,
        min_password_length=args.min_password_length,
    )
