"""Accounts: REGISTER, SASL PLAIN and SCRAM-SHA-256, back-off, protected nicks, operator
accounts, --require-accounts; and what others see (WHOIS 330, account-tag, extended-join,
account-notify). Real server processes and raw clients on 127.0.0.1."""

from __future__ import annotations

import base64
import sqlite3
import time
from pathlib import Path

import pytest
from scramp import ScramClient

from app.protocol.message import Message
from app.protocol.sasl import encode, plain
from app.server.config import ServerConfig
from app.server.core import ServerCore
from tests.conftest import StartServer
from tests.server.test_core import Recorder
from tests.support import IrcClient, ServerProcess, in_room, only, said

ACCOUNT_CAPS = ("sasl", "draft/account-registration", "account-tag", "account-notify",
                "extended-join", "server-time", "message-tags")


def negotiate(client: IrcClient, nick: str, caps: tuple[str, ...] = ACCOUNT_CAPS) -> None:
    """CAP LS, NICK, USER, CAP REQ; registration waits for CAP END."""
    client.send("CAP LS 302")
    client.send(f"NICK {nick}")
    client.send("USER u 0 * :Real Name")
    client.send(f"CAP REQ :{' '.join(caps)}")
    client.expect("CAP", where=lambda m: m.params[1] == "ACK")


def finish(client: IrcClient) -> list[Message]:
    client.send("CAP END")
    client.expect("001")
    return client.sync()


def first(client: IrcClient, *commands: str) -> Message:
    """The next message that is one of ``commands`` (others are skipped)."""
    while True:
        msg = client.read()
        if msg.command in commands:
            return msg


def authenticate(client: IrcClient, payload: bytes) -> None:
    for chunk in encode(payload):
        client.send(f"AUTHENTICATE {chunk}")


def server_payload(client: IrcClient) -> str:
    got = client.expect("AUTHENTICATE")
    return base64.b64decode(got.params[0]).decode() if got.params[0] != "+" else ""


def sasl_plain(client: IrcClient, account: str, password: str) -> Message:
    """PLAIN; returns the 903 or 904 that ends it."""
    client.send("AUTHENTICATE PLAIN")
    client.expect("AUTHENTICATE")
    authenticate(client, plain(account, password))
    return first(client, "903", "904")


def sasl_scram(client: IrcClient, account: str, password: str) -> Message:
    """SCRAM-SHA-256 as WeeChat does it; returns the 903 or 904 that ends it."""
    scram = ScramClient(["SCRAM-SHA-256"], account, password)
    client.send("AUTHENTICATE SCRAM-SHA-256")
    client.expect("AUTHENTICATE")
    authenticate(client, scram.get_client_first().encode())
    scram.set_server_first(server_payload(client))
    authenticate(client, scram.get_client_final().encode())
    reply = first(client, "AUTHENTICATE", "904")
    if reply.command == "904":
        return reply
    final = base64.b64decode(reply.params[0]).decode()
    if final.startswith("e="):  # RFC 5802's server-error, then the 904
        assert final == "e=invalid-proof"
        return first(client, "904")
    scram.set_server_final(final)  # the server proved itself
    client.send("AUTHENTICATE +")
    return first(client, "903", "904")


def register_account(server: ServerProcess, account: str, password: str) -> None:
    """REGISTER before connecting, as a client with draft/account-registration does."""
    client = IrcClient(server.port)
    try:
        negotiate(client, account)
        client.send(f"REGISTER * * :{password}")
        assert client.expect("REGISTER").params[:2] == ("SUCCESS", account)
        finish(client)
        client.send("QUIT")
        client.until_closed()
    finally:
        client.close()


def test_register_logs_in_and_keeps_only_scram_keys_on_disk(
    start_server: StartServer, tmp_path: Path
) -> None:
    server = start_server(data_dir=tmp_path / "data")
    client = IrcClient(server.port)
    try:
        client.send("CAP LS 302")
        offered = " ".join(m.params[-1] for m in client.sync() if m.command == "CAP").split()
        assert "draft/account-registration=before-connect,custom-account-name" in offered
        assert "sasl=SCRAM-SHA-256,PLAIN" in offered  # PLAIN: loopback
        negotiate(client, "alice")
        client.send("REGISTER * * :correct horse battery")
        success = client.expect("REGISTER")
        assert success.params[:2] == ("SUCCESS", "alice")
        logged = client.expect("900")
        assert logged.params[1:3] == ("alice!~u@127.0.0.1", "alice")
        welcome = finish(client)
        assert not only(welcome, "NOTICE")  # her own account's nick: no warning
        client.send("REGISTER * * :another password")
        assert client.expect("FAIL").params[:2] == ("REGISTER", "ALREADY_AUTHENTICATED")
    finally:
        client.close()
    stored = b"".join(path.read_bytes() for path in (tmp_path / "data").glob("accounts.*"))
    assert b"correct horse battery" not in stored
    with sqlite3.connect(tmp_path / "data" / "accounts.sqlite3") as db:
        (row,) = db.execute("SELECT name, length(salt), length(stored_key), iterations "
                            "FROM accounts").fetchall()
    assert row == ("alice", 32, 32, 4096)


