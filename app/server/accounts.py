"""Accounts: names and SCRAM-SHA-256 keys in SQLite (``accounts.sqlite3`` in the data dir).

A password is never stored, only what SCRAM needs to check one (RFC 5802/7677): a random
salt, the iteration count, StoredKey and ServerKey. PLAIN logins are checked against the
same keys. Account names are case-mapped like nicks (rfc1459), and a registered account's
name is a protected nick.
"""

from __future__ import annotations

import hmac
import logging
import sqlite3
import time
from pathlib import Path

from scramp import ScramMechanism

from app.protocol.casemap import irc_lower
from app.server.storage import open_database

log = logging.getLogger("chatbox.server")

MECHANISM = "SCRAM-SHA-256"
ITERATIONS = 4096  # RFC 7677's minimum; each check costs ~2 ms of the event loop
MIN_PASSWORD = 8
MAX_PASSWORD = 300  # IRCv3 account-registration: what fits in any message

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    folded TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    salt BLOB NOT NULL,
    stored_key BLOB NOT NULL,
    server_key BLOB NOT NULL,
    iterations INTEGER NOT NULL,
    created REAL NOT NULL
)
"""

ScramInfo = tuple[bytes, bytes, bytes, int]  # salt, stored key, server key, iterations


class AccountError(Exception):
    """Registration refused; ``code`` is the IRCv3 FAIL code."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code


class AccountStore:
    def __init__(self, path: Path | None, *, min_password: int = MIN_PASSWORD) -> None:
        self.path = path
        self.min_password = min_password  # characters (--min-password-length)
        self._db = open_database(path, SCHEMA, "accounts")  # raises DataFileError
        self.mechanism = ScramMechanism(MECHANISM)

    def close(self) -> None:
        self._db.close()

    def name(self, account: str) -> str | None:
        """The account's name as registered, or None when there is none."""
        row = self._db.execute(
            "SELECT name FROM accounts WHERE folded = ?", (irc_lower(account),)
        ).fetchone()
        return None if row is None else str(row[0])

    def scram_info(self, account: str) -> ScramInfo | None:
        row = self._db.execute(
            "SELECT salt, stored_key, server_key, iterations FROM accounts WHERE folded = ?",
            (irc_lower(account),),
        ).fetchone()
        return None if row is None else (bytes(row[0]), bytes(row[1]), bytes(row[2]), int(row[3]))

    def register(self, account: str, password: str) -> None:
        """Create ``account``. Raises AccountError (ACCOUNT_EXISTS, WEAK_PASSWORD …)."""
        if len(password) < self.min_password:
            raise AccountError(
                "WEAK_PASSWORD", f"Choose a password of at least {self.min_password} characters"
            )
        if len(password.encode()) > MAX_PASSWORD or "\0" in password:
            raise AccountError("UNACCEPTABLE_PASSWORD", "That password cannot be used")
        salt, stored, server, iterations = self.mechanism.make_auth_info(
            password, iteration_count=ITERATIONS
        )
        try:
            self._db.execute(
                "INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?)",
                (irc_lower(account), account, salt, stored, server, iterations, time.time()),
            )
        except sqlite3.IntegrityError:
            raise AccountError("ACCOUNT_EXISTS", "That account name is taken") from None
        log.info("account %s registered", account)

    def check_password(self, account: str, password: str) -> bool:
        """True when ``password`` is ``account``'s (PLAIN). Takes as long either way."""
        info = self.scram_info(account)
        salt, stored, _server, iterations = info or (b"\0" * 16, b"", b"", ITERATIONS)
        derived = self.mechanism.make_auth_info(password, iteration_count=iterations, salt=salt)
        return info is not None and hmac.compare_digest(derived[1], stored)
