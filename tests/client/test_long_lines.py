"""Long messages arrive whole, cut into lines the server relays; a line the server refuses,
or drops in silence, is "Not sent" within a second, with the reason; it can be resent.

A real Chatbox server on the test's event loop, real sockets; the receiver is a raw client
that keeps every line's bytes as they came.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.client import connection as connection_module
from app.client.models import ChatLine
from app.client.outbox import NOT_TAKEN
from app.client.session import ChatSession
from app.protocol.message import Message
from app.server.listener import ChatServer
from tests.client.conftest import MakeSession
from tests.ui.conftest import LoopClient

WORDS = ("café", "日本", "naïve", "😀", "Grüße", "señor", "🇫🇷", "zoë", "ok")


def long_text(size: int = 1500) -> str:
    """Words with multi-byte characters, ``size`` UTF-8 bytes or a little more."""
    words: list[str] = []
    i = 0
    while len(" ".join(words).encode()) < size:
        words.append(f"{WORDS[i % len(WORDS)]}{i}")
        i += 1
    return " ".join(words)


class RawClient(LoopClient):
    """A LoopClient that fails on invalid UTF-8, with the lines from one sender."""

    errors = "strict"

    def said(self, command: str = "PRIVMSG", sender: str = "alice") -> list[tuple[bytes, Message]]:
        """The ``command`` lines from ``sender`` so far, with their bytes."""
        self.poll()
        return [
            (raw, msg)
            for raw, msg in zip(self.raw, self.received, strict=True)
            if msg.command == command and (msg.source or "").startswith(f"{sender}!")
        ]


def rejoin(pieces: list[str], text: str) -> bool:
    """Do ``pieces`` give back ``text``, each cut either at one space (dropped) or as cut?"""
    at = 0
    for piece in pieces:
        if not text.startswith(piece, at):
            return False
        at += len(piece)
        if at < len(text) and text[at] == " ":
            at += 1
    return at == len(text)


@pytest.fixture
def raw_clients(chat_server: ChatServer) -> Iterator[Callable[[str, QtBot], RawClient]]:
    made: list[RawClient] = []

    def make(nick: str, qtbot: QtBot) -> RawClient:
        client = RawClient(chat_server.port)
        made.append(client)
        client.register(qtbot, nick)
        return client

    yield make
    for client in made:
        client.close()


def own(chat: ChatSession, room: str) -> list[ChatLine]:
    found = chat.rooms.get(room)
    assert found is not None, f"no room {room}"
    found.messages.flush()
    return [ln for ln in found.messages.lines() if ln.own]


def states(chat: ChatSession, room: str) -> list[str]:
    return [ln.state for ln in own(chat, room)]


class Refusals:
    """When each refusal numeric reached the session (monotonic seconds)."""

    def __init__(self, chat: ChatSession, codes: tuple[str, ...]) -> None:
        self.at: list[float] = []
        self._codes = codes
        chat.connection.message_received.connect(self._on_message)

    def _on_message(self, msg: Message) -> None:
        if msg.command in self._codes:
            self.at.append(time.monotonic())


def wait_failed_within_a_second(qtbot: QtBot, chat: ChatSession, room: str,
                                refusals: Refusals) -> ChatLine:
    qtbot.waitUntil(lambda: "failed" in states(chat, room), timeout=5000)
    failed_at = time.monotonic()
    assert refusals.at, "failed before any refusal came"
    assert failed_at - refusals.at[0] < 1.0
    return next(ln for ln in own(chat, room) if ln.state == "failed")


# ---------------------------------------------------------------- long messages
def test_a_long_message_arrives_whole_in_order_in_lines_of_512_bytes_at_most(
    qtbot: QtBot, session: MakeSession, raw_clients: Callable[..., RawClient]
) -> None:
    alice = session("alice", channels=("#chatbox",))
    bob = raw_clients("bob", qtbot)
    bob.send("JOIN #chatbox")
    qtbot.waitUntil(lambda: len(alice.rooms.get("#chatbox").members.nicks()) == 2)  # type: ignore[union-attr]
    text = long_text()
    alice.send_input(text, "#chatbox")
    shown = own(alice, "#chatbox")
    assert len(shown) >= 4 and {ln.state for ln in shown} == {"pending"}  # a line per piece
    pieces = [ln.text for ln in shown]
    assert rejoin(pieces, text)
    qtbot.waitUntil(lambda: len(bob.said()) == len(pieces), timeout=5000)
    got = bob.said()
    assert [msg.param(1) for _, msg in got] == pieces  # in order, as shown
    assert all(len(raw) <= 512 for raw, _ in got)
    # the server told us our address (our JOIN): lines are filled up to it, not to the worst
    assert max(len(raw) for raw, _ in got) > 512 - max(len(w) for w in text.split()) - 12
    qtbot.waitUntil(lambda: states(alice, "#chatbox") == [""] * len(pieces))
    assert all(ln.msgid for ln in own(alice, "#chatbox"))


def test_long_actions_private_messages_and_notices_are_split_too(
    qtbot: QtBot, session: MakeSession, raw_clients: Callable[..., RawClient]
) -> None:
    alice = session("alice", channels=("#chatbox",))
    bob = raw_clients("bob", qtbot)
    bob.send("JOIN #chatbox")
    qtbot.waitUntil(lambda: len(alice.rooms.get("#chatbox").members.nicks()) == 2)  # type: ignore[union-attr]
    text = long_text(1200)
    alice.send_input(f"/me {text}", "#chatbox")
    alice.send_input(f"/msg bob {text}", "#chatbox")
    alice.send_input(f"/notice #chatbox {text}", "#chatbox")
    qtbot.waitUntil(lambda: len(bob.said("NOTICE")) >= 3, timeout=10000)
    qtbot.waitUntil(lambda: len(bob.said("PRIVMSG")) >= 6, timeout=10000)
    actions = [m for _, m in bob.said() if m.param(0) == "#chatbox"]
    private = [m for _, m in bob.said() if m.param(0) == "bob"]
    notices = [m for _, m in bob.said("NOTICE")]
    for lines in (actions, private, notices):
        assert len(lines) >= 3
    assert all(m.param(1).startswith("\x01ACTION ") and m.param(1).endswith("\x01")
               for m in actions)
    assert rejoin([m.param(1)[8:-1] for m in actions], text)
    assert rejoin([m.param(1) for m in private], text)
    assert rejoin([m.param(1) for m in notices], text)
    assert all(len(raw) <= 512 for raw, _ in bob.said() + bob.said("NOTICE"))
    kinds = {ln.kind for ln in own(alice, "#chatbox")}
    assert kinds == {"action", "notice"}
    qtbot.waitUntil(lambda: set(states(alice, "#chatbox")) == {""}, timeout=5000)
    qtbot.waitUntil(lambda: set(states(alice, "bob")) == {""}, timeout=5000)
    assert len(own(alice, "bob")) == len(private)


# ---------------------------------------------------------------- refused lines
def test_a_line_the_server_finds_too_long_is_not_sent_then_resent_in_pieces(
    qtbot: QtBot, session: MakeSession, raw_clients: Callable[..., RawClient]
) -> None:
    alice = session("alice", channels=("#chatbox",))
    bob = raw_clients("bob", qtbot)
    bob.send("JOIN #chatbox")
    qtbot.waitUntil(lambda: len(alice.rooms.get("#chatbox").members.nicks()) == 2)  # type: ignore[union-attr]
    alice.connection.info.update({"LINELEN": "4096"})  # says more than it takes: 417
    refusals = Refusals(alice, ("417",))
    text = long_text()
    alice.send_input(text, "#chatbox")
    assert len(own(alice, "#chatbox")) == 1
    failed = wait_failed_within_a_second(qtbot, alice, "#chatbox", refusals)
    assert failed.reason == "Too long for the server"
    alice.connection.info.update({"LINELEN": None})  # the server's word withdrawn: 512
    assert alice.resend(failed)
    qtbot.waitUntil(lambda: len(own(alice, "#chatbox")) >= 4)  # cut again, shown in pieces
    qtbot.waitUntil(lambda: set(states(alice, "#chatbox")) == {""}, timeout=5000)
    got = [m.param(1) for _, m in bob.said()]
    assert got == [ln.text for ln in own(alice, "#chatbox")] and rejoin(got, text)


def test_a_refusal_that_names_no_target_fails_the_very_line_it_refused(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice = session("alice", channels=("#chatbox",))
    alice.send_input("before", "#chatbox")
    alice.connection.info.update({"LINELEN": "4096"})
    alice.send_input("x" * 700, "#chatbox")
    alice.connection.info.update({"LINELEN": None})
    alice.send_input("after", "#chatbox")
    qtbot.waitUntil(lambda: "pending" not in states(alice, "#chatbox"), timeout=5000)
    assert [(ln.text[:6], ln.state) for ln in own(alice, "#chatbox")] == [
        ("before", ""), ("xxxxxx", "failed"), ("after", ""),
    ]


def test_a_message_to_a_channel_that_refuses_it_is_not_sent_and_can_be_resent(
    qtbot: QtBot, session: MakeSession, raw_clients: Callable[..., RawClient]
) -> None:
    bob = raw_clients("bob", qtbot)
    bob.send("JOIN #locked")  # +nt: no messages from outside
    bob.wait_for(qtbot, lambda m: m.command == "366")
    alice = session("alice")
    refusals = Refusals(alice, ("404",))
    alice.send_input("/msg #locked let me in", "*server*")
    failed = wait_failed_within_a_second(qtbot, alice, "#locked", refusals)
    assert "does not let you speak" in failed.reason
    bob.send("MODE #locked -n")
    bob.wait_for(qtbot, lambda m: m.command == "MODE")
    assert alice.resend(failed)
    qtbot.waitUntil(lambda: [m.param(1) for _, m in bob.said()] == ["let me in"])
    qtbot.waitUntil(lambda: states(alice, "#locked") == [""])


def test_a_notice_dropped_in_silence_is_not_sent_once_the_sentinel_returns(
    qtbot: QtBot, session: MakeSession, raw_clients: Callable[..., RawClient]
) -> None:
    bob = raw_clients("bob", qtbot)
    bob.send("JOIN #locked")
    bob.wait_for(qtbot, lambda m: m.command == "366")
    alice = session("alice")
    sent_at = time.monotonic()
    alice.send_input("/notice #locked psst", "*server*")  # NOTICE: never an error reply
    qtbot.waitUntil(lambda: states(alice, "#locked") == ["failed"], timeout=5000)
    assert time.monotonic() - sent_at < 1.0
    assert own(alice, "#locked")[0].reason == NOT_TAKEN
    assert bob.said("NOTICE") == []


# ---------------------------------------------------------------- without echo-message
@pytest.fixture
def no_echo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sessions made after this do not ask for echo-message (nor labels)."""
    caps = connection_module.WANTED_CAPS - {"echo-message", "labeled-response"}
    monkeypatch.setattr(connection_module, "WANTED_CAPS", caps)


