"""Sending a draft/multiline message: live to a channel or a nick, and replayed from history.

A recipient with ``draft/multiline`` and ``batch`` gets the batch: ``BATCH +ref
draft/multiline <target>`` with the message's tags (time, msgid, client tags, account), its
lines with ``batch`` (and ``draft/multiline-concat``) only, then ``BATCH -ref``. Any other
gets the fallback the spec asks for: the lines that are not blank, each a PRIVMSG (or NOTICE)
as it was sent ("maintain the line composition"), the msgid on the first only ("Servers MUST
only include a message ID on the first message of a batch when sending a fallback"), the
time, account and client tags on each, as in the spec's example. Each variant is serialised
once per fan-out (by ``tag_key`` and multiline or not), as :meth:`Delivery.fanout` does.

History keeps the message as one row (app/server/history.py): its line is ``:source PRIVMSG
target :<text>`` with the lines encoded in the text (app/protocol/multiline.py: ``\\n`` before
a line, ``\\r`` before a concat one); :func:`replay` turns it back into a batch nested in the
``chathistory`` batch, or into the fallback lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.protocol import numerics as rpl
from app.protocol.message import Message, format_line
from app.protocol.multiline_check import BATCH_TYPE, CAP, CONCAT_TAG, Line, decode, encode
from app.server.commands.accounts import refuse_unverified
from app.server.commands.messaging import STATUS_PREFIXES, _may_speak
from app.server.commands.presence import BOT_MODE
from app.server.history import Stored, format_ms
from app.server.playback import replay_tags
from app.server.state import TAG_ACCOUNT, TAG_MESSAGE_TAGS, TAG_TIME

if TYPE_CHECKING:
    from app.server.core import ServerCore
    from app.server.state import Client

_MULTILINE = 8  # beside the tag_key bits: the variant for recipients with the batch


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One multiline message as it goes out: the same for every recipient."""

    source: str  # nick!user@host
    target: str  # as in its lines
    bodies: tuple[str, ...]  # each line, untagged: ":source PRIVMSG target :text"
    lines: tuple[Line, ...]
    msgid: str
    time_text: str
    client_tags: str
    account: str | None

    def tags(self, tag_key: int, *, msgid: bool) -> list[str]:
        tags = []
        if tag_key & TAG_TIME:
            tags.append("time=" + self.time_text)
        if tag_key & TAG_MESSAGE_TAGS:
            if msgid:
                tags.append("msgid=" + self.msgid)
            if self.client_tags:
                tags.append(self.client_tags)
        if tag_key & TAG_ACCOUNT and self.account:
            tags.append("account=" + self.account)
        return tags

    def as_batch(self, ref: str, tag_key: int) -> str:
        start = format_line(self.source, "BATCH", (f"+{ref}", BATCH_TYPE, self.target))
        out = [_tagged(self.tags(tag_key, msgid=True), start)]
        for body, (_, concat) in zip(self.bodies, self.lines, strict=True):
            out.append(f"@batch={ref};{CONCAT_TAG} {body}" if concat else f"@batch={ref} {body}")
        out.append(format_line(self.source, "BATCH", (f"-{ref}",)))
        return "\r\n".join(out) + "\r\n"

    def as_lines(self, tag_key: int) -> str:
        out: list[str] = []
        for body, (text, _) in zip(self.bodies, self.lines, strict=True):
            if text:  # "Servers MUST NOT send blank lines" to these
                out.append(_tagged(self.tags(tag_key, msgid=not out), body))
        return "".join(line + "\r\n" for line in out)


def _tagged(tags: list[str], line: str) -> str:
    return f"@{';'.join(tags)} {line}" if tags else line


def has_multiline(client: Client) -> bool:
    """Whether ``client`` takes multiline batches (the cap, and batch it depends on)."""
    return CAP in client.caps and "batch" in client.caps


def send(core: ServerCore, recipients: Iterable[Client], out: Outgoing,
         skip: Client | None = None) -> None:
    """``out`` to each of ``recipients`` but ``skip``, in the form it takes."""
    ref = core.new_batch_ref()
    variants: dict[int, bytes] = {}
    for member in recipients:
        if member is skip:
            continue
        multi = has_multiline(member)
        key = member.tag_key | (_MULTILINE if multi else 0)
        data = variants.get(key)
        if data is None:
            text = out.as_batch(ref, member.tag_key) if multi else out.as_lines(member.tag_key)
            data = variants[key] = text.encode()
        member.write(data)


