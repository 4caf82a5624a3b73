"""Text from the wire is shown as the characters it is made of, never as Qt rich text.

Markup in an ERROR line, a topic, a realname, an away message, part, kick and quit reasons,
a channel name, a LAN chat's name, a certificate's subject and a DCC file name reaches the
real windows over real sockets on 127.0.0.1; then every label, button, tooltip, list row,
message box and window title of every window on screen is read back the way Qt would show
it, and none may render a tag (or an entity) that came from the network.
"""

from __future__ import annotations

import html
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent, QTextDocument
from PySide6.QtGui import Qt as QtGuiNamespace  # Qt::mightBeRichText lives in QtGui
from PySide6.QtNetwork import QSsl, QSslCertificate
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSystemTrayIcon,
    QToolTip,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.client.connection import CertificateProblem
from app.client.models import ChatLine
from app.protocol.dcc import safe_name
from app.protocol.dnssd import ChatTxt, LanChat, decode_txt, encode_txt, instance_of
from app.server import certs
from app.server.listener import ChatServer
from app.ui.certificate_dialog import CertificateDialog
from app.ui.chat_window import ChatWindow
from app.ui.controller import ChatboxApp
from app.ui.nick_dialog import NickDialog
from tests.ui.conftest import LoopClient

MakeLoopClient = Callable[[int], LoopClient]
Surface = tuple[str, str, Qt.TextFormat]  # where, the text, how Qt treats it

BOLD = "<b>bold</b><img src=x>"
LINK = '<a href="http://evil">click</a>'
ITALIC = "<i>slanted</i>"
TAGS = ("<b>", "<img", "<a ", "<i>")  # sent from the network: never rendered


# ---------------------------------------------------------------- reading the screen back
def as_shown(text: str, text_format: Qt.TextFormat) -> tuple[bool, str]:
    """(rendered as rich text?, the characters a person sees), guessing as Qt guesses."""
    rich = text_format == Qt.TextFormat.RichText or (
        text_format == Qt.TextFormat.AutoText and QtGuiNamespace.mightBeRichText(text)
    )
    if not rich:
        return False, text
    document = QTextDocument()
    document.setHtml(text)
    return True, document.toPlainText()


def item_surfaces(name: str, view: QAbstractItemView) -> list[Surface]:
    """A view's rows (its delegate paints plain text) and each row's tooltip as the view
    shows it: a tooltip event on the row, then what QToolTip was given."""
    model = view.model()
    if model is None:
        return []
    found: list[Surface] = []
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        found.append((f"{name} row {row}", str(index.data() or ""), Qt.TextFormat.PlainText))
        rect = view.visualRect(index)
        if not index.data(Qt.ItemDataRole.ToolTipRole) or not rect.isValid():
            continue
        where = rect.center()
        event = QHelpEvent(QEvent.Type.ToolTip, where, view.viewport().mapToGlobal(where))
        QApplication.sendEvent(view.viewport(), event)
        found.append((f"{name} row {row} tooltip", QToolTip.text(), Qt.TextFormat.AutoText))
    return found


def surfaces() -> list[Surface]:
    """Every piece of text in every window on screen (and in everything those windows
    hold, shown or not), with how Qt treats it. Closed windows of earlier tests are not
    deleted, so windows that are not shown are left out."""
    found: list[Surface] = []
    for top in QApplication.topLevelWidgets():
        if not top.isVisible():
            continue
        for widget in (top, *top.findChildren(QWidget)):
            name = f"{type(widget).__name__}({widget.accessibleName() or widget.objectName()})"
            if widget.isWindow():
                found.append((f"{name} title", widget.windowTitle(), Qt.TextFormat.PlainText))
            if widget.toolTip():
                found.append((f"{name} tooltip", widget.toolTip(), Qt.TextFormat.AutoText))
            if isinstance(widget, QLabel):  # QMessageBox's texts are labels too
                found.append((name, widget.text(), widget.textFormat()))
            elif isinstance(widget, (QAbstractButton, QLineEdit)):
                found.append((name, widget.text(), Qt.TextFormat.PlainText))
            elif isinstance(widget, QAbstractItemView):
                found += item_surfaces(name, widget)
    return found