def test_register_refusals_name_the_problem(start_server: StartServer) -> None:
    server = start_server()
    register_account(server, "taken", "long enough")
    client = IrcClient(server.port)
    try:
        client.send("CAP LS 302")
        client.send("REGISTER * * whatever1")  # no nick yet
        assert client.expect("FAIL").params[:3] == ("REGISTER", "NEED_NICK", "*")
        negotiate(client, "bob")
        for line, code in [
            ("REGISTER taken * :long enough", "ACCOUNT_EXISTS"),
            ("REGISTER bob * short", "WEAK_PASSWORD"),
            ("REGISTER #bad * :long enough", "BAD_ACCOUNT_NAME"),
        ]:
            client.send(line)
            assert client.expect("FAIL").params[:2] == ("REGISTER", code), line
    finally:
        client.close()



def test_min_password_length_sets_the_password_rule(start_server: StartServer) -> None:
    for flags, short, enough in (((), "seven77", "eight888"),
                                 (("--min-password-length", "12"), "elevenchars", "twelve chars")):
        server = start_server(*flags)
        client = IrcClient(server.port)
        try:
            negotiate(client, "bob")
            client.send(f"REGISTER * * :{short}")
            refused = client.expect("FAIL")
            assert refused.params[:2] == ("REGISTER", "WEAK_PASSWORD"), flags
            assert str(len(enough)) in refused.params[-1]  # says how long
            client.send(f"REGISTER * * :{enough}")
            assert client.expect("REGISTER").params[:2] == ("SUCCESS", "bob"), flags
        finally:
            client.close()


def test_plain_and_scram_logins_and_what_others_see(start_server: StartServer) -> None:
    server = start_server()
    register_account(server, "alice", "wonderland")
    register_account(server, "bob", "builder1")
    watcher = IrcClient(server.port)
    alice = IrcClient(server.port)
    bob = IrcClient(server.port)
    try:
        negotiate(watcher, "watcher")
        finish(watcher)
        negotiate(alice, "alice")
        assert sasl_plain(alice, "alice", "wonderland").command == "903"
        finish(alice)
        negotiate(bob, "bob")
        assert sasl_scram(bob, "bob", "builder1").command == "903"
        finish(bob)
        in_room(watcher, alice, bob, channel="#acct")
        joins = [m for m in watcher.received if m.command == "JOIN"]
        assert [m.params for m in joins[-2:]] == [("#acct", "alice", "Real Name"),
                                                  ("#acct", "bob", "Real Name")]  # extended-join
        alice.send("PRIVMSG #acct :hello")
        got = watcher.expect("PRIVMSG")
        assert got.tags.get("account") == "alice"  # account-tag
        whois = said(watcher, "WHOIS bob")
        assert [m.params[1:3] for m in only(whois, "330")] == [("bob", "bob")]
    finally:
        for client in (watcher, alice, bob):
            client.close()


def test_logging_in_later_tells_the_room(start_server: StartServer) -> None:
    server = start_server()
    register_account(server, "carol", "password1")
    watcher, carol = IrcClient(server.port), IrcClient(server.port)
    try:
        for client, nick in ((watcher, "watcher"), (carol, "carol_")):
            negotiate(client, nick)
            finish(client)
        in_room(watcher, carol, channel="#later")
        assert sasl_scram(carol, "carol", "password1").command == "903"
        notified = watcher.expect("ACCOUNT")
        assert notified.source.startswith("carol_!") and notified.params == ("carol",)
    finally:
        watcher.close()
        carol.close()


