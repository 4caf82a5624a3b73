"""What each live choice does to an open chat window (and its session)."""

from __future__ import annotations

from collections.abc import Iterable

from app.client.session import SERVER_ROOM
from app.ui.chat_window import ChatWindow
from app.ui.choices import Choices

# Choices that only matter for the next connection or the app as a whole.
NOT_PER_WINDOW = frozenset({"last_nick", "real_name", "theme", "close_to_tray"})


def apply_choices(window: ChatWindow, choices: Choices, names: Iterable[str]) -> None:
    for name in names:
        apply_choice(window, choices, name)


def apply_choice(window: ChatWindow, choices: Choices, name: str) -> None:
    """Make ``window`` follow the choice ``name`` as it is saved now."""
    s = choices.settings
    session = window.session
    delegate = window.messages.delegate
    if name in ("font_family", "font_size"):
        window.messages.setFont(choices.message_font())
    elif name == "timestamp_format":
        delegate.timestamp_format = s.timestamp_format
    elif name == "hide_joins":
        delegate.hide_joins = s.hide_joins
    elif name == "strip_colours":
        delegate.strip_colours = s.strip_colours
    elif name == "show_members":
        window.show_members = s.show_members
    elif name == "notification_level":
        window.notify_enabled = s.notifications
        session.attention_rule.every_message = s.notification_level == "all"
    elif name == "notification_sound":
        window.notifier.sound = s.notification_sound
    elif name == "highlight_words":
        session.attention_rule.words = tuple(s.highlight_words)
    elif name == "link_images":
        window.set_link_images(s.link_images)
    elif name == "files_from_strangers":
        window.set_files_from_strangers(s.files_from_strangers)
    elif name == "share_typing":
        session.typing.enabled = s.share_typing
    elif name == "contact_alerts":
        window.presence.contact_alerts = s.contact_alerts
    elif name == "download_folder":
        window.files.download_folder = s.download_folder
    elif name == "last_nick":  # the chats that use your nickname follow it; others keep theirs
        fold = session.connection.info.fold
        old, nick = str(choices.previous.get(name, "")), s.last_nick
        if old and fold(session.nick) == fold(old) and session.connection.state == "connected":
            session.send_input(f"/nick {nick}", SERVER_ROOM)
