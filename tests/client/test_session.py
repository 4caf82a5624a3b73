"""The client engine against a real server: registration, rooms, members, messages, commands."""

from __future__ import annotations

import socket
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.client.models import ChatLine, MemberModel
from app.client.session import SERVER_ROOM, ChatSession
from app.server.listener import ChatServer
from tests.client.conftest import SESSIONS, MakeSession, start_chat_server


def texts(chat: ChatSession, room: str, kind: str = "message") -> list[str]:
    found = chat.rooms.get(room)
    assert found is not None, f"no room {room}"
    return [line.text for line in found.messages.lines() if line.kind == kind]


def members(chat: ChatSession, room: str) -> list[str]:
    found = chat.rooms.get(room)
    assert found is not None
    model: MemberModel = found.members
    return [model.data(model.index(row)) for row in range(model.rowCount())]


def test_registration_negotiates_caps_and_reads_isupport(session: MakeSession) -> None:
    alice = session("alice")
    assert alice.nick == "alice"
    assert {"server-time", "echo-message", "multi-prefix", "message-tags"} <= alice.connection.caps
    assert alice.connection.info.casemapping == "rfc1459"
    assert alice.connection.info.prefix_symbols == "@+"
    assert alice.rooms.info is alice.connection.info  # the models fold with the server's rules
    assert alice.rooms.get(SERVER_ROOM) is not None


