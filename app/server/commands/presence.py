"""How users show up and what they hear beyond their channels: IRCv3 bot-mode (user mode
``+B``), draft/pre-away (AWAY before registration, ``AWAY *``), no-implicit-names, and
WALLOPS from operators to users with ``+w``.

Bot mode: ``BOT=B`` in ISUPPORT, 335 in WHOIS, ``B`` in WHO's flags, and the ``bot`` tag
(the ratified name; the work-in-progress one was ``draft/bot``) on everything a bot's own
commands fan out from it, for clients with message-tags. The common case pays nothing: only
a bot's commands run through :func:`as_bot`, which names the sources
:meth:`app.server.deliver.Delivery.fanout` tags for as long as the command runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.protocol import numerics as rpl
from app.protocol.message import Message, format_line

if TYPE_CHECKING:
    from app.server.core import Handler, ServerCore
    from app.server.state import Client

BOT_MODE = "B"
PRE_AWAY = "draft/pre-away"
# The ratified name, the work-in-progress one (ergo, soju) and soju's own, which we accept
# but do not offer (registration.UNADVERTISED_CAPABILITIES).
NO_IMPLICIT_NAMES = frozenset(
    {"no-implicit-names", "draft/no-implicit-names", "soju.im/no-implicit-names"}
)
# ``AWAY *`` (pre-away): "not present for an unspecified reason"; the spec lets a server
# relay words instead of the bare star, which clients without the cap would show as is.
NOT_PRESENT = "Not present"


# ------------------------------------------------------------------ bot mode
def as_bot(handler: Handler) -> Handler:
    """``handler`` for a bot's command: what fans out from the bot meanwhile (also from
    its nick before a NICK change) gets the ``bot`` tag."""

    def run(core: ServerCore, client: Client, msg: Message) -> None:
        core.bot_sources = (f":{client.prefix} ", f":{client.nick} ")
        try:
            handler(core, client, msg)
        finally:
            core.bot_sources = ()

    return run


def bot_flag(client: Client) -> str:
    """What WHO's flags get for ``client``: ``B`` for a bot."""
    return BOT_MODE if BOT_MODE in client.modes else ""


def send_whois_bot(core: ServerCore, client: Client, target: Client) -> None:
    """335 RPL_WHOISBOT in a WHOIS of a bot."""
    if BOT_MODE in target.modes:
        core.reply(client, rpl.RPL_WHOISBOT, target.nick,
                   f"is a Bot on {core.config.network}")


# ------------------------------------------------------------------ away and names
def away_text(param: str, limit: int) -> str:
    """The away message AWAY's parameter sets ("": none, the user is back)."""
    return NOT_PRESENT if param == "*" else param[:limit]


def implicit_names(client: Client) -> bool:
    """Whether a JOIN is followed by NAMES for ``client`` (no-implicit-names: not)."""
    return client.caps.isdisjoint(NO_IMPLICIT_NAMES)


# ------------------------------------------------------------------ WALLOPS
def handle_wallops(core: ServerCore, client: Client, msg: Message) -> None:
    """An operator's WALLOPS to every user with ``+w`` (the operator too, if it has +w)."""
    if "o" not in client.modes:
        core.reply(client, rpl.ERR_NOPRIVILEGES, "Permission Denied- You're not an IRC operator")
        return
    text = msg.param(0)
    if not text:
        core.reply(client, rpl.ERR_NEEDMOREPARAMS, "WALLOPS", "Not enough parameters")
        return
    recipients = [c for c in core.clients if c.registered and "w" in c.modes]
    core.fanout(recipients, format_line(client.prefix, "WALLOPS", (text,), trailing=True),
                account=client.account)


COMMANDS: dict[str, Handler] = {"WALLOPS": handle_wallops}
