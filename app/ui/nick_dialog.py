"""Ask for a nickname, checked as you type with the protocol layer's rules.

The remembered nick comes selected, so typing replaces it. Nothing typed is refused
silently: a space, a character IRC does not allow, a nick too long all stay in the box and
are explained in words until they are fixed. Nothing is said before the user types.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.protocol.names import NICKLEN, is_valid_nick, nick_problem


def _refused(ch: str) -> bool:
    """True for a character no nickname may contain, wherever it is."""
    return not is_valid_nick("a" + ch)


def _shown(ch: str) -> str:
    names = {" ": "a space", "\t": "a tab", ".": "a full stop", ",": "a comma",
             "@": "“@”", "!": "“!”", "#": "“#”", ":": "a colon", "*": "“*”"}
    return names.get(ch, f"“{ch}”")


def explain(nick: str, nicklen: int = NICKLEN) -> str | None:
    """Why ``nick`` cannot be used, naming the character at fault; None when it can."""
    refused = next((ch for ch in nick if _refused(ch)), None)
    if refused is not None:
        return (f"A nickname cannot contain {_shown(refused)}. Use letters, digits and "
                "- [ ] \\ ` _ ^ { | }.")
    return nick_problem(nick, nicklen)


class NickDialog(QDialog):
    def __init__(
        self, default: str = "", parent: QWidget | None = None, action: str = "Connect"
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Your nickname")
        self.setAccessibleName("Nickname dialog")
        self.prompt = QLabel("Choose the name others will see:")
        self.edit = QLineEdit(default)
        self.edit.setAccessibleName("Nickname")
        self.edit.setPlaceholderText("e.g. alice")
        self.edit.selectAll()  # the remembered nick: typing replaces it
        self.problem = QLabel()
        self.problem.setAccessibleName("Nickname problem")
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        metrics = self.problem.fontMetrics()
        # Room for the longest explanation on two lines, so the dialog never has to grow.
        self.problem.setMinimumWidth(metrics.averageCharWidth() * 48)
        self.problem.setMinimumHeight(metrics.lineSpacing() * 2 + 4)
        self.problem.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(action)
        ok.setAccessibleName(action)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.prompt, self.edit, self.problem, self.buttons):
            layout.addWidget(widget)
        self.edit.textChanged.connect(self._on_text_changed)
        self.edit.setFocus()
        self._on_text_changed(default)
        self.problem.clear()  # before the user types, nothing is wrong yet

    @Slot(str)
    def _on_text_changed(self, text: str) -> None:
        problem = explain(text)
        self.problem.setText(problem or "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)

    def accept(self) -> None:  # Qt override: a nick that cannot be used is explained instead
        problem = explain(self.nick)
        self.problem.setText(problem or "")
        if problem is None:
            super().accept()

    @property
    def nick(self) -> str:
        return self.edit.text()

    @classmethod
    def ask(
        cls, default: str = "", parent: QWidget | None = None, action: str = "Connect"
    ) -> str | None:
        """The chosen nick, or None when cancelled (tests replace this method). ``action``
        names the button that accepts ("Connect", "Change")."""
        dialog = cls(default, parent, action)
        return dialog.nick if dialog.exec() == QDialog.DialogCode.Accepted else None
