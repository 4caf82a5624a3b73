"""The history store alone: ordering, retention by age and by count, private keys."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.server.history import HistoryStore, format_ms, parse_time, view_key


def test_retention_by_count_keeps_the_newest_per_room() -> None:
    store = HistoryStore(max_per_target=3)
    for i in range(5):
        store.add(f"a{i}", "#a", 1000 + i, f":x PRIVMSG #a :{i}")
        store.add(f"b{i}", "#b", 1000 + i, f":x PRIVMSG #b :{i}")
    assert store.prune(2000) == 4
    assert [m.msgid for m in store.latest("#a", 10)] == ["a2", "a3", "a4"]
    assert [m.msgid for m in store.latest("#b", 10)] == ["b2", "b3", "b4"]


def test_retention_by_age_drops_old_messages() -> None:
    store = HistoryStore(max_age_days=1)
    day = 86_400_000
    store.add("old", "#a", 10 * day, ":x PRIVMSG #a :old")
    store.add("new", "#a", 12 * day, ":x PRIVMSG #a :new")
    assert store.prune(12 * day + 5) == 1
    assert [m.msgid for m in store.latest("#a", 10)] == ["new"]


def test_a_msgid_is_stored_once_and_times_round_trip() -> None:
    store = HistoryStore()
    store.add("x", "#a", 5, ":x PRIVMSG #a :one")
    store.add("x", "#a", 6, ":x PRIVMSG #a :again")
    assert [m.line for m in store.latest("#a", 10)] == [":x PRIVMSG #a :one"]
    stamp = "2026-11-24T22:12:46.123Z"
    ms = parse_time(stamp)
    assert ms is not None and format_ms(ms) == stamp
    assert parse_time("yesterday") is None


def test_a_private_message_is_in_each_partys_view_and_views_move_or_go() -> None:
    store = HistoryStore()
    for key in (view_key("@gina", "frank"), view_key("~run.7", "gina")):
        store.add("m1", key, 5, ":gina!u@h PRIVMSG frank :hi")
    assert len(store.latest("@gina frank", 10)) == len(store.latest("~run.7 gina", 10)) == 1
    assert store.latest("@gin frank", 10) == [] and store.latest("@ginax frank", 10) == []
    targets = store.targets(["#none"], "@gina", 0, 10, 10)
    assert targets == [("@gina frank", 5)]
    store.move_views("~run.7", "@frank")  # the guest logged in
    assert [m.msgid for m in store.latest("@frank gina", 10)] == ["m1"]
    assert store.latest("~run.7 gina", 10) == []
    store.add("m2", view_key("~run.8", "gina"), 6, ":x PRIVMSG gina :guest")
    store.forget_guests()
    assert store.latest("~run.8 gina", 10) == [] and len(store.latest("@gina frank", 10)) == 1
    store.forget_views("@gina")
    assert store.latest("@gina frank", 10) == []


def test_a_file_of_before_views_is_upgraded_and_keeps_its_rooms(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE messages (seq INTEGER PRIMARY KEY, msgid TEXT NOT NULL UNIQUE, target "
        "TEXT NOT NULL, ms INTEGER NOT NULL, line TEXT NOT NULL, tags TEXT NOT NULL);"
        "CREATE INDEX messages_by_target ON messages (target, ms, seq);"
        "INSERT INTO messages VALUES (1, 'c1', '#room', 5, ':a PRIVMSG #room :kept', '');"
        "INSERT INTO messages VALUES (2, 'p1', 'frank gina', 6, ':a PRIVMSG gina :x', '');"
    )
    old.commit()
    old.close()
    store = HistoryStore(path)
    assert [m.line for m in store.latest("#room", 10)] == [":a PRIVMSG #room :kept"]
    store.add("p2", "@gina frank", 7, ":a PRIVMSG frank :y")
    store.add("p2", "@frank gina", 7, ":a PRIVMSG frank :y")  # the same msgid, both views
    assert len(store.latest("@frank gina", 10)) == len(store.latest("@gina frank", 10)) == 1
    store.close()
    assert HistoryStore(path).latest("#room", 10)[0].msgid == "c1"  # upgraded once


@pytest.mark.parametrize("sender", [True, False], ids=["with-sender", "before-sender"])
def test_a_file_of_before_the_account_and_bot_columns_opens_and_gets_them(
    tmp_path: Path, sender: bool
) -> None:
    path = tmp_path / "history.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE messages (seq INTEGER PRIMARY KEY, msgid TEXT NOT NULL, target TEXT NOT "
        "NULL, ms INTEGER NOT NULL, line TEXT NOT NULL, tags TEXT NOT NULL"
        + (", sender TEXT NOT NULL DEFAULT ''" if sender else "") + ", UNIQUE (msgid, target));"
        "CREATE INDEX messages_by_target ON messages (target, ms, seq);"
        "INSERT INTO messages (msgid, target, ms, line, tags) "
        "VALUES ('c1', '#room', 5, ':a!u@h PRIVMSG #room :kept', '');"
    )
    old.commit()
    old.close()
    store = HistoryStore(path)
    store.add("c2", "#room", 6, ":b!u@h PRIVMSG #room :beep", "+draft/reply=c1",
              sender="@bob", account="Bob", bot=True)
    store.close()
    store = HistoryStore(path)  # upgraded once: opens as any file of this version
    kept, new = store.latest("#room", 10)
    assert (kept.msgid, kept.line, kept.account, kept.bot) == (
        "c1", ":a!u@h PRIVMSG #room :kept", "", False)  # replayed without the tags
    assert (new.msgid, new.tags, new.account, new.bot) == ("c2", "+draft/reply=c1", "Bob", True)
    assert store.sent_by("#room", "c2") == (6, "@bob")
    store.close()


def test_a_renamed_channels_messages_move_with_their_lines(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "history.sqlite3")
    store.add("a", "#old", 5, ":x!u@h PRIVMSG #Old :hello #old")
    store.add("b", "#old", 6, ":x!u@h TAGMSG #old")
    store.add("c", "#other", 7, ":x!u@h PRIVMSG #other :stays")
    store.autocommit = False
    store.add("d", "#old", 8, ":x!u@h NOTICE #old :still queued")
    store.move_channel("#old", "#new", "#New")
    assert store.latest("#old", 10) == []
    assert [m.line for m in store.latest("#new", 10)] == [
        ":x!u@h PRIVMSG #New :hello #old", ":x!u@h TAGMSG #New", ":x!u@h NOTICE #New :still queued"]
    assert [m.line for m in store.latest("#other", 10)] == [":x!u@h PRIVMSG #other :stays"]
    store.close()
    assert [m.msgid for m in HistoryStore(tmp_path / "history.sqlite3").latest("#new", 10)] == [
        "a", "b", "d"]


def test_targets_count_the_limit_from_the_first_timestamp() -> None:
    store = HistoryStore()
    for i, key in enumerate(["#a", "@me b", "#c", "@me d", "#a"]):
        store.add(f"m{i}", key, 100 + i, f":x PRIVMSG {key[-1]} :{i}")
    everything = [("@me b", 101), ("#c", 102), ("@me d", 103), ("#a", 104)]
    assert store.targets(["#a", "#c"], "@me", 0, 1000, 10) == everything
    assert store.targets(["#a", "#c"], "@me", 0, 1000, 2) == everything[:2]
    assert store.targets(["#a", "#c"], "@me", 1000, 0, 2) == everything[2:]
    assert store.targets(["#a", "#c"], "@me", 100, 104, 10) == [
        ("@me b", 101), ("#c", 102), ("@me d", 103)]  # both ends excluded
    assert store.targets(["#c"], None, 0, 1000, 10) == [("#c", 102)]
