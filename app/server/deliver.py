"""Sending from the server core: numerics, one line, the fan-out of one event to many
(the hot path: serialised once per tag variant), and private history's two views.

:class:`ServerCore` derives from :class:`Delivery`; it is only a seam in the file tree, and
its methods read the core's state (``name``, ``history``, ``wall_clock``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from app.protocol.casemap import irc_lower
from app.protocol.message import format_line
from app.server.history import HistoryStore, format_ms, view_key
from app.server.state import TAG_ACCOUNT, TAG_MESSAGE_TAGS, TAG_TIME, Client


class Delivery:
    """What :class:`app.server.core.ServerCore` uses to send."""

    name: str
    history: HistoryStore
    wall_clock: Callable[[], float]
    _msgid_prefix: str
    _msgid_seq: int
    # While a bot's command runs, how the lines it sends start (presence.as_bot): those get
    # the bot tag (IRCv3 bot-mode). Empty the rest of the time, which costs fanout one test.
    bot_sources: tuple[str, ...] = ()

    # ---------------------------------------------------------------- sending
    def send(self, client: Client, line: str) -> None:
        client.write(line.encode() + b"\r\n")

    def reply(self, client: Client, numeric: str, *params: str) -> None:
        """A numeric from the server to ``client``; its nick (``*`` before NICK) comes first."""
        line = format_line(self.name, numeric, (client.nick, *params), trailing=len(params) > 0)
        client.write((line + "\r\n").encode())

    def now_text(self) -> str:
        """The server-time tag value for now: ``YYYY-MM-DDThh:mm:ss.sssZ``."""
        return format_ms(int(self.wall_clock() * 1000))

    def new_msgid(self) -> str:
        self._msgid_seq += 1
        return f"{self._msgid_prefix}{self._msgid_seq:x}"

    def new_batch_ref(self) -> str:
        """A reference for a BATCH, unique while the server runs."""
        return self.new_msgid()[-8:]

    def fanout(
        self,
        recipients: Iterable[Client],
        line: str,
        *,
        msgid: str | None = None,
        client_tags: str = "",
        only_tagged: bool = False,
        skip: Client | None = None,
        time_text: str = "",
        account: str | None = None,
    ) -> None:
        """Send one event to many (but ``skip``). The line is serialised once per tag variant
        (at most eight), and the same bytes object goes to every recipient of that variant.
        ``account``: the sender's, for those with account-tag."""
        if self.bot_sources and line.startswith(self.bot_sources):
            client_tags = "bot;" + client_tags if client_tags else "bot"
        body = line + "\r\n"
        variants: list[bytes | None] = [None] * 8
        for member in recipients:
            if member is skip:
                continue
            key = member.tag_key
            data = variants[key]
            if data is None:
                if only_tagged and not key & TAG_MESSAGE_TAGS:
                    continue
                tags = []
                if key & TAG_TIME:
                    time_text = time_text or self.now_text()
                    tags.append("time=" + time_text)
                if key & TAG_MESSAGE_TAGS:
                    if msgid:
                        tags.append("msgid=" + msgid)
                    if client_tags:
                        tags.append(client_tags)
                if key & TAG_ACCOUNT and account:
                    tags.append("account=" + account)
                data = variants[key] = (("@" + ";".join(tags) + " ") if tags else "").encode() + (
                    body.encode()
                )
            member.write(data)

    # ---------------------------------------------------------------- private history
    def owner(self, client: Client) -> str:
        """Whose private history ``client`` writes and reads: its account (``@name``), or,
        for a guest, this very connection (``~run.id``), which nobody else can ever be."""
        if client.account:
            return "@" + irc_lower(client.account)
        return self.connection_owner(client)

    def connection_owner(self, client: Client) -> str:
        """``client``'s owner as a guest (``~run.id``), logged in since or not: what it sent
        before logging in is still its own (REDACT)."""
        return f"~{self._msgid_prefix}.{client.id}"

    def store_channel(
        self, msgid: str, key: str, sender: Client, ms: int, line: str, tags: str
    ) -> None:
        """A message to the channel whose folded name is ``key``."""
        self.history.add(msgid, key, ms, line, tags, sender=self.owner(sender),
                         account=sender.account or "", bot=is_bot(sender))

    def store_private(
        self, msgid: str, sender: Client, recipient: Client, ms: int, line: str, tags: str
    ) -> None:
        """A private message, in the view of each of its two parties."""
        history = self.history
        by, account, bot = self.owner(sender), sender.account or "", is_bot(sender)
        for owner, peer in ((sender, recipient), (recipient, sender)):
            history.add(msgid, view_key(self.owner(owner), peer.folded), ms, line, tags,
                        sender=by, account=account, bot=bot)
            owner.has_views = True

    def common_peers(self, client: Client, *, include_self: bool) -> list[Client]:
        """Everyone who shares a channel with ``client``, each once."""
        seen: dict[Client, None] = {client: None} if include_self else {}
        for channel in client.channels.values():
            seen.update(dict.fromkeys(channel.members))
        if not include_self:
            seen.pop(client, None)
        return list(seen)


def is_bot(client: Client) -> bool:
    """Whether ``client`` has bot mode (the letter is presence.BOT_MODE, not imported:
    that would load every command module with this one)."""
    return "B" in client.modes
