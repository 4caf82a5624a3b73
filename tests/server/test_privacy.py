"""Whose is a private conversation, and who may act as a registered nick: history belongs to
accounts (or, for a guest, to that very connection), never to whoever takes the nick later;
someone on a registered nick cannot talk before logging in; a stranger's wrong guesses never
lock the owner out. Real server processes and raw clients on 127.0.0.1 (127.0.0.2 … are
other hosts on the loopback)."""

from __future__ import annotations

import pytest

from app.protocol.message import Message
from tests.conftest import StartServer
from tests.server.test_accounts import finish, first, negotiate, register_account, sasl_plain
from tests.support import IrcClient, ServerProcess, only, said

CAPS = ("sasl", "server-time", "message-tags", "batch", "draft/chathistory", "echo-message",
        "draft/account-registration")


def texts(client: IrcClient, line: str) -> list[str]:
    """The texts of the PRIVMSGs that ``line`` (a CHATHISTORY query) answers with."""
    return [m.params[-1] for m in only(said(client, line), "PRIVMSG")]


def targets(client: IrcClient) -> list[str]:
    found = said(client, "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z "
                         "timestamp=2100-01-01T00:00:00.000Z 100")
    return [m.params[1] for m in found if m.command == "CHATHISTORY"]


def guest(server: ServerProcess, nick: str) -> IrcClient:
    client = IrcClient(server.port)
    client.register(nick, caps=CAPS)
    return client


def logged_in(server: ServerProcess, nick: str, password: str, account: str = "") -> IrcClient:
    client = IrcClient(server.port)
    negotiate(client, nick, CAPS)
    assert sasl_plain(client, account or nick, password).command == "903"
    finish(client)
    client.nick = nick
    return client


def talk(a: IrcClient, b: IrcClient) -> None:
    """a and b say one line each to the other."""
    for speaker, hearer in ((a, b), (b, a)):
        speaker.send(f"PRIVMSG {hearer.nick} :{speaker.nick} to {hearer.nick}")
        hearer.expect("PRIVMSG", where=lambda m, s=speaker: m.source.startswith(s.nick + "!"))
        speaker.sync()


def quit_(client: IrcClient) -> None:
    client.send("QUIT")
    client.until_closed()
    client.close()


def test_a_guests_conversation_is_not_given_to_the_next_to_take_the_nick(
    start_server: StartServer,
) -> None:
    server = start_server()
    gina, frank = guest(server, "gina"), guest(server, "frank")
    talk(gina, frank)
    both = ["gina to frank", "frank to gina"]
    assert texts(gina, "CHATHISTORY LATEST frank * 100") == both  # this very connection
    quit_(gina)
    taker = guest(server, "gina")  # a stranger, the moment the nick is free
    renamer = guest(server, "someone")
    try:
        assert texts(taker, "CHATHISTORY LATEST frank * 100") == []
        assert texts(taker, "CHATHISTORY BEFORE frank timestamp=2100-01-01T00:00:00.000Z 100") == []
        assert targets(taker) == []
        quit_(taker)
        said(renamer, "NICK gina")  # taking it by a rename gives nothing either
        assert texts(renamer, "CHATHISTORY LATEST frank * 100") == []
        assert targets(renamer) == []
        assert texts(frank, "CHATHISTORY LATEST gina * 100") == both  # frank's own view
    finally:
        renamer.close()
        frank.close()


def test_an_accounts_conversation_is_its_own_and_no_impostor_reads_or_talks(
    start_server: StartServer,
) -> None:
    server = start_server("--nick-protect", "30")
    register_account(server, "gina", "gina password")
    gina, frank = logged_in(server, "gina", "gina password"), guest(server, "frank")
    talk(gina, frank)
    quit_(gina)
    impostor = guest(server, "gina")  # on the registered nick, in its grace period
    witness = guest(server, "witness")
    try:
        said(witness, "JOIN #room")
        assert texts(impostor, "CHATHISTORY LATEST frank * 100") == []
        around = "CHATHISTORY AROUND frank timestamp=2000-01-01T00:00:00.000Z 100"
        assert texts(impostor, around) == []
        assert targets(impostor) == []
        for line in ("PRIVMSG #room :I am gina, send me money", "PRIVMSG frank :it's gina",
                     "NOTICE frank :gina here", "@+typing=active TAGMSG frank", "JOIN #room",
                     "TOPIC #room :gina's room", "AWAY :gina is away"):
            refused = only(said(impostor, line), "477")
            assert refused and "log in" in refused[0].params[-1], line
        assert only(witness.sync(), "PRIVMSG") == [] and only(frank.sync(), "PRIVMSG") == []
        owner = logged_in(server, "gina_", "gina password", "gina")  # gina, on another nick
        assert texts(owner, "CHATHISTORY LATEST frank * 100") == ["gina to frank",
                                                                 "frank to gina"]
        assert targets(owner) == ["frank"]
        owner.close()
    finally:
        impostor.close()
        witness.close()
        frank.close()


