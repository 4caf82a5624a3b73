"""Files through the chat windows: drop a file (or paste an image) → an offer; the other
window asks, saves where the user says, and the progress bar runs to done; declining
tells the sender; a program comes with a warning."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
)
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from app.client.models import LINE_ROLE
from app.client.transfer import Transfer
from app.ui.chat_window import ChatWindow
from app.ui.controller import ChatboxApp
from app.ui.transfers import SaveChooser


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def two(qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow) -> tuple[ChatWindow, ChatWindow]:
    """alice (hosting) and bob, both in #chatbox; alice has a private chat with bob open."""
    assert chatbox.server is not None
    bob = chatbox.join_chat("127.0.0.1", chatbox.server.port, "bob")
    qtbot.waitUntil(lambda: "bob" in hosted.session.rooms.get("#chatbox").members.nicks())  # type: ignore[union-attr]
    hosted.session.rooms.open("bob", "query")
    hosted.show_room("bob")
    return hosted, bob


def drop(window: ChatWindow, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    point = window.messages.geometry().center()
    enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(point.toPointF(), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)


def picture(path: Path) -> Path:
    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(QColor("#3b7dd8"))
    assert image.save(str(path))
    return path


def test_a_dropped_picture_is_offered_saved_and_its_progress_runs_to_done(
    qtbot: QtBot, two: tuple[ChatWindow, ChatWindow], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice, bob = two
    source = picture(tmp_path / "screenshot.png")
    target = tmp_path / "saved.png"
    monkeypatch.setattr(SaveChooser, "ask", classmethod(lambda cls, *_args: (target, False)))
    drop(alice, source)
    qtbot.waitUntil(lambda: len(bob.offer_bars()) == 1, timeout=5000)
    bar = bob.offer_bars()[0]
    assert "alice offers screenshot.png" in bar.findChildren(QLabel)[0].text()
    assert not any(label.accessibleName() == "Warning" for label in bar.findChildren(QLabel))
    sent_row = alice.transfers.rows[-1]
    assert alice.transfers_dock.isVisibleTo(alice) and sent_row.status.text() == "Waiting for bob"
    qtbot.mouseClick(bar.save_button, Qt.MouseButton.LeftButton)
    row = bob.transfers.rows[-1]
    qtbot.waitUntil(lambda: row.transfer.state == "done", timeout=10000)
    assert row.bar.value() == 1000 and row.status.text().startswith("Done: ")
    assert not row.cancel_button.isVisibleTo(bob) and row.open_button.isVisibleTo(bob)
    assert digest(target) == digest(source)
    qtbot.waitUntil(lambda: sent_row.transfer.state == "done")
    assert not bob.offers.isVisibleTo(bob)  # the question is gone once answered


def test_declining_tells_the_sender_and_a_program_comes_with_a_warning(
    qtbot: QtBot, two: tuple[ChatWindow, ChatWindow], tmp_path: Path
) -> None:
    alice, bob = two
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ" + bytes(100))
    drop(alice, program)
    qtbot.waitUntil(lambda: len(bob.offer_bars()) == 1, timeout=5000)
    bar = bob.offer_bars()[0]
    warnings = [w for w in bar.findChildren(QLabel) if w.accessibleName() == "Warning"]
    assert warnings and "can harm your computer" in warnings[0].text()
    qtbot.mouseClick(bar.decline_button, Qt.MouseButton.LeftButton)
    sent: Transfer = alice.transfers.rows[-1].transfer
    qtbot.waitUntil(lambda: sent.state == "refused", timeout=5000)
    assert alice.transfers.rows[-1].status.text() == "Declined: bob declined it"


def test_a_pasted_image_is_offered_as_a_png(
    qtbot: QtBot, two: tuple[ChatWindow, ChatWindow]
) -> None:
    alice, bob = two
    image = QImage(32, 32, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    QGuiApplication.clipboard().setImage(image)
    alice.input.setFocus()
    qtbot.keyClick(alice.input, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(bob.offer_bars()) == 1, timeout=5000)
    offer = bob.offer_bars()[0].transfer
    assert offer.name.startswith("pasted ") and offer.name.endswith(".png") and offer.size > 0
    assert alice.input.text() == ""  # nothing was typed into the line


def test_cancel_stops_a_running_transfer_on_both_sides(
    qtbot: QtBot, two: tuple[ChatWindow, ChatWindow], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice, bob = two
    big = tmp_path / "big.bin"
    with big.open("wb") as out:
        out.truncate(2 * 1024**3)  # sparse: quick to make, slow enough to cancel
    monkeypatch.setattr(SaveChooser, "ask",
                        classmethod(lambda cls, *_args: (tmp_path / "partial.bin", False)))
    drop(alice, big)
    qtbot.waitUntil(lambda: len(bob.offer_bars()) == 1, timeout=5000)
    qtbot.mouseClick(bob.offer_bars()[0].save_button, Qt.MouseButton.LeftButton)
    row = bob.transfers.rows[-1]
    qtbot.waitUntil(lambda: 0 < row.bar.value() < 1000, timeout=5000)  # the bar moves
    assert " of 2.1 GB" in row.status.text()
    qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    assert row.transfer.state == "cancelled" and row.status.text() == "Cancelled"
    sent = alice.transfers.rows[-1].transfer
    qtbot.waitUntil(lambda: sent.state == "failed", timeout=5000)
    assert sent.reason == "bob stopped the transfer"


class Opened(QObject):
    """Receives what QDesktopServices would open (Qt's own hook for a URL scheme)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_a_received_picture_shows_as_a_thumbnail_decoded_off_the_gui_thread(
    qtbot: QtBot, two: tuple[ChatWindow, ChatWindow], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice, bob = two
    source = tmp_path / "photo.jpg"
    big = QImage(5472, 3648, QImage.Format.Format_RGB32)  # 20 megapixels, as a camera makes
    big.fill(QColor("#d88a3b"))
    assert big.save(str(source), "JPG")
    target = tmp_path / "saved.jpg"
    monkeypatch.setattr(SaveChooser, "ask", classmethod(lambda cls, *_args: (target, False)))
    drop(alice, source)
    qtbot.waitUntil(lambda: len(bob.offer_bars()) == 1, timeout=5000)
    qtbot.mouseClick(bob.offer_bars()[0].save_button, Qt.MouseButton.LeftButton)
    room = bob.session.rooms.get("alice")
    assert room is not None
    qtbot.waitUntil(lambda: any(ln.image for ln in room.messages.lines()), timeout=10000)
    line = next(ln for ln in room.messages.lines() if ln.image)
    assert line.image == str(target) and line.text.startswith("Received saved.jpg")
    bob.show_room("alice")
    cache = bob.messages.delegate.thumbnails
    qtbot.waitUntil(lambda: cache.get(str(target)) is not None, timeout=10000)
    pixmap = cache.get(str(target))
    assert pixmap is not None and pixmap.width() <= 240 and pixmap.height() <= 160
    gui_thread = str(threading.get_ident())
    assert cache.decoded_in and gui_thread not in cache.decoded_in  # decoded in a worker
    model = bob.messages.model()
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data(LINE_ROLE) is line)
    rect = bob.messages.visualRect(model.index(row, 0))
    assert rect.height() >= 160  # room for the picture under the text
    opened = Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        bob.messages.scrollTo(model.index(row, 0))
        rect = bob.messages.visualRect(model.index(row, 0))
        qtbot.mouseClick(bob.messages.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(rect.left() + 300, rect.bottom() - 60))
        assert [u.toLocalFile() for u in opened.urls] == [str(target)]  # full size, on click
    finally:
        QDesktopServices.unsetUrlHandler("file")
    sent = alice.session.rooms.get("bob")
    assert sent is not None and any(ln.image == str(source) for ln in sent.messages.lines())
