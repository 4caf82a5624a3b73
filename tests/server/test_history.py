"""History and CHATHISTORY over real sockets: restarts, kill -9, each subcommand, FAIL codes,
and the bot and account tags of replayed messages."""

from __future__ import annotations

import signal
from collections.abc import Callable

from app.protocol.message import Message
from tests.conftest import StartServer
from tests.server.test_accounts import finish, negotiate, register_account, sasl_plain
from tests.support import IrcClient, ServerProcess, said

HISTORY_CAPS = ("draft/chathistory", "batch", "server-time", "message-tags", "echo-message")
Connect = Callable[..., IrcClient]


def history(client: IrcClient, line: str) -> list[Message]:
    """The messages inside the batch CHATHISTORY answers with (checking the batch frame)."""
    replies = said(client, line)
    assert replies[0].command == "BATCH" and replies[0].params[0].startswith("+"), replies
    ref = replies[0].params[0][1:]
    assert replies[-1].command == "BATCH" and replies[-1].params == (f"-{ref}",)
    inner = replies[1:-1]
    assert all(m.tags.get("batch") == ref for m in inner)
    return inner


def texts(messages: list[Message]) -> list[str]:
    return [m.params[-1] for m in messages]


def talk(client: IrcClient, count: int, room: str = "#room") -> list[Message]:
    """Send ``count`` numbered messages; returns their echoes (time and msgid as stored)."""
    echoes = []
    for i in range(count):
        client.send(f"PRIVMSG {room} :m{i}")
        echoes.append(client.expect("PRIVMSG", where=lambda m, i=i: m.params[-1] == f"m{i}"))
    return echoes


def test_each_subcommand_returns_the_spec_window(connect: Connect) -> None:
    alice = connect("alice", caps=HISTORY_CAPS)
    said(alice, "JOIN #room")
    echoes = talk(alice, 10)
    ids = [m.tags["msgid"] for m in echoes]
    assert texts(history(alice, "CHATHISTORY LATEST #room * 3")) == ["m7", "m8", "m9"]
    assert texts(history(alice, f"CHATHISTORY LATEST #room msgid={ids[7]} 10")) == ["m8", "m9"]
    assert texts(history(alice, f"CHATHISTORY BEFORE #room msgid={ids[5]} 2")) == ["m3", "m4"]
    assert texts(history(alice, f"CHATHISTORY AFTER #room msgid={ids[5]} 2")) == ["m6", "m7"]
    assert texts(history(alice, f"CHATHISTORY AROUND #room msgid={ids[5]} 3")) == [
        "m4", "m5", "m6"]
    assert texts(history(alice, f"CHATHISTORY BETWEEN #room msgid={ids[2]} msgid={ids[6]} 10")
                 ) == ["m3", "m4", "m5"]
    assert texts(history(alice, f"CHATHISTORY BETWEEN #room msgid={ids[6]} msgid={ids[2]} 2")
                 ) == ["m4", "m5"]
    early, late = "timestamp=2000-01-01T00:00:00.000Z", "timestamp=2100-01-01T00:00:00.000Z"
    assert texts(history(alice, f"CHATHISTORY AFTER #room {early} 2")) == ["m0", "m1"]
    assert texts(history(alice, f"CHATHISTORY BEFORE #room {late} 2")) == ["m8", "m9"]
    assert texts(history(alice, f"CHATHISTORY BETWEEN #room {early} msgid={ids[2]} 10")) == [
        "m0", "m1"]


def test_replayed_messages_keep_their_original_time_and_msgid(connect: Connect) -> None:
    alice = connect("alice", caps=HISTORY_CAPS)
    said(alice, "JOIN #room")
    (live,) = talk(alice, 1)
    (replayed,) = history(alice, "CHATHISTORY LATEST #room * 1")
    assert replayed.tags["time"] == live.tags["time"]
    assert replayed.tags["msgid"] == live.tags["msgid"]
    assert replayed.source == live.source and replayed.params == live.params


def shown(messages: list[Message]) -> list[tuple[str, dict[str, str]]]:
    """Each message's command and tags, but ``batch`` (a replay's references differ)."""
    return [(m.command, {k: v for k, v in m.tags.items() if k != "batch"}) for m in messages]


def test_replays_carry_the_bot_and_account_tags_of_the_live_message(
    start_server: StartServer,
) -> None:
    """bot-mode: the tag "SHOULD be added by the server to all commands sent by a bot", and
    a replayed one was sent by a bot; account-tag: whom its sender was logged in as then."""
    server = start_server()
    register_account(server, "Kim", "kim password")
    tagged = (*HISTORY_CAPS, "account-tag", "draft/multiline")
    kim = IrcClient(server.port)
    negotiate(kim, "Kim", (*tagged, "sasl"))
    assert sasl_plain(kim, "Kim", "kim password").command == "903"
    finish(kim)
    robo, alice, carol = IrcClient(server.port), IrcClient(server.port), IrcClient(server.port)
    robo.register("robo", caps=tagged)
    alice.register("alice", caps=tagged)
    carol.register("carol", caps=("draft/chathistory", "batch", "server-time"))
    said(robo, "MODE robo +B")
    for client in (kim, robo, alice, carol):
        said(client, "JOIN #room")
    for client in (kim, robo, alice, carol):
        client.sync()
    said(kim, "PRIVMSG #room :hi")
    said(robo, "PRIVMSG #room :beep")
    said(robo, "BATCH +ml draft/multiline #room\r\n@batch=ml PRIVMSG #room :two\r\n"
               "@batch=ml PRIVMSG #room :lines\r\nBATCH -ml")
    said(robo, "PRIVMSG alice :psst")
    live = alice.sync()
    assert [m.command for m in live] == ["PRIVMSG", "PRIVMSG", "BATCH", "PRIVMSG", "PRIVMSG",
                                         "BATCH", "PRIVMSG"]
    assert live[0].tags["account"] == "Kim" and "bot" not in live[0].tags
    assert "bot" in live[1].tags and "account" not in live[1].tags
    assert "bot" in live[2].tags and "bot" in live[6].tags
    replayed = said(alice, "CHATHISTORY LATEST #room * 10")[1:-1]  # inside its batch
    assert shown(replayed) == shown(live[:6])
    assert shown(history(alice, "CHATHISTORY LATEST robo * 10")) == shown(live[6:])
    carol.sync()
    for message in history(carol, "CHATHISTORY LATEST #room * 10"):  # neither cap
        assert "bot" not in message.tags and "account" not in message.tags
    for client in (kim, robo, alice, carol):
        client.close()


