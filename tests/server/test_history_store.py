"""The history store alone: ordering, retention by age and by count, private keys."""

from __future__ import annotations

from app.server.history import HistoryStore, format_ms, pair_key, parse_time


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
    assert pair_key("bob", "alice") == pair_key("alice", "bob") == "alice bob"
