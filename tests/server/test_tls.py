"""TLS on the server: a self-signed certificate made once, its fingerprint printed and
served, handshakes that never block anyone (however many never finish), and --tls-only."""

from __future__ import annotations

import selectors
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QSocketNotifier
from PySide6.QtNetwork import QSslSocket
from pytestqt.qtbot import QtBot

from app.server import certs
from tests.client.conftest import start_chat_server
from tests.conftest import StartServer
from tests.server.test_address_limits import connect_from
from tests.support import TIMEOUT, IrcClient, ServerProcess, tls_on_the_loop

TLS = ("--tls-port", "0")
QUICK = 2.0  # a TLS login (handshake and 001) takes this long at most, whoever else waits


def test_openssl_s_client_sees_the_printed_fingerprint_and_registers(
    start_server: StartServer,
) -> None:
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed (.ci/run installs it)")
    server = start_server(*TLS)
    assert server.tls_port and server.port and len(server.fingerprint) == 32 * 3 - 1
    address = f"127.0.0.1:{server.tls_port}"
    shown = subprocess.run(
        f"openssl s_client -connect {address} </dev/null 2>/dev/null"
        " | openssl x509 -noout -fingerprint -sha256",
        shell=True, capture_output=True, text=True, timeout=TIMEOUT, check=True,
    ).stdout
    assert shown.strip() == f"sha256 Fingerprint={server.fingerprint}"
    session = subprocess.run(
        ["openssl", "s_client", "-connect", address, "-quiet", "-ign_eof"],
        input="NICK viaopenssl\r\nUSER u 0 * :U\r\nQUIT :done\r\n",
        capture_output=True, text=True, timeout=TIMEOUT,
    ).stdout
    assert " 001 viaopenssl :Welcome" in session
    assert "ERROR :Closing Link" in session


def test_tls_and_plain_clients_share_the_server_and_whois_tells_who_is_secure(
    start_server: StartServer,
) -> None:
    server = start_server(*TLS)
    secure = IrcClient(server.tls_port, tls=True)
    plain = IrcClient(server.port)
    try:
        assert secure.peer_fingerprint == server.fingerprint
        secure.register("secure")
        plain.register("plain")
        for client in (secure, plain):
            client.send("JOIN #both")
            client.expect("366")
        secure.send("PRIVMSG #both :over TLS")
        got = plain.expect("PRIVMSG")
        assert got.params == ("#both", "over TLS")
        plain.send("WHOIS secure")
        plain.send("WHOIS plain")
        replies = plain.sync()
        secured = [m.params[1] for m in replies if m.command == "671"]
        assert secured == ["secure"]  # 671 RPL_WHOISSECURE for the TLS client only
    finally:
        secure.close()
        plain.close()


def test_a_handshake_never_finished_blocks_no_one_and_is_dropped(
    start_server: StartServer,
) -> None:
    server = start_server(*TLS, "--tls-handshake-timeout", "1.5")
    stalled = socket.create_connection(("127.0.0.1", server.tls_port), timeout=TIMEOUT)
    stalled.sendall(b"\x16\x03\x01")  # the start of a ClientHello, and then nothing
    started = time.monotonic()
    other = IrcClient(server.tls_port, tls=True)  # meanwhile, someone else gets in at once
    try:
        other.register("unblocked")
        assert time.monotonic() - started < 1.0
        stalled.settimeout(TIMEOUT)
        assert stalled.recv(1024) == b""  # dropped by the server
        assert 1.4 <= time.monotonic() - started < TIMEOUT
        other.send("PING :still")
        assert other.expect("PONG").params[-1] == "still"
    finally:
        other.close()
        stalled.close()


def test_the_certificate_is_made_once_and_kept(start_server: StartServer, tmp_path: Path) -> None:
    folder = tmp_path / "kept"
    first = start_server(*TLS, data_dir=folder)
    fingerprint = first.fingerprint
    assert first.stop() == 0
    assert (folder / certs.KEY_FILE).stat().st_mode & 0o777 == 0o600
    again = start_server(*TLS, data_dir=folder)
    assert again.fingerprint == fingerprint  # people who trusted it still can


