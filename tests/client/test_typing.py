"""Typing notifications (client-tags/typing) between real sessions on a real server: what is
sent and when (counted at a raw client), what the others show, and when it goes."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot

from app.client.session import ChatSession
from app.client.typing import typing_words
from app.protocol.isupport import tag_denied
from app.protocol.message import Message, parse
from app.server.listener import ChatServer
from tests.client.conftest import SESSIONS, MakeSession


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class RawClient:
    """A raw IRC client for the in-process server: non-blocking, read while qtbot waits."""

    def __init__(self, qtbot: QtBot, port: int, nick: str, caps: str = "message-tags") -> None:
        self.qtbot = qtbot
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.setblocking(False)
        self.received: list[Message] = []
        self._buffer = b""
        if caps:
            self.send(f"CAP REQ :{caps}")
        self.send(f"NICK {nick}")
        self.send("USER raw 0 * :Raw")
        if caps:
            self.send("CAP END")
        self.wait_for(lambda m: m.command == "001")

    def send(self, line: str) -> None:
        self.sock.sendall(line.encode() + b"\r\n")

    def poll(self) -> list[Message]:
        try:
            while chunk := self.sock.recv(65536):
                self._buffer += chunk
        except BlockingIOError:
            pass
        *lines, self._buffer = self._buffer.split(b"\n")
        self.received += [parse(raw.rstrip(b"\r").decode()) for raw in lines if raw.strip()]
        return self.received

    def wait_for(self, test: Callable[[Message], bool], timeout: int = 5000) -> Message:
        self.qtbot.waitUntil(lambda: any(test(m) for m in self.poll()), timeout=timeout)
        return next(m for m in self.received if test(m))

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw(qtbot: QtBot, chat_server: ChatServer) -> Iterator[Callable[..., RawClient]]:
    made: list[RawClient] = []

    def make(nick: str, caps: str = "message-tags") -> RawClient:
        made.append(RawClient(qtbot, chat_server.port, nick, caps))
        return made[-1]

    yield make
    for client in made:
        client.close()


def typing_sent(client: RawClient, sender: str) -> list[str]:
    """The ``+typing`` values ``client`` received from ``sender``, in order."""
    return [m.tags["+typing"] for m in client.poll()
            if m.command == "TAGMSG" and m.tags and "+typing" in m.tags
            and (m.source or "").startswith(f"{sender}!")]


def settle(client: RawClient, chat: ChatSession, room: str, text: str) -> None:
    """Everything ``chat`` sent before has reached ``client``: a message after it has."""
    chat.send_input(text, room)
    client.wait_for(lambda m: m.command == "PRIVMSG" and m.param(1) == text)


def in_room(qtbot: QtBot, chat: ChatSession, room: str, *nicks: str) -> None:
    def there() -> bool:
        found = chat.rooms.get(room)
        return found is not None and all(found.members.find(n) for n in nicks)
    qtbot.waitUntil(there, timeout=5000)


def watched(qtbot: QtBot, alice: ChatSession, watcher: RawClient, *others: str) -> Clock:
    """``watcher`` is in #room with ``alice`` (and ``others``); alice's typing runs on the
    returned clock."""
    watcher.send("JOIN #room")
    in_room(qtbot, alice, "#room", *others, "watcher")
    clock = Clock()
    alice.typing.clock = clock
    return clock


# ---------------------------------------------------------------- pure helpers
def test_words_for_one_two_and_many() -> None:
    assert typing_words([]) == ""
    assert typing_words(["alice"]) == "alice is typing…"
    assert typing_words(["alice", "bob"]) == "alice and bob are typing…"
    assert typing_words(["alice", "bob", "carol"]) == "3 people are typing…"


@pytest.mark.parametrize(("deny", "denied"), [
    (None, False), ("", False), ("*", True), ("*,-typing", False), ("*,-react", True),
    ("typing", True), ("react,typing", True), ("react", False), ("+typing", True),
])
def test_clienttagdeny_is_read_as_the_spec_says(deny: str | None, denied: bool) -> None:
    assert tag_denied(deny, "typing") is denied


# ---------------------------------------------------------------- round trips
def test_active_paused_done_reach_the_other_and_show_in_words(
    qtbot: QtBot, session: MakeSession, raw: Callable[..., RawClient]
) -> None:
    alice = session("alice", channels=("#room",))
    bob = session("bob", channels=("#room",))
    watcher = raw("watcher")
    clock = watched(qtbot, alice, watcher, "bob")
    with qtbot.waitSignal(bob.typing.typing_changed, timeout=5000) as changed:
        alice.typing.typed("#room", "hel")
    assert changed.args == ["#room"]
    assert bob.typing.text("#room") == "alice is typing…"
    assert alice.typing.text("#room") == ""  # our own echo never shows
    clock.now += 3.1  # the text stood still: paused, once
    alice.typing.tick()
    watcher.wait_for(lambda m: m.command == "TAGMSG" and m.tags.get("+typing") == "paused")
    assert bob.typing.text("#room") == "alice is typing…"  # paused still counts 30 s
    alice.typing.typed("#room", "")  # cleared without sending: done (on its 3 s turn)
    assert typing_sent(watcher, "alice") == ["active", "paused"]
    clock.now += 3.1
    with qtbot.waitSignal(bob.typing.typing_changed, timeout=5000):
        alice.typing.tick()
    assert bob.typing.text("#room") == ""
    settle(watcher, alice, "#room", "end")
    assert typing_sent(watcher, "alice") == ["active", "paused", "done"]


def test_active_goes_at_most_once_every_three_seconds(
    qtbot: QtBot, session: MakeSession, raw: Callable[..., RawClient]
) -> None:
    alice = session("alice", channels=("#room",))
    watcher = raw("watcher")
    clock = watched(qtbot, alice, watcher)
    text = ""
    for _ in range(20):  # a key every 0.5 s for 10 s
        text += "x"
        alice.typing.typed("#room", text)
        clock.now += 0.5
        alice.typing.tick()
    alice.typing.sent("#room")
    settle(watcher, alice, "#room", text)
    assert typing_sent(watcher, "alice") == ["active"] * 4  # at 0, 3, 6 and 9 s
    # The message ended it: no paused, no done afterwards.
    clock.now += 10
    alice.typing.tick()
    settle(watcher, alice, "#room", "later")
    assert typing_sent(watcher, "alice") == ["active"] * 4


def test_a_message_from_the_typist_and_their_leaving_end_it(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice = session("alice", channels=("#room",))
    bob = session("bob", channels=("#room",))
    carol = session("carol", channels=("#room",))
    in_room(qtbot, bob, "#room", "alice", "carol")
    alice.typing.typed("#room", "hi")
    carol.typing.typed("#room", "hey")
    qtbot.waitUntil(lambda: bob.typing.text("#room") == "alice and carol are typing…")
    alice.send_input("hi", "#room")
    qtbot.waitUntil(lambda: bob.typing.text("#room") == "carol is typing…")
    carol.send_input("/nick cora", "#room")
    qtbot.waitUntil(lambda: bob.typing.typing("#room") == ["cora"])
    carol.send_input("/part #room", "#room")
    qtbot.waitUntil(lambda: bob.typing.text("#room") == "")
    alice.typing.typed("#room", "again")
    qtbot.waitUntil(lambda: bob.typing.typing("#room") == ["alice"])
    alice.quit("bye")
    qtbot.waitUntil(lambda: bob.typing.text("#room") == "")


def test_typing_in_a_private_chat_shows_in_that_chat(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice, bob = session("alice"), session("bob")
    alice.send_input("/msg bob hello", "Server")
    qtbot.waitUntil(lambda: bob.rooms.get("alice") is not None)
    alice.typing.typed("bob", "how are")
    qtbot.waitUntil(lambda: bob.typing.text("alice") == "alice is typing…")
    assert bob.typing.text("bob") == ""


def test_active_and_paused_expire_on_the_receivers_clock(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice = session("alice", channels=("#room",))
    bob = session("bob", channels=("#room",))
    in_room(qtbot, alice, "#room", "bob")
    clock, sender = Clock(), Clock()
    bob.typing.clock, alice.typing.clock = clock, sender
    alice.typing.typed("#room", "a")
    qtbot.waitUntil(lambda: bob.typing.text("#room") == "alice is typing…")
    clock.now += 5.9
    bob.typing.tick()
    assert bob.typing.text("#room") == "alice is typing…"
    clock.now += 0.2  # 6 s after the active: gone
    with qtbot.waitSignal(bob.typing.typing_changed, timeout=1000) as changed:
        bob.typing.tick()
    assert changed.args == ["#room"] and bob.typing.text("#room") == ""
    sender.now += 3.1  # alice types again, then pauses: bob keeps her for 30 s
    alice.typing.typed("#room", "ab")
    qtbot.waitUntil(lambda: bob.typing.text("#room") != "")
    sender.now += 3.1
    alice.typing.tick()
    qtbot.waitUntil(lambda: bob.typing._theirs and next(iter(
        bob.typing._theirs["#room"].values()))[1] > clock.now + 20)  # the paused arrived
    clock.now += 29.5
    bob.typing.tick()
    assert bob.typing.text("#room") == "alice is typing…"
    clock.now += 1
    bob.typing.tick()
    assert bob.typing.text("#room") == ""


def test_nothing_is_sent_when_disabled_denied_or_a_command(
    qtbot: QtBot, session: MakeSession, raw: Callable[..., RawClient]
) -> None:
    alice = session("alice", channels=("#room",))
    watcher = raw("watcher")
    clock = watched(qtbot, alice, watcher)
    alice.typing.enabled = False
    alice.typing.typed("#room", "secret")
    clock.now += 4
    alice.typing.typed("#room", "secret words")
    alice.typing.enabled = True
    alice.typing.typed("#room", "/join #elsewhere")  # a /command is not typing
    alice.connection.info.tokens["CLIENTTAGDENY"] = "*"  # the server refuses client tags
    clock.now += 4
    alice.typing.typed("#room", "denied")
    alice.typing.typed("Server", "no one to tell")
    alice.connection.info.tokens["CLIENTTAGDENY"] = "*,-typing"
    clock.now += 4
    alice.typing.typed("#room", "allowed")
    settle(watcher, alice, "#room", "end")
    assert typing_sent(watcher, "alice") == ["active"]


def test_typing_to_a_nick_gone_offline_says_nothing_in_the_rooms(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice, bob = session("alice"), session("bob")
    alice.send_input("/msg bob hi", "Server")
    qtbot.waitUntil(lambda: bob.rooms.get("alice") is not None)
    bob.quit()
    qtbot.waitUntil(lambda: bob.connection.state == "disconnected")
    heard: list[Message] = []
    alice.connection.message_received.connect(heard.append)
    alice.typing.typed("bob", "are you there")
    alice.send_input("/quote PING sentinel", "bob")  # its PONG comes after any 401
    qtbot.waitUntil(lambda: any(m.command == "PONG" for m in heard))
    assert any(m.command == "401" for m in heard)  # the server did refuse it
    query, server = alice.rooms.get("bob"), alice.rooms.get("Server")
    assert query is not None and server is not None
    assert not [ln for ln in query.messages.lines() + server.messages.lines()
                if ln.kind == "error"]


@settings(max_examples=200, deadline=None)
@given(
    command=st.sampled_from(["TAGMSG", "PRIVMSG", "NOTICE", "PART", "KICK", "QUIT", "NICK",
                             "BATCH", "401", "ACK"]),
    source=st.sampled_from([None, "", "srv.example", "bob!u@h", "alice!u@h", "!", "x"]),
    params=st.lists(st.text(max_size=12), max_size=4),
    tags=st.dictionaries(st.sampled_from(["+typing", "+draft/typing", "label", "batch", "x"]),
                         st.text(max_size=10), max_size=3),
)
def test_fuzzed_messages_never_raise_out_of_the_tracker(
    qapp: object, command: str, source: str | None, params: list[str], tags: dict[str, str]
) -> None:
    if not FUZZ_SESSION:
        FUZZ_SESSION.append(ChatSession())
        SESSIONS.append(FUZZ_SESSION[0])
        FUZZ_SESSION[0].rooms.open("#room", "channel")
    chat = FUZZ_SESSION[0]
    chat.typing.heard(Message(command, tuple(params), source, tags))
    chat.typing.tick()


FUZZ_SESSION: list[ChatSession] = []
