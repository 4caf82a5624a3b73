"""Replies and reactions as client-only tags (IRCv3 client-tags/reply and client-tags/react,
with its unreact draft): reading them from a message, and the tags to send. Pure.

A reply names its parent's msgid in ``+draft/reply`` (the name the drafts use) or ``+reply``
(the final name); we send both. A reaction is a TAGMSG with ``+draft/react`` (or, taking one
back, ``+draft/unreact``) that "MUST be used in conjunction with" a reply tag: one without
it, with both react and unreact, or empty, is no reaction. A reaction longer than
:data:`MAX_REACTION_BYTES` is dropped, never truncated: cut short it would be another
reaction than the one others see (as Halloy's ``Reaction::received``; our server refuses
longer ones too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.protocol.isupport import tag_denied

REPLY_TAGS = ("+draft/reply", "+reply")
REACT_TAGS = ("+draft/react", "+react")
UNREACT_TAGS = ("+draft/unreact", "+unreact")
MAX_REACTION_BYTES = 64  # any emoji sequence (the longest are about 35) or a short word
MAX_MSGID_BYTES = 128  # an opaque id: ours are about 20 bytes, ergo's 26


@dataclass(frozen=True, slots=True)
class ReactionTags:
    """What a message's tags say: a reaction (``unreact``: taken back) to ``parent``."""

    parent: str
    text: str
    unreact: bool = False


def _first(tags: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    return next((tags[name] for name in names if name in tags), None)


def reply_to(tags: Mapping[str, str] | None) -> str:
    """The msgid a message answers, or "" (none, or not a plausible msgid)."""
    if not tags:
        return ""
    parent = _first(tags, REPLY_TAGS) or ""
    if not parent or len(parent.encode("utf-8", "replace")) > MAX_MSGID_BYTES:
        return ""
    if any(ch.isspace() or ch in "\0;" for ch in parent):
        return ""
    return parent


def reaction_of(tags: Mapping[str, str] | None) -> ReactionTags | None:
    """The reaction (or unreaction) ``tags`` carry; None when they carry none that is valid."""
    if not tags:
        return None
    react, unreact = _first(tags, REACT_TAGS), _first(tags, UNREACT_TAGS)
    if (react is None) == (unreact is None):
        return None  # neither (typing, another client tag), or both: not one reaction
    text = react if react is not None else unreact
    parent = reply_to(tags)
    if not parent or not text or len(text.encode("utf-8", "replace")) > MAX_REACTION_BYTES:
        return None
    return ReactionTags(parent, text, unreact is not None)


def reply_tags(parent: str, clienttagdeny: str | None = None) -> dict[str, str]:
    """The tags that make a message a reply to ``parent`` (those the server lets through)."""
    return {
        name: parent for name in REPLY_TAGS if not tag_denied(clienttagdeny, name[1:])
    }


def reaction_tags(
    parent: str, text: str, unreact: bool = False, clienttagdeny: str | None = None
) -> dict[str, str]:
    """The tags of a TAGMSG reacting to ``parent`` with ``text`` (or taking it back)."""
    key = "+draft/unreact" if unreact else "+draft/react"
    return {key: text, **reply_tags(parent, clienttagdeny)}
