"""Asking the user about a server certificate we cannot trust by ourselves.

A first visit to a server with a self-signed certificate (every hosted Chatbox chat) is
normal: the dialog shows the fingerprint, to compare with what the host reads out, and
"Trust this certificate" remembers it for that server. A certificate that differs from the
one trusted before is a loud warning; continuing needs a deliberate second choice.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.client.connection import CertificateProblem


def grouped(fingerprint: str) -> str:
    """``AB:CD:…`` in two lines of 16 bytes: easier to read out and compare."""
    parts = fingerprint.split(":")
    return "\n".join(":".join(parts[i : i + 16]) for i in range(0, len(parts), 16))


class CertificateDialog(QDialog):
    """Tests replace :meth:`ask`; the dialog itself is real and screenshotted."""

    def __init__(self, problem: CertificateProblem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.problem = problem
        changed = problem.changed
        self.setWindowTitle(
            "Chatbox — certificate CHANGED" if changed else "Chatbox — check the certificate"
        )
        self.setObjectName("CertificateDialog")
        icon = QLabel()
        style = self.style()
        kind = (
            QStyle.StandardPixmap.SP_MessageBoxCritical
            if changed
            else QStyle.StandardPixmap.SP_MessageBoxWarning
        )
        icon.setPixmap(style.standardIcon(kind).pixmap(48, 48))
        headline = QLabel(problem.text())
        headline.setWordWrap(True)
        headline.setTextFormat(Qt.TextFormat.PlainText)
        headline.setAccessibleName("What is wrong")
        if changed:
            font = headline.font()
            font.setBold(True)
            headline.setFont(font)
        details = QLabel(
            "Why: " + "; ".join(dict.fromkeys(problem.problems)) + "."
            if problem.problems
            else ""
        )
        details.setWordWrap(True)
        details.setTextFormat(Qt.TextFormat.PlainText)
        details.setVisible(bool(problem.problems) and changed)
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        now = grouped(problem.fingerprint)
        shown = QLabel("SHA-256 fingerprint of the certificate now:\n" + now)
        shown.setFont(fixed)
        shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        shown.setAccessibleName("Fingerprint")
        before = QLabel("The one you trusted before:\n" + grouped(problem.trusted))
        before.setFont(fixed)
        before.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        before.setVisible(changed)
        advice = QLabel(
            "Compare it with the fingerprint the host sees in Chatbox (or that "
            "chatbox-server printed). If they are the same, trust it: Chatbox remembers it "
            "for this server and warns you if it ever changes."
            if not changed
            else "Do not continue unless the host tells you the server has a new certificate "
            "and reads you this fingerprint."
        )
        advice.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.cancel_button = buttons.addButton(
            "Don't connect", QDialogButtonBox.ButtonRole.RejectRole
        )
        self.trust_button: QPushButton = buttons.addButton(
            "Trust the new certificate" if changed else "Trust this certificate",
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.cancel_button.setAccessibleName("Don't connect")
        self.trust_button.setAccessibleName(self.trust_button.text())
        self.cancel_button.setDefault(True)  # Enter never trusts by accident
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(headline, 1)
        layout.addLayout(top)
        for widget in (details, shown, before, advice, buttons):
            layout.addWidget(widget)
        self.resize(520, self.sizeHint().height())

    @classmethod
    def ask(cls, problem: CertificateProblem, parent: QWidget | None) -> bool:
        """True when the user trusts the certificate."""
        return cls(problem, parent).exec() == QDialog.DialogCode.Accepted
