"""The start screen: Host a chat, Join a chat (the chats found on this network, or a host,
port, TLS, password, an optional account; recent servers), Run a server.

Signals:
    host_requested(): the user wants to host a chat.
    join_requested(JoinRequest): what to join, and how.
    server_requested(): the user wants the server window only.
    closed(): the window was closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.protocol.dnssd import LanChat
from app.ui.plain_text import PlainItemToolTips

DEFAULT_PORT = 6667
TLS_PORT = 6697
LAN_ROWS_SHOWN = 4  # the list of chats on this network scrolls beyond that


@dataclass(frozen=True)
class JoinRequest:
    host: str
    port: int
    password: str = ""  # the server's connection password
    tls: bool = False
    account: str = ""  # log in (SASL) or, with create_account, make it (REGISTER)
    account_password: str = ""
    create_account: bool = False
    remember_password: bool = False
    servers: tuple[tuple[str, int], ...] = ()  # a network: every server, tried in order
    channel: str = ""  # the room to join ("": the default room)


def split_servers(text: str, default_port: int = DEFAULT_PORT) -> list[tuple[str, int]]:
    """A network's servers, tried in order: ``irc1.lan, irc2.lan:6668`` → [(host, port) …]."""
    return [split_host_port(part, default_port) for part in text.split(",") if part.strip()]


