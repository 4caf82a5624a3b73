"""Netsplits: one line per room when a server link breaks, one when it heals.

The detection and grouping are pure (app/protocol/netsplit.py) and tested first with plain
calls and made-up times. Then a ChatSession, on a real socket, gets the lines a server of a
network sends in a split (our own server has no links, so a scripted peer sends them; the
real thing, two linked ngircd, is tests/interop/test_network.py).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.client.models import ChatLine
from app.client.session import ChatSession
from app.protocol.netsplit import NetsplitTracker, name_list, split_servers
from tests.client.conftest import SESSIONS

SPLIT = ("irc1.example", "irc2.example")

# --------------------------------------------------------------------------- pure


@pytest.mark.parametrize(
    ("reason", "servers"),
    [
        ("irc1.example irc2.example", ("irc1.example", "irc2.example")),
        ("hub.eu.example.org leaf-2.example.org", ("hub.eu.example.org", "leaf-2.example.org")),
        ("*.net *.split", ("*.net", "*.split")),  # networks that hide their servers
    ],
)
def test_a_split_reason_names_two_servers(reason: str, servers: tuple[str, str]) -> None:
    assert split_servers(reason) == servers


@pytest.mark.parametrize(
    "reason",
    [
        '"bye"',  # ngircd quotes what a user says
        '"irc1.example irc2.example"',  # ... so a user cannot fake a split
        "Ping timeout: 240 seconds",
        "Quit: irc1.example irc2.example",
        "irc1.example",
        "irc1.example irc2.example irc3.example",
        "irc1.example  irc2.example",
        " irc1.example irc2.example",
        "irc1.example irc2.example ",
        "irc1.example irc1.example",  # one server is no link
        "irc1 irc2",  # no dots
        "irc1.example irc2.e",  # a one-letter top-level domain
        "10.0.0.1 10.0.0.2",  # addresses, not server names
        "irc1..example irc2.example",
        ".irc1.example irc2.example",
        "irc1.example. irc2.example",
        "http://irc1.example irc2.example",
        "",
    ],
)
def test_any_other_quit_reason_is_not_a_split(reason: str) -> None:
    assert split_servers(reason) is None


def test_names_are_spelled_out_up_to_three_then_counted() -> None:
    assert name_list(["bob"]) == "bob"
    assert name_list(["bob", "carol"]) == "bob and carol"
    assert name_list(["bob", "carol", "dave"]) == "bob, carol and dave"
    assert name_list(["bob", "carol", "dave", "erin", "frank"]) == "bob, carol and 3 others"


def test_quits_of_one_split_in_one_room_make_one_group_that_grows() -> None:
    tracker = NetsplitTracker()
    group, new = tracker.quit("#net", "bob", SPLIT, now=10.0)
    assert new and group.text == "Netsplit irc1.example ↔ irc2.example: bob left"
    for offset, nick in enumerate(["carol", "dave", "erin", "frank"], start=1):
        same, new = tracker.quit("#net", nick, SPLIT, now=10.0 + offset * 0.5)
        assert same is group and not new
    assert group.text == "Netsplit irc1.example ↔ irc2.example: bob, carol and 3 others left"
    # Another room, or another split, is another line.
    other_room, new = tracker.quit("#other", "bob", SPLIT, now=12.0)
    assert new and other_room is not group
    other_split, new = tracker.quit("#net", "zed", ("irc1.example", "irc3.example"), now=12.0)
    assert new and other_split is not group


def test_a_quit_after_the_window_starts_a_new_line() -> None:
    tracker = NetsplitTracker(window_s=1.5)
    first, _ = tracker.quit("#net", "bob", SPLIT, now=0.0)
    tracker.quit("#net", "carol", SPLIT, now=1.4)  # the window slides with each arrival
    late, new = tracker.quit("#net", "dave", SPLIT, now=2.9)
    assert not new and late is first
    later, new = tracker.quit("#net", "erin", SPLIT, now=4.5)
    assert new and later is not first and later.nicks == ["erin"]


def test_those_who_split_off_and_join_back_make_one_back_line() -> None:
    tracker = NetsplitTracker(fold=str.lower)
    for nick in ["bob", "Carol", "dave", "erin", "frank"]:
        tracker.quit("#net", nick, SPLIT, now=0.0, address="~u@h")
    assert tracker.join("#net", "zoe", now=5.0) is None  # never split off: an ordinary join
    assert tracker.join("#other", "bob", now=5.0) is None  # not a room bob split from
    back, new = tracker.join("#NET", "BOB", now=5.0, address="~u@h") or (None, False)
    assert back is not None and new and back.kind == "join"
    for nick in ["carol", "dave", "erin", "frank"]:
        again = tracker.join("#net", nick, now=5.2, address="~u@h")
        assert again is not None and again[0] is back and not again[1]
    assert back.text == "Netsplit over: BOB, carol and 3 others are back"
    assert tracker.join("#net", "bob", now=5.3) is None  # back once; a rejoin is ordinary


def test_a_join_back_is_recognised_only_by_the_same_user_not_too_late() -> None:
    tracker = NetsplitTracker(remember_s=60.0)
    tracker.quit("#net", "bob", SPLIT, now=0.0, address="~bob@a.example")
    tracker.quit("#net", "carol", SPLIT, now=0.0)
    assert tracker.join("#net", "bob", now=1.0, address="~mallory@b.example") is None
    assert tracker.join("#net", "carol", now=61.0) is None
    tracker.quit("#net", "dave", SPLIT, now=0.0)
    assert tracker.join("#net", "dave", now=2.0) is not None
    back = tracker.join("#net", "dave", now=2.0)
    assert back is None


def test_expire_closes_finished_groups_and_forgets_old_splits() -> None:
    tracker = NetsplitTracker(window_s=1.0, remember_s=10.0)
    group, _ = tracker.quit("#net", "bob", SPLIT, now=0.0)
    assert tracker.expire(0.5) == [] and tracker.open_groups == [group]
    assert tracker.expire(1.5) == [group] and tracker.open_groups == []
    tracker.expire(11.0)
    assert tracker.join("#net", "bob", now=11.0) is None


# --------------------------------------------------------------------------- a session


class ScriptedServer:
    """A listening socket on 127.0.0.1 that writes what the test says: a server of a
    network as far as one client can tell (only the lines under test are scripted)."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.listener.setblocking(False)
        self.port: int = self.listener.getsockname()[1]
        self.conn: socket.socket | None = None

    def accept(self) -> bool:
        try:
            self.conn, _ = self.listener.accept()
        except BlockingIOError:
            return False
        return True

    def say(self, *lines: str) -> None:
        assert self.conn is not None
        self.conn.sendall("".join(f"{line}\r\n" for line in lines).encode())

    def close(self) -> None:
        for sock in (self.conn, self.listener):
            if sock is not None:
                sock.close()


