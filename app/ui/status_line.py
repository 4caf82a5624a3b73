"""The chat window's status bar: the connection's state in words, the lock and TLS version
while encrypted (or what the link is when it is not), and Retry now while reconnecting."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar

from app.client.session import ChatSession
from app.resources import resource_path

STATE_TEXT = {
    "connecting": "Connecting to {where}…",
    "registering": "Signing in to {where}…",
    "connected": "Connected to {where} as {nick}",
    "disconnected": "Offline",
}
LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")


class StatusLine(QObject):
    """Fills ``bar`` from the session's connection; every label is plain text."""

    def __init__(self, bar: QStatusBar, session: ChatSession) -> None:
        super().__init__(bar)
        self.session = session
        self.state_label = QLabel()
        self.state_label.setAccessibleName("Connection state")
        self.state_label.setTextFormat(Qt.TextFormat.PlainText)  # the server's ERROR text
        bar.addWidget(self.state_label, 1)
        self.lock_icon = QLabel()
        self.lock_icon.setPixmap(QIcon(str(resource_path("icons", "lock.svg"))).pixmap(16, 16))
        self.lock_icon.hide()
        self.security_label = QLabel()
        self.security_label.setAccessibleName("Security")
        self.security_label.setTextFormat(Qt.TextFormat.PlainText)
        self.retry_button = QPushButton("Retry now")
        self.retry_button.setAccessibleName("Retry now")
        self.retry_button.hide()
        for widget in (self.lock_icon, self.security_label, self.retry_button):
            bar.addPermanentWidget(widget)
        c = session.connection
        c.state_changed.connect(self._on_state_changed)
        c.registered.connect(self._on_registered)
        c.disconnected.connect(self._on_disconnected)
        session.reconnect_scheduled.connect(self._on_reconnect_scheduled)
        self.retry_button.clicked.connect(session.retry_now)
        session.commands.away_changed.connect(self._on_away_changed)
        self._on_state_changed(c.state)

    @Slot(str)
    def _on_state_changed(self, state: str) -> None:
        c = self.session.connection
        where = f"{c.host}:{c.port}"
        text = STATE_TEXT.get(state, state).format(where=where, nick=c.nick)
        if state == "connected" and c.logged_in_as:
            text += f" (account {c.logged_in_as})"
        away = self.session.commands.away
        if state == "connected" and away is not None:
            text += f" — away: {away}" if away else " — away"
        self.state_label.setText(text)
        self._show_security(state)

    def _show_security(self, state: str) -> None:
        """A lock and the TLS version while the link is encrypted; say so when it is not."""
        c = self.session.connection
        version = c.tls_version if state == "connected" else ""
        self.lock_icon.setVisible(bool(version))
        if version:
            text = version
            tip = (f"Encrypted with {version}. Certificate SHA-256 fingerprint:\n"
                   f"{c.peer_fingerprint}")
        elif state == "connected" and c.host in LOCAL_HOSTS:
            text, tip = "On this computer", "The link never leaves this computer."
        elif state == "connected":
            text = "Not encrypted"
            tip = ("Everything sent can be read on the network. Use TLS (port 6697) if the "
                   "server offers it.")
        else:
            text = tip = ""
        self.security_label.setText(text)
        self.security_label.setToolTip(tip)

    @Slot(float)
    def _on_reconnect_scheduled(self, seconds: float) -> None:
        if seconds > 0:
            waiting = len(self.session.pending)
            held = f" ({waiting} unsent, kept)" if waiting else ""
            c = self.session.connection
            text = f"Connection lost — reconnecting to {c.host}:{c.port} in {seconds:.0f} s{held}"
            self.state_label.setText(text)
            self.retry_button.show()
        else:
            self.retry_button.hide()

    @Slot(bool, str)
    def _on_away_changed(self, _away: bool, _message: str) -> None:
        self._on_state_changed(self.session.connection.state)

    @Slot(str)
    def _on_registered(self, _nick: str) -> None:
        self.retry_button.hide()
        self._on_state_changed("connected")

    @Slot(str)
    def _on_disconnected(self, reason: str) -> None:
        if self.retry_button.isHidden():  # no reconnect on the way (we quit, or never got in)
            self.state_label.setText(f"Offline — {reason}")