def test_bad_requests_get_the_fail_codes(connect: Connect) -> None:
    alice, bob = connect("alice", caps=HISTORY_CAPS), connect("bob", caps=HISTORY_CAPS)
    said(alice, "JOIN #private")

    def fail(line: str) -> tuple[str, ...]:
        (reply,) = said(bob, line)
        assert reply.command == "FAIL" and reply.params[0] == "CHATHISTORY"
        return reply.params[1:-1]

    assert fail("CHATHISTORY") == ("NEED_MORE_PARAMS",)
    assert fail("CHATHISTORY LATEST #private") == ("NEED_MORE_PARAMS", "LATEST")
    assert fail("CHATHISTORY FROBNICATE #x * 10") == ("UNKNOWN_COMMAND", "FROBNICATE")
    assert fail("CHATHISTORY LATEST #private * 10") == ("INVALID_TARGET", "LATEST", "#private")
    said(bob, "JOIN #open")
    assert fail("CHATHISTORY LATEST #open * zero") == ("INVALID_PARAMS", "LATEST", "zero")
    assert fail("CHATHISTORY BEFORE #open msgid=nope 10") == ("INVALID_PARAMS", "BEFORE",
                                                              "msgid=nope")
    assert fail("CHATHISTORY AFTER #open when=now 10") == ("INVALID_PARAMS", "AFTER", "when=now")


def test_private_history_goes_only_to_its_two_parties(connect: Connect) -> None:
    alice, bob = connect("alice", caps=HISTORY_CAPS), connect("bob", caps=HISTORY_CAPS)
    carol = connect("carol", caps=HISTORY_CAPS)
    alice.send("PRIVMSG bob :just between us")
    bob.expect("PRIVMSG")
    alice.expect("PRIVMSG")  # the echo
    assert texts(history(bob, "CHATHISTORY LATEST alice * 10")) == ["just between us"]
    assert texts(history(alice, "CHATHISTORY LATEST BOB * 10")) == ["just between us"]
    assert history(carol, "CHATHISTORY LATEST bob * 10") == []
    assert history(carol, "CHATHISTORY LATEST alice * 10") == []


def test_targets_lists_conversations_with_their_latest_time(connect: Connect) -> None:
    alice = connect("alice", caps=HISTORY_CAPS)
    connect("bob")
    said(alice, "JOIN #room")
    first = talk(alice, 1)[0].tags["time"]
    alice.send("PRIVMSG bob :hi")
    last = alice.expect("PRIVMSG").tags["time"]
    replies = said(alice, "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z "
                          "timestamp=2100-01-01T00:00:00.000Z 10")
    assert replies[0].params[1] == "draft/chathistory-targets"
    listed = [(m.params[1], m.params[2]) for m in replies[1:-1]]
    assert listed == [("#room", f"timestamp={first}"), ("bob", f"timestamp={last}")]


def restart(start_server: StartServer, server: ServerProcess, sig: int) -> ServerProcess:
    data_dir = server.stderr_path.parent
    server.stop(sig)
    return start_server(data_dir=data_dir)


def test_history_survives_a_restart(start_server: StartServer) -> None:
    server = start_server()
    alice = IrcClient(server.port)
    alice.register("alice", caps=HISTORY_CAPS)
    said(alice, "JOIN #room")
    before = talk(alice, 1)
    alice.close()
    server = restart(start_server, server, signal.SIGTERM)
    alice = IrcClient(server.port)
    alice.register("alice", caps=HISTORY_CAPS)
    said(alice, "JOIN #room")
    after = talk(alice, 2)
    replayed = history(alice, "CHATHISTORY LATEST #room * 10")
    assert [m.tags["msgid"] for m in replayed] == [m.tags["msgid"] for m in before + after]
    alice.close()


def test_kill_9_after_the_echo_loses_nothing(start_server: StartServer) -> None:
    server = start_server()
    alice = IrcClient(server.port)
    alice.register("alice", caps=HISTORY_CAPS)
    said(alice, "JOIN #room")
    acknowledged = talk(alice, 5)  # each echo is the server saying it has the message
    alice.close()
    server = restart(start_server, server, signal.SIGKILL)
    alice = IrcClient(server.port)
    alice.register("alice", caps=HISTORY_CAPS)
    said(alice, "JOIN #room")
    replayed = history(alice, "CHATHISTORY LATEST #room * 10")
    assert [(m.tags["msgid"], m.tags["time"]) for m in replayed] == [
        (m.tags["msgid"], m.tags["time"]) for m in acknowledged]
    alice.close()