def test_an_impostor_in_the_grace_period_cannot_speak_in_a_multiline_batch_or_redact(
    start_server: StartServer,
) -> None:
    server = start_server("--nick-protect", "30")
    register_account(server, "gina", "gina password")
    witness = guest(server, "witness")
    impostor = IrcClient(server.port)
    impostor.register("gina", caps=(*CAPS, "draft/multiline"))  # in its grace period
    try:
        said(witness, "JOIN #room")
        for target in ("#room", "witness"):
            for line in (f"BATCH +b1 draft/multiline {target}",
                         f"@batch=b1 PRIVMSG {target} :I am gina",
                         f"@batch=b1 PRIVMSG {target} :send me money"):
                impostor.send(line)
            answer = said(impostor, "BATCH -b1")
            fail = only(answer, "FAIL")
            assert fail and fail[0].params[:2] == ("BATCH", "MULTILINE_INVALID"), answer
            assert "log in" in fail[0].params[-1]
        for line in ("REDACT #room abc :oops", "RENAME #room #gina :mine now"):
            refused = only(said(impostor, line), "477")
            assert refused and "log in" in refused[0].params[-1], line
        assert only(witness.sync(), "PRIVMSG") == [] and only(witness.sync(), "BATCH") == []
        assert texts(witness, "CHATHISTORY LATEST #room * 100") == []
    finally:
        impostor.close()
        witness.close()


def test_a_guest_who_logs_in_keeps_what_this_connection_said(start_server: StartServer) -> None:
    server = start_server()
    register_account(server, "hal", "hal password")
    hal, ida = guest(server, "hal_"), guest(server, "ida")
    try:
        talk(hal, ida)
        assert sasl_plain(hal, "hal", "hal password").command == "903"
        assert texts(hal, "CHATHISTORY LATEST ida * 100") == ["hal_ to ida", "ida to hal_"]
        quit_(hal)
        again = logged_in(server, "hal", "hal password")  # another connection, same account
        assert texts(again, "CHATHISTORY LATEST ida * 100") == ["hal_ to ida", "ida to hal_"]
        again.close()
    finally:
        ida.close()


def test_private_history_survives_a_restart_for_accounts_only(
    start_server: StartServer,
) -> None:
    server = start_server()
    data_dir = server.stderr_path.parent
    register_account(server, "jo", "jo password")
    jo, kim = logged_in(server, "jo", "jo password"), guest(server, "kim")
    talk(jo, kim)
    jo.close()
    kim.close()
    server.stop()
    again = ServerProcess.start(data_dir=data_dir)
    try:
        jo = logged_in(again, "jo", "jo password")
        kim = guest(again, "kim")
        assert texts(jo, "CHATHISTORY LATEST kim * 100") == ["jo to kim", "kim to jo"]
        assert texts(kim, "CHATHISTORY LATEST jo * 100") == []  # a new kim: not the old one
        jo.close()
        kim.close()
    finally:
        again.stop()


def test_strict_nicks_refuse_a_registered_nick_to_whoever_has_not_logged_in(
    start_server: StartServer,
) -> None:
    server = start_server("--strict-nicks")
    register_account(server, "lea", "lea password")
    stranger = IrcClient(server.port)
    other = guest(server, "max")
    try:
        stranger.send("NICK lea")
        stranger.send("USER u 0 * :Not Lea")
        refused = stranger.expect("433")
        assert refused.params[1] == "lea" and "registered account" in refused.params[-1]
        stranger.send("NICK notlea")  # picks another: registration goes on
        stranger.expect("001")
        assert only(said(other, "NICK lea"), "433")  # nor by a rename
        owner = logged_in(server, "lea", "lea password")  # the owner is welcome
        owner.close()
    finally:
        stranger.close()
        other.close()


