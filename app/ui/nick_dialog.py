"""Ask for a nickname, checked as you type with the protocol layer's rules."""

from __future__ import annotations

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.protocol.names import NICKLEN, nick_problem


class NickValidator(QValidator):
    """Intermediate while the nick is not valid yet (so typing continues), Acceptable when it is."""

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        if len(text) > NICKLEN or " " in text:
            return QValidator.State.Invalid, text, pos
        if nick_problem(text) is None:
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos


class NickDialog(QDialog):
    def __init__(self, default: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Chatbox — your nickname")
        self.setAccessibleName("Nickname dialog")
        self.prompt = QLabel("Choose the name others will see:")
        self.edit = QLineEdit(default)
        self.edit.setAccessibleName("Nickname")
        self.edit.setMaxLength(NICKLEN)
        self.edit.setValidator(NickValidator(self.edit))
        self.edit.setPlaceholderText("e.g. alice")
        self.problem = QLabel()
        self.problem.setAccessibleName("Nickname problem")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setAccessibleName("Connect")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.prompt, self.edit, self.problem, self.buttons):
            layout.addWidget(widget)
        self.edit.textChanged.connect(self._on_text_changed)
        self._on_text_changed(default)

    def _on_text_changed(self, text: str) -> None:
        problem = nick_problem(text)
        self.problem.setText(problem or "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)

    @property
    def nick(self) -> str:
        return self.edit.text()

    @classmethod
    def ask(cls, default: str = "", parent: QWidget | None = None) -> str | None:
        """The chosen nick, or None when cancelled (tests replace this method)."""
        dialog = cls(default, parent)
        return dialog.nick if dialog.exec() == QDialog.DialogCode.Accepted else None
