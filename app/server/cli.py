"""``chatbox-server``: the headless server. It loads no GUI module of Qt (a test checks)."""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app import __version__
from app.log import setup_logging
from app.server.config import FloodPolicy, ServerConfig
from app.server.datadir import default_data_dir
from app.server.guard import LOOPBACK, parse_network, parse_rate
from app.server.storage import DataFileError

if TYPE_CHECKING:
    from app.server.certs import TlsMaterial

log = logging.getLogger("chatbox.server")

EXIT_USAGE = 2


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
        "to a guest nick (default: 30)",
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
        nick_protect_s=args.nick_protect,
        max_connections_per_address=args.max_connections_per_address,
        connection_rate=rate,
        connection_rate_window=window,
        exempt=exempt,
    )


def make_data_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the data folder {path}: {exc.strerror or exc} "
            "(choose another with --data-dir, or run with --no-history)"
        ) from None


def tls_material(args: argparse.Namespace, config: ServerConfig) -> TlsMaterial | None:
    """The certificate for --tls-port: the one given, or the self-signed one kept in the
    data folder (made the first time; kept even without history, or its fingerprint
    would change at every start)."""
    if args.tls_port is None:
        return None
    from app.server import certs  # cryptography: loaded only when TLS is asked for

    if args.tls_cert is not None:
        return certs.load(args.tls_cert, args.tls_key)
    folder = args.data_dir or default_data_dir(args.tls_port if args.tls_only else args.port)
    return certs.load_or_create(folder, config.name)


def main(argv: Sequence[str] | None = None) -> int:
    """Run until SIGINT/SIGTERM; 0 on a clean stop, 2 when the server cannot start."""
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging()
    if args.repair:  # one line per data file; 0 when each is usable now
        from app.server import accounts, history, storage

        lines, ok = storage.repair_folder(args.data_dir or default_data_dir(args.port), {
            "history": history.SCHEMA, "accounts": accounts.SCHEMA})
        print("\n".join(lines))
        return 0 if ok else EXIT_USAGE
    try:
        config = config_from_args(args)
        if config.data_dir is not None:
            make_data_dir(config.data_dir)
    except (UsageError, OSError) as exc:
        print(f"chatbox-server: {exc}", file=sys.stderr)
        return EXIT_USAGE

    from PySide6.QtCore import QCoreApplication

    from app.server.certs import CertificateError
    from app.server.listener import ChatServer, ListenError
    from app.server.signals import SignalWatcher

    app = QCoreApplication.instance() or QCoreApplication([sys.argv[0]])
    try:
        material = tls_material(args, config)
        server = ChatServer(config)
        server.handshake_timeout_ms = int(args.tls_handshake_timeout * 1000)
    except CertificateError as exc:
        print(f"chatbox-server: TLS: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DataFileError as exc:  # it names the file and says what to do
        print(f"chatbox-server: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except sqlite3.Error as exc:  # a data file that opened and then failed (a full disk …)
        print(f"chatbox-server: cannot use the data folder {config.data_dir}: {exc}",
              file=sys.stderr)
        return EXIT_USAGE
    lines = []
    try:
        if not args.tls_only:
            host, port = server.listen(args.host, args.port)
            lines.append(f"listening on {host}:{port}")
        if material is not None:
            host, port = server.listen_tls(args.host, args.tls_port, material)
            lines.append(f"listening with TLS on {host}:{port}")
            lines.append(f"TLS certificate SHA-256 fingerprint: {material.fingerprint}")
    except ListenError as exc:
        print(f"chatbox-server: {exc}", file=sys.stderr)
        return EXIT_USAGE

    # Watch before the first line goes out: a script may SIGTERM as soon as it has read it.
    watcher = SignalWatcher((signal.SIGINT, signal.SIGTERM))

    def on_signal(signum: int) -> None:
        log.info("signal %d: shutting down", signum)
        watcher.close()
        server.stopped.connect(app.quit)
        server.stop()

    watcher.received.connect(on_signal)
    print("\n".join(lines), flush=True)
    advertiser = None
    if args.advertise:
        from app.server.advertise import Advertiser, Announcement

        advertiser = Advertiser()
        advertiser.start(Announcement.of(server))
        server.stopped.connect(advertiser.stop)
    log.info("server %s (%s): %s", config.name, config.version, "; ".join(lines))
    if not config.history:
        log.info("history: off")
    elif config.data_dir is None:
        log.info("history: in memory only")
    else:
        log.info("history: %s", config.data_dir / "history.sqlite3")
    app.exec()
    if advertiser is not None and not advertiser.wait():
        log.warning("LAN advertising: the goodbye packets may not have gone out")
    return 0
