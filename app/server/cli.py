"""``chatbox-server``: the headless server. It loads no GUI module of Qt (a test checks)."""

from __future__ import annotations

import argparse
import logging
import signal
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app.log import setup_logging
from app.server.config import ServerConfig
from app.server.datadir import default_data_dir
from app.server.options import UsageError, build_parser, config_from_args
from app.server.storage import DataFileError

if TYPE_CHECKING:
    from app.server.certs import TlsMaterial

log = logging.getLogger("chatbox.server")

EXIT_USAGE = 2


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
        from app.server import accounts, channel_store, history, storage

        lines, ok = storage.repair_folder(args.data_dir or default_data_dir(args.port), {
            "history": history.SCHEMA, "accounts": accounts.SCHEMA,
            "channels": channel_store.SCHEMA})
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

    from app.net.signals import SignalWatcher
    from app.server.certs import CertificateError
    from app.server.listener import ChatServer, ListenError

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
