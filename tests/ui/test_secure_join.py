"""Joining with TLS and an account through the real windows: the certificate question, trust
remembered per server, a changed certificate refused loudly, the lock in the status bar,
accounts made and logged in to, and passwords kept only in a keyring."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app import passwords
from app.client.connection import CertificateProblem
from app.ui.certificate_dialog import CertificateDialog
from app.ui.controller import ChatboxApp
from app.ui.nick_dialog import NickDialog
from app.ui.start_window import StartWindow


class MemoryKeyring(KeyringBackend):
    """A keyring in memory: the tests never touch the user's real one."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


class Answers:
    """Stands in for the user at the certificate question."""

    def __init__(self, trust: bool) -> None:
        self.trust = trust
        self.asked: list[CertificateProblem] = []

    def ask(self, problem: CertificateProblem, _parent: object) -> bool:
        self.asked.append(problem)
        return self.trust


@pytest.fixture
def hosting(qtbot: QtBot, chatbox: ChatboxApp, monkeypatch: pytest.MonkeyPatch) -> ChatboxApp:
    """A hosted chat (plain and TLS ports on 127.0.0.1), and nicknames answered."""
    nicks = iter(["alice", "bob", "carol", "dave"])
    monkeypatch.setattr(NickDialog, "ask", classmethod(lambda cls, *_a: next(nicks)))
    chatbox.host_chat("alice", 0)
    assert chatbox.server is not None and chatbox.server.tls is not None
    return chatbox


def join_form(start: StartWindow, port: int, *, tls: bool, account: str = "",
              password: str = "", create: bool = False, remember: bool = False) -> None:
    start.host_edit.setCurrentText("127.0.0.1")
    start.port_edit.setValue(port)
    start.tls_check.setChecked(tls)
    start.account_edit.setText(account)
    start.account_password_edit.setText(password)
    start.create_check.setChecked(create)
    start.remember_check.setChecked(remember)


