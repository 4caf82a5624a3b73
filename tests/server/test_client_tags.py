"""Client tags over real sockets: replies and reactions (relayed, stored, replayed after a
restart and a kill -9), typing (relayed, never stored), draft/event-playback, CLIENTTAGDENY,
account-tag on everything a user sends, and UTF8ONLY's refusal of lines that are not UTF-8."""

from __future__ import annotations

import signal
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.protocol.message import Message, parse, parse_tags, serialize_tags
from app.server.client_tags import MAX_REACTION_BYTES, refusal, relayed
from tests.conftest import StartServer
from tests.server.test_accounts import finish, negotiate
from tests.server.test_history import HISTORY_CAPS, history, restart
from tests.support import IrcClient, in_room, only, said

Connect = Callable[..., IrcClient]
TAG_CAPS = ("message-tags", "echo-message", "server-time")
PLAYBACK_CAPS = (*HISTORY_CAPS, "draft/event-playback")
THUMBS = "\U0001f44d"


def echo(client: IrcClient, line: str) -> Message:
    """Send ``line`` (a PRIVMSG or TAGMSG of an echo-message client); its echo."""
    command = line.split(" ", 2)[1] if line.startswith("@") else line.split(" ", 1)[0]
    client.send(line)
    return client.expect(command, where=lambda m: m.source is not None
                         and m.source.startswith(client.nick + "!"))


def converse(alice: IrcClient) -> tuple[Message, Message, Message]:
    """alice says something, replies to it and reacts to it: the three echoes."""
    said_ = echo(alice, "PRIVMSG #room :lunch at noon?")
    parent = said_.tags["msgid"]
    reply = echo(alice, f"@+reply={parent};+draft/reply={parent} PRIVMSG #room :or one")
    react = echo(alice, f"@+draft/reply={parent};+draft/react={THUMBS} TAGMSG #room")
    return said_, reply, react


# ------------------------------------------------------------------ relaying
def test_reply_and_react_reach_tag_clients_and_plain_ones_get_the_bare_message(
    connect: Connect,
) -> None:
    alice = connect("alice", caps=TAG_CAPS)
    bob = connect("bob", caps=("message-tags",))
    carol = connect("carol")
    in_room(alice, bob, carol)
    said_, _, _ = converse(alice)
    parent = said_.tags["msgid"]
    got = [m for m in bob.sync() if m.command in ("PRIVMSG", "TAGMSG")]
    assert [(m.command, m.params[-1]) for m in got] == [
        ("PRIVMSG", "lunch at noon?"), ("PRIVMSG", "or one"), ("TAGMSG", "#room")]
    assert got[1].tags["+reply"] == got[1].tags["+draft/reply"] == parent
    assert got[2].tags["+draft/reply"] == parent and got[2].tags["+draft/react"] == THUMBS
    plain = carol.sync()
    assert [(m.command, m.params[-1]) for m in plain] == [
        ("PRIVMSG", "lunch at noon?"), ("PRIVMSG", "or one")]  # no TAGMSG at all
    assert all(m.tags == {} for m in plain)


def test_unreact_is_relayed_with_its_reply(connect: Connect) -> None:
    alice, bob = connect("alice", caps=TAG_CAPS), connect("bob", caps=("message-tags",))
    in_room(alice, bob)
    parent = echo(alice, "PRIVMSG #room :vote").tags["msgid"]
    echo(alice, f"@+draft/reply={parent};+draft/unreact={THUMBS} TAGMSG #room")
    got = bob.expect("TAGMSG")
    assert (got.tags["+draft/reply"], got.tags["+draft/unreact"]) == (parent, THUMBS)


def test_typing_is_relayed_and_never_in_history(connect: Connect) -> None:
    alice = connect("alice", caps=(*PLAYBACK_CAPS,))
    bob = connect("bob", caps=("message-tags",))
    in_room(alice, bob)
    for state in ("active", "paused", "done"):
        echo(alice, f"@+typing={state} TAGMSG #room")
        assert bob.expect("TAGMSG").tags["+typing"] == state
    echo(alice, "@+example.com/flag TAGMSG #room")  # other tag-only notes: of the moment too
    echo(alice, "PRIVMSG #room :typed")
    assert [m.command for m in history(alice, "CHATHISTORY LATEST #room * 10")] == ["PRIVMSG"]
    said(alice, "@+typing=active TAGMSG bob")
    assert [m.command for m in history(alice, "CHATHISTORY LATEST bob * 10")] == []