def test_a_given_certificate_is_used_and_a_mismatched_key_refused(
    start_server: StartServer, tmp_path: Path
) -> None:
    cert_pem, key_pem = certs.make_self_signed("given.example")
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    server = start_server(*TLS, "--tls-cert", str(tmp_path / "cert.pem"),
                          "--tls-key", str(tmp_path / "key.pem"))
    assert server.fingerprint == certs.fingerprint(cert_pem)
    _, other_key = certs.make_self_signed("other.example")
    (tmp_path / "other.pem").write_bytes(other_key)
    with pytest.raises(RuntimeError, match="TLS: the key does not belong to the certificate"):
        start_server(*TLS, "--tls-cert", str(tmp_path / "cert.pem"),
                     "--tls-key", str(tmp_path / "other.pem"))


def test_tls_only_refuses_plain_connections(start_server: StartServer) -> None:
    server = start_server("--tls-only", "--tls-port", "0")
    assert server.port == 0 and server.tls_port
    assert "listening on" not in server.log
    client = IrcClient(server.tls_port, tls=True)
    try:
        client.register("onlytls")
    finally:
        client.close()
    plain = socket.create_connection(("127.0.0.1", server.tls_port), timeout=TIMEOUT)
    plain.sendall(b"NICK plain\r\nUSER u 0 * :U\r\n")  # plain text on the TLS port
    plain.settimeout(TIMEOUT)
    data = plain.recv(1024)
    assert b"001" not in data
    plain.close()


def test_tls_flags_that_do_not_fit_are_one_line_errors(tmp_path: Path) -> None:
    for args, words in [
        (["--tls-cert", "c.pem"], "--tls-cert and --tls-key go together"),
        (["--tls-cert", "c.pem", "--tls-key", "k.pem"], "--tls-cert needs --tls-port"),
        (["--tls-port", "0", "--tls-cert", str(tmp_path / "no.pem"), "--tls-key", "k.pem"],
         "cannot read"),
    ]:
        with pytest.raises(RuntimeError, match=words):
            ServerProcess.start(*args, data_dir=tmp_path / "d")


def still_open(sock: socket.socket) -> bool:
    """Nothing to read and not closed by the server (the server holds it)."""
    sock.setblocking(False)
    try:
        return bool(sock.recv(1, socket.MSG_PEEK))  # data: open (none is expected)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.settimeout(TIMEOUT)


