"""The file part of a chat window: files dropped on it or images pasted into its input line
go to the person of the private chat (or one chosen from the room), offers from others wait
in bars above the input line, and every transfer gets a row in the Transfers dock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QDockWidget, QInputDialog, QMainWindow, QVBoxLayout, QWidget

from app.client.session import ChatSession
from app.client.transfer import Transfer
from app.ui.transfers import OfferBar, SaveChooser, TransfersPanel


class RecipientChooser:
    """Who gets a file dropped on a channel (tests replace ``ask``)."""

    @classmethod
    def ask(cls, parent: QWidget | None, nicks: list[str]) -> str | None:
        nick, ok = QInputDialog.getItem(parent, "Chatbox — send a file", "Send it to:", nicks,
                                        0, False)
        return nick if ok and nick else None


class FileSharing(QObject):
    """Created by the chat window, which puts ``offers`` in its centre column and forwards
    its drag-and-drop events here; the Transfers dock is added to the window at once.

    Args:
        window: the chat window: parent, dock area, status bar and dialog parent.
        session: whose DCC offers and transfers are shown, and who sends files.
        current_room: the name of the room the window shows.
    """

    def __init__(
        self, window: QMainWindow, session: ChatSession, current_room: Callable[[], str]
    ) -> None:
        super().__init__(window)
        self._window = window
        self._session = session
        self._current_room = current_room
        self.download_folder: Path | None = None  # where saving starts (None: Downloads)
        self.offers = QWidget()
        self.offers.setAccessibleName("File offers")
        self._offers_column = QVBoxLayout(self.offers)
        self._offers_column.setContentsMargins(0, 0, 0, 0)
        self.offers.hide()
        self.transfers = TransfersPanel()
        self.transfers_dock = QDockWidget("Transfers", window)
        self.transfers_dock.setObjectName("TransfersDock")
        self.transfers_dock.setWidget(self.transfers)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.transfers_dock)
        self.transfers_dock.hide()
        window.setAcceptDrops(True)
        session.dcc.offer_received.connect(self._on_file_offered)
        session.dcc.transfer_added.connect(self._on_transfer_added)

    # ---------------------------------------------------------------- sending
    def handle_drag_enter(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls() and all(url.isLocalFile() for url in mime.urls()):
            event.acceptProposedAction()

    def handle_drop(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.offer_files(paths)

    def offer_files(self, paths: list[Path]) -> None:
        """Send files to the person of this private chat (or one chosen from the room)."""
        room = self._session.rooms.get(self._current_room())
        if room is None or room.kind == "server":
            self._window.statusBar().showMessage(
                "Open a private chat (or a room) to send a file.", 5000
            )
            return
        nick = room.name
        if room.kind == "channel":
            others = [n for n in room.members.nicks() if not self._session.connection.is_me(n)]
            chosen = RecipientChooser.ask(self._window, others) if others else None
            if chosen is None:
                return
            nick = chosen
        for path in paths:
            if path.is_file():
                self._session.send_file(nick, path, self._current_room())

    @Slot(QImage)
    def offer_image(self, image: QImage) -> None:
        """A pasted image: saved as a PNG in the temporary folder, then offered as a file."""
        folder = Path(
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.TempLocation)
        ) / "chatbox"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / datetime.now().strftime("pasted %Y-%m-%d %H.%M.%S.png")
        if image.isNull() or not image.save(str(path)):  # PNG, from the suffix
            self._window.statusBar().showMessage(
                "The pasted image could not be saved to send.", 5000
            )
            return
        self.offer_files([path])

    # ---------------------------------------------------------------- receiving
    @Slot(object)
    def _on_file_offered(self, transfer: Transfer) -> None:
        bar = OfferBar(transfer, self.offers)
        bar.save_requested.connect(self._on_save_requested)
        bar.declined.connect(self._on_declined)
        transfer.finished.connect(bar.deleteLater)  # expired or gone: the question goes
        transfer.finished.connect(self._update_offers)
        self._offers_column.addWidget(bar)
        self.offers.show()

    def offer_bars(self) -> list[OfferBar]:
        """The offers still waiting for an answer."""
        return [w for w in self.offers.findChildren(OfferBar) if w.transfer.state == "offered"]

    @Slot(object)
    def _on_save_requested(self, transfer: Transfer) -> None:
        answer = SaveChooser.ask(self._window, transfer, self.download_folder)
        if answer is None:
            return
        path, resume = answer
        self._drop_offer(transfer)
        self._session.dcc.accept(transfer, path, resume=resume)

    @Slot(object)
    def _on_declined(self, transfer: Transfer) -> None:
        self._drop_offer(transfer)
        self._session.dcc.reject(transfer)

    def _drop_offer(self, transfer: Transfer) -> None:
        for bar in self.offers.findChildren(OfferBar):
            if bar.transfer is transfer:
                bar.hide()
                bar.deleteLater()
        self._update_offers()

    @Slot()
    def _update_offers(self) -> None:
        self.offers.setVisible(bool(self.offer_bars()))

    @Slot(object)
    def _on_transfer_added(self, transfer: Transfer) -> None:
        row = self.transfers.add(transfer)
        row.cancel_requested.connect(self._session.dcc.cancel)
        self.transfers_dock.show()
