"""Account passwords in the system keyring (Secret Service, KWallet, macOS Keychain,
Windows Credential Locker) through the ``keyring`` library — never in QSettings.

Where there is no keyring (a headless machine, a desktop without a Secret Service), nothing
is stored and the user types the password each time; :func:`available` says which.
"""

from __future__ import annotations

import contextlib
import logging

import keyring
import keyring.errors
from keyring.backends import fail, null

log = logging.getLogger("chatbox")

SERVICE = "Chatbox"


def available() -> bool:
    """A real keyring is there to keep passwords in."""
    try:
        backend = keyring.get_keyring()
        return not isinstance(backend, fail.Keyring | null.Keyring) and backend.priority >= 1
    except Exception:  # a broken backend must not break joining
        log.exception("keyring backend check failed")
        return False


def _user(host: str, port: int, account: str) -> str:
    return f"{account}@{host.lower()}:{port}"


def load(host: str, port: int, account: str) -> str | None:
    if not account or not available():
        return None
    try:
        return keyring.get_password(SERVICE, _user(host, port, account))
    except keyring.errors.KeyringError as exc:
        log.warning("cannot read the password from the keyring: %s", exc)
        return None


def save(host: str, port: int, account: str, password: str) -> bool:
    """Keep ``password``; False when there is no keyring (or it refused)."""
    if not account or not available():
        return False
    try:
        keyring.set_password(SERVICE, _user(host, port, account), password)
    except keyring.errors.KeyringError as exc:
        log.warning("cannot keep the password in the keyring: %s", exc)
        return False
    return True


def forget(host: str, port: int, account: str) -> None:
    if not account or not available():
        return
    with contextlib.suppress(keyring.errors.KeyringError):
        keyring.delete_password(SERVICE, _user(host, port, account))