Rooms = dict[str, list[str]]
Join = Callable[[Rooms], tuple[ChatSession, ScriptedServer]]


@pytest.fixture
def on_network(qtbot: QtBot) -> Iterator[Join]:
    """``on_network({"#net": ["bob", ...]})``: alice, registered on a scripted irc1.example
    and in those rooms with those members."""
    made: list[tuple[ChatSession, ScriptedServer]] = []

    def make(rooms: Rooms) -> tuple[ChatSession, ScriptedServer]:
        server = ScriptedServer()
        chat = ChatSession()
        SESSIONS.append(chat)
        made.append((chat, server))
        with qtbot.waitSignal(chat.connection.registered, timeout=5000):
            chat.connection.connect_to("127.0.0.1", server.port, "alice")
            qtbot.waitUntil(server.accept, timeout=5000)
            server.say(":irc1.example 001 alice :Welcome to TestNet")
        for name, nicks in rooms.items():
            server.say(
                f":alice!~alice@127.0.0.1 JOIN :{name}",
                f":irc1.example 353 alice = {name} :@alice {' '.join(nicks)}",
                f":irc1.example 366 alice {name} :End of NAMES list",
            )
        everyone = {name: sorted(["alice", *nicks]) for name, nicks in rooms.items()}
        qtbot.waitUntil(lambda: all(members(chat, n) == k for n, k in everyone.items()))
        return chat, server

    yield make
    for chat, server in made:
        chat.quit()
        server.close()


def members(chat: ChatSession, name: str) -> list[str]:
    room = chat.rooms.get(name)
    return sorted(room.members.nicks()) if room is not None else []


def events(chat: ChatSession, name: str, kind: str) -> list[str]:
    room = chat.rooms.get(name)
    assert room is not None
    return [ln.text for ln in room.messages.lines() if ln.kind == kind]