def wait_closed(socks: list[socket.socket], timeout: float = TIMEOUT) -> list[float]:
    """Wait until the server has closed each of ``socks``; when it did, for each."""
    closed: dict[socket.socket, float] = {}
    with selectors.DefaultSelector() as sel:
        for sock in socks:
            sel.register(sock, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while len(closed) < len(socks):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{len(socks) - len(closed)} still open after {timeout} s")
            for key, _ in sel.select(remaining):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    closed[sock] = time.monotonic()
                    sel.unregister(sock)
    return [closed[sock] for sock in socks]


def timed_login(client: IrcClient, nick: str) -> float:
    """Seconds from the TCP connect (done) through the TLS handshake to 001."""
    started = time.monotonic()
    client.register(nick)
    return time.monotonic() - started


def test_200_silent_connections_delay_no_handshake_and_are_dropped_at_the_deadline(
    start_server: StartServer,
) -> None:
    """QSslServer stopped every TLS login once 30 connections sat in their handshake."""
    server = start_server(*TLS, "--tls-handshake-timeout", "3")
    opened = time.monotonic()
    silent = [connect_from("127.0.0.1", server.tls_port) for _ in range(200)]
    try:
        started = time.monotonic()
        client = IrcClient(server.tls_port, tls=True)
        client.register("through")
        assert time.monotonic() - started < QUICK
        assert all(still_open(sock) for sock in silent)  # held, not refused: exempt 127.0.0.1
        closed = wait_closed(silent)
        assert min(closed) - opened >= 2.9  # each at its deadline (3 s after it came), not before
        client.sync()
        client.close()
    finally:
        for sock in silent:
            sock.close()


def test_silent_connections_from_50_addresses_delay_no_one(start_server: StartServer) -> None:
    server = start_server(*TLS, "--tls-handshake-timeout", "3")
    opened = time.monotonic()
    sources = [f"127.0.0.{n}" for n in range(2, 52)]
    silent = [connect_from(source, server.tls_port) for source in sources for _ in range(4)]
    try:
        client = IrcClient(server.tls_port, source="127.0.0.60", tls=True)
        assert timed_login(client, "through") < QUICK
        assert all(still_open(sock) for sock in silent)
        assert min(wait_closed(silent)) - opened >= 2.9
        client.sync()
        client.close()
    finally:
        for sock in silent:
            sock.close()


def test_over_8_unfinished_handshakes_from_one_address_are_closed_at_once(
    start_server: StartServer,
) -> None:
    server = start_server(*TLS, "--tls-handshake-timeout", "4")
    waiting = [connect_from("127.0.0.9", server.tls_port) for _ in range(8)]
    try:
        started = time.monotonic()
        over = [connect_from("127.0.0.9", server.tls_port) for _ in range(3)]
        assert max(wait_closed(over)) - started < QUICK  # at once, not at the deadline
        assert all(still_open(sock) for sock in waiting)  # the first 8 wait for theirs
        for sock in over:
            sock.close()
        other = IrcClient(server.tls_port, source="127.0.0.10", tls=True)
        assert timed_login(other, "other") < QUICK
        closed = wait_closed(waiting)
        assert min(closed) - started >= 3.9
        again = IrcClient(server.tls_port, source="127.0.0.9", tls=True)  # its count is back
        again.register("again")
        for client in (other, again):
            client.sync()
            client.close()
    finally:
        for sock in waiting:
            sock.close()


def test_handshakes_that_fail_time_out_or_succeed_leave_nothing_behind(
    qtbot: QtBot, tmp_path: Path
) -> None:
    server = start_chat_server()
    server.handshake_timeout_ms = 700
    server.listen_tls("127.0.0.1", 0, certs.load_or_create(tmp_path, "test.server"))
    listening = len(server.findChildren(QSocketNotifier))  # the two ports'
    key = server.guard.key("127.0.0.40")
    port = server.tls_port
    silent = [connect_from("127.0.0.40", port) for _ in range(3)]
    garbage = [connect_from("127.0.0.40", port) for _ in range(2)]
    gone = [connect_from("127.0.0.40", port) for _ in range(2)]
    raw = connect_from("127.0.0.40", port)
    qtbot.waitUntil(lambda: server.handshakes_in_progress == 8, timeout=5000)
    assert server.guard.handshakes(key) == 8 and server.guard.connections(key) == 8
    for sock in garbage:
        sock.sendall(b"NICK plain\r\nUSER u 0 * :U\r\n")  # plain text on the TLS port
    for sock in gone:
        sock.close()
    secure = tls_on_the_loop(raw, qtbot.waitUntil, 5000)
    qtbot.waitUntil(lambda: server.connection_count == 1, timeout=5000)  # a TlsPeer now
    qtbot.waitUntil(lambda: server.handshakes_in_progress == 0, timeout=5000)  # the rest failed
    assert server.guard.handshakes(key) == 0 and server.guard.connections(key) == 1
    secure.close()
    qtbot.waitUntil(lambda: server.connection_count == 0, timeout=5000)
    qtbot.waitUntil(lambda: not server.findChildren(QSslSocket), timeout=5000)  # deleted
    assert len(server.findChildren(QSocketNotifier)) == listening  # the quiet ones' too
    assert server.guard.connections(key) == 0
    for sock in silent + garbage:
        sock.close()
    server.stop()
