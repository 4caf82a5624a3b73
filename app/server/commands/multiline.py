"""BATCH from a client (IRCv3 client-batch) for ``draft/multiline``: open, collect, close.

``BATCH +ref draft/multiline <target>``, then PRIVMSG (or NOTICE) lines tagged ``batch=ref``
(``draft/multiline-concat`` on those that continue the line before), then ``BATCH -ref``:
one message, delivered and stored when the batch ends (app/server/multiline_delivery.py).
The core hands a registered client's line here first when it is a BATCH, carries a ``batch``
tag, or a batch is open anywhere (:func:`intercept`), before labeled-response: a labeled
``BATCH +ref`` gets no ACK; its label goes on the answer at the end, the echoed batch's
start ("Servers MUST only include the label tag on the opening BATCH command"), or the FAIL.

Refused, with ``FAIL BATCH <code>`` and nothing delivered or stored, the connection staying
(app/protocol/multiline.py has the limits; app/server/client_batch.py the time limit and the
flood cost): a line of another command or target, too many bytes or lines, a blank batch, a
concat tag on a blank line; a batch tag no batch was opened with, a nested BATCH, a second
BATCH + before the first ended, a bad reference, another batch type, no target or several.
The client tags of ``BATCH +ref`` (``+reply`` …) are the message's; tags on its lines other
than ``batch`` and the concat tag are ignored (the spec: clients "MUST NOT send" them).

A line without a ``batch`` tag while a batch is open runs as usual and the batch stays open,
as in ergo: client-batch says a client "MUST NOT send any messages that are not part of the
batch", but a keep-alive PING or a message sent meanwhile is no reason to lose the batch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.protocol.message import Message
from app.protocol.multiline_check import (
    BATCH_TYPE,
    CAP,
    CONCAT_TAG,
    LINE_COMMANDS,
    Collector,
    invalid,
    is_valid_ref,
)
from app.server.client_batch import (
    MAX_IGNORED,
    TIMEOUT_S,
    OpenBatch,
    answer,
    fail_line,
    pay,
    refuse,
)
from app.server.client_tags import refusal, relayed
from app.server.commands.accounts import unverified
from app.server.multiline_delivery import deliver

if TYPE_CHECKING:
    from app.server.core import Handler, ServerCore
    from app.server.state import Client

UNKNOWN_REF = "No multiline batch is open with that reference"


def intercept(core: ServerCore, client: Client, msg: Message) -> bool:
    """Handle ``msg`` when it is a BATCH or a line of one; False: it runs as usual."""
    tags = msg.tags
    ref = tags.get("batch") if tags else None
    batch = core.batches.get(client)
    if msg.command == "BATCH":
        opened = msg.param(0)[1:] if msg.param(0)[:1] == "+" else ""
        if ref is None:
            handle_batch(core, client, msg)
        elif batch is not None and ref in batch.ignored:  # nested in a refused batch
            if opened:
                batch.ignored = (*batch.ignored, opened)[-MAX_IGNORED:]
        else:
            refuse(core, client, invalid("Nested batches are not allowed"), ref=opened,
                   label=_label(msg))
        return True
    if ref is None:
        return False
    if batch is not None and ref in batch.ignored:
        return True  # a line of a refused batch
    if batch is None or batch.collector is None or ref != batch.ref:
        refuse(core, client, invalid(UNKNOWN_REF))
    elif msg.command not in LINE_COMMANDS:
        refuse(core, client, invalid("A multiline batch holds only PRIVMSG or NOTICE lines"))
    elif len(msg.params) < 2:
        refuse(core, client, invalid("A line of a multiline batch has a target and a text"))
    else:
        why = batch.collector.add(msg.command, msg.params[0], msg.params[1],
                                  CONCAT_TAG in tags)
        if why is not None:
            refuse(core, client, why)
        else:
            client.tokens += 1.0  # the batch pays for its lines when it ends
    return True


def handle_batch(core: ServerCore, client: Client, msg: Message) -> None:
    """``BATCH +ref type target`` or ``BATCH -ref``."""
    first = msg.param(0)
    label = _label(msg)
    if first[:1] == "+":
        _open(core, client, msg, first[1:], label)
    elif first[:1] == "-":
        _close(core, client, first[1:], label)
    else:
        refuse(core, client, invalid("BATCH +reference type target, or BATCH -reference"),
               label=label)


def _open(core: ServerCore, client: Client, msg: Message, ref: str, label: str) -> None:
    tomb = ref  # what the client sends next for it (a bad reference too) is ignored
    batch = core.batches.get(client)
    if batch is not None and batch.collector is not None:
        refuse(core, client, invalid("A multiline batch is already open"), ref=tomb,
               label=label)
        return
    why = _why_not(client, msg, ref) or _impostor(core, client)
    client_tags = relayed(msg.tags, msg.raw_tags) if msg.tags else ""
    if why is None and client_tags:
        bad = refusal(msg.tags)
        if bad is not None:
            why = f"{bad[0]}: {bad[1]}"
    if why is not None:
        refuse(core, client, invalid(why), ref=tomb, label=label)
        return
    core.batches[client] = OpenBatch(ref, Collector(msg.params[2]), client_tags, label,
                                     core.clock() + TIMEOUT_S, batch.without(ref) if batch else ())


def _why_not(client: Client, msg: Message, ref: str) -> str | None:
    """Why ``BATCH +ref …`` cannot open a batch, or None."""
    if CAP not in client.caps:
        return f"Client batches need the {CAP} capability"
    if not is_valid_ref(ref):
        return "A batch reference is letters, digits and hyphens"
    if msg.param(1) != BATCH_TYPE:
        return f"The only client batch is {BATCH_TYPE}"
    target = msg.param(2)
    if not target or " " in target or target[0] == ":":
        return "A multiline batch needs a target"
    if "," in target:
        return "A multiline batch has one target"
    return None


def _close(core: ServerCore, client: Client, ref: str, label: str) -> None:
    batch = core.batches.get(client)
    if batch is not None and ref in batch.ignored:  # the end of a refused batch: ignored
        batch.ignored = batch.without(ref)
        if batch.collector is None and not batch.ignored:
            del core.batches[client]
        return
    if batch is None or batch.collector is None or batch.ref != ref:
        refuse(core, client, invalid(UNKNOWN_REF), label=label)
        return
    collector = batch.collector
    if batch.ignored:
        core.batches[client] = OpenBatch(ignored=batch.ignored, deadline=batch.deadline)
    else:
        del core.batches[client]
    pay(client, batch)
    label = batch.label or label
    why = collector.finish()
    if why is None and (impostor := _impostor(core, client)):  # a NICK since it opened
        why = invalid(impostor)
    if why is not None:
        answer(core, client, label, lambda: core.send(client, fail_line(core, why)))
        return
    answer(core, client, label, lambda: deliver(
        core, client, collector.command, collector.target, collector.lines, batch.tags))


def _impostor(core: ServerCore, client: Client) -> str | None:
    """Why ``client`` may not speak yet: on a registered nick, not logged in to it."""
    return unverified(client) if core.guarded and client in core.guarded else None


def _label(msg: Message) -> str:
    return msg.tags.get("label", "") if msg.tags else ""


def _handle(core: ServerCore, client: Client, msg: Message) -> None:
    intercept(core, client, msg)


# The core calls intercept() for a registered client's BATCH first; this entry makes BATCH a
# known command (451 before registration, as any other).
COMMANDS: dict[str, Handler] = {"BATCH": _handle}
