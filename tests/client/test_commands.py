"""Typed commands against a real server: their replies in words, in the room typed in."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.client.roles import AWAY_ROLE
from app.client.session import SERVER_ROOM, ChatSession
from tests.client.conftest import MakeSession


def said(chat: ChatSession, room: str, kind: str = "info") -> list[str]:
    found = chat.rooms.get(room)
    assert found is not None, f"no room {room}"
    return [line.text for line in found.messages.lines() if line.kind == kind]


def says(qtbot: QtBot, chat: ChatSession, room: str, part: str, kind: str = "info") -> str:
    """Waits for a line of ``kind`` containing ``part`` in ``room``; returns it."""
    qtbot.waitUntil(lambda: any(part in t for t in said(chat, room, kind)), timeout=5000)
    return next(t for t in said(chat, room, kind) if part in t)


def away_in(chat: ChatSession, room: str, nick: str) -> bool:
    found = chat.rooms.get(room)
    assert found is not None
    model = found.members
    row = model.nicks().index(nick)
    return bool(model.data(model.index(row), AWAY_ROLE))


def test_whois_is_one_line_of_words_in_the_room_it_was_typed_in(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice = session("alice", channels=("#chatbox",))
    bob = session("bob", channels=("#chatbox", "#ops"))
    bob.send_input("/away lunch", "#chatbox")
    qtbot.waitUntil(lambda: bob.commands.away == "lunch")
    alice.send_input("/whois bob", "#chatbox")
    text = says(qtbot, alice, "#chatbox", "bob is ")
    assert text.startswith("bob is ")
    assert "(" in text and "@" in text  # the address
    for part in ("on ", "#chatbox", "@#ops", "idle ", "signed on ", "away: lunch"):
        assert part in text, text
    assert not any(t.startswith("bob is ") for t in said(alice, SERVER_ROOM))
    assert not any(code in text for code in ("311", "317", "318"))


def test_replies_follow_the_room_typed_in_not_the_one_on_screen(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice = session("alice", channels=("#chatbox", "#other"))
    session("bob", channels=("#chatbox",))
    alice.active_room = "#other"
    alice.send_input("/whois bob", "#chatbox")
    says(qtbot, alice, "#chatbox", "bob is ")
    alice.send_input("/whois nobody", "#chatbox")
    says(qtbot, alice, "#chatbox", "No one called nobody is online.", "error")
    assert not said(alice, "#other", "error")


def test_the_reply_room_expires(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice", channels=("#chatbox", "#other"))
    now = [1000.0]
    alice.commands._clock = lambda: now[0]
    alice.send_input("/names", "#chatbox")
    assert alice.commands.reply_room() == "#chatbox"
    now[0] += alice.commands.REPLY_WINDOW_S + 1
    alice.active_room = "#other"
    assert alice.commands.reply_room() == "#other"


def test_op_voice_and_kick_act_on_the_current_channel(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice", channels=("#chatbox",))  # first in: its operator
    session("bob", channels=("#chatbox",))
    carol = session("carol", channels=("#chatbox",))
    room = alice.rooms.get("#chatbox")
    assert room is not None
    qtbot.waitUntil(lambda: len(room.members.nicks()) == 3)
    alice.send_input("/op bob carol", "#chatbox")
    qtbot.waitUntil(lambda: room.members.find("carol").modes == "o")  # type: ignore[union-attr]
    assert room.members.find("bob").modes == "o"  # type: ignore[union-attr]
    alice.send_input("/deop carol", "#chatbox")
    alice.send_input("/voice carol", "#chatbox")
    qtbot.waitUntil(lambda: room.members.find("carol").modes == "v")  # type: ignore[union-attr]
    alice.send_input("/kick carol enough for today", "#chatbox")
    qtbot.waitUntil(lambda: room.members.find("carol") is None)
    carol_room = carol.rooms.get("#chatbox")
    assert carol_room is not None
    qtbot.waitUntil(lambda: not carol_room.joined)
    assert any("enough for today" in t for t in said(carol, "#chatbox", "kick"))


def test_what_needs_an_operator_says_so(qtbot: QtBot, session: MakeSession) -> None:
    session("alice", channels=("#chatbox",))
    bob = session("bob", channels=("#chatbox",))
    bob.send_input("/kick alice", "#chatbox")
    says(qtbot, bob, "#chatbox", "You need to be an operator of #chatbox (@) to do that.",
         "error")
    bob.send_input("/kick nobody", "#chatbox")
    bob.send_input("/op alice", "alice")  # a private chat is no channel
    assert any("/op works in a channel" in t for t in said(bob, SERVER_ROOM, "error"))


def test_names_topic_modes_and_bans_are_said_in_words(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice", channels=("#chatbox",))
    session("bob", channels=("#chatbox",))
    room = alice.rooms.get("#chatbox")
    assert room is not None
    qtbot.waitUntil(lambda: len(room.members.nicks()) == 2)
    alice.send_input("/names", "#chatbox")
    assert says(qtbot, alice, "#chatbox", "#chatbox (2)") == "#chatbox (2): @alice bob"
    alice.send_input("/topic", "#chatbox")
    says(qtbot, alice, "#chatbox", "#chatbox has no topic.")
    alice.send_input("/topic Friday lunch", "#chatbox")
    qtbot.waitUntil(lambda: room.topic == "Friday lunch")
    alice.send_input("/topic", "#chatbox")
    says(qtbot, alice, "#chatbox", "Topic of #chatbox: Friday lunch")
    says(qtbot, alice, "#chatbox", "Set by alice on ")
    alice.send_input("/mode +m", "#chatbox")
    alice.send_input("/mode", "#chatbox")
    assert "m" in says(qtbot, alice, "#chatbox", "Modes of #chatbox: +")
    alice.send_input("/ban bob", "#chatbox")
    alice.send_input("/mode +b", "#chatbox")
    says(qtbot, alice, "#chatbox", "Bans on #chatbox: bob!*@* (by alice)")
    alice.send_input("/unban bob", "#chatbox")
    alice.send_input("/mode +b", "#chatbox")
    says(qtbot, alice, "#chatbox", "Bans on #chatbox: none.")


def test_an_invite_is_said_to_both(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice", channels=("#den",))
    bob = session("bob")
    alice.send_input("/invite bob", "#den")
    says(qtbot, alice, "#den", "You invited bob to #den.")
    says(qtbot, bob, SERVER_ROOM, "alice invites you to #den: /join #den")


def test_ignore_drops_messages_notices_and_lists(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice", channels=("#chatbox",))
    bob = session("bob", channels=("#chatbox",))
    saved: list[list[str]] = []
    alice.commands.ignores.changed.connect(saved.append)
    arrived: list[str] = []  # what reached alice's connection (the session saw it first)
    alice.connection.message_received.connect(lambda m: arrived.append(m.param(1)))
    alice.send_input("/ignore bob", "#chatbox")
    assert saved == [["bob!*@*"]]
    bob.send_input("you cannot hear me", "#chatbox")
    bob.send_input("/msg alice nor here", "#chatbox")
    bob.send_input("/notice alice nor this", "#chatbox")
    bob.send_input("/ctcp alice VERSION", "#chatbox")
    qtbot.waitUntil(lambda: "nor this" in arrived and "\x01VERSION\x01" in arrived)
    assert said(alice, "#chatbox", "message") == [] and alice.rooms.get("bob") is None
    assert not [t for t in said(alice, SERVER_ROOM, "notice") if "nor this" in t]
    alice.send_input("/ignore", "#chatbox")
    assert "You ignore: bob!*@*" in said(alice, "#chatbox")
    alice.send_input("/unignore bob", "#chatbox")
    bob.send_input("and now?", "#chatbox")
    qtbot.waitUntil(lambda: "and now?" in said(alice, "#chatbox", "message"))
    assert "you cannot hear me" not in said(alice, "#chatbox", "message")
    assert saved[-1] == []


def test_clear_empties_the_room_and_close_leaves_it(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice", channels=("#chatbox",))
    bob = session("bob", channels=("#chatbox",))
    bob.send_input("one", "#chatbox")
    qtbot.waitUntil(lambda: "one" in said(alice, "#chatbox", "message"))
    room = alice.rooms.get("#chatbox")
    assert room is not None
    alice.send_input("/clear", "#chatbox")
    assert room.messages.lines() == [] and room.messages.rowCount() == 0
    alice.send_input("/close", SERVER_ROOM)
    assert alice.rooms.get(SERVER_ROOM) is not None
    alice.send_input("/close", "#chatbox")
    assert alice.rooms.get("#chatbox") is None
    bob_room = bob.rooms.get("#chatbox")
    assert bob_room is not None
    qtbot.waitUntil(lambda: bob_room.members.find("alice") is None)


def test_away_and_back_are_confirmed_and_grey_the_member(
    qtbot: QtBot, session: MakeSession
) -> None:
    alice = session("alice", channels=("#chatbox",))
    bob = session("bob", channels=("#chatbox",))
    qtbot.waitUntil(lambda: "alice" in bob.rooms.get("#chatbox").members.nicks())  # type: ignore[union-attr]
    with qtbot.waitSignal(alice.commands.away_changed, timeout=5000) as changed:
        alice.send_input("/away lunch", "#chatbox")
    assert changed.args == [True, "lunch"]
    qtbot.waitUntil(lambda: away_in(bob, "#chatbox", "alice"))
    assert away_in(alice, "#chatbox", "alice")  # our own row too
    assert "You are marked as away (lunch). /back when you return." in said(alice, "#chatbox")
    with qtbot.waitSignal(alice.commands.away_changed, timeout=5000) as changed:
        alice.send_input("/back", "#chatbox")
    assert changed.args == [False, ""]
    qtbot.waitUntil(lambda: not away_in(bob, "#chatbox", "alice"))


def test_who_is_away_already_is_greyed_on_joining(qtbot: QtBot, session: MakeSession) -> None:
    bob = session("bob", channels=("#chatbox",))
    bob.send_input("/away gone fishing", "#chatbox")
    qtbot.waitUntil(lambda: bob.commands.away is not None)
    alice = session("alice", channels=("#chatbox",))
    qtbot.waitUntil(lambda: "bob" in alice.rooms.get("#chatbox").members.nicks())  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: away_in(alice, "#chatbox", "bob"))
    alice.send_input("/msg bob are you there?", "#chatbox")
    says(qtbot, alice, "bob", "bob is away: gone fishing")


def test_list_fills_the_channel_model(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice", channels=("#a", "#b"))
    session("bob", channels=("#b",))
    with qtbot.waitSignal(alice.commands.channel_list_requested, timeout=1000):
        alice.send_input("/list", SERVER_ROOM)
    listing = alice.commands.channel_list
    qtbot.waitUntil(lambda: len(listing.channels()) >= 2 and not listing.loading, timeout=5000)
    found = {(c.name, c.users) for c in listing.channels()}
    assert {("#a", 1), ("#b", 2)} <= found


def test_help_and_unknown_commands_are_said_in_the_room(qtbot: QtBot, session: MakeSession) -> None:
    alice = session("alice", channels=("#chatbox",))
    alice.send_input("/help", "#chatbox")
    assert any(t.startswith("/whois nick — ") for t in said(alice, "#chatbox"))
    alice.send_input("/frob", "#chatbox")
    assert said(alice, "#chatbox", "error")[-1] == (
        "Unknown command /frob — /help lists the commands"
    )