def test_without_echo_lines_are_settled_by_their_sentinels_in_order(
    qtbot: QtBot, no_echo: None, session: MakeSession, raw_clients: Callable[..., RawClient]
) -> None:
    bob = raw_clients("bob", qtbot)
    bob.send("JOIN #locked")
    bob.wait_for(qtbot, lambda m: m.command == "366")
    alice = session("alice", channels=("#chatbox",))
    assert "echo-message" not in alice.connection.caps
    refusals = Refusals(alice, ("404", "417"))
    alice.send_input("one", "#chatbox")
    alice.send_input("/msg #locked two", "#chatbox")
    alice.connection.info.update({"LINELEN": "4096"})
    alice.send_input("three " * 120, "#chatbox")  # 417: names no target
    alice.connection.info.update({"LINELEN": None})
    alice.send_input("four", "#chatbox")
    assert states(alice, "#chatbox") == ["pending"] * 3  # until the server has seen them
    qtbot.waitUntil(lambda: "pending" not in states(alice, "#chatbox") + states(alice, "#locked"),
                    timeout=5000)
    assert [(ln.text[:5], ln.state) for ln in own(alice, "#chatbox")] == [
        ("one", ""), ("three", "failed"), ("four", ""),
    ]
    assert states(alice, "#locked") == ["failed"]
    assert len(refusals.at) == 2
