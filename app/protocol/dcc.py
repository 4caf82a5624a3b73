"""DCC file transfers as IRC clients do them (CTCP DCC SEND / RESUME / ACCEPT).

The offer travels as a CTCP in a PRIVMSG:

    DCC SEND <filename> <ip> <port> <size> [<token>]

``ip`` is an IPv4 address as one 32-bit number (or an IPv6 address as text). A port of 0
with a token is a *passive* (reverse) offer: the receiver listens and answers with the same
SEND carrying its own address, port and the token, and the sender connects. To continue a
broken transfer the receiver asks ``DCC RESUME <filename> <port> <position> [<token>]`` and
the sender agrees with ``DCC ACCEPT`` (same fields). The receiver acknowledges what it got
with 4-byte big-endian counts (modulo 2**32).

Pure: parsing, formatting, and the rules a saved name must obey.
"""

from __future__ import annotations

import ipaddress
import re
import struct
import unicodedata
from dataclasses import dataclass

from app.protocol.ctcp import ctcp

MAX_NAME = 200  # bytes of UTF-8 in a saved file name
RISKY_SUFFIXES = frozenset(
    {
        ".exe", ".msi", ".bat", ".cmd", ".com", ".scr", ".pif", ".vbs", ".js", ".jse", ".wsf",
        ".ps1", ".jar", ".sh", ".bash", ".zsh", ".py", ".pl", ".rb", ".run", ".bin", ".appimage",
        ".deb", ".rpm", ".apk", ".dmg", ".pkg", ".app", ".lnk", ".desktop", ".reg", ".dll",
        ".so", ".elf", ".command", ".hta", ".cpl", ".msc", ".gadget", ".docm", ".xlsm",
    }
)


class DccError(ValueError):
    """A DCC message we cannot use; the text says why."""


@dataclass(frozen=True)
class DccSend:
    """``DCC SEND``: an offer, or (passive, port set) the receiver's answer to one."""

    filename: str
    host: str  # dotted IPv4 or IPv6 text
    port: int  # 0: passive offer (the receiver listens)
    size: int  # -1 when the sender did not say
    token: str = ""

    @property
    def passive(self) -> bool:
        return bool(self.token)


@dataclass(frozen=True)
class DccResume:
    """``DCC RESUME`` (receiver → sender) or ``DCC ACCEPT`` (sender → receiver)."""

    command: str  # "RESUME" or "ACCEPT"
    filename: str
    port: int
    position: int
    token: str = ""


def _split(text: str) -> list[str]:
    """Arguments, with a "quoted file name" as one."""
    parts: list[str] = []
    for match in re.finditer(r'"([^"]*)"|(\S+)', text):
        parts.append(match.group(1) if match.group(1) is not None else match.group(2))
    return parts


def _host(text: str) -> str:
    if text.isdecimal():
        number = int(text)
        if not 0 < number < 2**32:
            raise DccError(f"not an IPv4 address: {text}")
        return str(ipaddress.IPv4Address(number))
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise DccError(f"not an address: {text}") from None


def _number(text: str, what: str, limit: int = 2**63) -> int:
    if not text.isdecimal() or int(text) >= limit:
        raise DccError(f"not a {what}: {text}")
    return int(text)


def parse(body: str) -> DccSend | DccResume:
    """The arguments after ``DCC`` in a CTCP (``SEND a.png 2130706433 5000 1234``)."""
    parts = _split(body)
    if not parts:
        raise DccError("empty DCC")
    kind = parts[0].upper()
    if kind == "SEND":
        if len(parts) < 4:
            raise DccError("DCC SEND wants a file name, an address and a port")
        size = _number(parts[4], "size") if len(parts) > 4 and parts[4].isdecimal() else -1
        token = parts[5] if len(parts) > 5 else ""
        port = _number(parts[3], "port", 65536)
        if port == 0 and not token:
            raise DccError("DCC SEND with port 0 and no token")
        return DccSend(parts[1], _host(parts[2]), port, size, token)
    if kind in ("RESUME", "ACCEPT"):
        if len(parts) < 4:
            raise DccError(f"DCC {kind} wants a file name, a port and a position")
        token = parts[4] if len(parts) > 4 else ""
        return DccResume(
            kind, parts[1], _number(parts[2], "port", 65536), _number(parts[3], "position"),
            token,
        )
    raise DccError(f"DCC {kind} is not supported (only SEND, RESUME and ACCEPT)")


def _quoted(name: str) -> str:
    return f'"{name}"' if " " in name else name


def wire_host(host: str) -> str:
    """IPv4 as the 32-bit number DCC wants; IPv6 as text."""
    address = ipaddress.ip_address(host)
    return str(int(address)) if address.version == 4 else str(address)


def format_send(offer: DccSend) -> str:
    """The CTCP text (with its \\x01 framing) of a DCC SEND."""
    fields = ["SEND", _quoted(offer.filename), wire_host(offer.host), str(offer.port),
              str(max(offer.size, 0))]
    if offer.token:
        fields.append(offer.token)
    return ctcp("DCC", " ".join(fields))


def format_resume(message: DccResume) -> str:
    fields = [message.command, _quoted(message.filename), str(message.port),
              str(message.position)]
    if message.token:
        fields.append(message.token)
    return ctcp("DCC", " ".join(fields))


def ack(total: int) -> bytes:
    """What a receiver sends back: the bytes it has, modulo 2**32, big-endian."""
    return struct.pack("!I", total & 0xFFFFFFFF)


def acked(data: bytes) -> int | None:
    """The last whole acknowledgement in ``data`` (None when there is none)."""
    if len(data) < 4:
        return None
    end = len(data) - len(data) % 4
    return int(struct.unpack("!I", data[end - 4 : end])[0])


def safe_name(offered: str) -> str:
    """A file name that cannot climb out of the folder it is saved in, hide itself, or hold
    control characters: the last path component, cleaned; "download" when nothing is left."""
    name = unicodedata.normalize("NFC", offered).replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    name = name.strip().lstrip(".").strip()
    while len(name.encode()) > MAX_NAME:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[:-1] + dot + suffix) if dot and stem else name[:-1]
    return name or "download"


def is_risky(name: str) -> bool:
    """Opening this could run code (a program, a script, an installer)."""
    lower = name.lower()
    return any(lower.endswith(suffix) for suffix in RISKY_SUFFIXES)