def split_host_port(text: str, default_port: int = DEFAULT_PORT) -> tuple[str, int]:
    """``host``, ``host:port``, ``[v6]:port`` → (host, port)."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.lstrip(":")
        return host, int(port) if port.isdecimal() else default_port
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, int(port) if port.isdecimal() else default_port
    return text, default_port


class StartWindow(QWidget):
    host_requested = Signal()
    join_requested = Signal(object)
    server_requested = Signal()
    closed = Signal()

    def __init__(
        self,
        recent: list[str],
        parent: QWidget | None = None,
        *,
        remembered: Callable[[str, int], tuple[bool | None, str]] = lambda _h, _p: (None, ""),
        keyring_available: bool = False,
        host_tls: bool = True,
        host_advertise: bool = True,
        lan_chats: QAbstractItemModel | None = None,
    ) -> None:
        """``remembered(host, port)``: (TLS used last time or None, account) for a recent
        server, to fill the form in. ``lan_chats``: the chats found on this network (rows
        whose ``Qt.UserRole`` is a :class:`LanChat`), listed live in the Join box."""
        super().__init__(parent)
        self._remembered = remembered
        self.setWindowTitle("Chatbox")
        self.setObjectName("StartWindow")
        title = QLabel("Chatbox")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 2)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        subtitle = QLabel("Talk with the people around you. One person hosts, the others join.")
        subtitle.setWordWrap(True)
        subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.host_button = QPushButton("Host a chat")
        self.host_button.setAccessibleName("Host a chat")
        self.host_button.setToolTip("Start a chat on this computer and invite others")
        self.host_button.clicked.connect(self.host_requested)
        self.host_tls_check = QCheckBox("Also offer secure connections (TLS)")
        self.host_tls_check.setAccessibleName("Offer secure connections (TLS)")
        self.host_tls_check.setToolTip(
            "Others can join encrypted on port 6697; you read them the certificate fingerprint"
        )
        self.host_tls_check.setChecked(host_tls)
        self.advertise_check = QCheckBox("Let others on this network find the chat")
        self.advertise_check.setAccessibleName("Let others on this network find the chat")
        self.advertise_check.setToolTip(
            "Chatbox apps on this network list your chat in Join a chat (multicast DNS)"
        )
        self.advertise_check.setChecked(host_advertise)

        self._picked: LanChat | None = None
        self.lan_list = QListView()
        self.lan_list.setAccessibleName("Chats on this network")
        self.lan_list.setToolTip("Click a chat to fill in the form; double-click to join it")
        PlainItemToolTips(self.lan_list)  # a row's tooltip holds the names it advertises
        self.lan_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lan_list.setUniformItemSizes(True)
        rows = LAN_ROWS_SHOWN * (self.lan_list.fontMetrics().lineSpacing() + 2)
        self.lan_list.setFixedHeight(rows + 2 * self.lan_list.frameWidth() + 4)
        if lan_chats is not None:
            self.lan_list.setModel(lan_chats)
            lan_chats.rowsInserted.connect(self._on_lan_rows)
            lan_chats.rowsRemoved.connect(self._on_lan_rows)
            lan_chats.modelReset.connect(self._on_lan_rows)
        self.lan_list.clicked.connect(self._on_lan_clicked)
        self.lan_list.activated.connect(self._on_lan_activated)
        self.lan_note = QLabel()
        self.lan_note.setAccessibleName("Chats on this network: status")
        self.lan_note.setWordWrap(True)
        self.lan_note.setTextFormat(Qt.TextFormat.PlainText)
        self._lan_state = ""

        self.host_edit = QComboBox()
        self.host_edit.setEditable(True)
        self.host_edit.setAccessibleName("Server address")
        self.host_edit.addItems(recent)
        self.host_edit.setCurrentText(recent[0] if recent else "")
        line = self.host_edit.lineEdit()
        assert line is not None
        line.setPlaceholderText("e.g. 192.168.1.20, or a network: irc1.lan, irc2.lan:6668")
        line.setAccessibleName("Server address")
        self.host_edit.view().setAccessibleName("Recent servers")
        self.host_edit.currentTextChanged.connect(self._on_host_text)
        self.port_edit = QSpinBox()
        self.port_edit.setAccessibleName("Port")
        self.port_edit.setRange(1, 65535)
        self.port_edit.setValue(DEFAULT_PORT)
        self.port_edit.valueChanged.connect(self._on_port_changed)
        self.tls_check = QCheckBox("Secure connection (TLS)")
        self.tls_check.setAccessibleName("Secure connection (TLS)")
        self.tls_check.setToolTip("Encrypt everything sent; usual on port 6697")
        self.password_edit = QLineEdit()
        self.password_edit.setAccessibleName("Server password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("only if the server has one")
        self.account_edit = QLineEdit()
        self.account_edit.setAccessibleName("Account")
        self.account_edit.setPlaceholderText("optional: log in to your account")
        self.account_password_edit = QLineEdit()
        self.account_password_edit.setAccessibleName("Account password")
        self.account_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.create_check = QCheckBox("Create this account")
        self.create_check.setAccessibleName("Create this account")
        self.create_check.setToolTip("Register the account on the server, then log in to it")
        self.remember_check = QCheckBox("Remember the password")
        self.remember_check.setAccessibleName("Remember the password")
        self.remember_check.setEnabled(keyring_available)
        self.remember_check.setToolTip(
            "Kept in the system keyring"
            if keyring_available
            else "No system keyring here: the password is asked each time"
        )
        self.account_edit.textChanged.connect(self._on_account_text)
        self.join_button = QPushButton("Join a chat")
        self.join_button.setAccessibleName("Join a chat")
        self.join_button.clicked.connect(self._on_join)
        self.password_edit.returnPressed.connect(self._on_join)

        self.server_button = QPushButton("Run a server")
        self.server_button.setAccessibleName("Run a server")
        self.server_button.setToolTip("Only the server, for others to join; no chat window")
        self.server_button.clicked.connect(self.server_requested)

        self.error = QLabel()  # beside what failed: in the Host box or above Join a chat
        self.error.setObjectName("StartProblem")
        self.error.setAccessibleName("Problem")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        bold = self.error.font()
        bold.setBold(True)
        self.error.setFont(bold)  # no style sheet: it would keep the palette of its first show
        self.error.setFrameShape(QFrame.Shape.StyledPanel)
        self.error.setMargin(4)
        self.error.hide()

        host_box = QGroupBox("Host on this computer")
        self._host_column = QVBoxLayout(host_box)
        host_note = QLabel("Start a chat here and invite others, or run only the server.")
        host_note.setWordWrap(True)
        self._host_column.addWidget(host_note)
        self._host_column.addWidget(self.host_tls_check)
        self._host_column.addWidget(self.advertise_check)
        buttons = QHBoxLayout()
        buttons.addWidget(self.host_button, 2)
        buttons.addWidget(self.server_button, 1)
        self._host_column.addLayout(buttons)

        join_box = QGroupBox("Join a chat")
        self._join_column = QVBoxLayout(join_box)
        self._join_column.addWidget(QLabel("Chats on this network"))
        self._join_column.addWidget(self.lan_list)
        self._join_column.addWidget(self.lan_note)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Server", self.host_edit)
        form.addRow("Port", self.port_edit)
        form.addRow("", self.tls_check)
        form.addRow("Password", self.password_edit)
        form.addRow("Account", self.account_edit)
        form.addRow("Account password", self.account_password_edit)
        checks = QWidget()
        row = QVBoxLayout(checks)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.create_check)
        row.addWidget(self.remember_check)
        form.addRow("", checks)
        self._join_column.addLayout(form)
        self._join_column.addWidget(self.error)
        self._join_column.addWidget(self.join_button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(8)
        layout.addWidget(host_box)
        layout.addWidget(join_box)
        layout.addStretch(1)
        # Wide enough for the form's hints and the status of the search on one line.
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 72)
        self._on_host_text(self.host_edit.currentText())
        self._on_account_text("")
        self._on_lan_rows()

    @Slot(str)
    def _on_host_text(self, text: str) -> None:
        text = text.split(",")[0].strip()  # a network: its first server sets the form
        if (":" in text and not text.startswith("[") and text.count(":") == 1) or "]:" in text:
            _host, port = split_host_port(text)
            self.port_edit.setValue(port)
        host, port = split_host_port(text, self.port_edit.value())
        tls, account = self._remembered(host, port)
        if tls is not None:
            self.tls_check.setChecked(tls)
            self.account_edit.setText(account)
        self.join_button.setEnabled(bool(text.strip()))

    # ------------------------------------------------------------ chats on this network
    def set_lan_state(self, text: str) -> None:
        """What the search for chats is doing (shown while none is listed)."""
        self._lan_state = text
        self._on_lan_rows()

    @Slot()
    def _on_lan_rows(self) -> None:
        model = self.lan_list.model()
        if model is not None and model.rowCount() > 0:
            self.lan_note.setText("Click a chat to fill in the form; double-click to join it.")
        else:
            self.lan_note.setText(self._lan_state or "No chats found on this network.")

    def _chat_at(self, index: QModelIndex) -> LanChat | None:
        chat = index.data(Qt.ItemDataRole.UserRole)
        return chat if isinstance(chat, LanChat) else None

    @Slot(QModelIndex)
    def _on_lan_clicked(self, index: QModelIndex) -> None:
        chat = self._chat_at(index)
        if chat is not None:
            self.fill_from(chat)

    @Slot(QModelIndex)
    def _on_lan_activated(self, index: QModelIndex) -> None:
        chat = self._chat_at(index)
        if chat is not None:
            self.fill_from(chat)
            self._on_join()

    def fill_from(self, chat: LanChat) -> None:
        """Fill the form with a chat found on the network: its address, port and TLS."""
        host = f"[{chat.address}]" if ":" in chat.address else chat.address
        self.host_edit.setCurrentText(host)
        self.port_edit.setValue(chat.port)
        self.tls_check.setChecked(chat.tls)
        self._picked = chat

    # ------------------------------------------------------------ the form
    @Slot(int)
    def _on_port_changed(self, port: int) -> None:
        if port == TLS_PORT:
            self.tls_check.setChecked(True)
        elif port == DEFAULT_PORT:
            self.tls_check.setChecked(False)

    @Slot(str)
    def _on_account_text(self, text: str) -> None:
        has_account = bool(text.strip())
        for widget in (self.account_password_edit, self.create_check):
            widget.setEnabled(has_account)

    @Slot()
    def _on_join(self) -> None:
        servers = split_servers(self.host_edit.currentText(), self.port_edit.value())
        host = servers[0][0] if servers else ""
        if servers:  # the first server's port is the one in the Port box
            servers[0] = (host, self.port_edit.value())
        if not host or not all(h for h, _p in servers):
            self.show_error("Type the address of the computer that hosts the chat.")
            return
        account = self.account_edit.text().strip()
        if self.create_check.isChecked() and account and not self.account_password_edit.text():
            self.show_error("Choose a password for the new account.")
            return
        self.join_requested.emit(
            JoinRequest(
                host,
                self.port_edit.value(),
                self.password_edit.text(),
                tls=self.tls_check.isChecked(),
                account=account,
                account_password=self.account_password_edit.text(),
                create_account=bool(account) and self.create_check.isChecked(),
                remember_password=self.remember_check.isEnabled()
                and self.remember_check.isChecked(),
                servers=tuple(servers) if len(servers) > 1 else (),
                channel=self._picked_room(host, self.port_edit.value()),
            )
        )

    def _picked_room(self, host: str, port: int) -> str:
        """The room of the chat picked from the list, while the form still shows it."""
        chat = self._picked
        if chat is None or (host, port) != (chat.address, chat.port):
            return ""
        return chat.join_room

    def show_error(self, text: str, *, hosting: bool = False) -> None:
        """Say what went wrong beside the form it is about: the Host box (``hosting``) or
        just above Join a chat. What was typed stays as it was."""
        column = self._host_column if hosting else self._join_column
        if column.indexOf(self.error) < 0:
            for other in (self._host_column, self._join_column):
                other.removeWidget(self.error)
            column.insertWidget(column.count() - (0 if hosting else 1), self.error)
        self.error.setText(text)
        self.error.setVisible(bool(text))
        if text and self.isVisible():  # room for the words, without squeezing the form
            layout = self.layout()
            needed = layout.totalHeightForWidth(self.width()) if layout is not None else 0
            if needed > self.height():
                self.resize(self.width(), needed)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.closed.emit()
