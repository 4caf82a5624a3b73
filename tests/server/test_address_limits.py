"""Connection limits per address (app/server/guard.py): at most 16 at once, at most 20 new ones
in 10 s, loopback's 127.0.0.1 and ::1 and ``--exempt`` networks free of both.

Other loopback addresses (127.0.0.2 … on Linux, no set-up needed) stand for other machines:
a socket bound to one before it connects comes from that address.
"""

from __future__ import annotations

import socket

import pytest

from app.server.config import ServerConfig
from app.server.guard import LOOPBACK, TOO_FAST, TOO_MANY, AddressGuard, parse_network, parse_rate
from app.server.options import UsageError, build_parser, config_from_args
from tests.conftest import StartServer
from tests.support import TIMEOUT, IrcClient, in_room

ERROR_TOO_MANY = f"ERROR :{TOO_MANY}"
ERROR_TOO_FAST = f"ERROR :{TOO_FAST}"


def connect_from(source: str, port: int) -> socket.socket:
    """A TCP connection to the test server on ``port`` from the address ``source``."""
    sock = socket.socket()
    sock.settimeout(TIMEOUT)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    return sock


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ---------------------------------------------------------------- the accounting, alone
@pytest.mark.parametrize(("address", "key"), [
    ("127.0.0.1", None),
    ("::1", None),
    ("::ffff:127.0.0.1", None),  # an IPv4 client on a dual-stack socket
    ("127.0.0.2", "127.0.0.2"),  # only the host's own address is exempt, not 127/8
    ("::ffff:192.0.2.7", "192.0.2.7"),
    ("192.0.2.7", "192.0.2.7"),
    ("2001:db8::1", "2001:db8::/64"),
    ("2001:db8::ffff:1", "2001:db8::/64"),  # one /64 is one machine
    ("2001:db8:0:1::1", "2001:db8:0:1::/64"),
    ("fe80::1%eth0", "fe80::/64"),
    ("not an address", "not an address"),
])
def test_what_an_address_is_counted_as(address: str, key: str | None) -> None:
    assert AddressGuard().key(address) == key


def test_exempt_takes_addresses_and_networks() -> None:
    guard = AddressGuard(exempt=("192.0.2.7", "10.0.0.0/8", "2001:db8::/32"))
    assert [guard.key(a) for a in ("192.0.2.7", "10.200.3.4", "2001:db8:5::1")] == [None] * 3
    assert guard.key("192.0.2.8") == "192.0.2.8"
    assert guard.key("127.0.0.1") == "127.0.0.1"  # the default is replaced, not added to
    assert guard.admit(None) is None and guard.start_handshake(None)  # exempt: no limits


def test_at_most_max_connections_at_once_and_a_closed_one_frees_its_place() -> None:
    guard = AddressGuard(max_connections=3, rate=0)
    assert [guard.admit("a") for _ in range(3)] == [None] * 3
    assert guard.admit("a") == TOO_MANY
    assert guard.admit("b") is None  # another address is counted apart
    assert guard.connections("a") == 3  # the refused one was never counted
    guard.release("a")
    assert guard.admit("a") is None
    for _ in range(3):
        guard.release("a")
    guard.release("b")
    assert guard.connections("a") == 0 and guard.tracked == 0


def test_no_connection_limit_with_zero() -> None:
    guard = AddressGuard(max_connections=0, rate=0)
    assert all(guard.admit("a") is None for _ in range(1000))


def test_rate_is_a_sliding_window_of_attempts() -> None:
    clock = Clock()
    guard = AddressGuard(max_connections=0, rate=3, window=10.0, clock=clock)
    assert [guard.admit("a") for _ in range(3)] == [None] * 3
    clock.now += 1
    assert guard.admit("a") == TOO_FAST  # a 4th within 10 s
    assert guard.admit("b") is None
    clock.now += 9.5  # 10.5 s after the first three, 9.5 s after the refused one
    assert guard.admit("a") is None
    assert guard.admit("a") is None
    assert guard.admit("a") == TOO_FAST  # the refused attempt at +1 s is still in the window


