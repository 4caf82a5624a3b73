"""TLS on the server: a self-signed certificate made once, its fingerprint printed and
served, handshakes that never block anyone, and --tls-only."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from app.server import certs
from tests.conftest import StartServer
from tests.support import TIMEOUT, IrcClient, ServerProcess

TLS = ("--tls-port", "0")


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