def deliver(core: ServerCore, client: Client, command: str, target: str,
            lines: list[Line], client_tags: str) -> None:
    """A complete, valid batch from ``client``: checked as a PRIVMSG to ``target`` would be
    (the same numerics), sent, stored once."""
    if core.guarded and client in core.guarded:
        refuse_unverified(core, client, Message(command, (target,)))
        return
    client.last_message = core.clock()
    name = target.lstrip("".join(STATUS_PREFIXES))
    if name[:1] == "#":
        _to_channel(core, client, command, target, name, lines, client_tags)
        return
    user = core.find_nick(name)
    if user is None:
        if command != "NOTICE":
            core.reply(client, rpl.ERR_NOSUCHNICK, name, "No such nick/channel")
        return
    out, ms, stored = _outgoing(core, client, command, user.nick, lines, client_tags)
    core.store_private(out.msgid, client, user, ms, stored, client_tags)
    echo = "echo-message" in client.caps
    if user is client:  # as messaging: the delivery unlabeled, then the labeled echo
        with core.unlabeled(client):
            send(core, (client,), out)
        if echo:
            send(core, (client,), out)
        return
    send(core, (user, client) if echo else (user,), out)
    if command == "PRIVMSG" and user.away is not None:
        core.reply(client, rpl.RPL_AWAY, user.nick, user.away)


def _to_channel(core: ServerCore, client: Client, command: str, target: str, name: str,
                lines: list[Line], client_tags: str) -> None:
    channel = core.find_channel(name)
    if channel is None:
        if command == "PRIVMSG":
            core.reply(client, rpl.ERR_NOSUCHCHANNEL, name, "No such channel")
        return
    if not _may_speak(channel, client):
        if command != "NOTICE":
            core.reply(client, rpl.ERR_CANNOTSENDTOCHAN, channel.name, "Cannot send to channel")
        return
    out, ms, stored = _outgoing(core, client, command, target, lines, client_tags)
    members = channel.members
    recipients: list[Client] | dict[Client, str] = members
    status = STATUS_PREFIXES.get(target[:1], "")  # the first one counts, as in messaging
    if status:
        ranks = "o" if status == "o" else "ov"
        recipients = [m for m, modes in members.items() if modes and modes[0] in ranks]
    else:  # a message to the ops only is not the room's history
        core.store_channel(out.msgid, channel.folded, client, ms, stored, client_tags)
    echo = "echo-message" in client.caps
    send(core, recipients, out, skip=None if echo else client)
    if echo and client not in recipients:
        send(core, (client,), out)


def _outgoing(core: ServerCore, client: Client, command: str, target: str,
              lines: list[Line], client_tags: str) -> tuple[Outgoing, int, str]:
    """The message as it goes out, its time (ms) and its line for history."""
    ms = int(core.wall_clock() * 1000)
    bodies = tuple(format_line(client.prefix, command, (target, text), trailing=True)
                   for text, _ in lines)
    shown = client_tags
    if BOT_MODE in client.modes:  # bot-mode, as presence.as_bot gives any other message
        shown = "bot;" + client_tags if client_tags else "bot"
    out = Outgoing(client.prefix, target, bodies, tuple(lines), core.new_msgid(),
                   format_ms(ms), shown, client.account)
    return out, ms, format_line(client.prefix, command, (target, encode(lines)), trailing=True)


def replay(core: ServerCore, client: Client, batch_ref: str, message: Stored) -> list[str]:
    """A stored multiline message's lines inside the ``chathistory`` batch ``batch_ref``:
    a nested multiline batch for a client that takes one, else the fallback lines."""
    head, _, text = message.line.partition(" :")
    source, _, rest = head[1:].partition(" ")
    target = rest.partition(" ")[2]
    lines = decode(text)
    tags = [f"batch={batch_ref}", f"time={message.time_text}"]
    extra = replay_tags(message, client.tag_key)
    if has_multiline(client):
        ref = core.new_batch_ref()
        start = format_line(source, "BATCH", (f"+{ref}", BATCH_TYPE, target))
        out = [_tagged([*tags, f"msgid={message.msgid}", *extra], start)]
        out += [f"@batch={ref}{';' + CONCAT_TAG if concat else ''} {head} :{line}"
                for line, concat in lines]
        out.append(f"@batch={batch_ref} " + format_line(source, "BATCH", (f"-{ref}",)))
        return out
    fallback: list[str] = []
    for line, _ in lines:
        if line:
            msgid = [] if fallback else [f"msgid={message.msgid}"]
            fallback.append(_tagged([*tags, *msgid, *extra], f"{head} :{line}"))
    return fallback