def test_an_address_that_keeps_hammering_stays_refused_until_it_slows_down() -> None:
    clock = Clock()
    guard = AddressGuard(max_connections=0, rate=3, window=10.0, clock=clock)
    for _ in range(3):
        guard.admit("a")
    for _ in range(50):  # one attempt a second: still 3 in every 10 s
        clock.now += 1
        assert guard.admit("a") == TOO_FAST
    clock.now += 10
    assert guard.admit("a") is None


def test_tick_forgets_quiet_addresses() -> None:
    clock = Clock()
    guard = AddressGuard(rate=5, window=10.0, clock=clock)
    for n in range(100):
        guard.release(guard.admit(f"10.0.0.{n}") or f"10.0.0.{n}")
    assert guard.tracked == 100  # their recent attempts
    clock.now += 5
    guard.tick()
    assert guard.tracked == 100
    clock.now += 6
    guard.tick()
    assert guard.tracked == 0


def test_unfinished_handshakes_per_address() -> None:
    guard = AddressGuard(max_handshakes=2)
    assert guard.start_handshake("a") and guard.start_handshake("a")
    assert not guard.start_handshake("a")
    assert guard.start_handshake("b")
    assert guard.handshakes("a") == 2
    guard.end_handshake("a")
    assert guard.start_handshake("a")
    for key in ("a", "a", "b"):
        guard.end_handshake(key)
    assert guard.handshakes("a") == 0 and guard.tracked == 0


@pytest.mark.parametrize(("text", "rate"), [
    ("20/10", (20, 10.0)), ("5/0.5", (5, 0.5)), ("0", (0, 0.0)), ("0/10", (0, 0.0)),
])
def test_parse_rate(text: str, rate: tuple[int, float]) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["20", "x/10", "20/x", "-1/10", "20/0", "20/-5", ""])
def test_parse_rate_refuses_in_words(text: str) -> None:
    with pytest.raises(ValueError, match="N/SECONDS"):
        parse_rate(text)


def test_parse_network() -> None:
    assert str(parse_network("127.0.0.5")) == "127.0.0.5/32"
    assert str(parse_network("10.1.2.3/8")) == "10.0.0.0/8"
    assert str(parse_network("2001:db8::1/64")) == "2001:db8::/64"
    for bad in ("localhost", "10.0.0.0/33", "1.2.3"):
        with pytest.raises(ValueError, match="ADDRESS/PREFIX"):
            parse_network(bad)


def test_flags_fill_the_config_and_bad_values_are_one_line_errors() -> None:
    def config(*argv: str) -> ServerConfig:
        return config_from_args(build_parser().parse_args(["--no-history", *argv]))

    default = config()
    assert default.max_connections_per_address == 16
    assert (default.connection_rate, default.connection_rate_window) == (20, 10.0)
    assert default.exempt == LOOPBACK
    given = config("--max-connections-per-address", "0", "--connection-rate", "5/30",
                   "--exempt", "127.0.0.5", "--exempt", "10.0.0.0/8")
    assert given.max_connections_per_address == 0
    assert (given.connection_rate, given.connection_rate_window) == (5, 30.0)
    assert given.exempt == (*LOOPBACK, "127.0.0.5/32", "10.0.0.0/8")
    for argv, words in [
        (["--exempt", "nowhere"], "--exempt: not an IP address"),
        (["--connection-rate", "fast"], "--connection-rate: want N/SECONDS"),
        (["--max-connections-per-address", "-1"], "--max-connections-per-address must be"),
    ]:
        with pytest.raises(UsageError, match=words):
            config(*argv)


