"""``chatbox`` / ``python -m app``: the composition root.

chatbox                                   the start screen
chatbox --join HOST[:PORT] --nick NICK [--channel '#room']
chatbox --host-chat --nick NICK [--port N]
chatbox --server [chatbox-server flags]   the headless server
chatbox --version
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from app import __version__
from app.protocol.names import nick_problem


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chatbox", description="Chatbox: group chat.")
    parser.add_argument("--join", metavar="HOST[:PORT]", help="join the chat at this address")
    parser.add_argument("--nick", help="your nickname (skips the nickname dialog)")
    parser.add_argument("--channel", default="#chatbox", help="room to join (default #chatbox)")
    parser.add_argument("--host-chat", action="store_true", help="host a chat on this computer")
    parser.add_argument("--port", type=int, default=None, help="port to host on (--host-chat)")
    parser.add_argument(
        "--server",
        action="store_true",
        help="run the headless server; the flags of chatbox-server follow",
    )
    parser.add_argument("--install-desktop-entry", action="store_true",
                        help="add Chatbox to the desktop's application menu (this user)")
    parser.add_argument("--uninstall-desktop-entry", action="store_true",
                        help="remove what --install-desktop-entry added")
    parser.add_argument("--version", action="version", version=f"chatbox {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if "--server" in args_list:
        from app.server.cli import main as server_main

        args_list.remove("--server")
        return server_main(args_list)
    args = build_parser().parse_args(args_list)
    if args.install_desktop_entry or args.uninstall_desktop_entry:
        return desktop_entry_command(install=args.install_desktop_entry)
    if (args.join or args.host_chat) and not args.nick:
        print("chatbox: --join and --host-chat need --nick NICK", file=sys.stderr)
        return 2
    if args.nick and (problem := nick_problem(args.nick)):
        print(f"chatbox: --nick {args.nick!r}: {problem}", file=sys.stderr)
        return 2
    return run_gui(args)


def desktop_entry_command(*, install: bool) -> int:
    from app import desktop_entry

    try:
        paths = desktop_entry.install() if install else desktop_entry.uninstall()
    except OSError as exc:
        print(f"chatbox: cannot {'install' if install else 'remove'} the launcher: {exc}",
              file=sys.stderr)
        return 1
    verb = "wrote" if install else "removed"
    print(f"chatbox: {verb} {len(paths)} files under {desktop_entry.data_home()}")
    return 0


def run_gui(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.log import setup_logging
    from app.net.signals import SignalWatcher
    from app.settings import APPLICATION, ORGANIZATION, Settings
    from app.ui import application, errors
    from app.ui.controller import ChatboxApp
    from app.ui.start_window import split_host_port

    setup_logging()
    QApplication.setOrganizationName(ORGANIZATION)
    QApplication.setApplicationName(APPLICATION)
    QApplication.setApplicationDisplayName("Chatbox")
    qt_app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(qt_app, QApplication)
    qt_app.setQuitOnLastWindowClosed(False)  # the controller decides, after QUIT went out
    application.set_identity()
    if problem := application.font_problem():
        print(f"chatbox: {problem}", file=sys.stderr)
    controller = ChatboxApp(Settings())
    # Hosting listens on every interface; test rigs keep it on loopback with this variable.
    controller.listen_address = os.environ.get("CHATBOX_LISTEN_ADDRESS") or None
    controller.finished.connect(qt_app.quit)
    watcher = SignalWatcher((signal.SIGINT, signal.SIGTERM))
    watcher.received.connect(controller.shutdown)
    errors.install()

    if args.host_chat:
        controller.host_chat(args.nick, args.port)  # on failure the start screen says why
    elif args.join:
        host, port = split_host_port(args.join)
        controller.join_chat(host, port, args.nick, channel=args.channel, from_start=False)
    else:
        controller.show_start()
    if os.environ.get("CHATBOX_STARTUP_PROBE"):  # python -m app.bench startup: time to window
        QTimer.singleShot(0, qt_app.quit)
    status = qt_app.exec()
    controller.wait_for_network()
    watcher.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
