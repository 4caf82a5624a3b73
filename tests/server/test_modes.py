"""Channel and user modes over a real socket: MODE replies, errors and their effects."""

from __future__ import annotations

from collections.abc import Callable

from app.protocol.message import Message
from app.server.commands.welcome import MAXLIST
from tests.conftest import StartServer
from tests.support import IrcClient, numerics, only

Connect = Callable[..., IrcClient]


def join(client: IrcClient, channel: str = "#room", key: str = "") -> list[Message]:
    client.send(f"JOIN {channel} {key}".rstrip())
    return client.sync()


def setup_room(connect: Connect, *nicks: str) -> list[IrcClient]:
    """Register ``nicks`` and join them to #room in order (the first is op), then drain."""
    clients = [connect(nick) for nick in nicks]
    for client in clients:
        join(client)
    for client in clients:
        client.sync()
    return clients


def mode(client: IrcClient, line: str) -> list[Message]:
    client.send(f"MODE {line}")
    return client.sync()


def channel_modes(client: IrcClient, channel: str = "#room") -> tuple[str, ...]:
    """The 324 parameters after the channel name: ``("+nt",)`` or ``("+ntk", "key")``."""
    return only(mode(client, channel), "324")[0].params[2:]


# ------------------------------------------------------------------ query
def test_mode_query_gives_324_and_329(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    got = mode(alice, "#room")
    assert numerics(got) == ["324", "329"]
    assert got[0].params[:2] == ("alice", "#room")
    assert sorted(got[0].params[2]) == sorted("+nt")
    assert got[1].params[:2] == ("alice", "#room") and got[1].params[2].isdigit()


def test_mode_query_of_a_missing_channel_is_403(connect: Connect) -> None:
    alice = connect("alice")
    got = mode(alice, "#nowhere")
    assert numerics(got) == ["403"] and got[0].params[:2] == ("alice", "#nowhere")


# ------------------------------------------------------------------ +o +v
def test_op_and_voice_are_announced_to_every_member(connect: Connect) -> None:
    alice, bob = setup_room(connect, "alice", "bob")
    alice.send("MODE #room +o bob")
    alice.send("MODE #room +v bob")
    for client in (alice, bob):
        lines = only(client.sync(), "MODE")
        assert [m.params for m in lines] == [("#room", "+o", "bob"), ("#room", "+v", "bob")]
    bob.send("NAMES #room")
    assert sorted(bob.sync()[0].params[3].split()) == ["@alice", "@bob"]


def test_op_by_a_member_without_privilege_is_482(connect: Connect) -> None:
    alice, bob = setup_room(connect, "alice", "bob")
    got = mode(bob, "#room +o bob")
    assert numerics(got) == ["482"] and got[0].params[:2] == ("bob", "#room")
    assert only(alice.sync(), "MODE") == []


def test_op_by_a_non_member_is_refused(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    bob = connect("bob")
    got = mode(bob, "#room +o bob")
    # The checklist asks for 482; irctest also accepts 442 here.
    assert len(got) == 1 and got[0].command in ("482", "442")
    assert only(alice.sync(), "MODE") == []


def test_op_for_someone_not_on_the_channel_is_441(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    connect("bob")
    got = mode(alice, "#room +o bob")
    assert numerics(got) == ["441"] and got[0].params[:3] == ("alice", "bob", "#room")


def test_op_for_a_missing_nick_is_401(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    got = mode(alice, "#room +v nobody")
    assert numerics(got) == ["401"] and got[0].params[:2] == ("alice", "nobody")


def test_op_on_a_missing_channel_is_403(connect: Connect) -> None:
    alice = connect("alice")
    assert numerics(mode(alice, "#nowhere +o alice")) == ["403"]


# ------------------------------------------------------------------ +b +e +I
def test_ban_blocks_join_with_474(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    lines = only(mode(alice, "#room +b bob"), "MODE")
    assert [m.params for m in lines] == [("#room", "+b", "bob!*@*")]
    bob = connect("bob")
    got = join(bob)
    assert numerics(got) == ["474"] and got[0].params[:2] == ("bob", "#room")


def test_ban_silences_a_member_already_on_the_channel(connect: Connect) -> None:
    alice, bob = setup_room(connect, "alice", "bob")
    mode(alice, "#room +b bob!*@*")
    bob.sync()
    bob.send("PRIVMSG #room :can you hear me")
    got = bob.sync()
    assert numerics(got) == ["404"] and got[0].params[:2] == ("bob", "#room")
    assert only(alice.sync(), "PRIVMSG") == []


def test_ban_list_shows_every_mask_and_removal_empties_it(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    lines = only(mode(alice, "#room +bb one!*@* two!*@*"), "MODE")
    assert [m.params for m in lines] == [("#room", "+bb", "one!*@*", "two!*@*")]
    got = mode(alice, "#room +b")
    assert numerics(got) == ["367", "367", "368"]
    assert [m.params[:3] for m in got[:2]] == [
        ("alice", "#room", "one!*@*"), ("alice", "#room", "two!*@*")
    ]
    assert got[2].params[:2] == ("alice", "#room")
    lines = only(mode(alice, "#room -b one!*@*"), "MODE")
    assert [m.params for m in lines] == [("#room", "-b", "one!*@*")]
    assert numerics(mode(alice, "#room +b")) == ["367", "368"]


def test_ban_exception_lets_a_banned_user_in(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    mode(alice, "#room +b *!*@*")
    mode(alice, "#room +e bob!*@*")
    got = mode(alice, "#room +e")
    assert numerics(got) == ["348", "349"]
    assert got[0].params[:3] == ("alice", "#room", "bob!*@*")
    bob, carol = connect("bob"), connect("carol")
    assert only(join(bob), "JOIN")[0].params == ("#room",)
    assert numerics(join(carol)) == ["474"]


def test_invite_exception_lets_matching_users_into_an_invite_only_channel(
    connect: Connect,
) -> None:
    alice, = setup_room(connect, "alice")
    lines = only(mode(alice, "#room +II bob!*@* dave!*@*"), "MODE")
    assert [m.params for m in lines] == [("#room", "+II", "bob!*@*", "dave!*@*")]
    got = mode(alice, "#room +I")
    assert numerics(got) == ["346", "346", "347"]
    assert [m.params[2] for m in got[:2]] == ["bob!*@*", "dave!*@*"]
    mode(alice, "#room +i")
    bob, carol = connect("bob"), connect("carol")
    assert only(join(bob), "JOIN")[0].params == ("#room",)
    assert numerics(join(carol)) == ["473"]
    mode(alice, "#room -I dave!*@*")
    assert numerics(mode(alice, "#room +I")) == ["346", "347"]


def test_invite_exception_without_invite_only_keeps_the_channel_open(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    mode(alice, "#room +I bob!*@*")
    carol = connect("carol")
    assert only(join(carol), "JOIN")[0].params == ("#room",)


def test_a_full_list_refuses_the_next_mask_with_478(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    isupport = " ".join(" ".join(m.params) for m in alice.received if m.command == "005")
    assert f"MAXLIST=beI:{MAXLIST}" in isupport.split()
    bans = MAXLIST - 3
    for first in range(0, bans, 4):  # four masks per MODE (MODES=4)
        masks = [f"b{n}!*@*" for n in range(first, min(first + 4, bans))]
        mode(alice, f"#room +{'b' * len(masks)} {' '.join(masks)}")
    mode(alice, "#room +ee e1!*@* e2!*@*")  # one entry left: the limit is for b, e and I together
    got = mode(alice, "#room +II i1!*@* i2!*@*")
    assert [m.params for m in only(got, "MODE")] == [("#room", "+I", "i1!*@*")]
    assert [m.params for m in only(got, "478")] == [
        ("alice", "#room", "I", "Channel list is full")
    ]
    assert [m.params for m in only(mode(alice, "#room +b late!*@*"), "478")] == [
        ("alice", "#room", "b", "Channel list is full")
    ]
    assert len(only(mode(alice, "#room +b"), "367")) == bans
    assert numerics(mode(alice, "#room +I")) == ["346", "347"]
    mode(alice, "#room -b b0!*@*")  # a free entry again
    assert [m.params for m in only(mode(alice, "#room +I i2!*@*"), "MODE")] == [
        ("#room", "+I", "i2!*@*")
    ]


# ------------------------------------------------------------------ +k
def test_key_is_needed_to_join_475(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    assert [m.params for m in only(mode(alice, "#room +k sesame"), "MODE")] == [
        ("#room", "+k", "sesame")
    ]
    bob = connect("bob")
    for key in ("", "wrong"):
        got = join(bob, key=key)
        assert numerics(got) == ["475"] and got[0].params[:2] == ("bob", "#room")
    assert only(join(bob, key="sesame"), "JOIN")[0].params == ("#room",)


def test_empty_key_or_key_with_spaces_is_refused(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    for bad in ("", "two words"):
        got = mode(alice, f"#room +k :{bad}")
        assert only(got, "MODE") == []
        assert set(numerics(got)) <= {"696", "525"}
    assert "k" not in channel_modes(alice)[0]
    bob = connect("bob")
    assert only(join(bob), "JOIN")[0].params == ("#room",)



def test_a_too_long_key_is_refused_with_696(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    long_key = "k" * 24  # RFC 2812: 1 to 23 characters
    got = mode(alice, f"#room +k {long_key}")
    assert only(got, "MODE") == []
    (refusal,) = got
    assert refusal.command == "696"  # <client> <target> <mode char> <parameter> :<text>
    assert refusal.params[:4] == ("alice", "#room", "k", long_key) and refusal.params[4]
    assert "k" not in channel_modes(alice)[0]
    assert only(mode(alice, f"#room +k {long_key[:23]}"), "MODE")[0].params == (
        "#room", "+k", long_key[:23])


# ------------------------------------------------------------------ +l
def test_limit_turns_away_joiners_when_full_471(connect: Connect) -> None:
    alice, _ = setup_room(connect, "alice", "bob")
    assert [m.params for m in only(mode(alice, "#room +l 2"), "MODE")] == [
        ("#room", "+l", "2")
    ]
    carol = connect("carol")
    got = join(carol)
    assert numerics(got) == ["471"] and got[0].params[:2] == ("carol", "#room")
    assert channel_modes(alice)[-1] == "2"


def test_limit_can_be_raised_lowered_and_removed(connect: Connect) -> None:
    alice, _ = setup_room(connect, "alice", "bob")
    mode(alice, "#room +l 2")
    carol, dave = connect("carol"), connect("dave")
    assert numerics(join(carol)) == ["471"]
    mode(alice, "#room +l 3")
    assert only(join(carol), "JOIN")
    # Lowering below the member count is allowed; it only stops new joins.
    assert [m.params for m in only(mode(alice, "#room +l 1"), "MODE")] == [
        ("#room", "+l", "1")
    ]
    assert numerics(join(dave)) == ["471"]
    assert [m.params for m in only(mode(alice, "#room -l"), "MODE")] == [("#room", "-l")]
    assert only(join(dave), "JOIN")


def test_invalid_limits_are_refused_with_696(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    for bad in ("abc", "0", "-5"):
        got = mode(alice, f"#room +l {bad}")
        assert numerics(got) == ["696"]
        assert got[0].params[:3] == ("alice", "#room", "l")
    assert "l" not in channel_modes(alice)[0]


def test_limit_counts_drop_when_members_part(connect: Connect) -> None:
    alice, bob = setup_room(connect, "alice", "bob")
    mode(alice, "#room +l 2")
    carol = connect("carol")
    assert numerics(join(carol)) == ["471"]
    bob.send("PART #room")
    bob.sync()
    assert only(join(carol), "JOIN")


# ------------------------------------------------------------------ +m +n +s +i
def test_moderated_channel_lets_only_voiced_and_ops_speak(connect: Connect) -> None:
    alice, bob, carol = setup_room(connect, "alice", "bob", "carol")
    mode(alice, "#room +m")
    mode(alice, "#room +v carol")
    for client in (bob, carol):
        client.sync()
    bob.send("PRIVMSG #room :hello?")
    got = bob.sync()
    assert numerics(got) == ["404"] and got[0].params[:2] == ("bob", "#room")
    carol.send("PRIVMSG #room :voiced hello")
    carol.sync()
    alice.send("PRIVMSG #room :op hello")
    alice.sync()
    texts = [m.params[1] for m in only(bob.sync(), "PRIVMSG")]
    assert texts == ["voiced hello", "op hello"]


def test_no_external_messages_gives_outsiders_404(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    bob = connect("bob")
    bob.send("PRIVMSG #room :from outside")
    got = bob.sync()
    assert numerics(got) == ["404"] and got[0].params[:2] == ("bob", "#room")
    assert only(alice.sync(), "PRIVMSG") == []
    mode(alice, "#room -n")
    bob.send("PRIVMSG #room :from outside")
    bob.sync()
    assert [m.params for m in only(alice.sync(), "PRIVMSG")] == [("#room", "from outside")]


def test_secret_channel_is_hidden_from_list_and_whois_of_outsiders(connect: Connect) -> None:
    alice, bob = setup_room(connect, "alice", "bob")
    mode(alice, "#room +s")
    carol = connect("carol")
    carol.send("LIST")
    assert only(carol.sync(), "322") == []
    carol.send("WHOIS alice")
    assert all("#room" not in m.params[-1] for m in only(carol.sync(), "319"))
    bob.sync()
    bob.send("WHOIS alice")
    assert "@#room" in only(bob.sync(), "319")[0].params[-1].split()


def test_invite_only_channel_refuses_joins_473(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    assert [m.params for m in only(mode(alice, "#room +i"), "MODE")] == [("#room", "+i")]
    bob = connect("bob")
    got = join(bob)
    assert numerics(got) == ["473"] and got[0].params[:2] == ("bob", "#room")


def test_topic_lock_can_be_set_and_lifted(connect: Connect) -> None:
    alice, bob = setup_room(connect, "alice", "bob")
    assert [m.params for m in only(mode(alice, "#room -t"), "MODE")] == [("#room", "-t")]
    assert "t" not in channel_modes(alice)[0]
    assert [m.params for m in only(mode(alice, "#room +t"), "MODE")] == [("#room", "+t")]
    bob.sync()
    bob.send("TOPIC #room :nope")
    assert numerics(bob.sync()) == ["482"]


def test_unknown_channel_mode_letter_is_472(connect: Connect) -> None:
    alice, = setup_room(connect, "alice")
    got = mode(alice, "#room +Z")
    assert numerics(got) == ["472"] and got[0].params[:2] == ("alice", "Z")


# ------------------------------------------------------------------ user modes
def test_mode_of_another_nick_is_502(connect: Connect) -> None:
    alice = connect("alice")
    connect("bob")
    for line in ("bob", "bob +i"):
        got = mode(alice, line)
        assert numerics(got) == ["502"] and got[0].params[0] == "alice"


def test_user_mode_invisible_and_221(connect: Connect) -> None:
    alice = connect("alice")
    got = mode(alice, "alice +i")
    assert [(m.command, m.params) for m in got] == [("MODE", ("alice", "+i"))]
    got = mode(alice, "alice")
    assert numerics(got) == ["221"] and got[0].params[:2] == ("alice", "+i")
    assert only(mode(alice, "alice -i"), "MODE")[0].params == ("alice", "-i")
    assert "i" not in mode(alice, "alice")[0].params[1]


def test_user_mode_o_cannot_be_set_with_mode(connect: Connect) -> None:
    alice = connect("alice")
    assert only(mode(alice, "alice +o"), "MODE") == []
    assert "o" not in mode(alice, "alice")[0].params[1]


def test_oper_gives_user_mode_o(start_server: StartServer) -> None:
    server = start_server("--oper", "admin:secret")
    alice = IrcClient(server.port)
    alice.register("alice")
    alice.send("OPER admin secret")
    got = alice.sync()
    assert "381" in numerics(got)
    assert ("alice", "+o") in [m.params for m in only(got, "MODE")]
    assert "o" in mode(alice, "alice")[0].params[1]
    alice.close()