def rendered(sent: tuple[str, ...]) -> list[str]:
    """Where text from the network does not read as sent: a tag of it rendered, or one of
    the ``sent`` strings showing as other characters (an entity decoded, a tag eaten)."""
    problems = []
    for where, text, text_format in surfaces():
        rich, shown = as_shown(text, text_format)
        tag = rich and any(t in text for t in TAGS)
        if tag or any(s in text and s not in shown for s in sent):
            problems.append(f"{where}: {text!r} shows as {shown!r}")
    return problems


def on_screen(text: str) -> bool:
    """``text`` can be read, character for character, somewhere in the app's windows."""
    return any(text in as_shown(t, f)[1] for _where, t, f in surfaces())


def all_lines(window: ChatWindow) -> list[ChatLine]:
    return [line for room in window.session.rooms.rooms() for line in room.messages.lines()]


# ---------------------------------------------------------------- the other end of the wire
class ErrorServer:
    """A listening socket that answers a client's first bytes with ``ERROR :<reason>`` and
    closes the link, as a server turning someone away does. Polled while qtbot waits."""

    def __init__(self, reason: str) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.setblocking(False)
        self.port: int = self.listener.getsockname()[1]
        self.reason = reason
        self.peer: socket.socket | None = None
        self.done = False

    def poll(self) -> bool:
        """True once the ERROR went out and the link was closed."""
        if self.done:
            return True
        try:
            if self.peer is None:
                self.peer, _address = self.listener.accept()
                self.peer.setblocking(False)
            if not self.peer.recv(4096):
                return False
        except BlockingIOError:
            return False
        self.peer.sendall(f"ERROR :{self.reason}\r\n".encode())
        self.peer.close()
        self.done = True
        return True

    def close(self) -> None:
        if self.peer is not None:
            self.peer.close()
        self.listener.close()


@pytest.fixture
def mallory(qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow,
            loop_clients: MakeLoopClient) -> LoopClient:
    """A raw client in alice's hosted #chatbox, with markup in its realname."""
    assert chatbox.server is not None
    raw = loop_clients(chatbox.server.port)
    raw.send("NICK mal[lory]")
    raw.send(f"USER mal 0 * :{ITALIC} realname")
    raw.wait_for(qtbot, lambda m: m.command == "001")
    raw.send("JOIN #chatbox")
    chatbox_room = hosted.session.rooms.get("#chatbox")
    assert chatbox_room is not None
    qtbot.waitUntil(lambda: "mal[lory]" in chatbox_room.members.nicks())
    return raw


