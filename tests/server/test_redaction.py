"""REDACT (draft/message-redaction) over real sockets: who may redact what, who hears of
it, and that the message is gone from CHATHISTORY, across a restart and a kill -9 too; the
window, old history files and a fuzz of the parameters on the sans-IO core."""

from __future__ import annotations

import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.protocol.message import Message
from app.server.commands.redaction import WINDOW_S
from app.server.config import ServerConfig
from app.server.core import ServerCore
from app.server.history import SCHEMA, HistoryStore
from app.server.state import Client
from app.server.storage import repair
from tests.conftest import StartServer
from tests.server.test_accounts import finish, negotiate, register_account, sasl_plain
from tests.server.test_core import Recorder
from tests.server.test_data_files import damage_pages, middle_leaves
from tests.server.test_history import history, restart
from tests.support import IrcClient, ServerProcess, in_room, only, said

PLAIN = ("message-tags", "echo-message", "server-time", "draft/chathistory", "batch",
         "draft/event-playback")  # event-playback: reactions (TAGMSG) are replayed too
CAPS = ("draft/message-redaction", *PLAIN)
Connect = Callable[..., IrcClient]


def send(client: IrcClient, line: str) -> Message:
    """Send a message with echo-message; its echo (the msgid and time it is stored with)."""
    client.send(line)
    command = next(word for word in line.split() if word[0] != "@")
    return client.expect(command, where=lambda m: m.source.startswith(client.nick + "!"))


def fails(client: IrcClient, line: str) -> tuple[str, ...]:
    """The FAIL ``line`` got (its parameters), checking nothing else came."""
    replies = said(client, line)
    assert [m.command for m in replies] == ["FAIL"], replies
    return replies[0].params


def latest(client: IrcClient, target: str) -> list[str]:
    """The msgids CHATHISTORY LATEST gives for ``target`` (what came before is skipped)."""
    client.sync()
    return [m.tags["msgid"] for m in history(client, f"CHATHISTORY LATEST {target} * 50")]


def test_own_message_redacted_reaches_members_with_the_cap_and_leaves_history(
    connect: Connect,
) -> None:
    alice, bob, carol = connect("alice", caps=CAPS), connect("bob", caps=CAPS), connect(
        "carol", caps=PLAIN)
    in_room(alice, bob, carol)
    kept = send(alice, "PRIVMSG #room :kept")
    oops = send(alice, "PRIVMSG #room :oops")
    reaction = send(bob, f"@+draft/react=x;+draft/reply={oops.tags['msgid']} TAGMSG #room")
    for other in (alice, bob, carol):
        other.sync()
    redacted = said(alice, f"REDACT #room {oops.tags['msgid']} :wrong room")
    assert [m.command for m in redacted] == ["REDACT"]
    seen = bob.expect("REDACT")
    for got in (redacted[0], seen):
        assert got.source.startswith("alice!")
        assert got.params == ("#room", oops.tags["msgid"], "wrong room")
        assert got.tags["msgid"] not in (oops.tags["msgid"], kept.tags["msgid"])
        assert "time" in got.tags
    assert only(carol.sync(), "REDACT") == []  # without the cap: nothing
    remaining = latest(carol, "#room")
    assert remaining == [kept.tags["msgid"], reaction.tags["msgid"]]  # a reaction may stay
    assert latest(bob, "#room") == remaining
    # a reaction (a TAGMSG) is a message like any other: its sender redacts it, no reason
    assert [m.params for m in only(said(bob, f"REDACT #room {reaction.tags['msgid']}"),
                                   "REDACT")] == [("#room", reaction.tags["msgid"])]
    assert alice.expect("REDACT").params == ("#room", reaction.tags["msgid"])
    assert latest(alice, "#room") == [kept.tags["msgid"]]


