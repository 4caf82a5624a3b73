"""SASL over IRC (IRCv3 sasl-3.1/3.2): AUTHENTICATE framing, PLAIN, and login back-off.

Payloads travel base64-encoded in ``AUTHENTICATE`` lines of at most 400 characters; a line
of exactly 400 means more follows, and ``+`` alone is an empty payload (or the end of one
that filled its last line exactly).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

CHUNK = 400
MAX_PAYLOAD = 8192  # bytes, decoded: far above any PLAIN or SCRAM message
MECHANISMS = ("SCRAM-SHA-256", "PLAIN")  # in order of preference


class SaslError(ValueError):
    """A malformed or oversized AUTHENTICATE payload."""


def encode(payload: bytes) -> list[str]:
    """The AUTHENTICATE parameters that carry ``payload``."""
    text = base64.b64encode(payload).decode("ascii")
    if not text:
        return ["+"]
    chunks = [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)]
    if len(chunks[-1]) == CHUNK:
        chunks.append("+")
    return chunks


class Reassembler:
    """Collects AUTHENTICATE parameters into one payload."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0

    def feed(self, param: str) -> bytes | None:
        """The whole payload once its last piece came, else None. Raises SaslError."""
        if len(param) > CHUNK:
            raise SaslError("AUTHENTICATE line too long")
        if param != "+":
            self._parts.append(param)
            self._size += len(param)
            if self._size > MAX_PAYLOAD * 4 // 3 + 4:
                raise SaslError("SASL message too long")
            if len(param) == CHUNK:
                return None
        text, self._parts, self._size = "".join(self._parts), [], 0
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SaslError("not base64") from exc


def parse_plain(payload: bytes) -> tuple[str, str, str]:
    """``authzid\\0authcid\\0password`` → (authzid, authcid, password). Raises SaslError."""
    parts = payload.split(b"\0")
    if len(parts) != 3 or not parts[1]:
        raise SaslError("PLAIN wants authzid NUL authcid NUL password")
    try:
        authzid, authcid, password = (part.decode("utf-8") for part in parts)
    except UnicodeDecodeError as exc:
        raise SaslError("PLAIN credentials must be UTF-8") from exc
    return authzid, authcid, password


def plain(account: str, password: str) -> bytes:
    """The PLAIN payload for ``account`` (authzid = authcid)."""
    return b"\0".join((account.encode(), account.encode(), password.encode()))


class Backoff:
    """Failed logins slow the next ones: after ``free`` failures, each costs twice the
    wait of the one before (1, 2, 4 … ``ceiling`` s), counted per key (an account, an
    address). A success clears the key; an idle key forgets after ``forget_after`` s."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        free: int = 3,
        ceiling: float = 300.0,
        forget_after: float = 3600.0,
    ) -> None:
        self._clock = clock
        self._free = free
        self._ceiling = ceiling
        self._forget_after = forget_after
        self._keys: dict[str, tuple[int, float]] = {}  # key → (failures, locked until)

    def wait(self, *keys: str) -> float:
        """Seconds before any of ``keys`` may try again (0: now)."""
        now = self._clock()
        return max([0.0, *(self._keys.get(key, (0, 0.0))[1] - now for key in keys)])

    def failed(self, *keys: str) -> None:
        now = self._clock()
        for key in keys:
            failures, until = self._keys.get(key, (0, 0.0))
            if until and now - until > self._forget_after:
                failures = 0
            failures += 1
            delay = 0.0
            if failures > self._free:
                delay = min(self._ceiling, 2.0 ** (failures - self._free - 1))
            self._keys[key] = (failures, now + delay)
        if len(self._keys) > 100_000:  # a scan of many names: forget the stale ones
            self._keys = {
                k: v for k, v in self._keys.items() if now - v[1] < self._forget_after
            }

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._keys.pop(key, None)
