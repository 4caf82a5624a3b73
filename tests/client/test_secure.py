"""The client over TLS and with accounts, against our server on the same event loop:
certificate problems in words, trust by fingerprint, a changed certificate is loud, SASL
SCRAM logins, REGISTER, and login failures in words."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.client.connection import Account, CertificateProblem, IrcConnection
from app.server import certs
from app.server.listener import ChatServer
from tests.client.conftest import SESSIONS, start_chat_server

KEEP: list[IrcConnection] = []


def tls_server(tmp_path: Path, name: str = "kept", **config: object) -> ChatServer:
    server = start_chat_server(**config)
    server.listen_tls("127.0.0.1", 0, certs.load_or_create(tmp_path / name, "test.server"))
    return server


def connection() -> IrcConnection:
    made = IrcConnection()
    KEEP.append(made)
    return made


def refused(qtbot: QtBot, server: ChatServer, trusted: str = "") -> CertificateProblem:
    conn = connection()
    with qtbot.waitSignal(conn.certificate_problem, timeout=5000) as problem:
        conn.connect_to("127.0.0.1", server.tls_port, "alice", tls=True, trusted=trusted)
    qtbot.waitUntil(lambda: conn.state == "disconnected", timeout=5000)
    found = problem.args[0]
    assert isinstance(found, CertificateProblem)
    return found


def test_a_self_signed_certificate_is_explained_then_trusted_by_fingerprint(
    qtbot: QtBot, tmp_path: Path
) -> None:
    server = tls_server(tmp_path)
    assert server.tls is not None
    problem = refused(qtbot, server)
    assert problem.fingerprint == server.tls.fingerprint  # what the host reads out
    assert not problem.changed
    assert "self-signed" in problem.text() and "cannot be checked" in problem.text()
    conn = connection()
    with qtbot.waitSignal(conn.registered, timeout=5000):
        conn.connect_to("127.0.0.1", server.tls_port, "alice", tls=True,
                        trusted=server.tls.fingerprint)
    assert conn.tls_version in ("TLS 1.2", "TLS 1.3")
    assert conn.peer_fingerprint == server.tls.fingerprint
    conn.quit()
    server.stop()


def test_a_changed_certificate_is_a_loud_warning_never_accepted(
    qtbot: QtBot, tmp_path: Path
) -> None:
    old = tls_server(tmp_path, "old")
    assert old.tls is not None
    trusted = old.tls.fingerprint
    old.stop()
    new = tls_server(tmp_path, "new")  # same address, another certificate
    problem = refused(qtbot, new, trusted=trusted)
    assert problem.changed and problem.trusted == trusted
    assert "CHANGED" in problem.text()
    new.stop()


def test_scram_login_and_failures_in_words(qtbot: QtBot, tmp_path: Path) -> None:
    server = tls_server(tmp_path)
    server.core.accounts.register("alice", "wonderland")
    assert server.tls is not None
    conn = connection()
    with qtbot.waitSignal(conn.logged_in, timeout=5000) as logged:
        conn.connect_to("127.0.0.1", server.port, "alice",
                        account=Account("alice", "wonderland"))
    assert logged.args == ["alice"]
    qtbot.waitUntil(lambda: conn.state == "connected")
    client = next(c for c in server.core.clients if c.nick == "alice")
    assert client.account == "alice"
    conn.quit()
    for account, words in [
        (Account("alice", "wrong"), "Login failed: wrong account name or password."),
        (Account("nobody", "whatever"), "Login failed: wrong account name or password."),
    ]:
        failing = connection()
        with qtbot.waitSignal(failing.error_occurred, timeout=5000) as error:
            failing.connect_to("127.0.0.1", server.port, "alice2", account=account)
        assert error.args == [words]
        qtbot.waitUntil(lambda f=failing: f.state == "disconnected", timeout=5000)
        assert not failing.was_registered  # never in, under nobody's name
    server.stop()


def test_creating_an_account_logs_in_and_a_taken_name_says_so(qtbot: QtBot) -> None:
    server = start_chat_server()
    conn = connection()
    with qtbot.waitSignal(conn.registered, timeout=5000):
        conn.connect_to("127.0.0.1", server.port, "newbie",
                        account=Account("newbie", "fresh password", create=True))
    assert conn.logged_in_as == "newbie"
    assert server.core.accounts.name("NEWBIE") == "newbie"
    conn.quit()
    again = connection()
    with qtbot.waitSignal(again.error_occurred, timeout=5000) as error:
        again.connect_to("127.0.0.1", server.port, "other",
                         account=Account("newbie", "another one", create=True))
    assert error.args == ["That account name is taken. Choose another, or log in to it."]
    server.stop()


def test_a_server_without_accounts_says_so(qtbot: QtBot) -> None:
    server = start_chat_server(accounts=False)
    conn = connection()
    with qtbot.waitSignal(conn.error_occurred, timeout=5000) as error:
        conn.connect_to("127.0.0.1", server.port, "alice", account=Account("alice", "pw"))
    assert error.args[0].startswith("This server has no accounts")
    server.stop()


def test_a_session_reconnects_logged_in(qtbot: QtBot, tmp_path: Path) -> None:
    from app.client.session import ChatSession

    server = tls_server(tmp_path)
    server.core.accounts.register("alice", "wonderland")
    assert server.tls is not None
    chat = ChatSession()
    SESSIONS.append(chat)
    chat.backoff_start = chat._backoff = 0.2
    with qtbot.waitSignal(chat.connection.registered, timeout=5000):
        chat.connection.connect_to("127.0.0.1", server.tls_port, "alice", tls=True,
                                   trusted=server.tls.fingerprint,
                                   account=Account("alice", "wonderland"))
    peer = next(p for p in server._peers.values() if p.client and p.client.nick == "alice")
    peer.lost("Connection reset by peer")
    qtbot.waitUntil(lambda: chat.connection.state == "disconnected", timeout=5000)
    qtbot.waitUntil(lambda: chat.connection.state == "connected", timeout=5000)
    client = next(c for c in server.core.clients if c.nick == "alice")
    assert client.account == "alice" and client.secure
    chat.quit()
    server.stop()


def _certificate(
    name: str, *, days: tuple[int, int] = (-1, 365), issuer: tuple[object, object] | None = None
) -> tuple[bytes, bytes, object, object]:
    """A key and certificate for DNS ``name`` valid from/until ``days`` (relative to now),
    self-signed or signed by ``issuer`` (its certificate and key)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    issuer_cert, issuer_key = issuer if issuer else (None, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject if issuer_cert else subject)  # type: ignore[attr-defined]
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + datetime.timedelta(days=days[0]))
        .not_valid_after(now + datetime.timedelta(days=days[1]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=issuer is None and name.startswith("ca."),
                                             path_length=None), critical=True)
    )
    cert = builder.sign(issuer_key, hashes.SHA256())  # type: ignore[arg-type]
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem, cert, key


def test_certificate_problems_are_said_in_words(qtbot: QtBot, tmp_path: Path) -> None:
    """Expired, made for another name, signed by an unknown authority: each in words."""
    _, _, ca_cert, ca_key = _certificate("ca.test")
    cases = [
        (_certificate("localhost", days=(-30, -1)), "it has expired"),
        (_certificate("elsewhere.example"), "it was made for another name, not 127.0.0.1"),
        (_certificate("localhost", issuer=(ca_cert, ca_key)), "it comes from an unknown authority"),
    ]
    for (cert_pem, key_pem, _cert, _key), words in cases:
        (tmp_path / "cert.pem").write_bytes(cert_pem)
        (tmp_path / "key.pem").write_bytes(key_pem)
        server = start_chat_server()
        server.listen_tls("127.0.0.1", 0, certs.load(tmp_path / "cert.pem", tmp_path / "key.pem"))
        problem = refused(qtbot, server)
        assert words in problem.problems, problem.problems
        assert words in problem.text()
        server.stop()
