"""SASL framing over IRC (400-character pieces), PLAIN, and the login back-off."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.protocol.sasl import CHUNK, Backoff, Reassembler, SaslError, encode, parse_plain, plain


@given(st.binary(max_size=2000))
def test_any_payload_survives_the_pieces(payload: bytes) -> None:
    pieces = encode(payload)
    assert all(len(p) <= CHUNK for p in pieces)
    buffer = Reassembler()
    results = [buffer.feed(p) for p in pieces]
    assert results[:-1] == [None] * (len(pieces) - 1) and results[-1] == payload


def test_a_payload_that_fills_its_last_piece_ends_with_plus() -> None:
    payload = b"x" * 300  # 400 base64 characters exactly
    assert encode(payload) == [base64.b64encode(payload).decode(), "+"]
    assert encode(b"") == ["+"]


def test_bad_pieces_are_errors_not_crashes() -> None:
    with pytest.raises(SaslError, match="too long"):
        Reassembler().feed("A" * 401)
    with pytest.raises(SaslError, match="base64"):
        Reassembler().feed("not base64!")
    buffer = Reassembler()
    with pytest.raises(SaslError, match="too long"):
        for _ in range(100):
            buffer.feed("A" * CHUNK)


def test_plain_credentials() -> None:
    assert parse_plain(plain("alice", "pw")) == ("alice", "alice", "pw")
    assert parse_plain(b"\0bob\0secret") == ("", "bob", "secret")
    for bad in (b"alice\0pw", b"\0\0pw", b"\xff\0a\0b"):
        with pytest.raises(SaslError):
            parse_plain(bad)


def test_failures_slow_the_next_attempts_per_key_and_success_clears() -> None:
    now = [0.0]
    backoff = Backoff(lambda: now[0], free=2, ceiling=8.0)
    for _ in range(2):
        backoff.failed("acct", "10.0.0.1")
    assert backoff.wait("acct") == 0  # the free ones
    waits = []
    for _ in range(5):
        backoff.failed("acct")
        waits.append(backoff.wait("acct"))
    assert waits == [1.0, 2.0, 4.0, 8.0, 8.0]  # doubling, up to the ceiling
    assert backoff.wait("other") == 0 and backoff.wait("other", "acct") == 8.0
    now[0] += 8.0
    assert backoff.wait("acct") == 0
    backoff.succeeded("acct")
    backoff.failed("acct")
    assert backoff.wait("acct") == 0  # counting starts again