# ---------------------------------------------------------------- over real sockets
def test_the_17th_connection_from_one_address_is_refused_and_nobody_else_notices(
    start_server: StartServer,
) -> None:
    server = start_server()
    neighbour = IrcClient(server.port, source="127.0.0.6")
    neighbour.register("neighbour")
    crowd = [IrcClient(server.port, source="127.0.0.5") for _ in range(16)]
    try:
        for n, client in enumerate(crowd):
            client.register(f"crowd{n}")
        in_room(neighbour, *crowd[:2])
        extra = IrcClient(server.port, source="127.0.0.5")
        extra.send_raw(b"NICK extra\r\nUSER u 0 * :U\r\n")  # one send: the server may close
        assert extra.until_closed() == [ERROR_TOO_MANY]
        extra.close()
        crowd[0].send("PRIVMSG #room :still here")  # those already in notice nothing
        assert neighbour.expect("PRIVMSG").params == ("#room", "still here")
        other = IrcClient(server.port, source="127.0.0.7")  # nor does anyone else
        other.register("other")
        other.close()
        crowd.pop(1).close()  # one leaves: its place is free once the server has seen it go
        assert neighbour.expect("QUIT").source.startswith("crowd1!")  # type: ignore[union-attr]
        again = IrcClient(server.port, source="127.0.0.5")
        again.register("again")
        again.close()
    finally:
        neighbour.close()
        for client in crowd:
            client.close()


def test_loopback_is_exempt_and_so_is_what_exempt_names(start_server: StartServer) -> None:
    server = start_server("--exempt", "127.0.0.5", "--exempt", "127.0.0.8/30")
    clients = []
    try:
        for source in ("127.0.0.1", "127.0.0.5", "127.0.0.10"):
            for n in range(24):  # over the cap of 16 and the rate of 20
                client = IrcClient(server.port, source=source)
                clients.append(client)
                client.register(f"u{source.rpartition('.')[2]}x{n}")
        limited = [IrcClient(server.port, source="127.0.0.12") for _ in range(17)]
        clients += limited
        for client in limited[:16]:
            client.sync()
        assert limited[16].until_closed() == [ERROR_TOO_MANY]
    finally:
        for client in clients:
            client.close()


def test_a_burst_of_new_connections_is_refused_with_its_error(start_server: StartServer) -> None:
    server = start_server()
    neighbour = IrcClient(server.port, source="127.0.0.21")
    neighbour.register("neighbour")
    try:
        for _ in range(20):  # 20 in a few ms: the most the default allows in 10 s
            quick = IrcClient(server.port, source="127.0.0.20")
            quick.sync()
            quick.close()
        burst = [IrcClient(server.port, source="127.0.0.20") for _ in range(3)]
        for client in burst:
            client.send("NICK late")
            assert client.until_closed() == [ERROR_TOO_FAST]
            client.close()
        neighbour.sync()  # connected all along, noticed nothing
        fresh = IrcClient(server.port, source="127.0.0.22")
        fresh.register("fresh")
        fresh.close()
    finally:
        neighbour.close()


def test_the_limits_count_tls_and_plain_together_and_tell_tls_clients_in_tls(
    start_server: StartServer,
) -> None:
    server = start_server("--tls-port", "0", "--max-connections-per-address", "2")
    watcher = IrcClient(server.port, source="127.0.0.31")
    plain = IrcClient(server.port, source="127.0.0.30")
    secure = IrcClient(server.tls_port, source="127.0.0.30", tls=True)
    try:
        watcher.register("watcher")
        plain.register("plain")
        secure.register("secure")
        in_room(watcher, secure)
        for port, tls in ((server.tls_port, True), (server.port, False)):
            refused = IrcClient(port, source="127.0.0.30", tls=tls)
            assert refused.until_closed() == [ERROR_TOO_MANY]  # over TLS: after the handshake
            refused.close()
        secure.close()
        assert watcher.expect("QUIT").source.startswith("secure!")  # type: ignore[union-attr]
        again = IrcClient(server.tls_port, source="127.0.0.30", tls=True)
        again.register("again")
        again.close()
        plain.sync()
    finally:
        for client in (watcher, plain, secure):
            client.close()
