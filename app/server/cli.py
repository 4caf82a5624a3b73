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

from app import __version__
from app.log import setup_logging
from app.server.config import FloodPolicy, ServerConfig
from app.server.datadir import default_data_dir

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
    data_dir: Path | None = args.data_dir
    if data_dir is None and not args.no_history:
        data_dir = default_data_dir(args.port)
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
    )


def make_data_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the data folder {path}: {exc.strerror or exc} "
            "(choose another with --data-dir, or run with --no-history)"
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run until SIGINT/SIGTERM; 0 on a clean stop, 2 when the server cannot start."""
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging()
    try:
        config = config_from_args(args)
        if config.data_dir is not None:
            make_data_dir(config.data_dir)
    except (UsageError, OSError) as exc:
        print(f"chatbox-server: {exc}", file=sys.stderr)
        return EXIT_USAGE

    from PySide6.QtCore import QCoreApplication

    from app.server.listener import ChatServer, ListenError
    from app.server.signals import SignalWatcher

    app = QCoreApplication.instance() or QCoreApplication([sys.argv[0]])
    try:
        server = ChatServer(config)
    except sqlite3.Error as exc:  # an unreadable or foreign history.sqlite3 in the data folder
        print(f"chatbox-server: cannot open the history in {config.data_dir}: {exc}",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        host, port = server.listen(args.host, args.port)
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
    print(f"listening on {host}:{port}", flush=True)
    log.info("server %s (%s) listening on %s:%d", config.name, config.version, host, port)
    if not config.history:
        log.info("history: off")
    elif config.data_dir is None:
        log.info("history: in memory only")
    else:
        log.info("history: %s", config.data_dir / "history.sqlite3")
    app.exec()
    return 0
