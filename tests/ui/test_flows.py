"""Start screen → Host a chat → nickname → chat window, with other people joining."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.client import connection as connection_module
from app.client.session import ChatSession
from app.server.listener import ChatServer
from app.ui.controller import ChatboxApp, CloseConfirm
from app.ui.input_line import PasteConfirm
from app.ui.nick_dialog import NickDialog
from tests.ui.conftest import LoopClient

MakeLoopClient = Callable[[int], LoopClient]


def members(session: ChatSession, room: str = "#chatbox") -> list[str]:
    found = session.rooms.get(room)
    return found.members.nicks() if found else []


def texts(window_session: ChatSession, room: str) -> list[str]:
    found = window_session.rooms.get(room)
    return [line.text for line in found.messages.lines()] if found else []


def test_host_a_chat_then_a_raw_client_and_the_window_talk(
    qtbot: QtBot, chatbox: ChatboxApp, hosted, loop_clients: MakeLoopClient  # type: ignore[no-untyped-def]
) -> None:
    window = hosted
    assert "Chatbox" in window.windowTitle()
    assert not chatbox.start_window.isVisible()  # type: ignore[union-attr]
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.input)
    assert chatbox.server is not None
    raw = loop_clients(chatbox.server.port)
    raw.register(qtbot, "rawbob")
    raw.send("JOIN #chatbox")
    names = raw.wait_for(qtbot, lambda m: m.command == "353")
    assert "@alice" in names.params[-1].split()
    qtbot.waitUntil(lambda: "rawbob" in window.session.rooms.get("#chatbox").members.nicks())  # type: ignore[union-attr]
    qtbot.keyClicks(window.input, "hello from the window")
    qtbot.keyClick(window.input, Qt.Key.Key_Return)
    msg = raw.wait_for(qtbot, lambda m: m.command == "PRIVMSG")
    assert msg.params == ("#chatbox", "hello from the window")
    assert msg.source is not None and msg.source.startswith("alice!")
    raw.send("PRIVMSG #chatbox :hi alice, raw here")
    qtbot.waitUntil(lambda: "hi alice, raw here" in texts(window.session, "#chatbox"))


def test_a_second_chatbox_joins_and_both_see_each_other(
    qtbot: QtBot, chatbox: ChatboxApp, hosted  # type: ignore[no-untyped-def]
) -> None:
    window = hosted
    assert chatbox.server is not None
    bob = chatbox.join_chat("127.0.0.1", chatbox.server.port, "bob")
    qtbot.waitUntil(lambda: bob.current_room == "#chatbox")
    qtbot.waitUntil(lambda: members(window.session) == ["alice", "bob"])
    assert members(bob.session) == ["alice", "bob"]
    bob.session.send_input("hi alice", "#chatbox")
    qtbot.waitUntil(lambda: "hi alice" in texts(window.session, "#chatbox"))


def test_joining_a_closed_port_says_refused_on_the_start_screen(
    qtbot: QtBot, chatbox: ChatboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(NickDialog, "ask", classmethod(lambda cls, *_args: "bob"))
    from app.server.config import ServerConfig

    gone = ChatServer(ServerConfig(name="x"))
    gone.listen("127.0.0.1", 0)
    port = gone.port
    gone.stop()
    start = chatbox.show_start()
    qtbot.addWidget(start)
    start.host_edit.setCurrentText("127.0.0.1")
    start.port_edit.setValue(port)
    qtbot.mouseClick(start.join_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: start.isVisible() and start.error.isVisible())
    assert "refused" in start.error.text()
    assert chatbox.chat_windows == []
    assert chatbox.settings.recent_servers[0] == f"127.0.0.1:{port}"


def test_multi_line_paste_asks_then_sends_each_line(
    qtbot: QtBot, chatbox: ChatboxApp, loop_clients: MakeLoopClient,
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
) -> None:
    """Where the server cannot take several lines as one message (no draft/multiline)."""
    monkeypatch.setattr(connection_module, "WANTED_CAPS",
                        connection_module.WANTED_CAPS - {"draft/multiline"})
    window = request.getfixturevalue("hosted")
    asked: list[int] = []
    monkeypatch.setattr(PasteConfirm, "ask", classmethod(
        lambda cls, parent, count: asked.append(count) or True))
    assert chatbox.server is not None
    raw = loop_clients(chatbox.server.port)
    raw.register(qtbot, "rawbob")
    raw.send("JOIN #chatbox")
    raw.wait_for(qtbot, lambda m: m.command == "366")
    window.input.paste_text("one\ntwo\n\nthree\n")
    assert asked == [3]
    qtbot.waitUntil(lambda: [m.params[1] for m in raw.poll() if m.command == "PRIVMSG"]
                    == ["one", "two", "three"])


def test_closing_the_host_window_with_others_connected_asks_first(
    qtbot: QtBot, chatbox: ChatboxApp, hosted, loop_clients: MakeLoopClient,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = hosted
    assert chatbox.server is not None
    raw = loop_clients(chatbox.server.port)
    raw.register(qtbot, "rawbob")
    answers = [False, True]
    monkeypatch.setattr(CloseConfirm, "ask", classmethod(lambda cls, parent, n: answers.pop(0)))
    window.close()
    assert window.isVisible() and answers == [True]  # refused: still hosting
    window.close()
    error = raw.wait_for(qtbot, lambda m: m.command == "ERROR")
    assert error.params == ("Server shutting down",)
    qtbot.waitUntil(lambda: chatbox._finished)


def test_keyboard_habits_history_completion_and_room_switching(
    qtbot: QtBot, chatbox: ChatboxApp, hosted  # type: ignore[no-untyped-def]
) -> None:
    window = hosted
    assert chatbox.server is not None
    chatbox.join_chat("127.0.0.1", chatbox.server.port, "bobby")
    qtbot.waitUntil(lambda: "bobby" in window.session.rooms.get("#chatbox").members.nicks())  # type: ignore[union-attr]
    qtbot.keyClicks(window.input, "first line")
    qtbot.keyClick(window.input, Qt.Key.Key_Return)
    qtbot.keyClick(window.input, Qt.Key.Key_Up)
    assert window.input.text() == "first line"
    window.input.clear()
    qtbot.keyClicks(window.input, "bo")
    qtbot.keyClick(window.input, Qt.Key.Key_Tab)
    assert window.input.text() == "bobby: "
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.input, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert window.current_room == "Server"
    qtbot.keyClick(window.input, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert window.current_room == "#chatbox"
    qtbot.keyClick(window.input, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.find_bar.isVisible()
    qtbot.keyClicks(window.find_bar, "first")
    qtbot.keyClick(window.find_bar, Qt.Key.Key_Return)
    found = window.messages.currentIndex()
    assert found.isValid() and "first line" in found.data()
    qtbot.keyClick(window.input, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "alice" not in chatbox.chat_windows[1].session.rooms.get(
        "#chatbox").members.nicks())  # type: ignore[union-attr]
    assert window.session.rooms.get("#chatbox") is None


def test_text_from_the_wire_is_never_rich_text_and_links_are_found(
    qtbot: QtBot, chatbox: ChatboxApp, hosted, loop_clients: MakeLoopClient,  # type: ignore[no-untyped-def]
) -> None:
    window = hosted
    assert chatbox.server is not None
    raw = loop_clients(chatbox.server.port)
    raw.register(qtbot, "mallory")
    raw.send("JOIN #chatbox")
    window.session.send_input("/topic <b>bold</b> <img src=x>", "#chatbox")
    # Two clients' lines have no order between them: the topic first, so the message is last.
    qtbot.waitUntil(lambda: window.topic.text() == "<b>bold</b> <img src=x>")
    raw.send("PRIVMSG #chatbox :<i>not italic</i> see https://example.org/a?b=1.")
    qtbot.waitUntil(lambda: any("not italic" in t for t in texts(window.session, "#chatbox")))
    assert window.topic.textFormat() == Qt.TextFormat.PlainText
    model = window.messages.model()
    model.flush()  # type: ignore[attr-defined]
    row = model.rowCount() - 1
    index = model.index(row, 0)
    assert index.data() == "<mallory> <i>not italic</i> see https://example.org/a?b=1."
    window.resize(900, 500)
    window.messages.scrollToBottom()
    qtbot.waitUntil(lambda: window.messages.visualRect(index).isValid())
    rect = window.messages.visualRect(index)
    hits = {
        window.messages.link_at(QPointF(x, rect.center().y()))
        for x in range(rect.left(), rect.right(), 4)
    }
    assert "https://example.org/a?b=1" in hits  # the full stop is not part of the link


def test_hosting_on_a_busy_port_says_so_in_words(qtbot: QtBot, chatbox: ChatboxApp) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert chatbox.host_chat("alice", port) is None
    start = chatbox.start_window
    assert start is not None and start.isVisible()
    assert start.error.text() == (
        f"Could not host the chat: port {port} is already in use on 127.0.0.1."
    )


def test_a_dropped_link_says_reconnecting_and_retry_now_reconnects(
    qtbot: QtBot, chatbox: ChatboxApp, hosted  # type: ignore[no-untyped-def]
) -> None:
    window = hosted
    window.session.backoff_start = window.session._backoff = 30.0  # only the button retries
    assert chatbox.server is not None
    peer = next(p for p in chatbox.server._peers.values()
                if p.client is not None and p.client.nick == "alice")
    peer.lost("Connection reset by peer")  # the link drops under the window
    qtbot.waitUntil(lambda: not window.retry_button.isHidden())
    assert window.state_label.text().startswith("Connection lost — reconnecting to 127.0.0.1:")
    qtbot.mouseClick(window.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.connection.state == "connected", timeout=5000)
    assert window.retry_button.isHidden()
    assert window.state_label.text().startswith("Connected to 127.0.0.1:")
    qtbot.waitUntil(lambda: "alice" in members(window.session))  # rejoined #chatbox


class Recorder:
    def __init__(self) -> None:
        self.shown: list[tuple[str, str, str]] = []

    def notify(self, room: str, sender: str, text: str) -> None:
        self.shown.append((room, sender, text))


def test_mentions_and_private_messages_notify_once_replays_and_own_lines_never(
    qtbot: QtBot, chatbox: ChatboxApp, hosted, loop_clients: MakeLoopClient,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = hosted
    recorder = Recorder()
    window.notifier = recorder
    monkeypatch.setattr(window, "isActiveWindow", lambda: False)  # the user is elsewhere
    assert chatbox.server is not None
    raw = loop_clients(chatbox.server.port)
    raw.register(qtbot, "bob")
    raw.send("JOIN #chatbox")
    raw.send("PRIVMSG #chatbox :nothing for anyone")
    raw.send("PRIVMSG #chatbox :ALICE: lunch at one?")
    raw.send("PRIVMSG alice :psst")
    qtbot.waitUntil(lambda: len(recorder.shown) == 2)
    assert recorder.shown == [("#chatbox", "bob", "ALICE: lunch at one?"),
                              ("bob", "bob", "psst")]
    window.session.send_input("alice is me, talking about alice", "#chatbox")  # own: never
    window.session.connection.send("CHATHISTORY LATEST #chatbox * 100")  # replay: never
    raw.send("PRIVMSG #chatbox :marker")
    qtbot.waitUntil(lambda: "marker" in texts(window.session, "#chatbox"))
    assert len(recorder.shown) == 2
    window.notify_enabled = False  # the setting turns them off
    raw.send("PRIVMSG alice :again")
    qtbot.waitUntil(lambda: "again" in texts(window.session, "bob"))
    assert len(recorder.shown) == 2


def test_hosting_on_a_port_keeps_history_for_the_next_host_on_that_port(
    qtbot: QtBot, chatbox: ChatboxApp, loop_clients: MakeLoopClient
) -> None:
    import os
    import socket
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert chatbox.host_chat("alice", port) is not None
    assert chatbox.server is not None and chatbox.server.port == port
    raw = loop_clients(port)
    raw.register(qtbot, "bob")
    raw.send("JOIN #chatbox")
    raw.send("PRIVMSG #chatbox :still here after a restart")
    history = chatbox.server.core.history
    qtbot.waitUntil(lambda: len(history.latest("#chatbox", 10)) == 1)
    raw.close()
    chatbox.shutdown()
    qtbot.waitUntil(lambda: chatbox._finished, timeout=5000)
    folder = Path(os.environ["XDG_DATA_HOME"]) / "chatbox" / "servers" / str(port)
    assert (folder / "history.sqlite3").is_file()

    again = ChatboxApp(chatbox.settings)
    again.listen_address = "127.0.0.1"
    try:
        assert again.host_chat("alice", port) is not None
        reader = loop_clients(port)
        reader.send("CAP LS 302")
        reader.send("CAP REQ :draft/chathistory batch server-time message-tags")
        reader.send("NICK carol")
        reader.send("USER raw 0 * :Raw Client")
        reader.wait_for(qtbot, lambda m: m.command == "CAP" and m.params[1] == "ACK")
        reader.send("CAP END")
        reader.wait_for(qtbot, lambda m: m.command == "001")
        reader.send("JOIN #chatbox")
        reader.send("CHATHISTORY LATEST #chatbox * 10")
        replayed = reader.wait_for(qtbot, lambda m: m.command == "PRIVMSG")
        assert replayed.params == ("#chatbox", "still here after a restart")
        assert replayed.source is not None and replayed.source.startswith("bob!")
    finally:
        again.shutdown()
        qtbot.waitUntil(lambda: again._finished, timeout=5000)


def test_hosting_without_a_usable_data_folder_still_hosts_and_says_history_is_in_memory(
    qtbot: QtBot, chatbox: ChatboxApp, monkeypatch: pytest.MonkeyPatch, tmp_path  # type: ignore[no-untyped-def]
) -> None:
    import socket

    from app.client.session import SERVER_ROOM

    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setenv("XDG_DATA_HOME", str(not_a_folder))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    window = chatbox.host_chat("alice", port)
    assert window is not None and chatbox.server is not None
    assert chatbox.server.core.history.path is None
    folder = not_a_folder / "chatbox" / "servers" / str(port)
    assert f"History is kept in memory only: cannot use {folder} (Not a directory)." in texts(
        window.session, SERVER_ROOM
    )


def test_flipping_desktop_notifications_in_a_window_is_remembered(
    qtbot: QtBot, chatbox: ChatboxApp, hosted  # type: ignore[no-untyped-def]
) -> None:
    window = hosted
    assert chatbox.settings.notifications is True and window.notify_action.isChecked()
    room_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Room")
    assert window.notify_action in room_menu.actions()  # type: ignore[union-attr]
    window.notify_action.trigger()  # the user unticks Room → Desktop notifications
    assert chatbox.settings.notifications is False and not window.notify_enabled
    window.notify_action.trigger()
    assert chatbox.settings.notifications is True and window.notify_enabled


def test_showing_pictures_from_links_is_off_until_chosen_and_remembered(
    qtbot: QtBot, chatbox: ChatboxApp, hosted  # type: ignore[no-untyped-def]
) -> None:
    window = hosted
    assert not window.link_images_action.isChecked() and not window.session.link_images.enabled
    window.link_images_action.trigger()  # Chat → Show pictures from links
    assert window.session.link_images.enabled and chatbox.settings.link_images is True
    assert chatbox.server is not None
    again = chatbox.join_chat("127.0.0.1", chatbox.server.port, "bobby")
    assert again.link_images_action.isChecked() and again.session.link_images.enabled


def test_file_offers_from_strangers_and_the_size_limit_follow_the_settings(
    qtbot: QtBot, chatbox: ChatboxApp, hosted  # type: ignore[no-untyped-def]
) -> None:
    window = hosted
    assert not window.strangers_action.isChecked() and not window.session.files_from_strangers
    assert window.session.dcc.max_size == 4096 * 1024 * 1024
    window.strangers_action.trigger()
    assert window.session.files_from_strangers and chatbox.settings.files_from_strangers
    chatbox.settings._store.setValue("files/max_mb", "10")
    assert chatbox.server is not None
    again = chatbox.join_chat("127.0.0.1", chatbox.server.port, "bobby")
    assert again.session.files_from_strangers and again.session.dcc.max_size == 10 * 1024 * 1024