# ------------------------------------------------------------------ stored and replayed
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["restart", "kill-9"])
def test_replies_and_reactions_survive_a_restart_and_a_kill_9(
    start_server: StartServer, sig: int
) -> None:
    server = start_server()
    alice = IrcClient(server.port)
    alice.register("alice", caps=PLAYBACK_CAPS)
    said(alice, "JOIN #room")
    acknowledged = converse(alice)  # each echo: the server has stored it
    alice.close()
    server = restart(start_server, server, sig)
    alice = IrcClient(server.port)
    alice.register("alice", caps=PLAYBACK_CAPS)
    said(alice, "JOIN #room")
    replayed = history(alice, "CHATHISTORY LATEST #room * 10")

    def shown(m: Message) -> tuple[str, str, dict[str, str]]:
        return m.command, m.params[-1], {k: v for k, v in m.tags.items() if k != "batch"}

    assert [shown(m) for m in replayed] == [shown(m) for m in acknowledged]
    alice.close()


def test_without_event_playback_a_replay_has_only_messages_and_counts_them(
    connect: Connect,
) -> None:
    alice = connect("alice", caps=PLAYBACK_CAPS)
    plain = connect("plain", caps=HISTORY_CAPS)
    in_room(alice, plain)
    ids = [echo(alice, f"PRIVMSG #room :m{i}").tags["msgid"] for i in range(3)]
    for emoji in ("a", "b", "c", "d"):
        echo(alice, f"@+draft/reply={ids[2]};+draft/react={emoji} TAGMSG #room")
    full = history(alice, "CHATHISTORY LATEST #room * 4")
    assert [m.command for m in full] == ["TAGMSG"] * 4
    plain.sync()  # the live copies
    replay = history(plain, "CHATHISTORY LATEST #room * 3")
    assert [(m.command, m.params[-1]) for m in replay] == [
        ("PRIVMSG", "m0"), ("PRIVMSG", "m1"), ("PRIVMSG", "m2")]
    before = history(plain, "CHATHISTORY BEFORE #room timestamp=2100-01-01T00:00:00.000Z 1")
    assert [m.params[-1] for m in before] == ["m2"]
    after = history(plain, f"CHATHISTORY AFTER #room msgid={ids[1]} 5")
    assert [m.params[-1] for m in after] == ["m2"]
    no_tags = connect("notags", caps=("draft/chathistory", "batch", "draft/event-playback"))
    said(no_tags, "JOIN #room")
    assert [m.command for m in history(no_tags, "CHATHISTORY LATEST #room * 10")] == [
        "PRIVMSG"] * 3  # TAGMSG never goes to a client without message-tags


def test_caps_and_isupport_say_what_the_server_does(connect: Connect) -> None:
    client = connect()
    client.send("CAP LS 302")
    offered = client.expect("CAP").params[-1].split()
    assert "draft/event-playback" in offered
    client.send("CAP END")
    burst = client.register("alice")
    tokens = [p for m in only(burst, "005") for p in m.params[1:-1]]
    assert "CLIENTTAGDENY" in tokens  # empty: every client tag is relayed
    assert "UTF8ONLY" in tokens


# ------------------------------------------------------------------ refused values
@pytest.mark.parametrize(("tags", "tag"), [
    ("+draft/react=x", "+draft/react"),  # no reply to attach it to
    ("+draft/reply=abc;+draft/react=" + "x" * (MAX_REACTION_BYTES + 1), "+draft/react"),
    ("+draft/reply=abc;+draft/react", "+draft/react"),
    ("+draft/reply=abc;+draft/react=a;+draft/unreact=a", "+draft/unreact"),
    ("+reply", "+reply"),
    ("+reply=" + "m" * 65, "+reply"),
    ("+draft/reply=abc;+unreact=" + "\u00e9" * 33, "+unreact"),  # 66 bytes
])
def test_a_bad_reply_or_reaction_is_refused_whole_and_the_client_stays(
    connect: Connect, tags: str, tag: str
) -> None:
    alice = connect("alice", caps=(*PLAYBACK_CAPS,))
    bob = connect("bob", caps=("message-tags",))
    in_room(alice, bob)
    for command in ("TAGMSG #room", "PRIVMSG #room :hi"):
        fail = only(said(alice, f"@{tags} {command}"), "FAIL")
        assert [m.params[:3] for m in fail] == [(command.split()[0], "INVALID_TAG_VALUE", tag)]
    assert bob.sync() == []
    assert history(alice, "CHATHISTORY LATEST #room * 10") == []
    echo(alice, "PRIVMSG #room :still here")


KEYS = st.sampled_from(["+reply", "+draft/react", "+typing", "+a.example/x", "label", "time"])
VALUES = st.text(st.characters(blacklist_characters="\0", blacklist_categories=["Cs"]),
                 max_size=12)


