"""Hosting: the embedded server on 6667 (or the next free port) with TLS beside it.

"Host a chat" and "Run a server" both start a real server on a real socket here; the
controller then joins it as an ordinary client or shows the server window.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import sqlite3

from app.server.config import ServerConfig
from app.server.datadir import default_data_dir
from app.server.listener import ChatServer, ListenError
from app.server.storage import DataFileError

log = logging.getLogger("chatbox.ui")

HOST_PORT = 6667
TLS_PORT = 6697
PORT_TRIES = 10


def start_server(
    port: int | None, address: str | None = None, *, tls: bool = True
) -> tuple[ChatServer, str]:
    """A server on ``port``, or on 6667 and the next free ports, and (``tls``) a TLS port
    beside it; the note says what happened. ``address`` None listens on every interface
    (tests pass 127.0.0.1).

    Raises :class:`ListenError` when no port could be had.
    """
    name = socket.gethostname() or "chatbox"
    tries = [port] if port is not None else list(range(HOST_PORT, HOST_PORT + PORT_TRIES))
    first_error: ListenError | None = None
    for candidate in tries:
        server, history_note = hosted_server(name, candidate)
        try:
            server.listen(address, candidate)
        except ListenError as exc:
            first_error = first_error or exc
            server.core.history.close()
            server.deleteLater()
            continue
        notes = [history_note] if history_note else []
        if candidate != tries[0]:
            notes.insert(0, f"Port {tries[0]} was taken, so the chat runs on port {candidate}.")
        if tls:
            notes.append(listen_tls(server, address, 0 if candidate == 0 else TLS_PORT))
        return server, " ".join(n for n in notes if n)
    assert first_error is not None
    raise first_error


def listen_tls(server: ChatServer, address: str | None, first_port: int) -> str:
    """Listen with TLS on ``first_port`` or the next free ones, with the self-signed
    certificate kept beside the history (made the first time); a note when it failed."""
    from app.server import certs

    try:
        material = certs.load_or_create(server.core.config.data_dir, server.core.config.name)
    except certs.CertificateError as exc:
        return f"Secure connections (TLS) are off: {exc}."
    tries = [first_port] if first_port == 0 else range(first_port, first_port + PORT_TRIES)
    for candidate in tries:
        try:
            server.listen_tls(address, candidate, material)
            return ""
        except ListenError as exc:
            problem = str(exc)
    return f"Secure connections (TLS) are off: {problem}."


def hosted_server(name: str, port: int) -> tuple[ChatServer, str]:
    """A server whose history lives where ``chatbox-server --port PORT`` keeps it, so a
    restarted host finds it again; in memory for port 0. A folder or data file that cannot be
    used does not stop the chat: history (and accounts) are then kept in memory and the note
    says why, for a data file in the words of :class:`DataFileError` (which and what to do).
    """
    config = ServerConfig(
        name=name, description="Chatbox hosted chat", data_dir=default_data_dir(port)
    )
    if config.data_dir is None:
        return ChatServer(config), ""
    try:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        return ChatServer(config), ""
    except DataFileError as exc:  # damaged, unreadable or another program's: say which
        log.warning("history and accounts in memory only: %s", exc)
        note = f"History and accounts are kept in memory only, because {exc}"
    except (OSError, sqlite3.Error) as exc:
        problem = getattr(exc, "strerror", None) or str(exc)
        log.warning("history in memory only: cannot use %s: %s", config.data_dir, problem)
        note = f"History is kept in memory only: cannot use {config.data_dir} ({problem})."
    return ChatServer(dataclasses.replace(config, data_dir=None)), note
