"""The app-wide parts of the desktop app, owned by the controller: the live choices and the
theme, the tray (unread count, close into it, Show / Mute / Quit), the shared menus of every
window, and the Preferences, Keyboard shortcuts and About dialogs."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QDialog, QMenuBar, QWidget

from app.resources import resource_path
from app.settings import Settings
from app.ui.about import AboutDialog
from app.ui.app_menus import AppCommands, AppMenus
from app.ui.chat_window import ChatWindow
from app.ui.choices import LIVE, Choices
from app.ui.preferences import PreferencesDialog
from app.ui.shortcut_list import ShortcutsDialog
from app.ui.theme import ThemeSwitcher
from app.ui.tray import AppTray, CloseToTray
from app.ui.window_choices import NOT_PER_WINDOW, apply_choice, apply_choices

STILL_HOSTING = ("Your chat is still on", "The people in it stay connected. Click the Chatbox "
                 "icon to show the window again; Quit in its menu ends the chat.")
STILL_RUNNING = ("Chatbox is still running", "Your chats stay connected here. Click the icon "
                 "to show them again; Quit in its menu closes Chatbox.")


def app_icon() -> QIcon:
    icon = QGuiApplication.windowIcon()
    if icon.isNull():
        with contextlib.suppress(FileNotFoundError):
            icon = QIcon(str(resource_path("icons", "chatbox.svg")))
    return icon


class Desktop(QObject):
    """Args:
        windows: the controller's chat windows, now.
        hosts: whether a window is the one hosting the chat (it never just closes while
            there is a tray: the guests would be cut off).
        quit: Chatbox → Quit and the tray's Quit (the controller asks, then closes all).
        tray_available: whether the desktop has a system tray (None: ask Qt).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        windows: Callable[[], list[ChatWindow]],
        hosts: Callable[[QWidget], bool],
        quit: Callable[[], None],
        tray_available: Callable[[], bool] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.choices = Choices(settings, self)
        self._windows = windows
        self._hosts = hosts
        self._stopping = False
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.theme = ThemeSwitcher(app)
        self.theme.apply(settings.theme)
        self.tray = AppTray(app_icon(), tray_available, self)
        self.tray.set_muted(not settings.notifications)
        self.closer = CloseToTray(self.tray, self._keeps_open, self)
        self.commands = AppCommands(self.open_preferences, quit, self.open_shortcuts,
                                    self.open_about)
        self.preferences: PreferencesDialog | None = None
        self.dialogs: list[QDialog] = []  # the open shortcut and about dialogs
        self._connect_signals(quit)
        self.tray.start()

    def _connect_signals(self, quit: Callable[[], None]) -> None:
        self.choices.changed.connect(self._on_choice_changed)
        self.tray.show_requested.connect(self.show_windows)
        self.tray.mute_toggled.connect(self._on_mute_toggled)
        self.tray.quit_requested.connect(quit)
        self.closer.hidden.connect(self._on_hidden)

    @property
    def settings(self) -> Settings:
        return self.choices.settings

    # ---------------------------------------------------------------- windows
    def attach_chat(self, window: ChatWindow) -> None:
        """A new chat window: the shared menus around its Room menu, the choices as they
        are, its switches saved, its unread lines counted, closing into the tray."""
        AppMenus(window, window.menuBar(), self.choices, self.commands, view=True,
                 before=window.chat_menu.menu.menuAction())
        apply_choices(window, self.choices, sorted(LIVE - NOT_PER_WINDOW))
        window.notifier.tray = self.tray
        window.message_actions.settings = self.settings  # the emoji picked, remembered
        window.notifications_toggled.connect(self._on_notifications_toggled)
        window.link_images_toggled.connect(self._on_link_images_toggled)
        window.strangers_toggled.connect(self._on_strangers_toggled)
        contacts = window.session.contacts  # the watched nicks, remembered across restarts
        contacts.set_watched(self.settings.watched)
        contacts.watch_list_changed.connect(self._on_watch_list_changed)
        rooms = window.session.rooms
        for signal in (rooms.dataChanged, rooms.rowsRemoved, rooms.modelReset):
            signal.connect(self._on_rooms_changed)
        window.closed.connect(self._on_chat_closed)
        window.installEventFilter(self.closer)

    def attach_window(self, widget: QWidget) -> AppMenus:
        """The start screen or the server window: Chatbox and Help menus."""
        bar = QMenuBar(widget)
        layout = widget.layout()
        if layout is not None:
            layout.setMenuBar(bar)
        return AppMenus(widget, bar, self.choices, self.commands, view=False)

    def update_unread(self, gone: QObject | None = None) -> None:
        """The tray shows the unread lines of every chat window (but ``gone``)."""
        self.tray.set_unread(sum(
            room.unread for w in self._windows() if w is not gone
            for room in w.session.rooms.rooms()
        ))

    @Slot()
    def _on_rooms_changed(self) -> None:
        self.update_unread()

    @Slot(list)
    def _on_watch_list_changed(self, nicks: list[str]) -> None:
        """Watch or Stop watching in one window: saved, and every window watches the same."""
        self.settings.watched = nicks
        for window in self._windows():
            if window.session.contacts is not self.sender():
                window.session.contacts.set_watched(nicks)

    @Slot()
    def _on_chat_closed(self) -> None:
        self.update_unread(self.sender())  # the controller lets go of it after this

    @Slot()
    def show_windows(self) -> None:
        """The tray's Show: every chat window back on screen, the last one in front."""
        windows = self._windows()
        for window in windows:
            window.show()
            window.raise_()
        if windows:
            windows[-1].activateWindow()

    def _keeps_open(self, widget: QWidget) -> bool:
        """Closing ``widget`` hides it into the tray (the tray being there)."""
        kept = not self._stopping and any(w is widget for w in self._windows())
        return kept and (self.settings.close_to_tray or self._hosts(widget))

    @Slot(QWidget)
    def _on_hidden(self, widget: QWidget) -> None:
        self.update_unread()
        if not self.settings.tray_explained:
            title, body = STILL_HOSTING if self._hosts(widget) else STILL_RUNNING
            self.tray.show_message(title, body, self.show_windows)
            self.settings.tray_explained = True

    def shutdown(self) -> None:
        """Quitting: windows close for real from now on, and the icon leaves the tray."""
        self._stopping = True
        self.tray.stop()
        for dialog in [self.preferences, *self.dialogs]:
            if dialog is not None:
                dialog.close()

    # ---------------------------------------------------------------- choices
    @Slot(str)
    def _on_choice_changed(self, name: str) -> None:
        if name == "theme":
            self.theme.apply(self.settings.theme)
        if name == "notification_level":
            self.tray.set_muted(not self.settings.notifications)
        for window in self._windows():
            apply_choice(window, self.choices, name)

    @Slot(bool)
    def _on_mute_toggled(self, muted: bool) -> None:
        if muted:
            self.choices.change("notification_level", "none")
        elif not self.settings.notifications:
            self.choices.change("notification_level", "mentions")

    @Slot(bool)
    def _on_notifications_toggled(self, on: bool) -> None:
        self._on_mute_toggled(not on)

    @Slot(bool)
    def _on_link_images_toggled(self, on: bool) -> None:
        self.choices.change("link_images", on)

    @Slot(bool)
    def _on_strangers_toggled(self, on: bool) -> None:
        self.choices.change("files_from_strangers", on)

    # ---------------------------------------------------------------- dialogs
    def open_preferences(self, parent: QWidget | None = None) -> PreferencesDialog:
        if self.preferences is None:
            self.preferences = PreferencesDialog(self.choices, self.tray.shown)
            self.preferences.finished.connect(self._on_preferences_finished)
        self.preferences.show()
        self.preferences.raise_()
        self.preferences.activateWindow()
        return self.preferences

    @Slot()
    def _on_preferences_finished(self) -> None:
        if self.preferences is not None:
            self.preferences.deleteLater()
            self.preferences = None

    def open_shortcuts(self, window: QWidget) -> ShortcutsDialog:
        dialog = ShortcutsDialog(window)
        self._open(dialog)
        return dialog

    def open_about(self, window: QWidget) -> AboutDialog:
        dialog = AboutDialog(window)
        self._open(dialog)
        return dialog

    def _open(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._on_dialog_finished)
        self.dialogs.append(dialog)
        dialog.show()

    @Slot()
    def _on_dialog_finished(self) -> None:
        self.dialogs = [d for d in self.dialogs if d is not self.sender()]
