"""Private chats after a reconnect: an account catches up on its own history; a guest, whose
new connection has no private history, is not held up waiting for one. The client against a
real server on the same event loop."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.client.connection import Account
from app.client.models import ChatLine
from app.client.session import ChatSession
from app.server.listener import ChatServer
from tests.client.conftest import SESSIONS, MakeSession
from tests.client.test_outbox import cut


def own_lines(chat: ChatSession, room: str) -> list[ChatLine]:
    found = chat.rooms.get(room)
    assert found is not None
    return [ln for ln in found.messages.lines() if ln.kind == "message" and ln.own]


def texts(chat: ChatSession, room: str) -> list[str]:
    found = chat.rooms.get(room)
    return [] if found is None else [ln.text for ln in found.messages.lines()
                                     if ln.kind == "message"]


def test_an_account_catches_up_its_private_chat_after_a_cut(
    qtbot: QtBot, session: MakeSession, chat_server: ChatServer
) -> None:
    chat_server.core.accounts.register("alice", "wonderland")
    alice = ChatSession()
    SESSIONS.append(alice)
    alice.backoff_start = alice._backoff = 0.5
    with qtbot.waitSignal(alice.connection.registered, timeout=5000):
        alice.connection.connect_to("127.0.0.1", chat_server.port, "alice",
                                    account=Account("alice", "wonderland"))
    bob = session("bob")
    bob.send_input("/msg alice hello alice", "bob")
    qtbot.waitUntil(lambda: texts(alice, "bob") == ["hello alice"])
    with qtbot.waitSignal(alice.reconnect_scheduled, timeout=5000):
        cut(chat_server, "alice")
    qtbot.waitUntil(lambda: alice.connection.state == "connected", timeout=10000)
    alice.send_input("back again", "bob")
    qtbot.waitUntil(lambda: texts(bob, "alice") == ["hello alice", "back again"], timeout=10000)
    assert texts(alice, "bob") == ["hello alice", "back again"]  # nothing twice
    alice.connection.quit()


def test_a_guest_types_in_a_private_chat_while_away_and_it_goes_without_a_long_wait(
    qtbot: QtBot, session: MakeSession, chat_server: ChatServer
) -> None:
    alice, bob = session("alice"), session("bob")
    alice.backoff_start = alice._backoff = 0.5
    bob.send_input("/msg alice hi", "bob")
    qtbot.waitUntil(lambda: texts(alice, "bob") == ["hi"])
    with qtbot.waitSignal(alice.reconnect_scheduled, timeout=5000):
        cut(chat_server, "alice")
    alice.send_input("typed while away", "bob")
    assert [ln.state for ln in own_lines(alice, "bob")] == ["pending"]
    qtbot.waitUntil(lambda: alice.connection.state == "connected", timeout=10000)
    # The catch-up of a guest's new connection finds nothing of before: the server says so
    # at once, and the line goes well before the catch-up's 15 s safety timeout.
    qtbot.waitUntil(lambda: texts(bob, "alice") == ["hi", "typed while away"], timeout=8000)
    qtbot.waitUntil(lambda: [ln.state for ln in own_lines(alice, "bob")] == [""])
