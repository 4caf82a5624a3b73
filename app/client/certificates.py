"""The server's TLS certificate: its fingerprint, and why we cannot trust it, in words."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCryptographicHash
from PySide6.QtNetwork import QSslCertificate, QSslError

CERTIFICATE_WORDS = {
    QSslError.SslError.CertificateExpired: "it has expired",
    QSslError.SslError.CertificateNotYetValid: (
        "it is not valid yet (is this computer's clock right?)"
    ),
    QSslError.SslError.HostNameMismatch: "it was made for another name, not {host}",
    QSslError.SslError.SelfSignedCertificate: "it is self-signed: no authority vouches for it",
    QSslError.SslError.SelfSignedCertificateInChain: "it comes from an unknown authority",
    QSslError.SslError.UnableToGetLocalIssuerCertificate: "it comes from an unknown authority",
    QSslError.SslError.UnableToGetIssuerCertificate: "it comes from an unknown authority",
    QSslError.SslError.UnableToVerifyFirstCertificate: "it comes from an unknown authority",
    QSslError.SslError.CertificateUntrusted: "it comes from an unknown authority",
    QSslError.SslError.CertificateRevoked: "it has been revoked",
}


def fingerprint(certificate: QSslCertificate) -> str:
    """SHA-256, ``AB:CD:…``, as ``openssl x509 -fingerprint -sha256`` shows it."""
    digest = certificate.digest(QCryptographicHash.Algorithm.Sha256)
    return bytes(digest.data()).hex(":").upper()


@dataclass(frozen=True)
class CertificateProblem:
    """Why the server's certificate is not trusted, in words, and its fingerprint."""

    host: str
    port: int
    fingerprint: str
    problems: tuple[str, ...]
    changed: bool  # we trusted another certificate for this server before: be loud
    trusted: str  # the fingerprint trusted before ("" if none)

    def text(self) -> str:
        if self.changed:
            return (
                f"The certificate of {self.host}:{self.port} has CHANGED since you trusted it. "
                "Someone may be intercepting the connection — or the server got a new "
                "certificate. Ask its host which fingerprint is right before you continue."
            )
        why = "; ".join(dict.fromkeys(self.problems))
        return f"The certificate of {self.host}:{self.port} cannot be checked: {why}."


def problem_with(
    certificate: QSslCertificate, errors: list[QSslError], host: str, port: int, trusted: str
) -> CertificateProblem | None:
    """None if ``certificate`` is the one the user trusted (by fingerprint ``trusted``)
    despite the system's ``errors``; otherwise what is wrong with it, in words."""
    seen = fingerprint(certificate) if not certificate.isNull() else ""
    if seen and trusted and seen == trusted:
        return None
    problems = tuple(
        CERTIFICATE_WORDS.get(e.error(), e.errorString()).format(host=host) for e in errors
    )
    return CertificateProblem(host, port, seen, problems, bool(trusted), trusted)
