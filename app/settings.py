"""Every QSettings key in one typed place."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

ORGANIZATION = "Chatbox"
APPLICATION = "Chatbox"
RECENT_LIMIT = 8
THEMES = ("system", "light", "dark")
NOTIFY_LEVELS = ("all", "mentions", "none")  # every message / mentions and private / none
DEFAULT_REAL_NAME = "Chatbox user"
DEFAULT_TIMESTAMP = "%H:%M"
MIN_FONT_PT, MAX_FONT_PT = 6, 48


def default_download_folder() -> Path:
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
    return Path(found) if found else Path.home() / "Downloads"


class Settings:
    """The user's remembered choices (QSettings: INI file per user)."""

    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store or QSettings(ORGANIZATION, APPLICATION)

    def _bool(self, key: str, default: bool) -> bool:
        return str(self._store.value(key, "true" if default else "false")).lower() == "true"

    def _set_bool(self, key: str, on: bool) -> None:
        self._store.setValue(key, "true" if on else "false")

    def _str(self, key: str, default: str = "") -> str:
        value = self._store.value(key, default)
        return default if value is None else str(value)

    def _choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self._str(key, default)
        return value if value in choices else default

    def _list(self, key: str) -> list[str]:
        value = self._store.value(key, [])
        if isinstance(value, str):  # QSettings gives a lone entry back as a string
            return [value] if value else []
        return [str(v) for v in value] if isinstance(value, list) else []

    # ---------------------------------------------------------------- who you are
    @property
    def last_nick(self) -> str:
        """The nickname (Preferences; the nickname dialog suggests it)."""
        return self._str("nick/last")

    @last_nick.setter
    def last_nick(self, nick: str) -> None:
        self._store.setValue("nick/last", nick)

    @property
    def real_name(self) -> str:
        """Sent on connecting (the IRC "real name"; ``nick/real_name``)."""
        return self._str("nick/real_name") or DEFAULT_REAL_NAME

    @real_name.setter
    def real_name(self, name: str) -> None:
        self._store.setValue("nick/real_name", name.strip())

    # ---------------------------------------------------------------- notifications
    @property
    def notification_level(self) -> str:
        """``all`` messages, ``mentions`` (and private messages; the default) or ``none``.
        Before there was a level, ``notifications/enabled`` was the on/off switch."""
        legacy = "mentions" if self._bool("notifications/enabled", True) else "none"
        return self._choice("notifications/level", NOTIFY_LEVELS, legacy)

    @notification_level.setter
    def notification_level(self, level: str) -> None:
        if level not in NOTIFY_LEVELS:
            raise ValueError(f"not a notification level: {level!r}")
        self._store.setValue("notifications/level", level)
        self._store.remove("notifications/enabled")

    @property
    def notifications(self) -> bool:
        """Desktop notifications at all (the Room menu's switch, the tray's Mute)."""
        return self.notification_level != "none"

    @notifications.setter
    def notifications(self, on: bool) -> None:
        if not on:
            self.notification_level = "none"
        elif self.notification_level == "none":
            self.notification_level = "mentions"

    @property
    def notification_sound(self) -> bool:
        """A sound with each desktop notification (off by default)."""
        return self._bool("notifications/sound", False)

    @notification_sound.setter
    def notification_sound(self, on: bool) -> None:
        self._set_bool("notifications/sound", on)

    @property
    def highlight_words(self) -> list[str]:
        """Words that count as a mention of you, besides your nickname."""
        return self._list("notifications/highlight_words")

    @highlight_words.setter
    def highlight_words(self, words: list[str]) -> None:
        cleaned = [w.strip() for w in words if w.strip()]
        self._store.setValue("notifications/highlight_words", list(dict.fromkeys(cleaned)))

    @property
    def contact_alerts(self) -> bool:
        """Tell me when a contact comes online (on by default)."""
        return self._bool("notifications/contacts_online", True)

    @contact_alerts.setter
    def contact_alerts(self, on: bool) -> None:
        self._set_bool("notifications/contacts_online", on)

    @property
    def ignored(self) -> list[str]:
        """Whom /ignore hides (``nick!user@host`` masks), on every server."""
        return self._list("ignore/masks")

    @ignored.setter
    def ignored(self, masks: list[str]) -> None:
        self._store.setValue("ignore/masks", list(masks))

    @property
    def watched(self) -> list[str]:
        """The nicks in Contacts (watched for coming online), on every server."""
        return self._list("contacts/watched")

    @watched.setter
    def watched(self, nicks: list[str]) -> None:
        self._store.setValue("contacts/watched", list(dict.fromkeys(nicks)))

    @property
    def share_typing(self) -> bool:
        """Let others see when I am typing (on by default)."""
        return self._bool("privacy/share_typing", True)

    @share_typing.setter
    def share_typing(self, on: bool) -> None:
        self._set_bool("privacy/share_typing", on)

    # ---------------------------------------------------------------- how it looks
    @property
    def theme(self) -> str:
        """``system`` (the default), ``light`` or ``dark``."""
        return self._choice("view/theme", THEMES, "system")

    @theme.setter
    def theme(self, name: str) -> None:
        if name not in THEMES:
            raise ValueError(f"not a theme: {name!r}")
        self._store.setValue("view/theme", name)

    @property
    def font_family(self) -> str:
        """The messages' font family ("": the system's)."""
        return self._str("view/font_family")

    @font_family.setter
    def font_family(self, family: str) -> None:
        self._store.setValue("view/font_family", family)

    @property
    def font_size(self) -> int:
        """The messages' font size in points (0: the system's)."""
        value = self._str("view/font_size", "0")
        size = int(value) if value.isdecimal() else 0
        return size if MIN_FONT_PT <= size <= MAX_FONT_PT else 0

    @font_size.setter
    def font_size(self, points: int) -> None:
        self._store.setValue("view/font_size", str(points))

    @property
    def timestamp_format(self) -> str:
        """A strftime format for the time column (``%H:%M`` by default; "": no times)."""
        return self._str("view/timestamp_format", DEFAULT_TIMESTAMP)

    @timestamp_format.setter
    def timestamp_format(self, fmt: str) -> None:
        self._store.setValue("view/timestamp_format", fmt)

    @property
    def hide_joins(self) -> bool:
        """Leave out join, part and quit lines (off by default)."""
        return self._bool("view/hide_joins", False)

    @hide_joins.setter
    def hide_joins(self, on: bool) -> None:
        self._set_bool("view/hide_joins", on)

    @property
    def show_members(self) -> bool:
        """The member list beside a room's messages (on by default)."""
        return self._bool("view/show_members", True)

    @show_members.setter
    def show_members(self, on: bool) -> None:
        self._set_bool("view/show_members", on)

    @property
    def strip_colours(self) -> bool:
        """Show others' text without its IRC colours (off by default)."""
        return self._bool("view/strip_colours", False)

    @strip_colours.setter
    def strip_colours(self, on: bool) -> None:
        self._set_bool("view/strip_colours", on)

    @property
    def recent_emoji(self) -> list[str]:
        """The emoji picked to react with, newest first (repeats kept: the picker shows
        the most used first)."""
        return self._list("view/recent_emoji")

    @recent_emoji.setter
    def recent_emoji(self, picks: list[str]) -> None:
        self._store.setValue("view/recent_emoji", [p for p in picks if p][:40])

    # ---------------------------------------------------------------- the tray
    @property
    def close_to_tray(self) -> bool:
        """Closing a chat window keeps it in the tray (off by default; the hosting window
        always goes to the tray where there is one)."""
        return self._bool("tray/close_to_tray", False)

    @close_to_tray.setter
    def close_to_tray(self, on: bool) -> None:
        self._set_bool("tray/close_to_tray", on)

    @property
    def tray_explained(self) -> bool:
        """The tray message "Chatbox is still running" was shown once."""
        return self._bool("tray/explained", False)

    @tray_explained.setter
    def tray_explained(self, on: bool) -> None:
        self._set_bool("tray/explained", on)

    # ---------------------------------------------------------------- servers
    @property
    def recent_servers(self) -> list[str]:
        """``host:port`` entries, most recent first."""
        return self._list("servers/recent")

    def remember_server(self, host: str, port: int, entry: str = "") -> None:
        """``entry``: what the user typed, when it is more than one address (a network)."""
        entry = entry or f"{host}:{port}"
        recent = [e for e in self.recent_servers if e != entry]
        self._store.setValue("servers/recent", [entry, *recent][:RECENT_LIMIT])

    # ---------------------------------------------------------------- files and links
    @property
    def files_from_strangers(self) -> bool:
        """Take file offers from people in none of your rooms (off by default)."""
        return self._bool("files/from_strangers", False)

    @files_from_strangers.setter
    def files_from_strangers(self, on: bool) -> None:
        self._set_bool("files/from_strangers", on)

    @property
    def max_file_mb(self) -> int:
        """Offers larger than this many MiB are refused (``files/max_mb``; 4096 by default)."""
        value = str(self._store.value("files/max_mb", "4096"))
        return int(value) if value.isdecimal() and int(value) > 0 else 4096

    @property
    def download_folder(self) -> Path:
        """Where saving a received file starts (the system's Downloads by default)."""
        chosen = self._str("files/download_folder")
        return Path(chosen) if chosen else default_download_folder()

    @download_folder.setter
    def download_folder(self, folder: Path) -> None:
        default = folder == default_download_folder()
        self._store.setValue("files/download_folder", "" if default else str(folder))

    @property
    def link_images(self) -> bool:
        """Fetch and show pictures that people link to (off by default: privacy)."""
        return self._bool("links/images", False)

    @link_images.setter
    def link_images(self, on: bool) -> None:
        self._set_bool("links/images", on)

    # ---------------------------------------------------------------- hosting
    @property
    def host_tls(self) -> bool:
        """Host a chat also listens with TLS (on by default)."""
        return self._bool("host/tls", True)

    @host_tls.setter
    def host_tls(self, on: bool) -> None:
        self._set_bool("host/tls", on)

    @property
    def host_advertise(self) -> bool:
        """Host a chat (and Run a server) let others on the LAN find it (on by default);
        CHATBOX_NO_MDNS overrides it."""
        return self._bool("host/advertise", True)

    @host_advertise.setter
    def host_advertise(self, on: bool) -> None:
        self._set_bool("host/advertise", on)

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
