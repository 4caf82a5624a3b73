"""Channels keep their topic and modes beside the history (channels.sqlite3): across a
restart of the server, and while nobody is in them. Member prefixes are not kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.server.channel_store import ChannelStore
from app.server.config import FloodPolicy, ServerConfig
from app.server.core import ServerCore
from app.server.state import Channel, ListEntry
from tests.conftest import StartServer
from tests.server.test_core import Recorder
from tests.support import IrcClient


def test_a_restarted_server_keeps_topic_modes_key_limit_and_bans(
    start_server: StartServer, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    server = start_server(data_dir=folder)
    alice = IrcClient(server.port)
    alice.register("alice")
    alice.send("JOIN #Room")
    alice.expect("366")
    alice.send("TOPIC #Room :Friday lunch — where shall we go?")
    set_topic = alice.expect("TOPIC")
    alice.send("MODE #Room +mk-n sesame")
    alice.send("MODE #Room +l 12")
    alice.send("MODE #Room +b mallory!*@*")
    alice.send("MODE #Room")
    before = alice.expect("329")  # the creation time comes after 324
    alice.close()
    assert server.stop() == 0

    again = start_server(data_dir=folder)
    outsider = IrcClient(again.port)
    outsider.register("carol")
    outsider.send("JOIN #room")  # the kept key holds for the first joiner too
    assert outsider.expect("475").params[1] == "#Room"
    bob = IrcClient(again.port)
    bob.register("bob")
    bob.send("JOIN #room sesame")
    topic = bob.expect("332")
    assert topic.params[1:] == ("#Room", "Friday lunch — where shall we go?")
    who = bob.expect("333")
    assert who.params[2] == set_topic.source and who.params[2].startswith("alice!")
    assert int(who.params[3]) > 0
    names = bob.expect("353")
    assert names.params[-1].split() == ["@bob"]  # the first in is its operator, as ever
    bob.send("MODE #room")
    modes = bob.expect("324")
    assert modes.params[1:] == ("#Room", "+mtkl", "sesame", "12")
    assert bob.expect("329").params[2] == before.params[2]  # created when it first was
    bob.send("MODE #room b")
    ban = bob.expect("367")
    assert ban.params[2:4] == ("mallory!*@*", "alice")
    bob.close()
    outsider.close()
    assert again.stop() == 0


def test_a_channel_back_to_the_defaults_leaves_no_row(tmp_path: Path) -> None:
    path = tmp_path / "channels.sqlite3"
    store = ChannelStore(path)
    channel = Channel("#a", 100)
    channel.topic, channel.topic_by, channel.topic_at = "hello", "x!y@z", 200
    store.save(channel)
    channel.topic = ""
    channel.modes.add("s")
    channel.lists["I"].append(ListEntry("friend!*@*", "x", 300))
    store.save(channel)
    store.close()
    store = ChannelStore(path)
    kept = store.restore("#A")
    assert kept is not None and kept.name == "#a" and kept.members == {}
    assert (kept.topic, kept.modes, kept.created) == ("", {"n", "s", "t"}, 100)
    assert kept.lists == {"b": [], "e": [], "I": [ListEntry("friend!*@*", "x", 300)]}
    kept.modes.discard("s")
    kept.lists["I"].clear()
    store.save(kept)
    store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM channels").fetchone() == (0,)
    db.close()
    assert ChannelStore(path).restore("#a") is None


def test_an_emptied_channel_keeps_its_topic_for_the_next_to_join() -> None:
    core = ServerCore(ServerConfig(name="core.test", flood=FloodPolicy(enabled=False)))
    first, second = Recorder(), Recorder()
    alice = core.connect("127.0.0.1", first.write, first.close)
    for line in (b"NICK alice\r\n", b"USER a 0 * :A\r\n", b"JOIN #c\r\n",
                 b"TOPIC #c :kept while empty\r\n", b"PART #c\r\n"):
        core.receive(alice, line)
    assert core.find_channel("#c") is None  # gone from memory: nobody is in it
    bob = core.connect("127.0.0.1", second.write, second.close)
    for line in (b"NICK bob\r\n", b"USER b 0 * :B\r\n", b"JOIN #c\r\n"):
        core.receive(bob, line)
    said = second.lines()
    assert any(" 332 bob #c :kept while empty" in line for line in said), said
    assert any(" 353 bob = #c :@bob" in line for line in said), said