@pytest.fixture
def tray_messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """A system tray that records what it would hand the desktop's notification server."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    monkeypatch.setattr(QSystemTrayIcon, "show", lambda self: None)
    monkeypatch.setattr(QSystemTrayIcon, "showMessage",
                        lambda self, title, body, *_rest: shown.append((title, body)))
    return shown


# ---------------------------------------------------------------- the tests
def test_a_disconnect_reason_from_the_server_is_plain_text_in_the_status_bar(
    qtbot: QtBot, chatbox: ChatboxApp
) -> None:
    reason = f"Closing link: {BOLD} {LINK}"
    server = ErrorServer(reason)
    try:
        window = chatbox.join_chat("127.0.0.1", server.port, "alice")
        qtbot.waitUntil(server.poll, timeout=5000)
        qtbot.waitUntil(lambda: "Closing link" in window.state_label.text(), timeout=5000)
    finally:
        server.close()
    assert window.state_label.text() == f"Offline — Disconnected by the server: {reason}"
    assert rendered((reason,)) == []
    assert on_screen(reason)


def test_a_topic_realname_away_and_reasons_from_others_show_literally(
    qtbot: QtBot, hosted: ChatWindow, mallory: LoopClient
) -> None:
    window, raw = hosted, mallory
    den = "#<b>den</b>"
    raw.send(f"JOIN {den}")  # first in: mallory is its operator
    raw.wait_for(qtbot, lambda m: m.command == "JOIN" and m.param(0) == den)
    window.session.send_input(f"/join {den}", "#chatbox")
    qtbot.waitUntil(lambda: window.session.rooms.get(den) is not None)
    window.show_room(den)
    raw.send(f"TOPIC {den} :{BOLD}")
    qtbot.waitUntil(lambda: window.topic.text() == BOLD)
    raw.send(f"AWAY :{LINK} away")
    raw.send(f"PRIVMSG {den} :{LINK} said")
    window.session.send_input("/quote WHOIS mal[lory]", den)
    qtbot.waitUntil(lambda: any(f"{ITALIC} realname" in ln.text for ln in all_lines(window)))
    qtbot.waitUntil(lambda: any(f"{LINK} away" in ln.text for ln in all_lines(window)))
    sent = (den, BOLD, f"{ITALIC} realname", f"{LINK} away", f"{LINK} said")
    assert window.current_room == den and window.windowTitle().startswith(den)
    assert rendered(sent) == []
    qtbot.waitUntil(lambda: on_screen(f"{LINK} said"))  # the message list, once laid out
    assert on_screen(den) and on_screen(BOLD)

    raw.send(f"KICK {den} alice :{BOLD} kicking")
    qtbot.waitUntil(lambda: any(f"{BOLD} kicking" in ln.text for ln in all_lines(window)))
    window.session.send_input(f"/join {den}", den)  # back in: the QUIT reaches alice there
    qtbot.waitUntil(lambda: "alice" in window.session.rooms.get(den).members.nicks())  # type: ignore[union-attr]
    raw.send(f"PART #chatbox :{LINK} parting")
    raw.send(f"QUIT :{ITALIC} quitting")
    for reason in (f"{LINK} parting", f"{ITALIC} quitting"):
        qtbot.waitUntil(lambda r=reason: any(r in ln.text for ln in all_lines(window)))
    sent += (f"{LINK} parting", f"{BOLD} kicking", f"{ITALIC} quitting")
    for room in (den, "#chatbox"):
        window.show_room(room)
        assert rendered(sent) == [], room


def test_a_desktop_notification_hands_no_markup_to_the_notification_server(
    qtbot: QtBot, hosted: ChatWindow, mallory: LoopClient, tray_messages: list[tuple[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = hosted
    monkeypatch.setattr(window, "isActiveWindow", lambda: False)  # the user is elsewhere
    mallory.send(f"PRIVMSG alice :{BOLD} {LINK}")
    qtbot.waitUntil(lambda: bool(tray_messages))
    title, body = tray_messages[0]
    assert title == "mal[lory]"  # the summary is plain text for every notification server
    if sys.platform.startswith(("win", "darwin")):
        assert body == f"{BOLD} {LINK}"  # shown as plain text there
    else:  # freedesktop servers read markup in the body: it goes escaped
        assert body == html.escape(f"{BOLD} {LINK}", quote=False)
        assert as_shown(body, Qt.TextFormat.RichText) == (True, f"{BOLD} {LINK}")


def test_a_certificate_whose_subject_carries_markup_is_asked_about_in_plain_words(
    qtbot: QtBot, chatbox: ChatboxApp, chat_server: ChatServer, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subject = f"{BOLD}{LINK}"
    cert_pem, key_pem = certs.make_self_signed(subject)
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    material = certs.load(tmp_path / "cert.pem", tmp_path / "key.pem")
    certificate = QSslCertificate(cert_pem, QSsl.EncodingFormat.Pem)
    assert certificate.subjectInfo(QSslCertificate.SubjectInfo.CommonName) == [subject]
    chat_server.listen_tls("127.0.0.1", 0, material)
    asked: list[tuple[CertificateProblem, list[str]]] = []

    def ask(cls: type[CertificateDialog], problem: CertificateProblem,
            parent: QWidget | None) -> bool:
        dialog = cls(problem, parent)  # the real dialog, read back while it shows
        dialog.show()
        asked.append((problem, rendered((subject,))))
        dialog.close()
        dialog.deleteLater()
        return True

    monkeypatch.setattr(CertificateDialog, "ask", classmethod(ask))
    monkeypatch.setattr(NickDialog, "ask", classmethod(lambda cls, *_args: "alice"))
    start = chatbox.show_start()
    qtbot.addWidget(start)
    start.host_edit.setCurrentText("127.0.0.1")
    start.port_edit.setValue(chat_server.tls_port)
    start.tls_check.setChecked(True)
    qtbot.mouseClick(start.join_button, Qt.MouseButton.LeftButton)
    window = chatbox.chat_windows[-1]
    qtbot.waitUntil(lambda: window.session.connection.state == "connected", timeout=5000)
    (problem, problems), = asked
    assert problem.fingerprint == material.fingerprint and problems == []
    assert window.security_label.text().startswith("TLS")
    assert rendered((subject,)) == []


def test_a_file_offer_whose_name_carries_markup_is_offered_asked_and_listed_literally(
    qtbot: QtBot, hosted: ChatWindow, mallory: LoopClient, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = hosted
    offered = "&lt;img src=x&gt; <b>bold<b> &amp; co.txt"
    name = safe_name(offered)  # < and > go; entities, which Qt would decode, stay
    assert "&lt;img src=x&gt;" in name and "&amp;" in name
    data = b"0123456789"
    sender = socket.create_server(("127.0.0.1", 0))
    sender.setblocking(False)
    port = sender.getsockname()[1]
    peers: list[socket.socket] = []
    try:
        mallory.send(f'PRIVMSG alice :\x01DCC SEND "{offered}" 2130706433 {port} {len(data)}\x01')
        qtbot.waitUntil(lambda: len(window.offer_bars()) == 1, timeout=5000)
        assert on_screen(f"mal[lory] offers {name} (10 bytes).")
        assert rendered((name,)) == []

        existing = tmp_path / name
        existing.write_bytes(b"old")
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            staticmethod(lambda *_a, **_k: (str(existing), "")))
        boxes: list[tuple[str, list[str]]] = []

        def exec_(box: QMessageBox) -> int:  # the real box, read back instead of shown
            boxes.append((box.text(), rendered((name,))))
            return 0

        monkeypatch.setattr(QMessageBox, "exec", exec_)
        qtbot.mouseClick(window.offer_bars()[0].save_button, Qt.MouseButton.LeftButton)
        (text, problems), = boxes
        assert text.startswith(f"{name} is already there") and problems == []

        target = tmp_path / "saved.txt"
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            staticmethod(lambda *_a, **_k: (str(target), "")))
        qtbot.mouseClick(window.offer_bars()[0].save_button, Qt.MouseButton.LeftButton)
        row = window.transfers.rows[-1]

        def served() -> bool:
            if not peers:
                try:
                    peer, _address = sender.accept()
                except BlockingIOError:
                    return False
                peer.sendall(data)
                peers.append(peer)
            return row.transfer.state == "done"

        qtbot.waitUntil(served, timeout=5000)
    finally:
        for peer in peers:
            peer.close()
        sender.close()
    assert target.read_bytes() == data
    assert row.title.text() == f"{name} from mal[lory]"
    assert rendered((name,)) == []

    mallory.send(f'PRIVMSG alice :\x01DCC SEND "{offered}" 2130706433 {port} {len(data)}\x01')
    qtbot.waitUntil(lambda: len(window.offer_bars()) == 1, timeout=5000)
    unwritable = tmp_path / "gone" / name  # saving fails: the status names the file
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a, **_k: (str(unwritable), "")))
    qtbot.mouseClick(window.offer_bars()[0].save_button, Qt.MouseButton.LeftButton)
    failed = window.transfers.rows[-1]
    qtbot.waitUntil(lambda: failed.transfer.state == "failed")
    assert failed.status.text().startswith(f"Failed: cannot write {unwritable}")
    assert rendered((name,)) == []


def test_a_chat_found_on_the_network_is_listed_with_its_names_literally(
    qtbot: QtBot, chatbox: ChatboxApp
) -> None:
    service = "_irc._tcp.local."
    txt = decode_txt(encode_txt(ChatTxt(server=f"{BOLD} srv", nick="[mal]", room="#<i>r</i>")))
    chat = LanChat(key=f"{LINK}.{service}", name=instance_of(f"{LINK}.{service}", service),
                   addresses=("127.0.0.1",), port=6667, tls=False,
                   server=txt.server, nick=txt.nick, room=txt.room)
    assert chat.name == LINK and chat.room == "#<i>r</i>"
    start = chatbox.show_start()
    qtbot.addWidget(start)
    chatbox.lan_browser.chat_found.emit(chat)  # as its browse reports a chat it resolved
    model = start.lan_list.model()
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    sent = (LINK, f"{BOLD} srv", "#<i>r</i>")
    assert rendered(sent) == []
    assert on_screen(f"{LINK} — #<i>r</i> (127.0.0.1:6667)")
    assert on_screen(f"{BOLD} srv")  # in the row's tooltip, literally

