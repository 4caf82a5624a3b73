"""What a client learns about the server it joined: ISUPPORT, applied to names and prefixes."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from app.protocol.casemap import casefold
from app.protocol.isupport import parse_prefix
from app.protocol.names import NICKLEN


@dataclass
class ServerInfo:
    """Defaults are RFC 1459's until 005 says otherwise."""

    network: str = ""
    casemapping: str = "rfc1459"
    chantypes: str = "#&"
    prefix_modes: str = "ov"
    prefix_symbols: str = "@+"
    nicklen: int = NICKLEN
    tokens: dict[str, str | None] = field(default_factory=dict)

    def reset(self) -> None:
        """Back to the defaults (a new connection), in place: models hold this object."""
        fresh = ServerInfo()
        for item in fields(self):
            setattr(self, item.name, getattr(fresh, item.name))

    def update(self, tokens: dict[str, str | None]) -> None:
        """Apply one 005 line's tokens (``None`` withdraws a token)."""
        self.tokens.update(tokens)
        for key, value in tokens.items():
            if key == "CASEMAPPING" and value:
                self.casemapping = value
            elif key == "CHANTYPES":
                self.chantypes = value or ""
            elif key == "PREFIX" and value:
                self.prefix_modes, self.prefix_symbols = parse_prefix(value)
            elif key == "NICKLEN" and value and value.isdecimal():
                self.nicklen = int(value)
            elif key == "NETWORK" and value:
                self.network = value

    def fold(self, name: str) -> str:
        return casefold(name, self.casemapping)

    def is_channel(self, name: str) -> bool:
        return bool(name) and name[0] in self.chantypes

    def split_prefix(self, name: str) -> tuple[str, str]:
        """``"@+alice"`` → (``"ov"``, ``"alice"``): membership modes in rank order, and the nick."""
        modes = ""
        i = 0
        while i < len(name) and name[i] in self.prefix_symbols:
            modes += self.prefix_modes[self.prefix_symbols.index(name[i])]
            i += 1
        return self.rank_sorted(modes), name[i:]

    def rank_sorted(self, modes: str) -> str:
        return "".join(m for m in self.prefix_modes if m in modes)

    def symbol(self, modes: str) -> str:
        """The highest prefix symbol for membership modes (``"ov"`` → ``"@"``)."""
        for mode, symbol in zip(self.prefix_modes, self.prefix_symbols, strict=False):
            if mode in modes:
                return symbol
        return ""

    def member_key(self, modes: str, nick: str) -> tuple[int, str]:
        """Sort key: by highest prefix (ops first), then case-folded nick."""
        rank = next(
            (i for i, m in enumerate(self.prefix_modes) if m in modes), len(self.prefix_modes)
        )
        return rank, self.fold(nick)
