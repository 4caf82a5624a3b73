"""Chatbox on a real IRC network: two linked ngircd servers, a netsplit, a failover.

The network (tests/interop/ngircd_network.py) is Debian's ngircd twice, irc1.example and
irc2.example on free ports of 127.0.0.1, linked, started by each test and stopped at its
end. Chatbox sessions run on pytest-qt's event loop and are checked through the models the
windows bind to; raw clients (tests/support.py) stand in for the crowd on the far server.

What ngircd does, and so what is asserted (measured with ngircd 26.1):
- when irc2 goes down, everyone on irc1 sees each user behind it QUIT at once with the
  reason "irc1.example irc2.example";
- users of a server that went down are disconnected with it; when they sign in again after
  the restart, the others see plain JOINs (after a link alone breaks and heals, ngircd also
  sends plain JOINs for everyone behind it, and no NAMES);
- signing in and some commands (JOIN, LINKS) carry a one-second penalty: waits are 10 s.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.bench import servers
from app.client.models import ChatLine, MemberModel, Room
from app.client.session import ChatSession
from tests.client.conftest import SESSIONS
from tests.interop.ngircd_network import OPER, LinkProbe, Network, users_in
from tests.support import IrcClient

pytestmark = pytest.mark.interop

CHANNEL = "#net"
WAIT_MS = 10_000
CROWD = ["bob", "carol", "dave", "erin", "frank"]
SPLIT = "Netsplit irc1.example ↔ irc2.example: "

MakeSession = Callable[..., ChatSession]


@pytest.fixture
def network(qtbot: QtBot, tmp_path: Path) -> Iterator[Network]:
    """irc1.example and irc2.example, started and linked; stopped at the end, whatever
    happened."""
    binary = servers.ngircd_path()
    if binary is None:
        reason = "ngircd is not installed (apt-get install ngircd)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    net = Network.write(binary, tmp_path / "ngircd")
    probe = None
    try:
        for server in net.servers:
            server.start()
            qtbot.waitUntil(server.listening, timeout=WAIT_MS)
        probe = LinkProbe(net.servers[0].port)
        qtbot.waitUntil(probe.linked, timeout=WAIT_MS)
        yield net
    except Exception:  # the network did not come up: show why (the logs stay in tmp_path)
        print(net.logs())
        raise
    finally:
        if probe is not None:
            probe.close()
        net.stop()


@pytest.fixture
def session(qtbot: QtBot) -> Iterator[MakeSession]:
    """``session("alice", port)``: a ChatSession registered there and in CHANNEL."""
    made: list[ChatSession] = []

    def make(nick: str, port: int) -> ChatSession:
        chat = ChatSession()
        made.append(chat)
        SESSIONS.append(chat)  # kept for the whole run (see tests/client/conftest.py)
        chat.autojoin = [CHANNEL]
        with qtbot.waitSignal(chat.connection.registered, timeout=WAIT_MS):
            chat.connection.connect_to("127.0.0.1", port, nick)
        qtbot.waitUntil(partial(in_channel, chat), timeout=WAIT_MS)
        return chat

    yield make
    for chat in made:
        chat.quit("test over")


@pytest.fixture
def raw() -> Iterator[list[IrcClient]]:
    """Raw clients a test opens (append them): all closed at the end."""
    opened: list[IrcClient] = []
    yield opened
    for client in opened:
        client.close()


def in_channel(chat: ChatSession) -> bool:
    room = chat.rooms.get(CHANNEL)
    return room is not None and chat.nick in room.members.nicks()


def room_of(chat: ChatSession) -> Room:
    found = chat.rooms.get(CHANNEL)
    assert found is not None, f"{chat.nick} has no room {CHANNEL}"
    return found


def members(chat: ChatSession) -> list[str]:
    """The member list as displayed: prefix symbol, then the nick."""
    model: MemberModel = room_of(chat).members
    return [model.data(model.index(row)) for row in range(model.rowCount())]


def nicks(chat: ChatSession) -> list[str]:
    return sorted(room_of(chat).members.nicks())


def lines(chat: ChatSession, kind: str) -> list[ChatLine]:
    return [ln for ln in room_of(chat).messages.lines() if ln.kind == kind]


def heard(client: IrcClient, sender: str, text: str) -> bool:
    """``client`` got ``text`` from ``sender`` (reads what has arrived, without blocking the
    event loop the sessions need for more than a moment)."""
    with contextlib.suppress(TimeoutError):
        client.read(timeout=0.01)
    return any(
        m.command == "PRIVMSG" and m.param(1) == text and (m.source or "").startswith(f"{sender}!")
        for m in client.received
    )


def describe(chat: ChatSession) -> str:
    shown = room_of(chat).messages.lines()
    return "\n".join(f"  {ln.kind:6} <{ln.sender}> {ln.text}" for ln in shown)


def test_users_of_two_linked_servers_see_each_other_and_talk(
    qtbot: QtBot, network: Network, session: MakeSession
) -> None:
    irc1, irc2 = network.servers
    alice = session("alice", irc1.port)
    bob = session("bob", irc2.port)
    qtbot.waitUntil(lambda: members(alice) == ["@alice", "bob"], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: members(bob) == ["@alice", "bob"], timeout=WAIT_MS)
    assert alice.connection.info.tokens.get("NETWORK") == "ChatboxNet"

    alice.send_input("hello from irc1", CHANNEL)
    qtbot.waitUntil(lambda: bool(lines(bob, "message")), timeout=WAIT_MS)
    bob.send_input("hello from irc2", CHANNEL)
    qtbot.waitUntil(lambda: len(lines(alice, "message")) == 2, timeout=WAIT_MS)
    heard = [(ln.sender, ln.text, ln.own) for ln in lines(alice, "message")]
    assert heard == [("alice", "hello from irc1", True), ("bob", "hello from irc2", False)]
    heard = [(ln.sender, ln.text, ln.own) for ln in lines(bob, "message")]
    assert heard == [("alice", "hello from irc1", False), ("bob", "hello from irc2", True)]


def test_a_netsplit_is_one_line_and_the_return_is_one_line(
    qtbot: QtBot, network: Network, session: MakeSession, raw: list[IrcClient]
) -> None:
    irc1, irc2 = network.servers
    alice = session("alice", irc1.port)
    raw += users_in(irc2.port, CROWD, CHANNEL)
    qtbot.waitUntil(lambda: nicks(alice) == sorted(["alice", *CROWD]), timeout=WAIT_MS)

    irc2.stop()  # SIGTERM: irc2 and its five users are gone from irc1's network
    qtbot.waitUntil(lambda: nicks(alice) == ["alice"], timeout=WAIT_MS)
    quits = lines(alice, "quit")
    assert len(quits) == 1, describe(alice)
    assert quits[0].text.startswith(SPLIT) and quits[0].text.endswith(" and 3 others left")
    named = quits[0].text.removeprefix(SPLIT).removesuffix(" and 3 others left").split(", ")
    assert len(named) == 2 and set(named) <= set(CROWD), quits[0].text
    qtbot.waitUntil(lambda: not alice.netsplits.tracker.open_groups, timeout=WAIT_MS)
    assert len(lines(alice, "quit")) == 1  # the window closed with no more lines

    irc2.start()  # the same configuration: it dials irc1 at once
    qtbot.waitUntil(irc2.listening, timeout=WAIT_MS)
    probe = LinkProbe(irc1.port, "probe2")
    try:
        qtbot.waitUntil(probe.linked, timeout=WAIT_MS)
    finally:
        probe.close()
    for client in raw:
        client.close()
    joined_before = len(lines(alice, "join"))  # alice's own, and the crowd's one by one
    raw += users_in(irc2.port, CROWD, CHANNEL)  # they sign in again and rejoin
    qtbot.waitUntil(lambda: nicks(alice) == sorted(["alice", *CROWD]), timeout=WAIT_MS)
    back = [ln.text for ln in lines(alice, "join")[joined_before:]]
    assert len(back) == 1, describe(alice)
    assert back[0].startswith("Netsplit over: ") and back[0].endswith(" and 3 others are back")
    assert len(lines(alice, "quit")) == 1


def test_a_link_that_breaks_and_heals_is_one_line_each_way(
    qtbot: QtBot, network: Network, session: MakeSession, raw: list[IrcClient]
) -> None:
    """The servers stay up and only the link between them goes (an operator's SQUIT, then
    CONNECT): the users behind it never left their server, and when the link is back
    ngircd sends a JOIN for each of them. (Left alone, irc2 would dial again by itself,
    but after a link that lived less than ConnectRetry ngircd waits 5 to 20 s, at random.)"""
    irc1, irc2 = network.servers
    alice = session("alice", irc1.port)
    raw += users_in(irc2.port, CROWD, CHANNEL)
    qtbot.waitUntil(lambda: nicks(alice) == sorted(["alice", *CROWD]), timeout=WAIT_MS)
    admin = IrcClient(irc1.port)
    raw.append(admin)
    admin.register("admin")
    admin.send(f"OPER {OPER[0]} {OPER[1]}")
    admin.expect("381")  # "You are now an IRC Operator"

    admin.send("SQUIT irc2.example :maintenance")
    qtbot.waitUntil(lambda: nicks(alice) == ["alice"], timeout=WAIT_MS)
    admin.send("CONNECT irc2.example")  # make the link again, now
    qtbot.waitUntil(lambda: nicks(alice) == sorted(["alice", *CROWD]), timeout=WAIT_MS)
    lines_after_split = room_of(alice).messages.lines()
    split = next(i for i, ln in enumerate(lines_after_split) if ln.text.startswith(SPLIT))
    after = [(ln.kind, ln.text) for ln in lines_after_split[split:]]
    assert len(after) == 2, describe(alice)
    assert after[0][0] == "quit" and after[0][1].endswith(" and 3 others left")
    assert after[1][0] == "join" and after[1][1].startswith("Netsplit over: ")
    assert after[1][1].endswith(" and 3 others are back")


def test_when_its_server_goes_down_a_session_moves_to_the_other_one(
    qtbot: QtBot, network: Network, session: MakeSession, raw: list[IrcClient]
) -> None:
    irc1, irc2 = network.servers
    alice = session("alice", irc1.port)
    alice.servers = network.addresses
    alice.backoff_start = alice._backoff = 0.2
    changed: list[str] = []
    alice.server_changed.connect(changed.append)
    raw += users_in(irc2.port, ["bob"], CHANNEL)
    bob = raw[0]
    qtbot.waitUntil(lambda: nicks(alice) == ["alice", "bob"], timeout=WAIT_MS)

    with qtbot.waitSignal(alice.connection.disconnected, timeout=WAIT_MS):
        irc1.stop()
    qtbot.waitUntil(lambda: alice.connection.state == "connected", timeout=WAIT_MS)
    assert changed == [f"127.0.0.1:{irc2.port}"]
    assert (alice.nick, alice.connection.port) == ("alice", irc2.port)
    qtbot.waitUntil(lambda: nicks(alice) == ["alice", "bob"], timeout=WAIT_MS)  # rejoined

    alice.send_input("back, via irc2", CHANNEL)
    qtbot.waitUntil(partial(heard, bob, "alice", "back, via irc2"), timeout=WAIT_MS)
