"""What to tell others so they can join: the addresses a server really listens on, each with
a Copy button, and the TLS certificate's fingerprint to read out.

It stays on screen as long as the server runs (the host's chat window docks it at the top;
the server window shows it first), never as a status message that goes away.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtNetwork import QAbstractSocket, QHostAddress, QNetworkInterface
from PySide6.QtWidgets import (
    QDockWidget,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QWidget,
)

from app.server.listener import ChatServer

EVERY_INTERFACE = ("0.0.0.0", "::", "")
THIS_COMPUTER_ONLY = "this computer only"


def _with_port(address: QHostAddress, port: int) -> str:
    text = address.toString().partition("%")[0]
    if address.protocol() == QAbstractSocket.NetworkLayerProtocol.IPv6Protocol:
        return f"[{text}]:{port}"
    return f"{text}:{port}"


def listening_addresses(bound: str, port: int) -> list[str]:
    """``host:port`` for every address a server bound to ``bound`` can be reached at by
    others, IPv4 first: each network address of this machine when it listens on every
    interface, else the one it listens on. Loopback is listed (marked as
    ``this computer only``) only when nothing else can be: never an address not bound."""
    if bound not in EVERY_INTERFACE:
        address = QHostAddress(bound)
        if address.isNull():
            return [f"{bound}:{port}"]
        shown = _with_port(address, port)
        return [f"{shown} ({THIS_COMPUTER_ONLY})" if address.isLoopback() else shown]
    ranked: list[tuple[int, str]] = []
    for address in QNetworkInterface.allAddresses():
        if address.isLoopback() or address.isLinkLocal():
            continue  # a link-local address needs a scope the other computer cannot know
        ipv6 = address.protocol() == QAbstractSocket.NetworkLayerProtocol.IPv6Protocol
        ranked.append((int(ipv6), _with_port(address, port)))
    found = [text for _rank, text in sorted(ranked)]
    return found or [f"127.0.0.1:{port} ({THIS_COMPUTER_ONLY})"]


def share_lines(server: ChatServer) -> list[str]:
    """Every address to share, the TLS ones marked, for a chat line or the clipboard."""
    lines = listening_addresses(server.address, server.port) if server.port else []
    if server.tls_port:
        lines += [f"{text} (TLS)" for text in listening_addresses(server.address,
                                                                  server.tls_port)]
    return lines


class SharePanel(QWidget):
    """The addresses of a running :class:`ChatServer`, each with its Copy button, and its
    certificate fingerprint when it offers TLS."""

    def __init__(self, server: ChatServer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SharePanel")
        self.setAccessibleName("Share this chat")
        self.addresses = listening_addresses(server.address, server.port) if server.port else []
        self.tls_addresses = (
            listening_addresses(server.address, server.tls_port) if server.tls_port else []
        )
        self.fingerprint = server.tls.fingerprint if server.tls is not None else ""
        self.copy_buttons: list[QPushButton] = []
        self.heading = QLabel("Others join with one of these addresses:")
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.heading, 0, 0, 1, 5)
        rows = max(len(self.addresses), len(self.tls_addresses))
        for row in range(rows):
            for column, (texts, kind) in enumerate(
                ((self.addresses, ""), (self.tls_addresses, "secure (TLS)"))
            ):
                if row < len(texts):
                    self._add_row(grid, row + 1, column * 2, texts[row], kind)
        if self.fingerprint:
            note = QLabel("Those who join with TLS check this certificate fingerprint:")
            note.setWordWrap(True)
            grid.addWidget(note, rows + 1, 0, 1, 5)
            value = QLabel(self.fingerprint)
            value.setAccessibleName("Certificate fingerprint")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
            line = QHBoxLayout()  # its own row: its width sets no address column's
            line.addWidget(value)
            line.addWidget(self._copy_button(self.fingerprint, "Copy the fingerprint"), 0,
                           Qt.AlignmentFlag.AlignTop)
            line.addStretch(1)
            grid.addLayout(line, rows + 2, 0, 1, 5)
        grid.setColumnStretch(4, 1)  # the Copy buttons stay beside what they copy

    def _add_row(self, grid: QGridLayout, row: int, column: int, text: str, kind: str) -> None:
        label = QLabel(f"{text}  ·  {kind}" if kind else text)
        label.setAccessibleName(f"Address {text}")
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(label, row, column)
        address = text.partition(" ")[0]  # "(this computer only)" is not part of it
        grid.addWidget(self._copy_button(address, f"Copy {address}"), row, column + 1)

    def _copy_button(self, text: str, name: str) -> QPushButton:
        button = QPushButton("Copy")
        button.setAccessibleName(name)
        button.setToolTip(f"Put {text} on the clipboard")
        button.setProperty("copies", text)
        button.clicked.connect(self._on_copy_clicked)
        self.copy_buttons.append(button)
        return button

    @Slot()
    def _on_copy_clicked(self) -> None:
        button = self.sender()
        if isinstance(button, QPushButton):
            QGuiApplication.clipboard().setText(str(button.property("copies")))

    def all_text(self) -> str:
        """Everything to share, one item a line (the server window's Copy all)."""
        lines = [*self.addresses, *(f"{text} (TLS)" for text in self.tls_addresses)]
        if self.fingerprint:
            lines.append(f"TLS certificate fingerprint: {self.fingerprint}")
        return "\n".join(lines)


def dock_share_panel(window: QMainWindow, server: ChatServer) -> SharePanel:
    """Show ``server``'s addresses at the top of ``window`` for as long as it is open."""
    panel = SharePanel(server)
    dock = QDockWidget("Share this chat", window)
    dock.setObjectName("ShareDock")
    dock.setAccessibleName("Share this chat")
    dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)  # it stays
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, dock)
    return panel
