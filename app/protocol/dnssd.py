"""DNS-SD for IRC on the LAN (RFC 6763): service types, the TXT record we publish, and the
one switch that turns multicast DNS off.

Pure: the advertiser (app/server/advertise.py) and the browser (app/client/discovery.py)
hand these functions bytes and strings; python-zeroconf moves the packets.

Our TXT record, in the ``key=value`` strings of RFC 6763 §6::

    txtvers=1  server=kitchen-pc  nick=alice  room=#chatbox

``nick`` is the host's nick (empty for ``chatbox-server``). Other IRC servers advertising
``_irc._tcp`` may publish nothing or other keys: every field is optional when decoding.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import IPv6Address, ip_address

from app.protocol.names import is_valid_channel

PLAIN_TYPE = "_irc._tcp.local."
TLS_TYPE = "_ircs._tcp.local."
DEFAULT_ROOM = "#chatbox"
MDNS_OFF_ENV = "CHATBOX_NO_MDNS"
TXT_VERSION = "1"
MAX_STRING = 255  # bytes in one TXT string, length byte excluded (RFC 6763 §6.1)
MAX_INSTANCE = 63  # bytes in a service instance name: one DNS label (RFC 6763 §4.1.1)

# Shown in lists: never control characters or direction overrides (a name that reads
# backwards could pass for another).
_UNSHOWN = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def mdns_off(environ: Mapping[str, str] | None = None) -> bool:
    """True when ``CHATBOX_NO_MDNS`` is set to anything but ``""`` or ``0``: then nothing is
    advertised or browsed, whatever the flags and settings say (the test suite sets it).
    The only place that reads the variable."""
    value = (os.environ if environ is None else environ).get(MDNS_OFF_ENV, "")
    return value.strip() not in ("", "0")


@dataclass(frozen=True)
class ChatTxt:
    """What our TXT record says about a chat."""

    server: str = ""
    nick: str = ""
    room: str = ""


def _truncate_utf8(text: str, limit: int) -> bytes:
    """``text`` in UTF-8, cut to ``limit`` bytes at a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return data
    return data[:limit].decode("utf-8", "ignore").encode("utf-8")


def encode_txt(txt: ChatTxt) -> bytes:
    """The TXT record's RDATA: length-prefixed ``key=value`` strings, each at most 255
    bytes (a long value is cut at a character boundary)."""
    pairs = [("txtvers", TXT_VERSION), ("server", txt.server), ("nick", txt.nick),
             ("room", txt.room)]
    out = bytearray()
    for key, value in pairs:
        head = f"{key}=".encode("ascii")
        item = head + _truncate_utf8(value, MAX_STRING - len(head))
        out.append(len(item))
        out += item
    return bytes(out)


def split_txt(rdata: bytes) -> dict[str, str]:
    """RDATA → ``{key: value}``: keys lower case (they are case-insensitive), the first of
    a repeated key wins, a key without ``=`` has the value ``""`` (RFC 6763 §6.4), values
    are UTF-8 (bad bytes replaced). A string running past the end is dropped."""
    found: dict[str, str] = {}
    i = 0
    while i < len(rdata):
        length = rdata[i]
        item = rdata[i + 1 : i + 1 + length]
        i += 1 + length
        if len(item) < length:
            break
        key, _, value = item.partition(b"=")
        if not key:
            continue
        name = key.decode("ascii", "replace").lower()
        found.setdefault(name, value.decode("utf-8", "replace"))
    return found


def shown(text: str) -> str:
    """Text from the network, safe to show in a list: no control characters or direction
    overrides, surrounding space stripped."""
    text = "".join(c for c in text if unicodedata.category(c) != "Cc")
    return _UNSHOWN.sub("", text).strip()


def decode_txt(rdata: bytes) -> ChatTxt:
    """Our fields from a TXT record, from Chatbox or any other advertiser: missing fields
    are ``""``; a room that is not a valid channel name is dropped."""
    fields = split_txt(rdata)
    room = fields.get("room", "").strip()
    return ChatTxt(
        server=shown(fields.get("server", "")),
        nick=shown(fields.get("nick", "")),
        room=room if is_valid_channel(room) else "",
    )


def instance_name(server: str, nick: str = "") -> str:
    """The name people see in the list: ``alice on kitchen-pc`` for a hosted chat, the
    server's name for a server; at most 63 bytes of UTF-8.

    A dot becomes U+2024 ONE DOT LEADER, which looks the same: DNS-SD allows dots in an
    instance name (one escaped label), but python-zeroconf writes every dot as a label
    boundary, and other browsers would then read ``irc`` out of ``irc.example.org``.
    """
    text = shown(f"{nick} on {server}" if nick else server).replace(".", "\u2024")
    return _truncate_utf8(text or "Chatbox", MAX_INSTANCE).decode("utf-8")


def instance_of(full_name: str, service_type: str) -> str:
    """``alice on kitchen-pc._irc._tcp.local.`` → ``alice on kitchen-pc``."""
    suffix = "." + service_type
    return full_name[: -len(suffix)] if full_name.endswith(suffix) else full_name


@dataclass(frozen=True)
class LanChat:
    """A chat found on the LAN: one advertised service (a server with a TLS port is two).

    ``key`` is the service's full DNS-SD name, unique on the network.
    """

    key: str
    name: str
    addresses: tuple[str, ...]
    port: int
    tls: bool
    server: str = ""
    nick: str = ""
    room: str = ""

    @property
    def address(self) -> str:
        """The address to connect to: IPv4 first, then global IPv6 (link-local IPv6 needs
        an interface to go with it, which an address box cannot carry)."""
        ranked = sorted(self.addresses, key=_address_rank)
        return ranked[0] if ranked and _address_rank(ranked[0]) < 2 else ""

    @property
    def join_room(self) -> str:
        return self.room or DEFAULT_ROOM


def _address_rank(text: str) -> int:
    try:
        address = ip_address(text.partition("%")[0])
    except ValueError:
        return 3
    if isinstance(address, IPv6Address):
        return 2 if address.is_link_local else 1
    return 0