@settings(max_examples=300, deadline=None)
@given(tags=st.dictionaries(KEYS, VALUES, max_size=5))
def test_relayed_client_tags_read_back_as_sent(tags: dict[str, str]) -> None:
    """As received (the raw section) or escaped again, the relayed text parses back to the
    message's client tags, and only those."""
    client_only = {k: v for k, v in tags.items() if k[0] == "+"}
    line = f"@{serialize_tags(tags)} PRIVMSG #a :x" if tags else "PRIVMSG #a :x"
    msg = parse(line)
    for wire in (relayed(msg.tags, msg.raw_tags), relayed(msg.tags)):
        assert (parse_tags(wire) if wire else {}) == client_only


def test_the_longest_reaction_and_msgid_pass() -> None:
    assert refusal({"+reply": "m" * 64, "+draft/react": "x" * MAX_REACTION_BYTES}) is None
    assert refusal({"+typing": "active", "+example.com/x": ""}) is None
    assert refusal({"+draft/reply": "a", "+draft/react": "\U0001f469\u200d\U0001f4bb"}) is None


# ------------------------------------------------------------------ account-tag
def test_account_tag_is_on_everything_a_logged_in_user_sends(start_server: StartServer) -> None:
    server = start_server()
    alice, bob = IrcClient(server.port), IrcClient(server.port)
    try:
        negotiate(alice, "alice")
        alice.send("REGISTER * * :correct horse battery")
        assert alice.expect("REGISTER").params[:2] == ("SUCCESS", "alice")
        finish(alice)
        alice.nick = "alice"
        negotiate(bob, "bob", ("account-tag", "away-notify", "setname", "server-time"))
        finish(bob)
        bob.nick = "bob"
        said(bob, "JOIN #room")
        said(alice, "JOIN #room")
        said(bob, "MODE #room +o alice")
        said(alice, "JOIN #other")
        bob.sync()
        for line in ("TOPIC #room :plans", "MODE #room +v bob", "AWAY :lunch", "AWAY",
                     "SETNAME :Alice A", "INVITE bob #other", "NICK alice2"):
            said(alice, line)
        got = said(bob, "JOIN #other")  # alice's lines came before bob's PONG
        for line in ("KICK #other bob :bye", "PRIVMSG #room :hi", "PART #room"):
            said(alice, line)
        got += bob.sync()
        seen = [m for m in got if m.source and m.source.startswith("alice")]
        assert [m.command for m in seen] == [
            "TOPIC", "MODE", "AWAY", "AWAY", "SETNAME", "INVITE", "NICK", "KICK", "PRIVMSG",
            "PART"]
        assert [m.tags.get("account") for m in seen] == ["alice"] * len(seen)
        joined = [m for m in bob.received if m.command == "JOIN" and m.params[0] == "#room"
                  and m.source and m.source.startswith("alice!")]
        assert joined[0].tags.get("account") == "alice"
    finally:
        alice.close()
        bob.close()


# ------------------------------------------------------------------ UTF8ONLY
def test_a_line_that_is_not_utf8_gets_fail_and_nobody_sees_it(connect: Connect) -> None:
    alice = connect("alice", caps=("labeled-response", "message-tags", "batch"))
    bob = connect("bob", caps=("message-tags",))
    in_room(alice, bob)
    alice.send_raw(b"PRIVMSG #room :caf\xe9 cr\xe8me\r\n")
    alice.send_raw(b"TOPIC #room :\xff\xfe\r\n")
    alice.send_raw(b"@label=q7 :alice PART #room :\xc3\r\n")
    alice.send_raw(b"PRIV\xffMSG #room :x\r\n")
    fails = alice.sync()
    assert [m.params[:2] for m in fails] == [
        ("PRIVMSG", "INVALID_UTF8"), ("TOPIC", "INVALID_UTF8"), ("PART", "INVALID_UTF8"),
        ("*", "INVALID_UTF8")]
    assert fails[0].params[2] == ("Message rejected, your IRC software MUST use UTF-8 "
                                  "encoding on this network")
    assert fails[2].tags.get("label") == "q7"  # the refusal answers the labeled line
    assert bob.sync() == []  # not a byte of it: no PRIVMSG, no TOPIC, no PART
    names = said(alice, "NAMES #room")
    assert "alice" in only(names, "353")[0].params[-1]  # still in the room, still connected


def test_a_tag_that_is_not_utf8_is_dropped_and_the_message_goes(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob", caps=("message-tags",))
    in_room(alice, bob)
    alice.send_raw(b"@+x=\xff\xfe;+ok=fine PRIVMSG #room :hello\r\n")
    got = bob.expect("PRIVMSG")
    assert got.params[-1] == "hello" and got.tags.get("+ok") == "fine" and "+x" not in got.tags
