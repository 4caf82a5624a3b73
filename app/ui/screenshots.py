"""``python -m app.ui.screenshots [DIR]``: screenshots of the real windows for the README.

Runs offscreen: hosts a chat on 127.0.0.1, lets two people talk, and saves the start
screen (alone, and with chats found on the network), the nickname dialog, the chat window
(light, dark, and with unread lines) and the server window. With ``QT_SCALE_FACTOR=2`` in
the environment it saves only the chat window at that scale (``chat-200.png``).

Multicast DNS stays off (``CHATBOX_NO_MDNS``): the chats listed on the start screen are
handed to its browser's signals, so the pictures never depend on the network they are
made on, and making them sends nothing onto it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["CHATBOX_NO_MDNS"] = "1"

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from app.client.connection import Account, CertificateProblem
from app.client.discovery import STATE_BROWSING
from app.client.models import LINE_ROLE, ChatLine
from app.client.session import ChatSession
from app.client.transfer import Transfer
from app.log import setup_logging
from app.protocol.dnssd import LanChat
from app.settings import Settings
from app.ui.certificate_dialog import CertificateDialog
from app.ui.chat_window import ChatWindow
from app.ui.controller import ChatboxApp
from app.ui.nick_dialog import NickDialog


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2b2d30", QPalette.ColorRole.WindowText: "#dfe1e5",
        QPalette.ColorRole.Base: "#1e1f22", QPalette.ColorRole.AlternateBase: "#2b2d30",
        QPalette.ColorRole.Text: "#dfe1e5", QPalette.ColorRole.Button: "#3c3f41",
        QPalette.ColorRole.ButtonText: "#dfe1e5", QPalette.ColorRole.Highlight: "#2f65ca",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.Link: "#6ea8fe",
        QPalette.ColorRole.PlaceholderText: "#8c8f94", QPalette.ColorRole.ToolTipBase: "#3c3f41",
        QPalette.ColorRole.ToolTipText: "#dfe1e5",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    return palette


def save(widget: QWidget, path: Path) -> None:
    widget.show()
    wait(150)
    widget.grab().save(str(path))
    print(path)


def settle(session: ChatSession) -> None:
    """Wait (a few seconds at most) until the server confirmed what ``session`` sent."""
    for _ in range(100):
        if not session.pending:
            return
        wait(50)


def said(session: ChatSession, room: str, text: str) -> ChatLine:
    """The line ``text`` in ``room`` as ``session`` has it (waited for, with its msgid)."""
    for _ in range(100):
        found = session.rooms.get(room)
        lines = found.messages.lines() if found is not None else []
        line = next((ln for ln in lines if ln.text == text and ln.msgid), None)
        if line is not None:
            return line
        wait(50)
    raise RuntimeError(f"never arrived: {text}")


def conversation_shots(app: QApplication, window: ChatWindow, bob: ChatSession,
                       carol: ChatSession, out: Path, light: QPalette) -> None:
    """conversation-light.png and conversation-dark.png: a reply, reactions (one ours), a
    deleted message and a message of several lines, in a room of their own."""
    room = "#weekend"
    for who in (window.session, bob, carol):
        who.send_input(f"/join {room}", "#chatbox")
    for _ in range(100):  # the joins may wait for the pacing of what was said before
        if all(who.rooms.get(room) is not None for who in (window.session, bob, carol)):
            break
        wait(50)
    window.show_room(room)  # read as it comes: no "New messages" rule
    walk_text = "Who's up for a walk on Saturday? The forecast says sun all day"
    bob.send_input(walk_text, room)
    walk = said(window.session, room, walk_text)
    for who, emoji in ((carol, "👍"), (window.session, "👍"), (carol, "☀️")):
        who.conversation.react(room, said(who, room, walk_text), emoji)
        wait(100)
    carol.send_input("I'm in! I can bring:\n- sandwiches\n- a flask of tea", room)
    bring = said(window.session, room, "I'm in! I can bring:\n- sandwiches\n- a flask of tea")
    window.session.conversation.reply(room, walk, "Count me in. 10:00 at the station?")
    said(bob, room, "Count me in. 10:00 at the station?")
    bob.send_input("(sorry, meant for another chat)", room)
    bob.conversation.redact(room, said(bob, room, "(sorry, meant for another chat)"))
    bob.send_input("10:00 works, see you there", room)
    said(window.session, room, "10:00 works, see you there")
    carol.typing.typed(room, "Shall I")  # the typing line (another part of the window)
    wait(400)
    window.resize(1000, 560)
    window.show_room(room)
    wait(200)
    view = window.messages
    row = next(r for r in range(view.model().rowCount())
               if view.model().index(r, 0).data(LINE_ROLE).msgid == bring.msgid)
    view._hover(view.visualRect(view.model().index(row, 0)).center())  # its actions
    save(window, out / "conversation-light.png")
    app.setPalette(dark_palette())
    save(window, out / "conversation-dark.png")
    app.setPalette(light)


def scaled(out: Path, factor: str) -> int:
    """Only the chat window, at ``factor`` times the size (a separate process: Qt reads
    QT_SCALE_FACTOR when the application starts)."""
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    settings = Settings(QSettings(str(out / ".scaled.ini"), QSettings.Format.IniFormat))
    chatbox = ChatboxApp(settings)
    chatbox.listen_address = "127.0.0.1"
    window = chatbox.host_chat("alice", 0)
    assert window is not None and chatbox.server is not None
    bob = ChatSession()
    bob.autojoin = ["#chatbox"]
    bob.connection.connect_to("127.0.0.1", chatbox.server.port, "bob")
    wait(800)
    for who, text in [
        (bob, "Sharp at any size: https://example.org/menu"),
        (window.session, "\x02Bold\x02, \x1ditalic\x1d and \x0304red\x03 too"),
        (bob, "/me waves"),
    ]:
        who.send_input(text, "#chatbox")
        wait(150)
    window.resize(1000, 560)
    window.show_room("#chatbox")
    save(window, out / f"chat-{round(float(factor) * 100)}.png")
    (out / ".scaled.ini").unlink(missing_ok=True)
    return 0


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    setup_logging()  # the server window shows the server's log
    light = app.palette()
    settings = Settings(QSettings(str(out / ".screenshots.ini"), QSettings.Format.IniFormat))
    settings.remember_server("192.168.1.20", 6667)
    chatbox = ChatboxApp(settings)
    chatbox.listen_address = "127.0.0.1"

    start = chatbox.show_start()
    start.set_lan_state(STATE_BROWSING)  # as on a network with no chat yet
    start.resize(460, 600)
    save(start, out / "start.png")
    for chat in (
        LanChat("alice on kitchen-pc._irc._tcp.local.", "alice on kitchen-pc",
                ("192.168.1.20",), 6667, False, "kitchen-pc", "alice", "#chatbox"),
        LanChat("alice on kitchen-pc._ircs._tcp.local.", "alice on kitchen-pc",
                ("192.168.1.20",), 6697, True, "kitchen-pc", "alice", "#chatbox"),
        LanChat("office-server._irc._tcp.local.", "office-server", ("192.168.1.5",), 6667,
                False, "office-server", "", "#team"),
    ):
        chatbox.lan_browser.chat_found.emit(chat)
    found = chatbox.lan_chats.chat_at(1)
    assert found is not None
    start.lan_list.setCurrentIndex(chatbox.lan_chats.index(1))
    start.fill_from(found)
    save(start, out / "start-lan.png")
    dialog = NickDialog("alice")
    dialog.edit.setText("alice smith")  # typed: a space is explained, never dropped
    dialog.resize(360, 150)
    save(dialog, out / "nickname.png")
    dialog.close()

    settings.watched = ["bob", "carol", "dana"]  # Contacts: two online, dana not yet
    window = chatbox.host_chat("alice", 0)
    assert window is not None and chatbox.server is not None
    bob = ChatSession()
    bob.autojoin = ["#chatbox"]
    bob.connection.connect_to("127.0.0.1", chatbox.server.port, "bob")
    carol = ChatSession()
    carol.autojoin = ["#chatbox"]
    carol.connection.connect_to("127.0.0.1", chatbox.server.port, "carol")
    wait(800)
    window.session.send_input("/topic Friday lunch — where shall we go?", "#chatbox")
    wait(300)
    for who, text in [
        (bob, "Hi all! The new place on Main Street has a menu online: https://example.org/menu"),
        (window.session, "Looks good. 12:30?"),
        (carol, "/me is in, but can only stay an hour"),
        (bob, "12:30 works. I'll book a table for three."),
        (carol, "\x02Note:\x02 bring \x0304cash\x03, their card reader is \x1dbroken\x1d"),
        (window.session, "Great, thanks bob"),
    ]:
        who.send_input(text, "#chatbox")
        wait(150)
        settle(window.session)
    bob.typing.typed("#chatbox", "See you")  # "bob is typing…" under the messages
    wait(300)
    window.resize(1000, 560)
    window.show_room("#chatbox")
    save(window, out / "chat-light.png")
    app.setPalette(dark_palette())
    save(window, out / "chat-dark.png")
    app.setPalette(light)
    window.show_room("Server")  # away for a moment: two lines arrive, unread
    for who, text in [(carol, "Could we make it 12:45?"), (bob, "alice: does 12:45 suit you?")]:
        who.send_input(text, "#chatbox")
        wait(150)
    wait(200)
    window.show_room("#chatbox")
    save(window, out / "chat-unread.png")
    conversation_shots(app, window, bob, carol, out, light)

    assert chatbox.server.tls is not None  # joining the hosted chat over TLS
    fingerprint = chatbox.server.tls.fingerprint
    problem = CertificateProblem("192.168.1.20", 6697, fingerprint,
                                 ("it is self-signed: no authority vouches for it",), False, "")
    first_visit = CertificateDialog(problem)
    save(first_visit, out / "certificate-new.png")
    first_visit.close()
    changed = CertificateProblem("192.168.1.20", 6697, fingerprint,
                                 ("it is self-signed: no authority vouches for it",), True,
                                 ":".join(["3F", "A0", "17", "C2"] * 8))
    warning = CertificateDialog(changed)
    save(warning, out / "certificate-changed.png")
    warning.close()
    settings.trust("127.0.0.1", chatbox.server.tls_port, fingerprint)
    secure = chatbox.join_chat("127.0.0.1", chatbox.server.tls_port, "dana", tls=True,
                               account=Account("dana", "dana's password", create=True))
    wait(800)
    secure.resize(1000, 560)
    secure.show_room("#chatbox")
    save(secure, out / "chat-tls.png")
    secure.close()

    with tempfile.TemporaryDirectory() as scratch:  # files: an offer, and one on its way
        folder = Path(scratch)
        video = folder / "team video.mp4"
        with video.open("wb") as out_file:
            out_file.truncate(3 * 1024**3)  # sparse: big enough to be seen moving
        menu = folder / "menu.pdf"
        menu.write_bytes(b"%PDF-1.4 " * 30_000)
        window.show_room("bob")
        window.session.rooms.open("bob", "query")
        window.show_room("bob")
        received = folder / "received"
        received.mkdir()
        sending = window.session.send_file("bob", video, "bob")
        offers: list[Transfer] = []
        bob.dcc.offer_received.connect(offers.append)
        wait(300)
        if offers:
            bob.dcc.accept(offers[0], received / "team video.mp4")
        carol.send_file("alice", menu)
        wait(700)
        save(window, out / "files.png")
        picture = folder / "lunch spot.jpg"  # a picture, received and shown inline
        image = QImage(1600, 1000, QImage.Format.Format_RGB32)
        painter = QPainter(image)
        gradient = QLinearGradient(0, 0, 1600, 1000)
        gradient.setColorAt(0, QColor("#f6d365"))
        gradient.setColorAt(1, QColor("#fda085"))
        painter.fillRect(image.rect(), gradient)
        painter.setBrush(QColor("#ffffff"))
        painter.drawEllipse(900, 200, 400, 400)
        painter.end()
        image.save(str(picture))
        pictures: list[Transfer] = []
        window.session.dcc.offer_received.connect(
            lambda t: pictures.append(t) if t.name == picture.name else None)
        carol.send_file("alice", picture)
        wait(500)
        if pictures:
            window.session.dcc.accept(pictures[0], received / picture.name)
        wait(800)
        window.show_room("carol")
        wait(300)
        save(window, out / "picture.png")
        for transfer in (sending, *offers):
            if transfer is not None:
                bob.dcc.cancel(transfer) if transfer in offers else window.session.dcc.cancel(
                    transfer)

    server_window = chatbox.run_server(0)
    assert server_window is not None and chatbox.server is not None
    guests = []
    for nick in ("dana", "eve"):
        guest = ChatSession()
        guest.autojoin = ["#chatbox"]
        guest.connection.connect_to("127.0.0.1", chatbox.server.port, nick)
        guests.append(guest)
    wait(1200)
    server_window.resize(560, 520)
    save(server_window, out / "server.png")
    (out / ".screenshots.ini").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "resources/screenshots")
    if os.environ.get("QT_SCALE_FACTOR"):  # QT_SCALE_FACTOR=2 python -m app.ui.screenshots
        sys.exit(scaled(target, os.environ["QT_SCALE_FACTOR"]))
    sys.exit(main(target))