def test_two_people_see_each_other_and_talk(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice", channels=("#chatbox",))
    bob = session("bob", channels=("#chatbox",))
    qtbot.waitUntil(lambda: members(alice, "#chatbox") == ["@alice", "bob"])
    assert members(bob, "#chatbox") == ["@alice", "bob"]
    bob.send_input("hello alice", "#chatbox")
    qtbot.waitUntil(lambda: "hello alice" in texts(alice, "#chatbox"))
    line: ChatLine = next(
        ln for ln in alice.rooms.get("#chatbox").messages.lines()  # type: ignore[union-attr]
        if ln.text == "hello alice"
    )
    assert line.sender == "bob" and not line.own and line.msgid
    # bob sees his own message once, from the server's echo
    qtbot.waitUntil(lambda: texts(bob, "#chatbox") == ["hello alice"])
    assert bob.rooms.get("#chatbox").messages.lines()[-1].own  # type: ignore[union-attr]


def test_me_is_an_action_and_unread_counts_rise_elsewhere(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice = session("alice", channels=("#chatbox",))
    bob = session("bob", channels=("#chatbox",))
    alice.active_room = SERVER_ROOM
    bob.send_input("/me waves", "#chatbox")
    qtbot.waitUntil(lambda: texts(alice, "#chatbox", "action") == ["waves"])
    assert alice.rooms.get("#chatbox").unread == 1  # type: ignore[union-attr]
    alice.mark_read("#chatbox")
    assert alice.rooms.get("#chatbox").unread == 0  # type: ignore[union-attr]


def test_member_list_follows_nick_mode_part_and_quit(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice", channels=("#chatbox",))
    bob = session("bob", channels=("#chatbox",))
    carol = session("carol", channels=("#chatbox",))
    qtbot.waitUntil(lambda: members(alice, "#chatbox") == ["@alice", "bob", "carol"])
    bob.send_input("/nick Zed", "#chatbox")
    qtbot.waitUntil(lambda: members(alice, "#chatbox") == ["@alice", "carol", "Zed"])
    alice.send_input("/quote MODE #chatbox +v carol", "#chatbox")
    qtbot.waitUntil(lambda: members(alice, "#chatbox") == ["@alice", "+carol", "Zed"])
    carol.send_input("/part #chatbox bye", "#chatbox")
    qtbot.waitUntil(lambda: members(alice, "#chatbox") == ["@alice", "Zed"])
    assert "carol left #chatbox (bye)" in texts(alice, "#chatbox", "part")
    bob.send_input("/quit gone", "#chatbox")
    qtbot.waitUntil(lambda: members(alice, "#chatbox") == ["@alice"])
    assert any("Zed quit" in t for t in texts(alice, "#chatbox", "quit"))


def test_private_message_opens_a_query_room(qtbot: QtBot, session: MakeSession) -> None:
    alice, bob = session("alice"), session("bob")
    with qtbot.waitSignal(alice.room_opened, timeout=5000) as opened:
        bob.send_input("/msg alice psst", SERVER_ROOM)
    assert opened.args == ["bob"]
    assert texts(alice, "bob") == ["psst"]
    qtbot.waitUntil(lambda: texts(bob, "alice") == ["psst"])


def test_topic_command_sets_the_room_topic(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice", channels=("#chatbox",))
    alice.send_input("/topic Friday lunch", "#chatbox")
    qtbot.waitUntil(lambda: alice.rooms.get("#chatbox").topic == "Friday lunch")  # type: ignore[union-attr]


def test_taken_nick_gets_an_underscore(session: MakeSession) -> None:
    session("alice")
    second = session("alice")
    assert second.nick == "alice_"
    assert "The nickname alice is taken; trying alice_." in texts(second, SERVER_ROOM, "info")


def test_pasted_lines_are_paced_not_flooded(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice", channels=("#chatbox",))
    bob = session("bob", channels=("#chatbox",))
    for i in range(12):
        alice.send_input(f"line {i}", "#chatbox")
    assert alice.connection.queued > 0  # beyond the burst: held back, in order
    qtbot.waitUntil(lambda: len(texts(bob, "#chatbox")) == 12, timeout=15000)
    assert texts(bob, "#chatbox") == [f"line {i}" for i in range(12)]


KEEP: list[ChatSession] = []  # sessions outlive the test's signals (no C++ deletion mid-call)


def connect_error(qtbot: QtBot, host: str, port: int, **kwargs: str) -> str:
    chat = ChatSession()
    KEEP.append(chat)
    with qtbot.waitSignal(chat.connection.disconnected, timeout=10000) as gone:
        chat.connection.connect_to(host, port, "alice", **kwargs)
    return str(gone.args[0])


def test_connection_refused_in_words(qtbot: QtBot) -> None:
    stopped = start_chat_server()
    port = stopped.port
    stopped.stop()  # nothing listens there any more
    assert "refused" in connect_error(qtbot, "127.0.0.1", port)


def test_host_not_found_in_words(qtbot: QtBot) -> None:
    assert connect_error(qtbot, "chatbox-test.invalid", 6667) == (
        "Host not found: chatbox-test.invalid"
    )


def test_wrong_password_in_words(qtbot: QtBot) -> None:
    locked = start_chat_server(password="sesame")
    try:
        assert connect_error(qtbot, "127.0.0.1", locked.port, password="nope") == (
            "Wrong server password."
        )
    finally:
        locked.stop()


def test_timeout_in_words(qtbot: QtBot) -> None:
    import socket

    with socket.socket() as silent:  # accepts, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        chat = ChatSession()
        KEEP.append(chat)
        chat.connection.connect_timeout_ms = 300
        with qtbot.waitSignal(chat.connection.disconnected, timeout=5000) as gone:
            chat.connection.connect_to("127.0.0.1", silent.getsockname()[1], "alice")
    assert gone.args[0].startswith("Timed out connecting to 127.0.0.1:")


def test_disconnected_by_the_server_gives_its_reason(
    qtbot: QtBot, session: MakeSession, chat_server: ChatServer
) -> None:
    alice = session("alice", channels=("#chatbox",))
    with qtbot.waitSignal(alice.connection.disconnected, timeout=5000) as gone:
        chat_server.stop()
    assert gone.args[0] == "Disconnected by the server: Server shutting down"
    assert "Disconnected by the server: Server shutting down" in texts(alice, "#chatbox", "error")


def test_kick_updates_members_and_tells_the_kicked(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice", channels=("#chatbox",))
    bob = session("bob", channels=("#chatbox",))
    qtbot.waitUntil(lambda: members(alice, "#chatbox") == ["@alice", "bob"])
    alice.send_input("/quote KICK #chatbox bob :too loud", "#chatbox")
    qtbot.waitUntil(lambda: members(alice, "#chatbox") == ["@alice"])
    qtbot.waitUntil(lambda: members(bob, "#chatbox") == [])
    assert "You were kicked from #chatbox by alice (too loud)" in texts(bob, "#chatbox", "kick")
    assert bob.rooms.get("#chatbox").joined is False  # type: ignore[union-attr]


def test_joining_shows_recent_history_once_in_order_without_unread(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice = session("alice", channels=("#chatbox",))
    for i in range(3):
        alice.send_input(f"earlier {i}", "#chatbox")
    qtbot.waitUntil(lambda: len(texts(alice, "#chatbox")) == 3 and not alice.pending)
    sent = [ln for ln in alice.rooms.get("#chatbox").messages.lines()  # type: ignore[union-attr]
            if ln.kind == "message"]
    bob = session("bob")
    bob.active_room = SERVER_ROOM
    bob.send_input("/join #chatbox", SERVER_ROOM)
    qtbot.waitUntil(lambda: texts(bob, "#chatbox") == ["earlier 0", "earlier 1", "earlier 2"])
    room = bob.rooms.get("#chatbox")
    assert room is not None
    replayed = [ln for ln in room.messages.lines() if ln.kind == "message"]
    assert all(ln.history for ln in replayed)
    assert [(ln.time, ln.msgid) for ln in replayed] == [(ln.time, ln.msgid) for ln in sent]
    assert room.unread == 0  # history never counts as unread
    # Asking again (a rejoin) adds nothing twice; live lines still count.
    bob.connection.send("CHATHISTORY LATEST #chatbox * 100")
    alice.send_input("now live", "#chatbox")
    qtbot.waitUntil(lambda: texts(bob, "#chatbox")[-1:] == ["now live"])
    assert texts(bob, "#chatbox") == ["earlier 0", "earlier 1", "earlier 2", "now live"]
    assert room.unread == 1


def test_after_a_cut_link_it_reconnects_and_shows_every_missed_message_once(
    qtbot: QtBot, session: MakeSession, chat_server: ChatServer
) -> None:
    alice = session("alice", channels=("#chatbox",))
    bob = session("bob", channels=("#chatbox",))
    alice.backoff_start = 0.5
    alice._backoff = 0.5
    bob.send_input("before the cut", "#chatbox")
    qtbot.waitUntil(lambda: texts(alice, "#chatbox") == ["before the cut"])
    # The server side of alice's link goes away (as a dead Wi-Fi or a server hiccup would).
    peer = next(p for p in chat_server._peers.values()
                if p.client is not None and p.client.nick == "alice")
    with qtbot.waitSignal(alice.reconnect_scheduled, timeout=5000) as scheduled:
        peer.lost("Connection reset by peer")
    assert 0.4 <= scheduled.args[0] <= 0.6  # the first backoff step, with jitter
    bob.send_input("missed 1", "#chatbox")
    bob.send_input("missed 2", "#chatbox")
    qtbot.waitUntil(lambda: alice.connection.state == "connected", timeout=10000)
    expected = ["before the cut", "missed 1", "missed 2"]
    qtbot.waitUntil(lambda: texts(alice, "#chatbox") == expected, timeout=10000)
    bob.send_input("after", "#chatbox")
    qtbot.waitUntil(lambda: texts(alice, "#chatbox") == [*expected, "after"])
    bob_room = bob.rooms.get("#chatbox")
    assert bob_room is not None
    bob_times = {ln.msgid: ln.time for ln in bob_room.messages.lines()}
    for line in alice.rooms.get("#chatbox").messages.lines():  # type: ignore[union-attr]
        if line.kind == "message":
            assert line.time == bob_times[line.msgid]  # original times, not arrival times
    room = alice.rooms.get("#chatbox")
    assert room is not None and sorted(room.members.nicks()) == ["alice", "bob"]  # rejoined


def test_quitting_does_not_reconnect(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice", channels=("#chatbox",))
    scheduled: list[float] = []
    alice.reconnect_scheduled.connect(scheduled.append)
    with qtbot.waitSignal(alice.connection.disconnected, timeout=5000):
        alice.quit("bye")
    assert scheduled == []


def test_a_silent_link_is_noticed_pinged_then_given_up_and_retried(qtbot: QtBot) -> None:

    with socket.socket() as listener:  # a "server" that welcomes us, then never speaks again
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        chat = ChatSession()
        KEEP.append(chat)
        chat.connection.watchdog.idle_ping_s = 0.3
        chat.connection.watchdog.dead_after_s = 1.2
        chat.backoff_start = chat._backoff = 30.0
        accepted: list[socket.socket] = []

        def accept() -> bool:
            try:
                conn, _ = listener.accept()
            except BlockingIOError:
                return False
            conn.sendall(b":silent.test 001 alice :Welcome\r\n")
            accepted.append(conn)
            return True

        with qtbot.waitSignal(chat.connection.registered, timeout=5000):
            chat.connection.connect_to("127.0.0.1", listener.getsockname()[1], "alice")
            qtbot.waitUntil(accept, timeout=5000)
        qtbot.waitSignal(chat.reconnect_scheduled, timeout=5000).wait()  # it gave up
        accepted[0].setblocking(False)
        sent = accepted[0].recv(65536)  # what the client said to the silent server
        assert b"PING :chatbox-alive" in sent  # it asked before giving up
        assert any("No answer from the server" in t for t in texts(chat, SERVER_ROOM, "error"))
        chat.quit()
        accepted[0].close()


def test_after_a_server_restart_everyone_is_back_and_sees_what_they_missed_once(
    qtbot: QtBot, tmp_path: Path
) -> None:
    first = start_chat_server(data_dir=tmp_path)
    port = first.port
    alice, bob = ChatSession(), ChatSession()
    for chat, nick in ((alice, "alice"), (bob, "bob")):
        SESSIONS.append(chat)
        chat.autojoin = ["#chatbox"]
        with qtbot.waitSignal(chat.connection.registered, timeout=5000):
            chat.connection.connect_to("127.0.0.1", port, nick)
        qtbot.waitUntil(lambda c=chat: c.rooms.get("#chatbox") is not None)
    # alice comes back only when the test says (after bob's lines), however busy the machine
    alice.backoff_start = alice._backoff = 3600.0
    bob.backoff_start = bob._backoff = 0.3
    bob.send_input("before the restart", "#chatbox")
    qtbot.waitUntil(lambda: texts(alice, "#chatbox") == ["before the restart"])
    first.stop()  # the host restarts the server
    qtbot.waitUntil(lambda: "disconnected" == alice.connection.state == bob.connection.state)
    bob.send_input("typed during the restart", "#chatbox")  # kept until bob is back
    second = start_chat_server(data_dir=tmp_path, port=port)
    try:
        qtbot.waitUntil(lambda: bob.connection.state == "connected", timeout=10000)
        bob.send_input("while alice was away", "#chatbox")
        qtbot.waitUntil(lambda: not bob.pending, timeout=5000)
        assert alice.connection.state == "disconnected"  # she missed both
        alice.retry_now()
        qtbot.waitUntil(lambda: alice.connection.state == "connected", timeout=10000)
        expected = ["before the restart", "typed during the restart", "while alice was away"]
        qtbot.waitUntil(lambda: texts(alice, "#chatbox") == expected, timeout=10000)
        bob_times = {ln.msgid: ln.time for ln in bob.rooms.get("#chatbox").messages.lines()}  # type: ignore[union-attr]
        alice_lines = [ln for ln in alice.rooms.get("#chatbox").messages.lines()  # type: ignore[union-attr]
                       if ln.kind == "message"]
        assert [ln.time for ln in alice_lines] == [bob_times[ln.msgid] for ln in alice_lines]
    finally:
        for chat in (alice, bob):
            chat.quit()
        second.stop()
