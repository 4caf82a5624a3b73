"""IRCv3 labeled-response: what a labeled command sends back carries its label.

One line gets the ``label`` tag, several go in a ``labeled-response`` batch, none gets an
ACK. The core runs a labeled command through :meth:`Labels.run`, which collects what the
command writes to its client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from app.protocol.errors import RemoteProtocolError
from app.protocol.message import Message, add_tag, parse, serialize_tags

if TYPE_CHECKING:
    from app.server.core import Handler, ServerCore
    from app.server.state import Client


class Labels:
    """The clients whose labeled command runs now, each with its real ``write``."""

    def __init__(self, core: ServerCore) -> None:
        self._core = core
        self._real_writes: dict[Client, Callable[[bytes], object]] = {}

    def __contains__(self, client: Client) -> bool:
        return client in self._real_writes

    def run(self, client: Client, msg: Message, handler: Handler, label: str, *,
            whole_batch: bool = False) -> None:
        """Run ``handler`` collecting what it sends to ``client``, then label it.
        ``whole_batch``: when that is one batch, its start gets the label (the spec allows
        "an existing type applicable to the entire response"; draft/multiline wants it)."""
        core = self._core
        captured: list[bytes] = []
        real_write = client.write
        client.write = captured.append
        self._real_writes[client] = real_write
        try:
            handler(core, client, msg)
        finally:
            client.write = real_write
            del self._real_writes[client]
        if client.closed:  # QUIT, KILL, Excess Flood: the link is gone
            return
        # one write may hold several lines (the welcome burst): label them one by one
        lines = [line + b"\n" for line in b"".join(captured).split(b"\n")[:-1]]
        tag = "label=" + serialize_tags({"label": label}).partition("=")[2]
        if not lines:
            real_write(f"@{tag} :{core.name} ACK\r\n".encode())
        elif (len(lines) == 1 or "batch" not in client.caps
              or (whole_batch and _one_batch(lines))):
            real_write(add_tag(lines[0], tag) + b"".join(lines[1:]))
        else:
            ref = core.new_batch_ref()
            out = [f"@{tag} :{core.name} BATCH +{ref} labeled-response\r\n".encode()]
            # a line of a batch inside it stays in that batch: only the batch's start and
            # end are in ours (batch: "Start and end messages of one batch MAY refer to another")
            out += [line if _in_batch(line) else add_tag(line, "batch=" + ref) for line in lines]
            out.append(f":{core.name} BATCH -{ref}\r\n".encode())
            real_write(b"".join(out))

    @contextmanager
    def unlabeled(self, client: Client) -> Iterator[None]:
        """Within a labeled command, write to ``client`` past the label (a message a client
        sends to itself is delivered without the label: IRCv3 labeled-response)."""
        real_write = self._real_writes.get(client)
        if real_write is None:
            yield
            return
        captured = client.write
        client.write = real_write
        try:
            yield
        finally:
            client.write = captured


def _in_batch(line: bytes) -> bool:
    """Whether a ready line has a ``batch`` tag."""
    if line[:1] != b"@":
        return False
    tags = line[1:line.find(b" ")]
    return tags.startswith(b"batch=") or b";batch=" in tags


def _one_batch(lines: list[bytes]) -> bool:
    """Whether ``lines`` are one batch, from its start to its end."""
    try:
        first, last = (parse(line.decode().rstrip("\r\n")) for line in (lines[0], lines[-1]))
    except (UnicodeDecodeError, RemoteProtocolError):
        return False
    ref = first.param(0)
    return (first.command == last.command == "BATCH" and ref[:1] == "+"
            and last.param(0) == "-" + ref[1:] and not _in_batch(lines[0]))