def test_wrong_or_unknown_logins_fail_alike_and_back_off(start_server: StartServer) -> None:
    server = start_server()
    register_account(server, "dave", "right password")
    client = IrcClient(server.port)
    try:
        negotiate(client, "dave")
        assert sasl_scram(client, "nobody", "whatever").command == "904"  # runs to the end
        assert sasl_scram(client, "dave", "wrong").command == "904"
        assert sasl_plain(client, "dave", "wrong").command == "904"
        started = time.monotonic()
        assert sasl_plain(client, "dave", "still wrong").command == "904"  # the 3rd on dave
        locked = sasl_plain(client, "dave", "right password")  # now even the right one waits
        assert locked.command == "904" and "try again in" in locked.params[-1]
        assert time.monotonic() - started < 1.0  # refused at once, not hanging
    finally:
        client.close()
    other = IrcClient(server.port)  # the same address is slowed for other accounts too
    try:
        negotiate(other, "eve")
        assert "try again in" in sasl_plain(other, "eve", "x").params[-1]
    finally:
        other.close()


def test_plain_is_offered_and_accepted_only_over_tls_or_loopback() -> None:
    core = ServerCore(ServerConfig(name="core.test"))
    core.accounts.register("frank", "password1")
    for host, secure, offered in [("192.0.2.7", False, "sasl=SCRAM-SHA-256"),
                                  ("192.0.2.7", True, "sasl=SCRAM-SHA-256,PLAIN"),
                                  ("127.0.0.1", False, "sasl=SCRAM-SHA-256,PLAIN")]:
        wire = Recorder()
        client = core.connect(host, wire.write, wire.close, secure=secure)
        core.receive(client, b"CAP LS 302\r\nCAP REQ sasl\r\nAUTHENTICATE PLAIN\r\n")
        caps = [cap for line in wire.lines() if " CAP " in line
                for cap in line.partition(" LS ")[2].lstrip("* :").split()]
        assert offered in caps, (host, secure)
        accepted = "AUTHENTICATE +" in wire.lines()
        assert accepted == ("PLAIN" in offered), (host, secure)
        if not accepted:
            assert any(" 908 " in line and "SCRAM-SHA-256" in line for line in wire.lines())
            assert any(" 904 " in line and "PLAIN needs TLS" in line for line in wire.lines())


def test_a_registered_nick_is_renamed_unless_its_owner_logs_in(
    start_server: StartServer,
) -> None:
    server = start_server("--nick-protect", "1")
    register_account(server, "grace", "hopper123")
    impostor, owner = IrcClient(server.port), IrcClient(server.port)
    try:
        negotiate(impostor, "grace")
        welcome = finish(impostor)
        warning = only(welcome, "NOTICE")[-1].params[-1]
        assert "belongs to a registered account" in warning and "1 s" in warning
        renamed = impostor.expect("NICK", timeout=5)
        assert renamed.source.startswith("grace!") and renamed.params[0].startswith("Guest")
        negotiate(owner, "grace")  # the real grace, late: logs in after connecting
        finish(owner)
        assert sasl_plain(owner, "grace", "hopper123").command == "903"
        with pytest.raises(TimeoutError):  # past her second: she keeps her nick
            owner.expect("NICK", timeout=2.5)
    finally:
        impostor.close()
        owner.close()


def test_an_operator_account_is_oper_once_logged_in(start_server: StartServer) -> None:
    server = start_server("--oper-account", "root")
    register_account(server, "root", "toor-toor")
    client = IrcClient(server.port)
    try:
        negotiate(client, "admin")
        assert sasl_scram(client, "root", "toor-toor").command == "903"
        welcome = finish(client)
        assert only(welcome, "381")
        assert "o" in said(client, "MODE admin")[-1].params[-1]
    finally:
        client.close()


def test_require_accounts_turns_away_who_did_not_log_in(start_server: StartServer) -> None:
    server = start_server("--require-accounts")
    register_account(server, "member", "members only")  # REGISTER before connecting works
    stranger = IrcClient(server.port)
    member = IrcClient(server.port)
    try:
        negotiate(stranger, "stranger")
        stranger.send("CAP END")
        closing = stranger.until_closed()
        assert any("account holders only" in line for line in closing)
        assert not any(" 001 " in line for line in closing)
        negotiate(member, "member")
        assert sasl_scram(member, "member", "members only").command == "903"
        finish(member)
    finally:
        stranger.close()
        member.close()


def test_accounts_survive_a_restart(start_server: StartServer, tmp_path: Path) -> None:
    folder = tmp_path / "kept"
    first = start_server(data_dir=folder)
    register_account(first, "henry", "password9")
    assert first.stop() == 0
    again = start_server(data_dir=folder)
    client = IrcClient(again.port)
    try:
        negotiate(client, "henry")
        assert sasl_scram(client, "henry", "password9").command == "903"
    finally:
        client.close()
