"""Case mapping of nicks and channel names (app/protocol/casemap.py).

Source: modern-irc "CASEMAPPING Parameter": ``ascii`` folds A-Z; ``rfc1459`` also treats
``{}|^`` as the lower-case forms of ``[]\\~``; ``rfc1459-strict`` (``strict-rfc1459`` in the
older isupport draft) does not fold ``^``/``~``. Without a CASEMAPPING, assume rfc1459.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.protocol.casemap import CASEMAPPINGS, casefold, irc_lower

# (mapping, a, b, equal under that mapping)
EQUALITY_CASES = [
    ("rfc1459", "Dan", "dan", True),
    ("rfc1459", "NICK[]\\~", "nick{}|^", True),
    ("rfc1459", "[", "{", True),
    ("rfc1459", "]", "}", True),
    ("rfc1459", "\\", "|", True),
    ("rfc1459", "~", "^", True),
    ("rfc1459", "#Chan[1]", "#chan{1}", True),
    ("rfc1459", "a", "b", False),
    ("rfc1459", "_", "-", False),
    ("rfc1459", "@", "`", False),
    ("ascii", "Dan", "dan", True),
    ("ascii", "ABCXYZ", "abcxyz", True),
    ("ascii", "[", "{", False),
    ("ascii", "\\", "|", False),
    ("ascii", "~", "^", False),
    ("strict-rfc1459", "Dan", "dan", True),
    ("strict-rfc1459", "[]\\", "{}|", True),
    ("strict-rfc1459", "~", "^", False),
    ("rfc1459-strict", "Dan", "dan", True),
    ("rfc1459-strict", "[]\\", "{}|", True),
    ("rfc1459-strict", "~", "^", False),
]


@pytest.mark.parametrize(("mapping", "a", "b", "equal"), EQUALITY_CASES)
def test_equality_under_mapping(mapping: str, a: str, b: str, equal: bool) -> None:
    assert (casefold(a, mapping) == casefold(b, mapping)) is equal


@pytest.mark.parametrize(
    ("name", "folded"),
    [("Alice", "alice"), ("[Bob]", "{bob}"), ("Back\\Slash", "back|slash"), ("X~Y", "x^y")],
)
def test_irc_lower(name: str, folded: str) -> None:
    assert irc_lower(name) == folded
    assert casefold(name) == folded
    assert casefold(name, "rfc1459") == folded


def test_non_ascii_letters_are_not_folded() -> None:
    for mapping in CASEMAPPINGS:
        assert casefold("\u00c9t\u00c9", mapping) == "\u00c9t\u00c9"
        assert casefold("\u0130", mapping) == "\u0130"  # no length-changing Unicode folding


def test_unknown_mapping_falls_back_to_rfc1459() -> None:
    assert casefold("[A]~", "rfc7613") == casefold("[A]~", "rfc1459")


def test_known_mappings() -> None:
    assert {"ascii", "rfc1459", "strict-rfc1459"} <= set(CASEMAPPINGS)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.sampled_from(CASEMAPPINGS))
def test_property_folding_is_idempotent_and_keeps_length(name: str, mapping: str) -> None:
    folded = casefold(name, mapping)
    assert casefold(folded, mapping) == folded
    assert len(folded) == len(name)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(max_codepoint=127), max_size=40))
def test_property_mappings_are_nested(name: str) -> None:
    """ascii folds less than strict-rfc1459, which folds less than rfc1459."""
    assert casefold(casefold(name, "ascii"), "strict-rfc1459") == casefold(name, "strict-rfc1459")
    assert casefold(casefold(name, "strict-rfc1459"), "rfc1459") == casefold(name, "rfc1459")
    assert irc_lower(name) == casefold(name, "rfc1459")
