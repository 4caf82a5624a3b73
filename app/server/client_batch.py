"""Client-initiated batches (IRCv3 client-batch) for draft/multiline: each connection's one
open batch, the answer to a refused one, its time limit and what it costs.

``core.batches`` maps a client to its :class:`OpenBatch`: the batch it has open, if any,
and the references of the last batches refused (at most :data:`MAX_IGNORED`), whose
remaining lines, nested BATCHes and ``BATCH -ref`` are ignored in silence, so one broken
batch gets one ``FAIL``. At its ``deadline`` an open batch gets ``FAIL BATCH TIMEOUT <ref>``
("all past and future messages in this batch will be ignored"), so a batch never closed
holds at most the multiline limits, for at most :data:`TIMEOUT_S`; refused references are
forgotten then. Nothing of a refused batch is delivered or stored.

Flood control: the lines of an open batch wait for no token as they come (a client may send
its whole batch at once, and at most :data:`QUEUE_ROOM` lines more than ``max_queued`` may
wait), and the batch pays for all its lines when it ends, delivered or refused (or timed
out): it costs what its lines would cost one by one, and the tokens may go below zero, so
the connection's next lines wait until it has paid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.protocol.message import Message, format_line
from app.protocol.multiline_check import CAP, MAX_LINES, Collector, Refusal, invalid

if TYPE_CHECKING:
    from app.server.core import ServerCore
    from app.server.state import Client

TIMEOUT_S = 30.0  # an open batch, from its BATCH +ref; a refused one's lines, after the FAIL
QUEUE_ROOM = MAX_LINES + 2  # a whole batch, BATCH lines included
MAX_IGNORED = 4  # refused batches remembered per connection


@dataclass(slots=True)
class OpenBatch:
    """A client's batches: the one open (``collector`` not None), and refused ones."""

    ref: str = ""
    collector: Collector | None = None
    tags: str = ""  # the client tags of BATCH +ref, for the whole message
    label: str = ""  # of BATCH +ref: the answer at its end carries it
    deadline: float = 0.0
    ignored: tuple[str, ...] = ()  # refused batches: what still comes of them is ignored

    def without(self, ref: str) -> tuple[str, ...]:
        return tuple(other for other in self.ignored if other != ref)


def queue_room(client: Client) -> int:
    """How many lines more than ``max_queued`` may wait for ``client`` (flood control)."""
    return QUEUE_ROOM if CAP in client.caps else 0


def answer(core: ServerCore, client: Client, label: str, send: Callable[[], None]) -> None:
    """Run ``send`` as the answer to a labeled BATCH, or as it is without a label."""
    if label and "labeled-response" in client.caps:
        core.labels.run(client, Message("BATCH"), lambda _core, _client, _msg: send(), label,
                        whole_batch=True)
    else:
        send()


def fail_line(core: ServerCore, refusal: Refusal) -> str:
    return format_line(core.name, "FAIL", ("BATCH", refusal.code, *refusal.params,
                                           refusal.text), trailing=True)


def pay(client: Client, batch: OpenBatch) -> None:
    """The batch's lines, each the one token it did not cost when it came."""
    if batch.collector is not None:
        client.tokens -= len(batch.collector.lines)


def refuse(core: ServerCore, client: Client, refusal: Refusal, *, ref: str = "",
           label: str = "") -> None:
    """``FAIL BATCH``; the open batch, if any, is refused with it (and paid for). What
    still comes of it, and of ``ref``, is ignored."""
    batch = core.batches.get(client)
    refs: tuple[str, ...] = (ref,) if ref else ()
    if batch is not None:
        if batch.collector is not None:
            pay(client, batch)
            label = batch.label or label
            refs += (batch.ref,)
        refs = (*batch.without(ref), *refs)
    if refs:
        core.batches[client] = OpenBatch(ignored=refs[-MAX_IGNORED:],
                                         deadline=core.clock() + TIMEOUT_S)
    answer(core, client, label, lambda: core.send(client, fail_line(core, refusal)))


def expire(core: ServerCore) -> None:
    """Each tick: batches past their deadline go; those of closed connections too."""
    now = core.clock()
    for client, batch in list(core.batches.items()):
        if client.closed or (now >= batch.deadline and batch.collector is None):
            del core.batches[client]
        elif now >= batch.deadline:
            refuse(core, client, Refusal("TIMEOUT", (batch.ref,), "Batch left open too long"))


def lost_line(core: ServerCore, client: Client, raw: bytes) -> None:
    """A line the core could not read (too long, not UTF-8, malformed): when it claims a
    batch tag while a batch is open, that message cannot arrive whole, so it goes."""
    batch = core.batches.get(client)
    if batch is None or batch.collector is None or raw[:1] != b"@":
        return
    tags = raw[1:raw.find(b" ")]
    if tags.startswith(b"batch=") or b";batch=" in tags:
        refuse(core, client, invalid("A line of the multiline batch was refused"))
