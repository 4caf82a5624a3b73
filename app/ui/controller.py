"""The app's flows: start screen → nickname → chat window; hosting; running a server.

It owns the windows, the sessions and a hosted server, and closes them all the way the
close button does (QUIT out first, the hosted server tells its clients) on request.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from app import passwords
from app.client.connection import Account, CertificateProblem
from app.client.discovery import LanBrowser, LanChatsModel
from app.client.models import ChatLine
from app.client.session import SERVER_ROOM, ChatSession
from app.server.advertise import Advertiser, Announcement
from app.server.listener import ChatServer, ListenError
from app.settings import Settings
from app.ui.certificate_dialog import CertificateDialog
from app.ui.chat_window import ChatWindow
from app.ui.desktop import Desktop
from app.ui.hosting import start_server
from app.ui.nick_dialog import NickDialog
from app.ui.nick_taken import dock_nick_taken_bar
from app.ui.server_window import ServerWindow
from app.ui.share_panel import dock_share_panel, share_lines
from app.ui.start_window import JoinRequest, StartWindow

DEFAULT_ROOM = "#chatbox"
QUIT_GRACE_MS = 1500


class CloseConfirm:
    """Asks before the host's window closes on people still talking (tests replace ``ask``)."""

    @classmethod
    def ask(cls, parent: QWidget | None, others: int) -> bool:
        people = "1 person is" if others == 1 else f"{others} people are"
        answer = QMessageBox.question(
            parent,
            "Stop hosting?",
            f"{people} still connected to your chat. Closing stops the chat for everyone.",
            QMessageBox.StandardButton.Close | QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Close


class ChatboxApp(QObject):
    """Signals: finished(): every window is closed and every link is down."""

    finished = Signal()

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.start_window: StartWindow | None = None
        self.chat_windows: list[ChatWindow] = []
        self.server: ChatServer | None = None
        self.server_window: ServerWindow | None = None
        self._host_window: ChatWindow | None = None
        self._stopping = False
        self._finished = False
        self.listen_address: str | None = None  # every interface; tests use 127.0.0.1
        self.host_port: int | None = None  # 6667 or the next free; tests use 0
        self.connect_timeout_ms: int | None = None  # None: the connection's own (15 s)
        # Chats on this network: browsed while the start screen shows; ours advertised
        # while we host or run a server.
        self.lan_browser = LanBrowser(self)
        self.lan_chats = LanChatsModel(self)
        self.lan_chats.attach(self.lan_browser)
        self.advertiser = Advertiser(self)
        # Choices, theme, tray and the shared menus and dialogs of every window.
        self.desktop = Desktop(settings, windows=lambda: self.chat_windows, hosts=self._hosts,
                               quit=self.quit, parent=self)

    # ---------------------------------------------------------------- start screen
    def show_start(self, error: str = "", *, hosting: bool = False) -> StartWindow:
        """The start screen, saying ``error`` beside the Join form (or, ``hosting``, the
        Host box)."""
        if self.start_window is None:
            self.start_window = StartWindow(
                self.settings.recent_servers,
                remembered=lambda host, port: (
                    self.settings.server_tls(host, port),
                    self.settings.server_account(host, port),
                ),
                keyring_available=passwords.available(),
                host_tls=self.settings.host_tls,
                host_advertise=self.settings.host_advertise,
                lan_chats=self.lan_chats,
            )
            self.lan_browser.state_changed.connect(self.start_window.set_lan_state)
            self.start_window.host_requested.connect(self._on_host_requested)
            self.start_window.join_requested.connect(self._on_join_requested)
            self.start_window.server_requested.connect(self._on_server_requested)
            self.start_window.closed.connect(self._on_start_closed)
            self.desktop.attach_window(self.start_window)
        self.start_window.show_error(error, hosting=hosting)
        self.start_window.show()
        self.start_window.raise_()
        self.start_window.set_lan_state(self.lan_browser.state)
        self.lan_browser.start()
        return self.start_window

    def _hide_start(self) -> None:
        if self.start_window is not None:
            self.start_window.hide()
        self.lan_browser.stop()

    def _remember_host_choices(self) -> None:
        assert self.start_window is not None
        self.settings.host_tls = self.start_window.host_tls_check.isChecked()
        self.settings.host_advertise = self.start_window.advertise_check.isChecked()

    def _ask_nick(self) -> str | None:
        nick = NickDialog.ask(self.settings.last_nick, self.start_window)
        if nick:
            self.settings.last_nick = nick
        return nick

    @Slot()
    def _on_host_requested(self) -> None:
        self._remember_host_choices()
        nick = self._ask_nick()
        if nick:
            self.host_chat(nick, self.host_port)

    @Slot(object)
    def _on_join_requested(self, request: JoinRequest) -> None:
        host, port = request.host, request.port
        account: Account | None = None
        if request.account:
            secret = request.account_password or passwords.load(host, port, request.account)
            if not secret:
                self.show_start(f"Type the password of the account {request.account}.")
                return
            account = Account(request.account, secret, create=request.create_account)
        nick = self._ask_nick()
        if not nick:
            return
        network = ", ".join(f"{h}:{p}" for h, p in request.servers)
        self.settings.remember_join(host, port, request.tls, request.account, network)
        if account is not None and request.remember_password:
            passwords.save(host, port, account.name, account.password)
        elif account is not None and request.account_password:
            passwords.forget(host, port, account.name)  # typed, not to be remembered
        window = self.join_chat(host, port, nick, password=request.password, tls=request.tls,
                                account=account, channel=request.channel or DEFAULT_ROOM,
                                from_start=True)
        window.session.servers = list(request.servers)

    @Slot()
    def _on_server_requested(self) -> None:
        self._remember_host_choices()
        self.run_server()

    # ---------------------------------------------------------------- flows
    def join_chat(
        self,
        host: str,
        port: int,
        nick: str,
        *,
        password: str = "",
        tls: bool = False,
        account: Account | None = None,
        channel: str = DEFAULT_ROOM,
        from_start: bool = False,
    ) -> ChatWindow:
        """Connect as ``nick`` (over TLS, logged in to ``account``) and open the chat window
        (it joins ``channel``)."""
        session = ChatSession()
        session.autojoin = [channel] if channel else []
        if self.connect_timeout_ms is not None:
            session.connection.connect_timeout_ms = self.connect_timeout_ms
        window = ChatWindow(session)
        self.desktop.attach_chat(window)  # the user's choices, and they follow changes
        session.dcc.max_size = self.settings.max_file_mb * 1024 * 1024
        session.commands.ignores.set_masks(self.settings.ignored)
        session.commands.ignores.changed.connect(self._on_ignores_changed)
        dock_nick_taken_bar(window, session)
        self.chat_windows.append(window)
        window.closed.connect(self._on_chat_closed)
        if from_start:
            session.connection.error_occurred.connect(self._on_join_failed)
        session.connection.certificate_problem.connect(self._on_certificate_problem)
        session.server_changed.connect(self._on_server_changed)
        window.show()
        self._hide_start()
        session.connection.connect_to(
            host, port, nick, password=password, tls=tls, account=account,
            trusted=self.settings.trusted_fingerprint(host, port) if tls else "",
            realname=self.settings.real_name,
        )
        return window

    @Slot(list)
    def _on_ignores_changed(self, masks: list[str]) -> None:
        """/ignore or /unignore in one window: saved, and every window ignores the same."""
        self.settings.ignored = masks
        for window in self.chat_windows:
            window.session.commands.ignores.set_masks(masks)

    @Slot(str)
    def _on_server_changed(self, _where: str) -> None:
        """Failing over to another server of the network: its own trusted certificate."""
        session = self.sender()
        if isinstance(session, ChatSession) and session.connection.tls:
            c = session.connection
            c.trusted = self.settings.trusted_fingerprint(c.host, c.port)

    @Slot(object)
    def _on_certificate_problem(self, problem: CertificateProblem) -> None:
        """Ask; a trusted certificate is remembered for the server and we connect again."""
        window = self._window_of(self.sender())
        if window is None:
            return
        if CertificateDialog.ask(problem, window):
            self.settings.trust(problem.host, problem.port, problem.fingerprint)
            window.session.connection.trusted = problem.fingerprint
            window.session.connection.reconnect()
            return
        if window.session.connection.was_registered:
            window.session.quit()  # the retry loop ends here: the user said no
            return
        self._back_to_start(window, problem.text())

    def _window_of(self, session_connection: QObject | None) -> ChatWindow | None:
        return next(
            (w for w in self.chat_windows if w.session.connection is session_connection), None
        )

    @Slot(str)
    def _on_join_failed(self, text: str) -> None:
        window = self._window_of(self.sender())
        if window is None or window.session.connection.was_registered:
            return  # later problems show in the chat window itself
        self._back_to_start(window, text)

    def _back_to_start(self, window: ChatWindow, text: str) -> None:
        """A join that never got in: its window goes and the start screen says why, with
        the form as it was typed. The start screen shows first, so the window closing is
        never the app's last one."""
        self.show_start(text)
        self.chat_windows.remove(window)
        window.close_guard = lambda: True
        window.close()
        window.deleteLater()

    def host_chat(self, nick: str, port: int | None = None) -> ChatWindow | None:
        """Start the bundled server here and join it over loopback."""
        try:
            self.server, note = start_server(port, self.listen_address, tls=self.settings.host_tls)
        except ListenError as exc:
            self.show_start(f"Could not host the chat: {exc}.", hosting=True)
            return None
        # The host's own window joins over loopback, or the one address the server has.
        window = self.join_chat(self.listen_address or "127.0.0.1", self.server.port, nick)
        window.close_guard = lambda: self._confirm_stop_hosting(window)
        self._host_window = window
        # What to tell others stays on screen (the Share panel); the Server room keeps a note.
        dock_share_panel(window, self.server)
        lines = [note] if note else []
        if self.server.tls is not None:
            lines.append(
                f"Secure connections (TLS) on port {self.server.tls_port}, certificate "
                f"fingerprint {self.server.tls.fingerprint}"
            )
        if self._advertise(nick):
            lines.append("Chatbox apps on this network will list your chat under Join a chat.")
        lines.append("You are hosting. Others join with: " + ", ".join(share_lines(self.server)))
        room = window.session.rooms.get(SERVER_ROOM)
        assert room is not None
        for text in lines:
            room.messages.append(ChatLine(datetime.now(UTC), "", text, "info"))
        return window

    def _confirm_stop_hosting(self, window: ChatWindow) -> bool:
        if self.server is None:
            return True
        others = sum(
            1 for c in self.server.core.clients if c.registered and c.nick != window.session.nick
        )
        return others == 0 or CloseConfirm.ask(window, others)

    def run_server(self, port: int | None = None) -> ServerWindow | None:
        """The server window only."""
        try:
            self.server, note = start_server(port, self.listen_address, tls=self.settings.host_tls)
        except ListenError as exc:
            self.show_start(f"Could not start the server: {exc}.", hosting=True)
            return None
        window = self.server_window = ServerWindow(self.server, note)
        # Asks while people are connected; not when the app is quitting (SIGTERM, Quit).
        window.close_guard = lambda: self._stopping or window.confirm_stop()
        self.server_window.closed.connect(self._on_server_window_closed)
        self.server_window.stop_requested.connect(self.shutdown)
        self.desktop.attach_window(self.server_window)
        self.server_window.show()
        self._hide_start()
        self._advertise("")
        return self.server_window

    def _advertise(self, nick: str) -> bool:
        """Let others on this network find the server (the setting permitting); True when
        advertising starts (the server log says why not otherwise)."""
        if self.server is None or not self.settings.host_advertise:
            return False
        return self.advertiser.start(Announcement.of(self.server, nick))

    def wait_for_network(self, timeout_s: float = 3.0) -> None:
        """At exit: let the goodbye packets go out, so the chat leaves others' lists now."""
        self.advertiser.wait(timeout_s)
        self.lan_browser.wait(timeout_s)

    # ---------------------------------------------------------------- closing
    @Slot()
    def _on_chat_closed(self) -> None:
        window = self.sender()
        self.chat_windows = [w for w in self.chat_windows if w is not window]
        if window is self._host_window:
            self._host_window = None
            self.shutdown()
        elif not self.chat_windows and self.server is None and not self._start_visible():
            self._finish()

    @Slot()
    def _on_server_window_closed(self) -> None:
        self.server_window = None
        self.shutdown()

    @Slot()
    def _on_start_closed(self) -> None:
        self.lan_browser.stop()
        if not self.chat_windows and self.server is None:
            self._finish()

    def _start_visible(self) -> bool:
        return self.start_window is not None and self.start_window.isVisible()

    def _hosts(self, window: QWidget) -> bool:
        return window is self._host_window and self.server is not None

    @Slot()
    def quit(self) -> None:
        """Chatbox → Quit, the tray's Quit: everything closes, once the host said yes when
        others are still in the chat it hosts."""
        host = self._host_window
        if host is None or self._confirm_stop_hosting(host):
            self.shutdown()

    @Slot()
    def shutdown(self) -> None:
        """Close everything as the close buttons would: QUIT out, the server stops, done."""
        if self._stopping:
            return
        self._stopping = True
        self.desktop.shutdown()  # windows close for real now, not into the tray
        for window in list(self.chat_windows):
            window.close_guard = lambda: True
            window.close()
        if self.start_window is not None:
            self.start_window.close()
        if self.server_window is not None:
            self.server_window.close()
        self.advertiser.stop()  # at once: the chat leaves others' lists as we say goodbye
        self.lan_browser.stop()
        server, self.server = self.server, None
        if server is None:
            QTimer.singleShot(100, self._finish)
            return
        # Our own QUITs reach the server first; then it tells everyone else and closes.
        server.stopped.connect(self._finish)
        QTimer.singleShot(100, server.stop)
        QTimer.singleShot(QUIT_GRACE_MS, self._finish)

    @Slot()
    def _finish(self) -> None:
        if not self._finished:
            self._finished = True
            self.finished.emit()