def test_an_operator_redacts_anothers_message_a_member_may_not(connect: Connect) -> None:
    alice, bob, carol = (connect(nick, caps=CAPS) for nick in ("alice", "bob", "carol"))
    in_room(alice, bob, carol)  # alice, the first, is the operator
    spam = send(bob, "PRIVMSG #room :join my network")
    hello = send(alice, "PRIVMSG #room :hello")
    for client in (alice, bob, carol):
        client.sync()
    assert fails(carol, f"REDACT #room {spam.tags['msgid']} :not mine") == (
        "REDACT", "REDACT_FORBIDDEN", "#room", spam.tags["msgid"],
        "You are not authorised to delete this message")
    assert fails(bob, f"REDACT #room {hello.tags['msgid']}")[1] == "REDACT_FORBIDDEN"
    assert spam.tags["msgid"] in latest(carol, "#room")
    said(alice, f"REDACT #room {spam.tags['msgid']} spam")
    got = bob.expect("REDACT")
    assert got.source.startswith("alice!") and got.params[1:] == (spam.tags["msgid"], "spam")
    assert latest(carol, "#room") == [hello.tags["msgid"]]


def test_unknown_foreign_and_invalid_targets_fail_with_the_spec_codes(connect: Connect) -> None:
    alice, bob = connect("alice", caps=CAPS), connect("bob", caps=CAPS)
    in_room(alice, bob)
    in_room(alice, bob, channel="#other")
    elsewhere = send(alice, "PRIVMSG #other :said in #other")
    private = send(alice, "PRIVMSG bob :just for bob")
    assert fails(alice, "REDACT #room nosuchmsgid") == (
        "REDACT", "UNKNOWN_MSGID", "#room", "nosuchmsgid",
        "This message does not exist or is too old")
    # a msgid of another channel, or of a private message, is not #room's
    assert fails(alice, f"REDACT #room {elsewhere.tags['msgid']}")[1] == "UNKNOWN_MSGID"
    assert fails(alice, f"REDACT #room {private.tags['msgid']}")[1] == "UNKNOWN_MSGID"
    assert fails(alice, f"REDACT carol {private.tags['msgid']}")[1] == "UNKNOWN_MSGID"
    said(alice, "PART #other")
    assert fails(alice, f"REDACT #other {elsewhere.tags['msgid']}")[:3] == (
        "REDACT", "INVALID_TARGET", "#other")  # not on it any more
    assert fails(alice, "REDACT #nowhere abc")[1:3] == ("INVALID_TARGET", "#nowhere")
    assert fails(alice, "REDACT bad,nick abc")[1] == "INVALID_TARGET"
    assert [m.command for m in said(alice, "REDACT #room")] == ["461"]
    assert elsewhere.tags["msgid"] in latest(bob, "#other")


def logged_in(server: ServerProcess, nick: str, account: str, password: str,
              caps: tuple[str, ...] = CAPS) -> IrcClient:
    client = IrcClient(server.port)
    negotiate(client, nick, ("sasl", *caps))
    assert sasl_plain(client, account, password).command == "903"
    finish(client)
    client.nick = nick
    return client


def test_a_private_redaction_reaches_both_parties_and_every_connection_of_the_account(
    start_server: StartServer,
) -> None:
    server = start_server()
    register_account(server, "alice", "wonderland")
    alice = logged_in(server, "alice", "alice", "wonderland")
    phone = logged_in(server, "alice_phone", "alice", "wonderland")
    bob = IrcClient(server.port)
    bob.register("bob", caps=CAPS)
    carol = IrcClient(server.port)
    carol.register("carol", caps=CAPS)
    try:
        message = send(alice, "PRIVMSG bob :meant for carol")
        bob.expect("PRIVMSG")
        msgid = message.tags["msgid"]
        assert latest(phone, "bob") == [msgid]  # the account's view, on its other connection
        assert fails(bob, f"REDACT alice {msgid}")[1] == "REDACT_FORBIDDEN"  # not bob's
        said(alice, f"REDACT bob {msgid} :wrong window")
        for client in (bob, phone):
            got = client.expect("REDACT")
            assert got.source.startswith("alice!")
            assert got.params == ("bob", msgid, "wrong window")
        assert only(carol.sync(), "REDACT") == []
        assert latest(bob, "alice") == latest(phone, "bob") == latest(alice, "bob") == []
    finally:
        for client in (alice, phone, bob, carol):
            client.close()


