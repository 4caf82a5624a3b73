"""RPL_ISUPPORT (005) tokens: building them for a server, reading them for a client."""

from __future__ import annotations

from collections.abc import Mapping

ISUPPORT_TRAILER = "are supported by this server"
TOKENS_PER_LINE = 13


def format_isupport(tokens: Mapping[str, str | None]) -> list[list[str]]:
    """Group tokens into 005 parameter lists (``TOKEN`` or ``TOKEN=value``), 13 per line."""
    items = [key if not value else f"{key}={value}" for key, value in tokens.items()]
    return [items[i : i + TOKENS_PER_LINE] for i in range(0, len(items), TOKENS_PER_LINE)]


def parse_isupport(params: list[str] | tuple[str, ...]) -> dict[str, str | None]:
    """Read the tokens of one 005 line (``params`` without the target nick and trailer).

    ``-TOKEN`` yields ``None``: the server withdrew it.
    """
    out: dict[str, str | None] = {}
    for item in params:
        if item.startswith("-"):
            out[item[1:]] = None
            continue
        key, _, value = item.partition("=")
        out[key] = value
    return out


def parse_prefix(value: str) -> tuple[str, str]:
    """``(ov)@+`` → (``"ov"``, ``"@+"``): channel membership modes and their prefixes."""
    if not value.startswith("(") or ")" not in value:
        return "", ""
    modes, _, prefixes = value[1:].partition(")")
    return modes, prefixes[: len(modes)]


def tag_denied(clienttagdeny: str | None, name: str) -> bool:
    """Whether ISUPPORT's ``CLIENTTAGDENY`` value refuses the client tag ``name`` (without its
    ``+``): ``*`` refuses all but the ``-name`` exceptions; otherwise the names listed."""
    if not clienttagdeny:
        return False
    items = [item.strip().removeprefix("+") for item in clienttagdeny.split(",")]
    if "*" in items:
        return f"-{name}" not in items and f"-+{name}" not in items
    return name in items
