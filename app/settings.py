"""Every QSettings key in one typed place."""

from __future__ import annotations

from PySide6.QtCore import QSettings

ORGANIZATION = "Chatbox"
APPLICATION = "Chatbox"
RECENT_LIMIT = 8


class Settings:
    """The user's remembered choices (QSettings: INI file per user)."""

    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store or QSettings(ORGANIZATION, APPLICATION)

    @property
    def last_nick(self) -> str:
        return str(self._store.value("nick/last", "") or "")

    @last_nick.setter
    def last_nick(self, nick: str) -> None:
        self._store.setValue("nick/last", nick)

    @property
    def notifications(self) -> bool:
        """Desktop notifications for mentions and private messages (on by default)."""
        return str(self._store.value("notifications/enabled", "true")).lower() == "true"

    @notifications.setter
    def notifications(self, on: bool) -> None:
        self._store.setValue("notifications/enabled", "true" if on else "false")

    @property
    def recent_servers(self) -> list[str]:
        """``host:port`` entries, most recent first."""
        value = self._store.value("servers/recent", [])
        if isinstance(value, str):  # QSettings gives a lone entry back as a string
            return [value] if value else []
        return [str(v) for v in value] if isinstance(value, list) else []

    def remember_server(self, host: str, port: int) -> None:
        entry = f"{host}:{port}"
        recent = [e for e in self.recent_servers if e != entry]
        self._store.setValue("servers/recent", [entry, *recent][:RECENT_LIMIT])

    def sync(self) -> None:
        self._store.sync()