def test_a_nick_taken_over_cannot_redact_its_earlier_holders_messages(
    connect: Connect,
) -> None:
    bob = connect("bob", caps=CAPS)
    first = connect("alice", caps=CAPS)
    in_room(bob, first)  # bob is the operator
    said_before = send(first, "PRIVMSG #room :mine")
    first.send("QUIT")
    first.until_closed()
    second = connect("alice", caps=CAPS)
    in_room(second)
    assert fails(second, f"REDACT #room {said_before.tags['msgid']}")[1] == "REDACT_FORBIDDEN"
    assert said_before.tags["msgid"] in latest(bob, "#room")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_redaction_survives_a_restart_and_a_kill_9(start_server: StartServer,
                                                     sig: int) -> None:
    server = start_server()
    alice = IrcClient(server.port)
    alice.register("alice", caps=CAPS)
    said(alice, "JOIN #room")
    echoes = [send(alice, f"PRIVMSG #room :m{i}") for i in range(3)]
    alice.send(f"REDACT #room {echoes[1].tags['msgid']}")
    alice.expect("REDACT")  # the server saying the message is gone
    alice.close()
    server = restart(start_server, server, sig)
    alice = IrcClient(server.port)
    alice.register("alice", caps=CAPS)
    said(alice, "JOIN #room")
    assert latest(alice, "#room") == [echoes[0].tags["msgid"], echoes[2].tags["msgid"]]
    alice.close()


# ------------------------------------------------------------------ on the core
class WallClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def core_client(core: ServerCore, nick: str, *lines: str) -> tuple[Client, Recorder]:
    rec = Recorder()
    client = core.connect("10.0.0.1", rec.write, rec.close)
    script = ("CAP REQ :draft/message-redaction message-tags echo-message", f"NICK {nick}",
              "USER u 0 * :R", "CAP END", "JOIN #c", *lines)
    core.receive(client, "".join(f"{line}\r\n" for line in script).encode())
    rec.chunks.clear()
    return client, rec


def echo_msgid(rec: Recorder) -> str:
    line = next(line for line in reversed(rec.lines()) if " PRIVMSG " in line)
    return line.split("msgid=")[1].split(" ")[0].split(";")[0]


def test_own_messages_for_a_day_operators_always() -> None:
    clock = WallClock()
    core = ServerCore(ServerConfig(name="core.test"), wall_clock=clock)
    op, op_rec = core_client(core, "op")
    member, rec = core_client(core, "member")
    core.receive(member, b"PRIVMSG #c :one\r\nPRIVMSG #c :two\r\n")
    two = echo_msgid(rec)
    core.receive(member, b"PRIVMSG #c :three\r\n")
    three = echo_msgid(rec)
    clock.now += WINDOW_S - 1
    core.receive(member, f"REDACT #c {two}\r\n".encode())
    assert rec.lines()[-1].endswith(f"REDACT #c {two}")
    clock.now += 2
    rec.chunks.clear()
    core.receive(member, f"REDACT #c {three}\r\n".encode())
    assert rec.lines() == [f":core.test FAIL REDACT REDACT_WINDOW_EXPIRED #c {three} "
                           f"{WINDOW_S} :You can no longer edit this message"]
    core.receive(op, f"REDACT #c {three} :old spam\r\n".encode())
    assert op_rec.lines()[-1].endswith(f"REDACT #c {three} :old spam")
    assert [m.line for m in core.history.latest("#c", 10)] == [
        ":member!~u@10.0.0.1 PRIVMSG #c :one"]


WORDS = st.sampled_from(["#c", "#d", "member", "op", "*", "", ":", "#", "a b", "msgid=x",
                         "\u00e9", "x" * 60])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(WORDS, st.text(max_size=16)), max_size=4))
