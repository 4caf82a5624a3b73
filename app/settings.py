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

    def remember_server(self, host: str, port: int, entry: str = "") -> None:
        """``entry``: what the user typed, when it is more than one address (a network)."""
        entry = entry or f"{host}:{port}"
        recent = [e for e in self.recent_servers if e != entry]
        self._store.setValue("servers/recent", [entry, *recent][:RECENT_LIMIT])

    @property
    def files_from_strangers(self) -> bool:
        """Take file offers from people in none of your rooms (off by default)."""
        return str(self._store.value("files/from_strangers", "false")).lower() == "true"

    @files_from_strangers.setter
    def files_from_strangers(self, on: bool) -> None:
        self._store.setValue("files/from_strangers", "true" if on else "false")

    @property
    def max_file_mb(self) -> int:
        """Offers larger than this many MiB are refused (``files/max_mb``; 4096 by default)."""
        value = str(self._store.value("files/max_mb", "4096"))
        return int(value) if value.isdecimal() and int(value) > 0 else 4096

    @property
    def link_images(self) -> bool:
        """Fetch and show pictures that people link to (off by default: privacy)."""
        return str(self._store.value("links/images", "false")).lower() == "true"

    @link_images.setter
    def link_images(self, on: bool) -> None:
        self._store.setValue("links/images", "true" if on else "false")

    @property
    def host_tls(self) -> bool:
        """Host a chat also listens with TLS (on by default)."""
        return str(self._store.value("host/tls", "true")).lower() == "true"

    @host_tls.setter
    def host_tls(self, on: bool) -> None:
        self._store.setValue("host/tls", "true" if on else "false")

    @property
    def host_advertise(self) -> bool:
        """Host a chat (and Run a server) let others on the LAN find it (on by default);
        CHATBOX_NO_MDNS overrides it."""
        return str(self._store.value("host/advertise", "true")).lower() == "true"

    @host_advertise.setter
    def host_advertise(self, on: bool) -> None:
        self._store.setValue("host/advertise", "true" if on else "false")

    # ------------------------------------------------------------ per server
    @staticmethod
    def _server_key(group: str, host: str, port: int) -> str:
        return f"{group}/{host.lower()}:{port}".replace("\\", "_")

    def trusted_fingerprint(self, host: str, port: int) -> str:
        """The certificate fingerprint the user trusted for this server ("" if none)."""
        return str(self._store.value(self._server_key("trusted", host, port), "") or "")

    def trust(self, host: str, port: int, fingerprint: str) -> None:
        self._store.setValue(self._server_key("trusted", host, port), fingerprint)

    def server_tls(self, host: str, port: int) -> bool | None:
        """Whether TLS was used for this server last time (None: never joined)."""
        value = self._store.value(self._server_key("tls", host, port), None)
        return None if value is None else str(value).lower() == "true"

    def server_account(self, host: str, port: int) -> str:
        return str(self._store.value(self._server_key("account", host, port), "") or "")

    def remember_join(
        self, host: str, port: int, tls: bool, account: str, entry: str = ""
    ) -> None:
        """What this server was joined with (never its password: that is the keyring's)."""
        self.remember_server(host, port, entry)
        self._store.setValue(self._server_key("tls", host, port), "true" if tls else "false")
        self._store.setValue(self._server_key("account", host, port), account)

    def sync(self) -> None:
        self._store.sync()
