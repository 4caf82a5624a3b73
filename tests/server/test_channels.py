"""Channels over a real socket: JOIN, PART, TOPIC, NAMES, LIST, KICK and INVITE."""

from __future__ import annotations

from collections.abc import Callable

from app.protocol.message import Message
from tests.server.test_registration import isupport
from tests.support import IrcClient, numerics, only, said

Connect = Callable[..., IrcClient]


def join(client: IrcClient, *channels: str, keys: str = "") -> list[Message]:
    """JOIN ``channels`` (with ``keys``) and return everything the client got for it."""
    return said(client, f"JOIN {','.join(channels)} {keys}".rstrip())


def setup_room(connect: Connect, *nicks: str, channel: str = "#room") -> list[IrcClient]:
    """Register ``nicks``, join them to ``channel`` in order (the first is op), drain them."""
    clients = [connect(nick) for nick in nicks]
    for client in clients:
        join(client, channel)
    for client in clients:
        client.sync()
    return clients


# ------------------------------------------------------------------ JOIN
def test_join_sends_join_then_names_and_the_first_member_is_op(connect: Connect) -> None:
    alice = connect("alice")
    got = join(alice, "#room")
    assert numerics(got) == ["JOIN", "353", "366"]
    assert got[0].source is not None and got[0].source.startswith("alice!")
    assert got[0].params == ("#room",)
    assert got[1].params == ("alice", "=", "#room", "@alice")
    assert got[2].params[:2] == ("alice", "#room")