def test_fuzzed_redacts_never_crash_and_never_delete_what_they_may_not(
    params: list[str],
) -> None:
    core = ServerCore(ServerConfig(name="core.test"))
    core_client(core, "op", "PRIVMSG #c :the op's")
    member, rec = core_client(core, "member")
    core.receive(member, b"PRIVMSG #c :the member's\r\n")
    stored = core.history.latest("#c", 10)
    rec.chunks.clear()
    line = " ".join(["REDACT", *params]).replace("\r", " ").replace("\n", " ")
    core.receive(member, line.encode("utf-8", "surrogatepass") + b"\r\n")
    assert not member.closed and not rec.closed
    left = core.history.latest("#c", 10)
    assert stored[0] in left  # the op's message: never the member's to delete
    assert len(left) >= len(stored) - 1
    for reply in b"".join(rec.chunks).decode().split("\r\n")[:-1]:  # \x1e is no line end
        words = reply.split(" ")[1 if reply[0] == "@" else 0:]
        assert words[1] in ("FAIL", "REDACT", "461", "400"), reply  # 400: a NUL


# ------------------------------------------------------------------ older files
OLD_SCHEMA = (  # history.sqlite3 as written before messages had a sender
    "CREATE TABLE messages (seq INTEGER PRIMARY KEY, msgid TEXT NOT NULL, target TEXT NOT "
    "NULL, ms INTEGER NOT NULL, line TEXT NOT NULL, tags TEXT NOT NULL, UNIQUE (msgid, target));"
    "CREATE INDEX messages_by_target ON messages (target, ms, seq);"
)


def old_file(path: Path, rows: int) -> None:
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.executemany("INSERT INTO messages (msgid, target, ms, line, tags) VALUES (?,?,?,?,'')",
                   [(f"m{n:05d}", "#room", n, f":a!u@h PRIVMSG #room :{n:05d} " + "x" * 80)
                    for n in range(rows)])
    db.commit()
    db.close()


def test_an_old_file_gets_the_sender_column_and_its_messages_are_nobodys_own(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite3"
    old_file(path, 3)
    store = HistoryStore(path)
    assert store.sent_by("#room", "m00001") == (1, "")  # only an operator may redact it
    store.add("new", "#room", 10, ":b!u@h PRIVMSG #room :new", sender="@bob")
    assert store.sent_by("#room", "new") == (10, "@bob")
    assert store.redact("m00001", target="#room") == ["#room"]
    assert [m.msgid for m in store.latest("#room", 10)] == ["m00000", "m00002", "new"]
    store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM read_markers").fetchone() == (0,)
    db.close()


def test_repair_of_a_damaged_old_file_keeps_its_messages_without_a_sender(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite3"
    old_file(path, 3000)
    damage_pages(path, middle_leaves(path, 2))
    result = repair(path, SCHEMA, "history")
    assert result.ok, result.text
    store = HistoryStore(path)
    kept = store.latest("#room", 5000)
    assert 2000 < len(kept) < 3000
    assert store.sent_by("#room", kept[0].msgid) == (kept[0].ms, "")
    store.close()


def test_when_sqlite_fails_the_message_stays_and_the_redacter_is_told(tmp_path: Path) -> None:
    core = ServerCore(ServerConfig(name="core.test", data_dir=tmp_path))
    try:
        member, rec = core_client(core, "member")
        core.receive(member, b"PRIVMSG #c :still here\r\n")
        msgid = echo_msgid(rec)
        rec.chunks.clear()
        core.history.database.set_authorizer(
            lambda action, *_: sqlite3.SQLITE_DENY if action == sqlite3.SQLITE_DELETE
            else sqlite3.SQLITE_OK)
        core.receive(member, f"REDACT #c {msgid}\r\n".encode())
        assert rec.lines() == [f":core.test FAIL REDACT REDACT_FORBIDDEN #c {msgid} "
                               ":History is unavailable right now"]
        core.history.database.set_authorizer(None)
        assert [m.msgid for m in core.history.latest("#c", 10)] == [msgid]
        core.receive(member, f"REDACT #c {msgid}\r\n".encode())  # works again
        assert core.history.latest("#c", 10) == []
    finally:
        core.shutdown()