def test_the_owner_logs_in_after_a_strangers_hundred_wrong_guesses(
    start_server: StartServer,
) -> None:
    server = start_server()
    register_account(server, "nina", "nina password")
    stranger = IrcClient(server.port, source="127.0.0.2")
    try:
        negotiate(stranger, "guesser", CAPS)
        answers: list[Message] = [sasl_plain(stranger, "nina", f"guess {i}") for i in range(100)]
        assert all(a.command == "904" for a in answers)
        assert "try again in" in answers[-1].params[-1]  # the stranger's address waits
        late = sasl_plain(stranger, "nina", "nina password")  # even guessing right, from there
        assert late.command == "904" and "try again in" in late.params[-1]
        owner = logged_in(server, "nina", "nina password")  # from her own address: at once
        owner.close()
        elsewhere = IrcClient(server.port, source="127.0.0.3")  # any other address too
        negotiate(elsewhere, "nina", CAPS)
        assert sasl_plain(elsewhere, "nina", "nina password").command == "903"
        elsewhere.close()
    finally:
        stranger.close()


@pytest.mark.parametrize("caps", [CAPS, ()])
def test_what_a_guest_receives_on_a_registered_nick_is_not_kept_for_its_owner(
    start_server: StartServer, caps: tuple[str, ...]
) -> None:
    server = start_server()
    register_account(server, "olga", "olga password")
    impostor = IrcClient(server.port)
    impostor.register("olga", caps=caps)
    pal = guest(server, "pal")
    try:
        pal.send("PRIVMSG olga :meant for olga")  # live delivery goes to whoever is olga
        impostor.expect("PRIVMSG")
        owner = logged_in(server, "olga_", "olga password", "olga")
        assert texts(owner, "CHATHISTORY LATEST pal * 100") == []  # it was not said to her
        owner.close()
    finally:
        impostor.close()
        pal.close()


def register_from(server: ServerProcess, source: str, name: str) -> Message:
    """REGISTER ``name`` before connecting, from ``source``; the REGISTER or FAIL answer."""
    client = IrcClient(server.port, source=source)
    try:
        negotiate(client, name, CAPS)
        client.send(f"REGISTER * * :{name} password")
        return first(client, "REGISTER", "FAIL")
    finally:
        client.close()


def test_accounts_are_registered_at_most_three_an_hour_from_one_address(
    start_server: StartServer,
) -> None:
    server = start_server()
    made = [register_from(server, "127.0.0.2", f"squat{i}") for i in range(4)]
    assert [(m.command, m.params[0]) for m in made[:3]] == [("REGISTER", "SUCCESS")] * 3
    assert made[3].command == "FAIL" and made[3].params[:3] == (
        "REGISTER", "TEMPORARILY_UNAVAILABLE", "squat3")
    assert "try again later" in made[3].params[-1]
    assert register_from(server, "127.0.0.3", "neighbour").command == "REGISTER"
    host = [register_from(server, "127.0.0.1", f"local{i}") for i in range(5)]  # exempt
    assert all(m.command == "REGISTER" and m.params[0] == "SUCCESS" for m in host)
    watcher = guest(server, "watcher")  # the refused name was never made
    assert not only(said(watcher, "WHOIS squat3"), "330")
    watcher.close()


def test_register_before_connecting_needs_the_servers_password(
    start_server: StartServer,
) -> None:
    server = start_server("--password", "letmein")
    client = IrcClient(server.port)
    try:
        negotiate(client, "sneaky", CAPS)
        client.send("REGISTER * * :sneaky password")
        refused = first(client, "REGISTER", "FAIL")
        assert refused.command == "FAIL" and "PASS" in refused.params[-1]
        client.send("QUIT")  # gone, and the nick with it
        client.until_closed()
    finally:
        client.close()
    legit = IrcClient(server.port)
    try:
        legit.send("PASS letmein")
        negotiate(legit, "sneaky", CAPS)
        legit.send("REGISTER * * :sneaky password")
        answer = first(legit, "REGISTER", "FAIL")
        assert answer.command == "REGISTER" and answer.params[0] == "SUCCESS", answer  # free
    finally:
        legit.close()
