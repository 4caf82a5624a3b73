"""No two shortcuts of a window share a key: Qt runs neither of them then ("Ambiguous
shortcut overload"), as Ctrl+W did under X11, where the standard Close key holds it too.

Run offscreen here, and once more under a real X server (xcb, through xvfb-run) by
``test_no_key_is_ambiguous_under_x11_either``: the platform theme decides what the
standard keys are, so the X11 conflict shows only there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QWidget
from pytestqt.qtbot import QtBot

from app.client.connection import CertificateProblem
from app.client.session import SERVER_ROOM
from app.settings import Settings
from app.ui.certificate_dialog import CertificateDialog
from app.ui.chat_window import ChatWindow
from app.ui.controller import ChatboxApp
from app.ui.nick_dialog import NickDialog

ROOT = Path(__file__).resolve().parents[2]
XCB_CHILD = "CHATBOX_SHORTCUT_CHILD"


def key_owners(window: QWidget) -> dict[str, list[str]]:
    """Each key sequence of ``window`` → who holds it: the actions that are in a menu or on
    a widget (an action on nothing never fires) and the enabled QShortcuts."""
    owners: dict[str, list[str]] = defaultdict(list)
    actions = {id(a): a for a in [*window.findChildren(QAction), *window.actions()]}
    for action in actions.values():
        if action.associatedObjects() and action.isEnabled():
            for key in action.shortcuts():
                owners[key.toString(QKeySequence.SequenceFormat.PortableText)].append(
                    f"action {action.text()!r}")
    for shortcut in window.findChildren(QShortcut):
        keys: list[QKeySequence] = shortcut.keys()  # a QShortcut, not a dict
        if shortcut.isEnabled():
            for key in keys:
                parent = shortcut.parent()
                where = parent.accessibleName() if isinstance(parent, QWidget) else "?"
                owners[key.toString(QKeySequence.SequenceFormat.PortableText)].append(
                    f"shortcut on {type(parent).__name__} {where!r}")
    return owners


def conflicts(window: QWidget) -> dict[str, list[str]]:
    return {key: who for key, who in key_owners(window).items() if len(who) > 1}


def mnemonic_clashes(window: QWidget) -> list[str]:
    """Two entries of one menu (or of the menu bar) underlining the same letter."""
    clashes = []
    for menu in [*window.findChildren(QMenu)]:
        seen: dict[str, str] = {}
        for action in menu.actions():
            text = action.text().replace("&&", "")
            if "&" in text:
                letter = text[text.index("&") + 1].lower()
                if letter in seen:
                    clashes.append(f"{menu.title()}: {seen[letter]!r} and {action.text()!r}")
                seen[letter] = action.text()
    return clashes


@pytest.fixture
def server_window_app(qtbot: QtBot, tmp_path: Path) -> Iterator[ChatboxApp]:
    other = ChatboxApp(Settings(QSettings(str(tmp_path / "server.ini"),
                                          QSettings.Format.IniFormat)))
    other.listen_address = "127.0.0.1"
    yield other
    other.shutdown()
    qtbot.waitUntil(lambda: other._finished, timeout=5000)


def test_the_platform_is_the_one_asked_for(qapp: QApplication) -> None:
    assert QApplication.platformName() == os.environ["QT_QPA_PLATFORM"]


def test_no_two_shortcuts_of_a_window_share_a_key(
    qtbot: QtBot, server_window_app: ChatboxApp, chatbox: ChatboxApp, hosted: ChatWindow
) -> None:
    assert chatbox.start_window is not None
    server_window = server_window_app.run_server(0)
    assert server_window is not None
    nick = NickDialog("alice")
    qtbot.addWidget(nick)
    certificate = CertificateDialog(CertificateProblem(
        "example.org", 6697, "AB:" * 31 + "AB", ("it is self-signed",), False, ""))
    qtbot.addWidget(certificate)
    windows: dict[str, QWidget] = {
        "start": chatbox.start_window,
        "chat": hosted,
        "server": server_window,
        "preferences": chatbox.desktop.open_preferences(hosted),
        "shortcuts": chatbox.desktop.open_shortcuts(hosted),
        "about": chatbox.desktop.open_about(hosted),
        "nickname": nick,
        "certificate": certificate,
    }
    found = {name: conflicts(w) for name, w in windows.items()}
    assert found == {name: {} for name in windows}
    assert {name: mnemonic_clashes(w) for name, w in windows.items()} == {
        name: [] for name in windows}
    owners = key_owners(hosted)  # the keys the README promises
    for key in ("Ctrl+W", "Ctrl+Q", "Ctrl+,", "Ctrl++", "Ctrl+-", "Ctrl+0", "Ctrl+F"):
        assert len(owners[key]) == 1, key


def test_ctrl_w_leaves_the_room(qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow,
                                qtlog) -> None:  # type: ignore[no-untyped-def]
    window = hosted
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.input)
    server = chatbox.server
    assert server is not None and server.core.channels
    QTest.keyClick(window.input, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.session.rooms.get("#chatbox") is None)
    assert window.current_room == SERVER_ROOM
    qtbot.waitUntil(lambda: not server.core.channels)  # parted: the empty room is gone
    assert not [r for r in qtlog.records if "Ambiguous" in r.message]


def test_ctrl_q_quits_and_the_hosted_chat_ends(
    qtbot: QtBot, chatbox: ChatboxApp, hosted: ChatWindow
) -> None:
    window = hosted
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.input)
    server = chatbox.server
    assert server is not None
    QTest.keyClick(window.input, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: chatbox._finished, timeout=5000)
    assert chatbox.server is None and not window.isVisible()


@pytest.mark.skipif(os.environ.get(XCB_CHILD) == "1", reason="this is the X11 run")
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run (package xvfb)")
def test_no_key_is_ambiguous_under_x11_either() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", **{XCB_CHILD: "1"})
    done = subprocess.run(
        ["xvfb-run", "-a", sys.executable, "-m", "pytest", str(Path(__file__)), "-q",
         "-p", "no:cacheprovider", "-k", "not under_x11"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    report = done.stdout[-4000:] + done.stderr[-2000:]
    assert done.returncode == 0, report
    assert re.search(r"\b4 passed", done.stdout), report
