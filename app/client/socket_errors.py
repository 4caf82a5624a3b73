"""Socket errors in words for a person: what went wrong and what to check."""

from __future__ import annotations

from PySide6.QtNetwork import QAbstractSocket

SOCKET_ERRORS = {
    QAbstractSocket.SocketError.ConnectionRefusedError: (
        "The server refused the connection. Is it running, and is the port right?"
    ),
    QAbstractSocket.SocketError.HostNotFoundError: "Host not found: {host}",
    QAbstractSocket.SocketError.SocketTimeoutError: "Timed out connecting to {host}:{port}.",
    QAbstractSocket.SocketError.NetworkError: "The network is unreachable.",
    QAbstractSocket.SocketError.RemoteHostClosedError: "The server closed the connection.",
    QAbstractSocket.SocketError.SslHandshakeFailedError: (
        "The secure (TLS) connection failed: {detail}. Does the server speak TLS on this port?"
    ),
}


def socket_error_text(error: QAbstractSocket.SocketError, host: str, port: int,
                      detail: str) -> str:
    """``error`` (with Qt's ``detail``, its errorString) as a sentence."""
    template = SOCKET_ERRORS.get(error, "Connection problem: {detail}")
    return template.format(host=host, port=port, detail=detail)
