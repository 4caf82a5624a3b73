"""Files going to and coming from people: an offer bar to answer, and a panel of transfers
with progress, speed and time left, Cancel, and Show in folder.

Nothing received is saved without the user saying so; a program or script comes with a
warning; the suggested name is the sanitised one, never over an existing file.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.client.session import human_size
from app.client.transfer import Transfer, unique_path
from app.protocol.dcc import safe_name


def downloads_folder() -> Path:
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
    return Path(found) if found else Path.home()


class SaveChooser:
    """Where to save an offered file, and whether to continue a partial one (tests replace
    ``ask``). Returns (path, resume) or None when the user cancels. The dialog starts in
    ``folder`` (the system's Downloads when None), made if missing."""

    @classmethod
    def ask(
        cls, parent: QWidget | None, transfer: Transfer, folder: Path | None = None
    ) -> tuple[Path, bool] | None:
        folder = folder or downloads_folder()
        with contextlib.suppress(OSError):  # the dialog says so when it cannot be used
            folder.mkdir(parents=True, exist_ok=True)
        suggested = unique_path(folder, safe_name(transfer.name))
        chosen, _filter = QFileDialog.getSaveFileName(
            parent, f"Save {safe_name(transfer.name)} from {transfer.nick}", str(suggested),
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if not chosen:
            return None
        path = Path(chosen)
        if not path.exists():
            return path, False
        have = path.stat().st_size
        box = QMessageBox(parent)
        box.setWindowTitle("Chatbox — the file exists")
        box.setTextFormat(Qt.TextFormat.PlainText)  # the name came from the offer
        box.setText(f"{path.name} is already there ({human_size(have)}).")
        resume = None
        if 0 < have < transfer.size:
            resume = box.addButton("Continue it", QMessageBox.ButtonRole.AcceptRole)
        replace = box.addButton("Replace it", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is resume:
            return path, True
        if box.clickedButton() is replace:
            return path, False
        return None


class OfferBar(QFrame):
    """``bob offers holiday.jpg (3.0 MB)  [Save…] [Decline]``, above the input line.

    Signals: save_requested(Transfer), declined(Transfer)."""

    save_requested = Signal(object)
    declined = Signal(object)

    def __init__(self, transfer: Transfer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.transfer = transfer
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(f"File offer from {transfer.nick}")
        size = human_size(transfer.size) if transfer.size >= 0 else "size unknown"
        text = QLabel(f"{transfer.nick} offers {safe_name(transfer.name)} ({size}).")
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setWordWrap(True)
        column = QVBoxLayout()
        column.addWidget(text)
        if transfer.risky:
            warning = QLabel(
                "⚠ A program or script: opening it can harm your computer. Only save it if "
                "you expected it from this person."
            )
            warning.setWordWrap(True)
            warning.setStyleSheet("color: #b00020;")
            warning.setAccessibleName("Warning")
            column.addWidget(warning)
        self.save_button = QPushButton("Save…")
        self.save_button.setAccessibleName("Save the file")
        self.decline_button = QPushButton("Decline")
        self.decline_button.setAccessibleName("Decline the file")
        self.save_button.clicked.connect(lambda: self.save_requested.emit(self.transfer))
        self.decline_button.clicked.connect(lambda: self.declined.emit(self.transfer))
        row = QHBoxLayout(self)
        row.addLayout(column, 1)
        row.addWidget(self.save_button)
        row.addWidget(self.decline_button)


class TransferRow(QFrame):
    """One transfer: name, a progress bar, "1.2 MB of 3.0 MB · 12.0 MB/s · 2 s left",
    Cancel while it runs, Show in folder once a received file is there."""

    cancel_requested = Signal(object)

    def __init__(self, transfer: Transfer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.transfer = transfer
        arrow = "to" if transfer.direction == "send" else "from"
        self.title = QLabel(f"{safe_name(transfer.name)} {arrow} {transfer.nick}")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Transfer progress")
        self.bar.setRange(0, 1000)
        self.status = QLabel()
        self.status.setAccessibleName("Transfer status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # nicks, paths from offered names
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel the transfer")
        self.cancel_button.clicked.connect(lambda: self.cancel_requested.emit(self.transfer))
        self.open_button = QPushButton("Show in folder")
        self.open_button.setAccessibleName("Show in folder")
        self.open_button.clicked.connect(self._show_in_folder)
        self.open_button.hide()
        self.status.setStyleSheet("color: palette(placeholder-text);")
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 2, 4, 2)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.title, 0, 0)
        grid.addWidget(self.status, 0, 1, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.bar, 1, 0, 1, 2)
        grid.addWidget(self.cancel_button, 1, 2)
        grid.addWidget(self.open_button, 1, 2)
        grid.setColumnStretch(0, 1)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        transfer.changed.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        t = self.transfer
        if t.size > 0:
            self.bar.setValue(int(1000 * min(t.done, t.size) / t.size))
        states = {
            "offered": "Waiting for your answer",
            "waiting": f"Waiting for {t.nick}",
            "done": f"Done: {human_size(t.done)}",
            "failed": f"Failed: {t.reason}",
            "cancelled": "Cancelled",
            "refused": f"Declined: {t.reason}" if t.reason else "Declined",
        }
        if t.state == "transferring":
            parts = [f"{human_size(t.done)} of {human_size(t.size)}"]
            if t.speed > 0:
                parts.append(f"{human_size(int(t.speed))}/s")
            left = t.seconds_left
            if left is not None:
                parts.append(f"{left:.0f} s left")
            self.status.setText(" · ".join(parts))
        else:
            self.status.setText(states.get(t.state, t.state))
        self.cancel_button.setVisible(t.state in ("waiting", "transferring"))  # offers: Decline
        self.open_button.setVisible(
            t.state == "done" and t.direction == "receive" and t.path is not None
        )

    @Slot()
    def _show_in_folder(self) -> None:
        if self.transfer.path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.transfer.path.parent)))


class TransfersPanel(QScrollArea):
    """The transfers of a session, newest at the bottom; it scrolls past a few rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Transfers")
        self.rows: list[TransferRow] = []
        inner = QWidget()
        self._column = QVBoxLayout(inner)
        self._column.setContentsMargins(2, 2, 2, 2)
        self._column.setSpacing(0)
        self._column.addStretch(1)
        self.setWidget(inner)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMaximumHeight(150)

    def add(self, transfer: Transfer) -> TransferRow:
        row = TransferRow(transfer, self.widget())
        self.rows.append(row)
        self._column.insertWidget(self._column.count() - 1, row)
        self.ensureWidgetVisible(row)
        return row
