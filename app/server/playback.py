"""draft/event-playback: which stored lines a CHATHISTORY batch may hold for a client, and
the tags each carries there.

History keeps PRIVMSG, NOTICE and reactions (TAGMSG: app/server/client_tags.py). The
chathistory spec: "If the client has not negotiated the event-playback capability, the
server MUST NOT send any lines other than PRIVMSG and NOTICE in the reply batch"; and
TAGMSG never goes to a client without message-tags. :func:`reader` gives such a client a
view of the store that skips events *before* the limit is counted, so ``LATEST 50`` still
brings 50 messages (an empty batch would tell the client that history has ended).

A replayed message has the tags it had live (:meth:`app.server.deliver.Delivery.fanout`),
its time and msgid being the original ones: bot-mode's tag "SHOULD be added by the server to
all commands sent by a bot", and a replayed one was sent by a bot; account-tag's ``account``
names whom the sender was logged in as when it sent it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from app.server.history import HistoryStore, Stored
from app.server.state import TAG_ACCOUNT, TAG_MESSAGE_TAGS

if TYPE_CHECKING:
    from app.server.state import Client

CAP = "draft/event-playback"
Point = tuple[int, int]
_END: Point = (1 << 62, 1 << 62)  # after every stored message


class HistoryReader(Protocol):
    def before(self, target: str, point: Point, limit: int) -> list[Stored]: ...

    def after(self, target: str, point: Point, limit: int) -> list[Stored]: ...

    def latest(self, target: str, limit: int, after: Point = (-1, -1)) -> list[Stored]: ...


def reader(store: HistoryStore, client: Client) -> HistoryReader:
    """The store itself for a client with event-playback (and message-tags), else a view
    of only its PRIVMSGs and NOTICEs."""
    if CAP in client.caps and "message-tags" in client.caps:
        return store
    return ChatOnly(store)


def replay_tags(message: Stored, tag_key: int) -> list[str]:
    """The tags of ``message`` in a replay to a client of ``tag_key``, but batch, time and
    msgid: ``bot`` and the client tags with message-tags, ``account`` with account-tag."""
    tags = []
    if tag_key & TAG_MESSAGE_TAGS:
        if message.bot:
            tags.append("bot")
        if message.tags:
            tags.append(message.tags)
    if tag_key & TAG_ACCOUNT and message.account:
        tags.append("account=" + message.account)
    return tags


def is_chat(message: Stored) -> bool:
    """A PRIVMSG or NOTICE (``:source COMMAND …``), not an event."""
    command = message.line.split(" ", 2)[1]
    return command in ("PRIVMSG", "NOTICE")


class ChatOnly:
    """The store's PRIVMSGs and NOTICEs: pages of the store, events left out, until
    ``limit`` messages are found or the store has no more."""

    def __init__(self, store: HistoryStore) -> None:
        self._store = store

    def before(self, target: str, point: Point, limit: int) -> list[Stored]:
        return self._backwards(target, point, limit, (-1, -1))

    def latest(self, target: str, limit: int, after: Point = (-1, -1)) -> list[Stored]:
        return self._backwards(target, _END, limit, after)

    def after(self, target: str, point: Point, limit: int) -> list[Stored]:
        found: list[Stored] = []
        while len(found) < limit:
            page = self._store.after(target, point, limit)
            found += filter(is_chat, page)
            if len(page) < limit:
                break
            point = page[-1].point
        return found[:limit]

    def _backwards(self, target: str, point: Point, limit: int, floor: Point) -> list[Stored]:
        """Up to ``limit`` messages before ``point`` and after ``floor``, oldest first."""
        found: list[Stored] = []
        while len(found) < limit:
            page = self._store.before(target, point, limit)
            kept = [m for m in page if m.point > floor]
            found = [m for m in kept if is_chat(m)] + found
            if len(page) < limit or len(kept) < len(page):
                break
            point = page[0].point
        return found[-limit:]