def test_the_first_tls_join_asks_about_the_certificate_and_remembers_the_answer(
    qtbot: QtBot, hosting: ChatboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = hosting.server
    assert server is not None and server.tls is not None
    answers = Answers(trust=True)
    monkeypatch.setattr(CertificateDialog, "ask", classmethod(lambda cls, p, w: answers.ask(p, w)))
    start = hosting.show_start()
    join_form(start, server.tls_port, tls=True)
    qtbot.mouseClick(start.join_button, Qt.MouseButton.LeftButton)
    window = hosting.chat_windows[-1]
    qtbot.waitUntil(lambda: window.session.connection.state == "connected", timeout=5000)
    (problem,) = answers.asked
    assert problem.fingerprint == server.tls.fingerprint and not problem.changed
    assert "self-signed" in problem.text()
    assert hosting.settings.trusted_fingerprint("127.0.0.1", server.tls_port) == problem.fingerprint
    assert window.lock_icon.isVisibleTo(window) and window.security_label.text() == "TLS 1.3"
    assert server.tls.fingerprint in window.security_label.toolTip()
    start = hosting.show_start()  # again: trusted now, nobody is asked
    join_form(start, server.tls_port, tls=True)
    qtbot.mouseClick(start.join_button, Qt.MouseButton.LeftButton)
    second = hosting.chat_windows[-1]
    qtbot.waitUntil(lambda: second.session.connection.state == "connected", timeout=5000)
    assert len(answers.asked) == 1


def test_a_changed_certificate_is_refused_and_the_start_screen_says_why(
    qtbot: QtBot, hosting: ChatboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = hosting.server
    assert server is not None
    old = ":".join(["AB"] * 32)
    hosting.settings.trust("127.0.0.1", server.tls_port, old)
    answers = Answers(trust=False)
    monkeypatch.setattr(CertificateDialog, "ask", classmethod(lambda cls, p, w: answers.ask(p, w)))
    start = hosting.show_start()
    join_form(start, server.tls_port, tls=True)
    qtbot.mouseClick(start.join_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(answers.asked), timeout=5000)
    (problem,) = answers.asked
    assert problem.changed and problem.trusted == old
    qtbot.waitUntil(lambda: start.isVisible() and "CHANGED" in start.error.text())
    assert hosting.settings.trusted_fingerprint("127.0.0.1", server.tls_port) == old  # kept


def test_the_certificate_dialog_shows_the_fingerprint_and_defaults_to_not_connecting(
    qtbot: QtBot, tmp_path  # type: ignore[no-untyped-def]
) -> None:
    fingerprint = ":".join(f"{i:02X}" for i in range(32))
    for changed in (False, True):
        problem = CertificateProblem("chat.lan", 6697, fingerprint,
                                     ("it is self-signed: no authority vouches for it",),
                                     changed, ":".join(["AB"] * 32) if changed else "")
        dialog = CertificateDialog(problem)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.cancel_button.isDefault() and not dialog.trust_button.isDefault()
        shown = [label.text() for label in dialog.findChildren(QLabel)]
        assert any("00:01:02:03" in text for text in shown)
        assert any("CHANGED" in text for text in shown) == changed
        assert dialog.trust_button.text() == (
            "Trust the new certificate" if changed else "Trust this certificate"
        )
        dialog.grab().save(str(tmp_path / f"certificate-{'changed' if changed else 'new'}.png"))


def test_an_account_is_created_from_the_join_form_and_its_password_kept_in_the_keyring(
    qtbot: QtBot, hosting: ChatboxApp, memory_keyring: MemoryKeyring
) -> None:
    server = hosting.server
    assert server is not None
    assert passwords.available()
    start = hosting.show_start()
    join_form(start, server.port, tls=False, account="bob", password="builder one",
              create=True, remember=True)
    qtbot.mouseClick(start.join_button, Qt.MouseButton.LeftButton)
    window = hosting.chat_windows[-1]
    qtbot.waitUntil(lambda: window.session.connection.state == "connected", timeout=5000)
    assert "(account bob)" in window.state_label.text()
    assert list(memory_keyring.items.values()) == ["builder one"]
    assert "builder one" not in open(hosting.settings._store.fileName()).read()  # noqa: SIM115
    window.close()
    start = hosting.show_start()  # next time: the account is filled in, the password found
    start.host_edit.setCurrentText(f"127.0.0.1:{server.port}")
    assert start.account_edit.text() == "bob"
    start.account_password_edit.clear()
    start.create_check.setChecked(False)
    qtbot.mouseClick(start.join_button, Qt.MouseButton.LeftButton)
    again = hosting.chat_windows[-1]
    qtbot.waitUntil(lambda: again.session.connection.logged_in_as == "bob", timeout=5000)


def test_a_wrong_account_password_returns_to_the_start_screen_in_words(
    qtbot: QtBot, hosting: ChatboxApp
) -> None:
    server = hosting.server
    assert server is not None
    server.core.accounts.register("carol", "right password")
    start = hosting.show_start()
    join_form(start, server.port, tls=False, account="carol", password="wrong password")
    qtbot.mouseClick(start.join_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: start.isVisible() and bool(start.error.text()), timeout=5000)
    assert start.error.text() == "Login failed: wrong account name or password."


def test_hosting_offers_tls_unless_turned_off_and_says_the_fingerprint(
    qtbot: QtBot, chatbox: ChatboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(NickDialog, "ask", classmethod(lambda cls, *_a: "alice"))
    start = chatbox.show_start()
    assert start.host_tls_check.isChecked()  # on by default
    qtbot.mouseClick(start.host_button, Qt.MouseButton.LeftButton)
    server = chatbox.server
    assert server is not None and server.tls is not None and server.tls_port
    window = chatbox.chat_windows[-1]
    room = window.session.rooms.get("Server")
    assert room is not None
    assert any(server.tls.fingerprint in line.text for line in room.messages.lines())
    window.close()
    qtbot.waitUntil(lambda: chatbox.server is None and chatbox._finished, timeout=5000)
    fresh = ChatboxApp(chatbox.settings)
    fresh.listen_address, fresh.host_port = "127.0.0.1", 0
    start = fresh.show_start()
    start.host_tls_check.setChecked(False)  # the user turns it off
    qtbot.mouseClick(start.host_button, Qt.MouseButton.LeftButton)
    assert fresh.server is not None and fresh.server.tls is None and not fresh.server.tls_port
    assert chatbox.settings.host_tls is False  # remembered
    fresh.shutdown()
    qtbot.waitUntil(lambda: fresh._finished, timeout=5000)