def shown(chat: ChatSession, name: str) -> list[ChatLine]:
    """The lines as the view has them (rows of the model, after the batch is inserted)."""
    room = chat.rooms.get(name)
    assert room is not None
    room.messages.flush()
    return room.messages.lines()


FIVE = ["bob", "carol", "dave", "erin", "frank"]


def test_a_netsplit_shows_one_line_per_room_redrawn_as_the_quits_arrive(
    qtbot: QtBot, on_network: Join
) -> None:
    alice, server = on_network({"#net": FIVE, "#side": ["carol", "zoe"]})
    split = "Netsplit irc1.example ↔ irc2.example"
    server.say(":bob!~bob@127.0.0.1 QUIT :irc1.example irc2.example")
    qtbot.waitUntil(lambda: events(alice, "#net", "quit") == [f"{split}: bob left"])
    before = len(shown(alice, "#net"))
    server.say(*(f":{n}!~{n}@127.0.0.1 QUIT :irc1.example irc2.example" for n in FIVE[1:]))
    qtbot.waitUntil(lambda: members(alice, "#net") == ["alice"])
    assert events(alice, "#net", "quit") == [f"{split}: bob, carol and 3 others left"]
    assert len(shown(alice, "#net")) == before  # redrawn in place, not one more row
    # carol was in #side too: that room has its own line, and zoe is still there.
    assert events(alice, "#side", "quit") == [f"{split}: carol left"]
    assert members(alice, "#side") == ["alice", "zoe"]


def test_ordinary_quits_stay_one_line_each(qtbot: QtBot, on_network: Join) -> None:
    alice, server = on_network({"#net": ["bob", "carol", "dave", "erin"]})
    server.say(
        ':bob!~bob@127.0.0.1 QUIT :"bye"',
        ":carol!~carol@127.0.0.1 QUIT :Ping timeout: 240 seconds",
        ":dave!~dave@127.0.0.1 QUIT :Quit: irc1.example irc2.example",
        ":erin!~erin@127.0.0.1 QUIT :irc1.example",
    )
    qtbot.waitUntil(lambda: members(alice, "#net") == ["alice"])
    assert events(alice, "#net", "quit") == [
        'bob quit ("bye")',
        "carol quit (Ping timeout: 240 seconds)",
        "dave quit (Quit: irc1.example irc2.example)",
        "erin quit (irc1.example)",
    ]


def test_the_end_of_a_split_is_one_back_line_and_strangers_join_as_usual(
    qtbot: QtBot, on_network: Join
) -> None:
    alice, server = on_network({"#net": FIVE})
    server.say(*(f":{n}!~{n}@127.0.0.1 QUIT :irc1.example irc2.example" for n in FIVE))
    qtbot.waitUntil(lambda: members(alice, "#net") == ["alice"])
    # The link is back: ngircd sends a plain JOIN for each of them (no NAMES).
    server.say(*(f":{n}!~{n}@127.0.0.1 JOIN :#net" for n in FIVE))
    server.say(":zoe!~zoe@127.0.0.1 JOIN :#net")
    qtbot.waitUntil(lambda: members(alice, "#net") == sorted(["alice", *FIVE, "zoe"]))
    assert events(alice, "#net", "join") == [
        "alice joined #net",
        "Netsplit over: bob, carol and 3 others are back",
        "zoe joined #net",
    ]
    assert len(events(alice, "#net", "quit")) == 1


def test_a_split_after_the_window_has_passed_gets_a_line_of_its_own(
    qtbot: QtBot, on_network: Join
) -> None:
    alice, server = on_network({"#net": FIVE})
    alice.netsplits.tracker.window_s = 0.3
    server.say(":bob!~bob@127.0.0.1 QUIT :irc1.example irc2.example")
    qtbot.waitUntil(lambda: len(events(alice, "#net", "quit")) == 1)
    qtbot.waitUntil(lambda: not alice.netsplits.tracker.open_groups, timeout=3000)
    server.say(":carol!~carol@127.0.0.1 QUIT :irc1.example irc2.example")
    qtbot.waitUntil(lambda: len(events(alice, "#net", "quit")) == 2)
    assert events(alice, "#net", "quit") == [
        "Netsplit irc1.example ↔ irc2.example: bob left",
        "Netsplit irc1.example ↔ irc2.example: carol left",
    ]
