"""The server's TLS certificate: the one given, or a self-signed one made once and kept.

Made with the ``cryptography`` package (Qt cannot make certificates, and an ``openssl``
binary is not on every machine the frozen app runs on): an EC P-256 key and a certificate
for the server's name, the machine's name and the loopback addresses, valid ten years.
People check it by its SHA-256 fingerprint (trust on first use), not by a CA.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

VALID_DAYS = 3650
CERT_FILE = "tls-cert.pem"
KEY_FILE = "tls-key.pem"


class CertificateError(Exception):
    """The certificate or key cannot be used; the message says why in words."""


@dataclass(frozen=True)
class TlsMaterial:
    cert_pem: bytes
    key_pem: bytes
    key_kind: str  # "ec" or "rsa": what QSslKey must be told
    fingerprint: str  # SHA-256, "AB:CD:…" as `openssl x509 -fingerprint -sha256` prints it
    path: Path | None  # where the certificate is kept (None: in memory only)


def fingerprint(cert_pem: bytes) -> str:
    cert = x509.load_pem_x509_certificate(cert_pem)
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def make_self_signed(name: str) -> tuple[bytes, bytes]:
    """A new key and a self-signed certificate for ``name`` (PEM, PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name[:64])])
    dns = dict.fromkeys([name, socket.gethostname(), "localhost"])
    alt: list[x509.GeneralName] = [x509.DNSName(n) for n in dns if n and _is_dns(n)]
    alt += [x509.IPAddress(ipaddress.ip_address(a)) for a in ("127.0.0.1", "::1")]
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _is_dns(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return all(part and len(part) < 64 for part in name.split("."))
    return False


def load(cert_file: Path, key_file: Path) -> TlsMaterial:
    """The certificate and key the operator gave."""
    try:
        cert_pem, key_pem = cert_file.read_bytes(), key_file.read_bytes()
    except OSError as exc:
        raise CertificateError(f"cannot read {exc.filename}: {exc.strerror}") from exc
    return _material(cert_pem, key_pem, cert_file)


def load_or_create(data_dir: Path | None, name: str) -> TlsMaterial:
    """The self-signed certificate kept in ``data_dir``, made the first time (in memory
    only when there is no data dir)."""
    if data_dir is None:
        cert_pem, key_pem = make_self_signed(name)
        return _material(cert_pem, key_pem, None)
    cert_file, key_file = data_dir / CERT_FILE, data_dir / KEY_FILE
    if not (cert_file.exists() and key_file.exists()):
        cert_pem, key_pem = make_self_signed(name)
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as out:  # the key: readable by its owner only
                out.write(key_pem)
            cert_file.write_bytes(cert_pem)
        except OSError as exc:
            raise CertificateError(f"cannot keep the certificate in {data_dir}: {exc}") from exc
    return load(cert_file, key_file)


def _material(cert_pem: bytes, key_pem: bytes, path: Path | None) -> TlsMaterial:
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        where = f" ({path})" if path else ""
        raise CertificateError(f"not a PEM certificate and unencrypted key{where}: {exc}") from exc
    if isinstance(key, rsa.RSAPrivateKey):
        kind = "rsa"
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        kind = "ec"
    else:
        raise CertificateError("the key must be RSA or EC")
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if cert.public_key().public_bytes(*spki) != key.public_key().public_bytes(*spki):
        raise CertificateError("the key does not belong to the certificate")
    print_ = cert.fingerprint(hashes.SHA256()).hex(":").upper()
    return TlsMaterial(cert_pem, key_pem, kind, print_, path)