def test_join_line_goes_to_every_member_including_the_joiner(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    bob = connect("bob")
    got = join(bob, "#room")
    assert numerics(got) == ["JOIN", "353", "366"]
    assert got[1].params[:3] == ("bob", "=", "#room")
    assert sorted(got[1].params[3].split()) == ["@alice", "bob"]
    seen = only(alice.sync(), "JOIN")
    assert len(seen) == 1 and seen[0].source == got[0].source and seen[0].params == ("#room",)


def test_join_with_a_topic_sends_332_and_333_before_names(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    said(alice, "TOPIC #room :Welcome to the room")
    bob = connect("bob")
    got = join(bob, "#room")
    assert numerics(got) == ["JOIN", "332", "333", "353", "366"]
    assert got[1].params == ("bob", "#room", "Welcome to the room")
    assert got[2].params[:2] == ("bob", "#room")
    assert got[2].params[2].startswith("alice") and got[2].params[3].isdigit()


def test_joining_a_channel_twice_does_nothing(connect: Connect) -> None:
    alice, bob = setup_room(connect, "alice", "bob")
    assert join(bob, "#room") == []
    assert alice.sync() == []


def test_join_list_uses_each_key_for_its_channel(connect: Connect) -> None:
    alice = connect("alice")
    join(alice, "#a", "#b")
    alice.send("MODE #a +k keya")
    said(alice, "MODE #b +k keyb")
    bob = connect("bob")
    got = join(bob, "#a", "#b", keys="keya,keyb")
    assert [m.params for m in only(got, "JOIN")] == [("#a",), ("#b",)]


def test_one_key_for_a_list_of_channels_opens_the_keyed_one(connect: Connect) -> None:
    alice = connect("alice")
    join(alice, "#keyed", "#open")
    said(alice, "MODE #keyed +k sesame")
    bob = connect("bob")
    got = join(bob, "#keyed", "#open", keys="sesame")
    assert [m.params for m in only(got, "JOIN")] == [("#keyed",), ("#open",)]


def test_a_lone_key_is_not_reused_for_later_channels(connect: Connect) -> None:
    # modern.ircdocs.horse JOIN: "JOIN #foo,&bar fubar ; join channel #foo using key
    # "fubar" and &bar using no key."
    alice = connect("alice")
    join(alice, "#first", "#second")
    alice.send("MODE #first +k sesame")
    said(alice, "MODE #second +k sesame")
    bob = connect("bob")
    got = join(bob, "#first", "#second", keys="sesame")
    assert [m.params for m in only(got, "JOIN")] == [("#first",)]
    assert only(got, "475")[0].params[:2] == ("bob", "#second")


def test_partly_invalid_join_list_answers_each_bad_name_and_joins_the_rest(
    connect: Connect,
) -> None:
    alice = connect("alice")
    too_long = "#" + "x" * 60
    got = join(alice, "#good", "nohash", too_long, "#also")
    assert numerics(got) == ["JOIN", "353", "366", "403", "476", "JOIN", "353", "366"]
    assert got[0].params == ("#good",) and got[5].params == ("#also",)
    assert got[3].params[:2] == ("alice", "nohash")
    assert got[4].params[:2] == ("alice", too_long)


def test_join_0_parts_every_channel(connect: Connect) -> None:
    alice = connect("alice")
    bob = connect("bob")
    for client in (alice, bob):
        join(client, "#a", "#b")
    alice.sync()
    parts = only(said(alice, "JOIN 0"), "PART")
    assert sorted(m.params[0] for m in parts) == ["#a", "#b"]
    seen = only(bob.sync(), "PART")
    assert sorted(m.params[0] for m in seen) == ["#a", "#b"]
    assert all(m.source is not None and m.source.startswith("alice!") for m in seen)


# ------------------------------------------------------------------ PART
def test_part_without_a_message_reaches_every_member(connect: Connect) -> None:
    alice, bob = setup_room(connect, "alice", "bob")
    mine = only(said(bob, "PART #room"), "PART")
    assert len(mine) == 1 and mine[0].params == ("#room",)
    theirs = only(alice.sync(), "PART")
    assert len(theirs) == 1 and theirs[0].params == ("#room",)
    assert theirs[0].source == mine[0].source


def test_part_with_a_message_carries_it_to_every_member(connect: Connect) -> None:
    alice, bob = setup_room(connect, "alice", "bob")
    assert only(said(bob, "PART #room :gone"), "PART")[0].params == ("#room", "gone")
    assert only(alice.sync(), "PART")[0].params == ("#room", "gone")


def test_part_of_a_channel_one_is_not_on_is_442(connect: Connect) -> None:
    setup_room(connect, "alice")
    bob = connect("bob")
    got = said(bob, "PART #room")
    assert numerics(got) == ["442"] and got[0].params[:2] == ("bob", "#room")


def test_part_of_a_missing_channel_is_403(connect: Connect) -> None:
    bob = connect("bob")
    got = said(bob, "PART #nowhere")
    assert numerics(got) == ["403"] and got[0].params[:2] == ("bob", "#nowhere")


def test_part_of_several_channels_parts_each_with_the_message(connect: Connect) -> None:
    alice = connect("alice")
    join(alice, "#a", "#b")
    assert [m.params for m in only(said(alice, "PART #a,#b :bye all"), "PART")] == [
        ("#a", "bye all"), ("#b", "bye all")
    ]


# ------------------------------------------------------------------ TOPIC
def test_topic_without_one_set_is_331(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    got = said(alice, "TOPIC #room")
    assert numerics(got) == ["331"] and got[0].params[:2] == ("alice", "#room")


def test_setting_the_topic_tells_everyone_and_query_gives_332_333(connect: Connect) -> None:
    alice, bob = setup_room(connect, "alice", "bob")
    alice.send("TOPIC #room :Release party on Friday")
    for client in (alice, bob):
        line = only(client.sync(), "TOPIC")
        assert len(line) == 1 and line[0].params == ("#room", "Release party on Friday")
        assert line[0].source is not None and line[0].source.startswith("alice!")
    got = said(bob, "TOPIC #room")
    assert numerics(got) == ["332", "333"]
    assert got[0].params == ("bob", "#room", "Release party on Friday")
    assert got[1].params[1] == "#room" and got[1].params[2].startswith("alice")


def test_an_empty_topic_clears_it(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    alice.send("TOPIC #room :something")
    lines = only(said(alice, "TOPIC #room :"), "TOPIC")
    assert lines[-1].params == ("#room", "")
    assert numerics(said(alice, "TOPIC #room")) == ["331"]


def test_topic_lock_needs_op_and_lifting_it_lets_members_set_it(connect: Connect) -> None:
    alice, bob = setup_room(connect, "alice", "bob")
    got = said(bob, "TOPIC #room :mine now")
    assert numerics(got) == ["482"] and got[0].params[:2] == ("bob", "#room")
    said(alice, "MODE #room -t")
    assert only(said(bob, "TOPIC #room :mine now"), "TOPIC")[0].params == ("#room", "mine now")


def test_setting_the_topic_of_a_channel_one_is_not_on_is_442(connect: Connect) -> None:
    setup_room(connect, "alice")
    bob = connect("bob")
    assert numerics(said(bob, "TOPIC #room :hijack")) == ["442"]


def test_topic_of_a_missing_channel_is_403(connect: Connect) -> None:
    bob = connect("bob")
    assert numerics(said(bob, "TOPIC #nowhere")) == ["403"]


# ------------------------------------------------------------------ NAMES
def test_names_lists_members_with_their_highest_prefix(connect: Connect) -> None:
    alice, bob = setup_room(connect, "alice", "bob")
    said(alice, "MODE #room +v alice")
    bob.sync()
    got = said(bob, "NAMES #room")
    assert numerics(got) == ["353", "366"]
    assert got[0].params[:3] == ("bob", "=", "#room")
    assert sorted(got[0].params[3].split()) == ["@alice", "bob"]
    assert got[1].params[:2] == ("bob", "#room")


def test_names_with_multi_prefix_shows_every_prefix(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    bob = connect("bob", caps=("multi-prefix",))
    join(bob, "#room")
    said(alice, "MODE #room +v alice")
    bob.sync()
    got = said(bob, "NAMES #room")
    assert sorted(got[0].params[3].split()) == ["@+alice", "bob"]


def test_names_with_userhost_in_names_gives_full_masks(connect: Connect) -> None:
    alice = connect("alice")
    alice_mask = join(alice, "#room")[0].source
    bob = connect("bob", caps=("userhost-in-names",))
    got = join(bob, "#room")
    bob_mask = got[0].source
    expected = sorted([f"@{alice_mask}", f"{bob_mask}"])
    assert sorted(got[1].params[3].split()) == expected
    assert sorted(said(bob, "NAMES #room")[0].params[3].split()) == expected


def test_names_of_a_secret_channel_uses_the_at_symbol(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    said(alice, "MODE #room +s")
    assert said(alice, "NAMES #room")[0].params[:3] == ("alice", "@", "#room")


def test_names_of_a_missing_or_hidden_channel_is_just_366(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    said(alice, "MODE #room +s")
    bob = connect("bob")
    for name in ("#nowhere", "#room"):
        bob.send(f"NAMES {name}")
        got = bob.sync()
        assert numerics(got) == ["366"] and got[0].params[:2] == ("bob", name)


def test_names_hides_invisible_users_from_outsiders(connect: Connect) -> None:
    alice, carol = setup_room(connect, "alice", "carol")
    said(alice, "MODE alice +i")
    bob = connect("bob")
    got = said(bob, "NAMES #room")
    assert numerics(got) == ["353", "366"] and got[0].params[3].split() == ["carol"]
    assert sorted(said(carol, "NAMES #room")[0].params[3].split()) == ["@alice", "carol"]


def test_names_without_a_channel_ends_with_366(connect: Connect) -> None:
    setup_room(connect, "alice")
    bob = connect("bob")
    got = said(bob, "NAMES")
    assert got and got[-1].command == "366"
    assert set(numerics(got)) <= {"353", "366"}



def test_names_of_two_channels_answers_each_in_turn(connect: Connect) -> None:
    alice, bob = setup_room(connect, "alice", "bob")
    join(bob, "#other")
    got = said(alice, "NAMES #room,#other")
    assert numerics(got) == ["353", "366", "353", "366"]
    assert [m.params[1:3] for m in got] == [
        ("=", "#room"), ("#room", "End of /NAMES list"), ("=", "#other"),
        ("#other", "End of /NAMES list")]
    assert got[0].params[3].split() == ["@alice", "bob"] and got[2].params[3] == "@bob"


# ------------------------------------------------------------------ LIST
def test_list_with_no_channels_is_just_start_and_end(connect: Connect) -> None:
    alice = connect("alice")
    assert numerics(said(alice, "LIST")) in (["321", "323"], ["323"])


def test_list_shows_each_channel_with_its_user_count_and_topic(connect: Connect) -> None:
    alice, bob = setup_room(connect, "alice", "bob")
    said(alice, "TOPIC #room :Friday plans")
    got = only(said(bob, "LIST"), "322")
    assert [m.params for m in got] == [("bob", "#room", "2", "Friday plans")]


def test_list_of_one_channel_shows_only_that_one(connect: Connect) -> None:
    alice = connect("alice")
    join(alice, "#a", "#b")
    got = said(alice, "LIST #b")
    assert [m.params[1] for m in only(got, "322")] == ["#b"]
    assert got[-1].command == "323"


def test_list_of_a_missing_channel_shows_nothing(connect: Connect) -> None:
    alice = connect("alice")
    assert numerics(said(alice, "LIST #nowhere")) in (["321", "323"], ["323"])


def test_list_hides_secret_channels_from_non_members(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    said(alice, "MODE #room +s")
    assert [m.params[1] for m in only(said(alice, "LIST"), "322")] == ["#room"]
    bob = connect("bob")
    assert only(said(bob, "LIST"), "322") == []


def test_list_elist_filters_by_user_count(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join(alice, "#big", "#small")
    join(bob, "#big")
    assert [m.params[1] for m in only(said(alice, "LIST >1"), "322")] == ["#big"]
    assert [m.params[1] for m in only(said(alice, "LIST <2"), "322")] == ["#small"]


# ------------------------------------------------------------------ KICK
def test_kick_with_a_comment_reaches_every_member(connect: Connect) -> None:
    alice, bob, carol = setup_room(connect, "alice", "bob", "carol")
    alice.send("KICK #room bob :too loud")
    for client in (alice, bob, carol):
        kicks = only(client.sync(), "KICK")
        assert len(kicks) == 1 and kicks[0].params == ("#room", "bob", "too loud")
        assert kicks[0].source is not None and kicks[0].source.startswith("alice!")
    assert sorted(said(carol, "NAMES #room")[0].params[3].split()) == ["@alice", "carol"]


def test_kick_without_a_comment_uses_a_default(connect: Connect) -> None:
    alice, bob = setup_room(connect, "alice", "bob")
    alice.send("KICK #room bob")
    alice.sync()  # handled before bob's PING: the KICK is in bob's stream before its PONG
    kick = only(bob.sync(), "KICK")[0]
    assert kick.params[:2] == ("#room", "bob") and len(kick.params) == 3 and kick.params[2]


def test_kick_several_targets_sends_one_kick_each(connect: Connect) -> None:
    alice, _, _ = setup_room(connect, "alice", "bob", "carol")
    kicks = only(said(alice, "KICK #room bob,carol :cleanup"), "KICK")
    assert [m.params for m in kicks] == [("#room", "bob", "cleanup"), ("#room", "carol", "cleanup")]


def test_kick_pairs_each_channel_with_its_nick(connect: Connect) -> None:
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    join(alice, "#a", "#b")
    join(bob, "#a", "#b")
    join(carol, "#b")
    for client in (alice, bob, carol):
        client.sync()
    kicks = only(said(alice, "KICK #a,#b bob,carol :bye"), "KICK")
    assert [m.params for m in kicks] == [("#a", "bob", "bye"), ("#b", "carol", "bye")]
    assert [m.params for m in only(bob.sync(), "KICK")] == [
        ("#a", "bob", "bye"), ("#b", "carol", "bye")]  # still on #b: sees carol go
    assert sorted(said(bob, "NAMES #b")[0].params[3].split()) == ["@alice", "bob"]


def test_kick_pairs_answer_each_channels_error_once(connect: Connect) -> None:
    alice, _ = setup_room(connect, "alice", "bob")
    join(connect("carol"), "#other")
    got = said(alice, "KICK #nowhere,#other,#nowhere,#room x,y,z,bob")
    assert numerics(got) == ["403", "442", "KICK"]
    assert got[0].params[1] == "#nowhere" and got[1].params[1] == "#other"
    assert got[2].params[:2] == ("#room", "bob")


def test_kick_with_unequal_channels_and_nicks_is_461_and_kicks_nobody(
    connect: Connect,
) -> None:
    alice, bob, _ = setup_room(connect, "alice", "bob", "carol")
    got = said(alice, "KICK #room,#room bob,carol,alice")
    assert numerics(got) == ["461"] and got[0].params[1] == "KICK"
    assert only(bob.sync(), "KICK") == []


def test_kick_drops_targets_past_targmax_silently(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    tokens = isupport(alice.received)["TARGMAX"] or ""
    targmax = dict(entry.split(":") for entry in tokens.split(","))
    assert targmax["KICK"] == "4"
    assert numerics(said(alice, "KICK #room n1,n2,n3,n4,n5")) == ["441"] * 4
    assert numerics(said(alice, "KICK #room,#room,#room,#room,#room n1,n2,n3,n4,n5")) == [
        "441"] * 4


def test_kick_needs_op_482(connect: Connect) -> None:
    alice, bob = setup_room(connect, "alice", "bob")
    got = said(bob, "KICK #room alice")
    assert numerics(got) == ["482"] and got[0].params[:2] == ("bob", "#room")
    assert numerics(said(bob, "KICK #room alice,bob")) == ["482"]  # once for the channel
    assert only(alice.sync(), "KICK") == []


def test_kick_errors_403_442_441(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    bob = connect("bob")
    assert numerics(said(bob, "KICK #nowhere alice")) == ["403"]
    assert numerics(said(bob, "KICK #room alice")) == ["442"]
    got = said(alice, "KICK #room bob")
    assert numerics(got) == ["441"] and got[0].params[:3] == ("alice", "bob", "#room")



def test_kicking_someone_who_already_left_is_441(connect: Connect) -> None:
    alice, bob, carol = setup_room(connect, "alice", "bob", "carol")
    assert [m.command for m in said(alice, "KICK #room bob")] == ["KICK"]
    got = said(alice, "KICK #room bob")
    assert numerics(got) == ["441"] and got[0].params[:3] == ("alice", "bob", "#room")
    said(carol, "PART #room")
    alice.sync()
    assert numerics(said(alice, "KICK #room carol,carol")) == ["441", "441"]
    join(bob, "#room")
    alice.sync()
    got = said(alice, "KICK #room bob,bob")  # the second one: already gone
    assert numerics(got) == ["KICK", "441"]
    bob.send("QUIT")
    bob.until_closed()
    got = said(alice, "KICK #room bob")  # left the server too
    assert numerics(got) == ["441"] and got[0].params[:3] == ("alice", "bob", "#room")


# ------------------------------------------------------------------ INVITE
def test_invite_answers_341_and_tells_only_the_target(connect: Connect) -> None:
    alice, carol = setup_room(connect, "alice", "carol")
    bob = connect("bob")
    got = said(alice, "INVITE bob #room")
    assert numerics(got) == ["341"] and got[0].params[:3] == ("alice", "bob", "#room")
    invite = bob.expect("INVITE")
    assert invite.params == ("bob", "#room")
    assert invite.source is not None and invite.source.startswith("alice!")
    assert only(carol.sync(), "INVITE") == []


def test_invite_by_a_non_member_is_442_and_to_a_member_is_443(connect: Connect) -> None:
    alice, _ = setup_room(connect, "alice", "carol")
    bob = connect("bob")
    assert numerics(said(bob, "INVITE carol #room")) == ["442"]
    got = said(alice, "INVITE carol #room")
    assert numerics(got) == ["443"] and got[0].params[:3] == ("alice", "carol", "#room")
    assert numerics(said(alice, "INVITE bob #nowhere")) == ["403"]


def test_invite_to_an_invite_only_channel_needs_op_482(connect: Connect) -> None:
    alice, carol = setup_room(connect, "alice", "carol")
    said(alice, "MODE #room +i")
    connect("bob")
    carol.sync()
    got = said(carol, "INVITE bob #room")
    assert numerics(got) == ["482"] and got[0].params[:2] == ("carol", "#room")


def test_invite_only_channel_needs_an_invite_and_the_invite_lets_in(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    said(alice, "MODE #room +i")
    bob = connect("bob")
    got = join(bob, "#room")
    assert numerics(got) == ["473"] and got[0].params[:2] == ("bob", "#room")
    said(alice, "INVITE bob #room")
    assert only(join(bob, "#room"), "JOIN")[0].params == ("#room",)


def test_an_invite_lets_the_target_past_the_user_limit(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    said(alice, "MODE #room +l 1")
    bob = connect("bob")
    assert numerics(join(bob, "#room")) == ["471"]
    said(alice, "INVITE bob #room")
    assert only(join(bob, "#room"), "JOIN")[0].params == ("#room",)
