"""The menus every window shares: *Chatbox* (Preferences…, Quit), *View* (text size, theme,
join/part lines, member list; chat windows only) and *Help* (Keyboard shortcuts, About).

The View menu's switches mirror the live choices, so they match in every window."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QWidget

from app.ui.choices import Choices
from app.ui.theme import THEME_NAMES

PREFERENCES_KEY = "Ctrl+,"
QUIT_KEY = "Ctrl+Q"
SHORTCUTS_KEY = "Ctrl+/"


@dataclass(frozen=True)
class AppCommands:
    """What the shared menus do beyond changing a choice (the desktop object provides it)."""

    preferences: Callable[[QWidget], object]
    quit: Callable[[], object]
    shortcuts: Callable[[QWidget], object]
    about: Callable[[QWidget], object]


class AppMenus(QObject):
    """Adds the shared menus to ``bar`` of ``window``: Chatbox and View before the menu
    ``before`` (the chat window's Room menu) or at the end, Help always last.

    Args:
        view: also the View menu (text size, theme, lines, members): chat windows.
    """

    def __init__(
        self,
        window: QWidget,
        bar: QMenuBar,
        choices: Choices,
        commands: AppCommands,
        *,
        view: bool,
        before: QAction | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._choices = choices
        self._commands = commands
        app_menu = QMenu("&Chatbox", bar)
        self.preferences_action = app_menu.addAction("&Preferences…", self._on_preferences)
        self.preferences_action.setShortcut(QKeySequence(PREFERENCES_KEY))
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        app_menu.addSeparator()
        self.quit_action = app_menu.addAction("&Quit", commands.quit)
        self.quit_action.setShortcut(QKeySequence(QUIT_KEY))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.setToolTip("Leave every chat and close Chatbox (a hosted chat ends)")
        menus = [app_menu]
        self.theme_actions: dict[str, QAction] = {}
        if view:
            menus.append(self._view_menu(bar))
        for menu in menus:
            if before is not None:
                bar.insertMenu(before, menu)
            else:
                bar.addMenu(menu)
        help_menu = bar.addMenu("&Help")
        self.shortcuts_action = help_menu.addAction("&Keyboard shortcuts", self._on_shortcuts)
        self.shortcuts_action.setShortcut(QKeySequence(SHORTCUTS_KEY))
        help_menu.addSeparator()
        self.about_action = help_menu.addAction("&About Chatbox", self._on_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        choices.changed.connect(self._on_choice_changed)
        self._on_choice_changed("")

    def _view_menu(self, bar: QMenuBar) -> QMenu:
        menu = QMenu("&View", bar)
        self.larger_action = menu.addAction("&Larger text", self._on_larger)
        self.larger_action.setShortcuts([QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")])
        self.smaller_action = menu.addAction("&Smaller text", self._on_smaller)
        self.smaller_action.setShortcut(QKeySequence("Ctrl+-"))
        self.reset_size_action = menu.addAction("&Reset text size", self._on_reset_size)
        self.reset_size_action.setShortcut(QKeySequence("Ctrl+0"))
        menu.addSeparator()
        theme_menu = menu.addMenu("&Theme")
        group = QActionGroup(theme_menu)
        for name, label in THEME_NAMES.items():
            action = QAction(f"&{label}", group)
            action.setCheckable(True)
            action.setData(name)
            action.triggered.connect(self._on_theme_chosen)
            theme_menu.addAction(action)
            self.theme_actions[name] = action
        menu.addSeparator()
        self.joins_action = QAction("Show &join/part lines", menu)
        self.joins_action.setCheckable(True)
        self.joins_action.setToolTip("Lines for people joining, leaving and quitting")
        self.joins_action.toggled.connect(self._on_joins_toggled)
        menu.addAction(self.joins_action)
        self.members_action = QAction("Show &member list", menu)
        self.members_action.setCheckable(True)
        self.members_action.toggled.connect(self._on_members_toggled)
        menu.addAction(self.members_action)
        return menu

    @Slot()
    def _on_preferences(self) -> None:
        self._commands.preferences(self._window)

    @Slot()
    def _on_shortcuts(self) -> None:
        self._commands.shortcuts(self._window)

    @Slot()
    def _on_about(self) -> None:
        self._commands.about(self._window)

    @Slot()
    def _on_larger(self) -> None:
        self._choices.zoom(1)

    @Slot()
    def _on_smaller(self) -> None:
        self._choices.zoom(-1)

    @Slot()
    def _on_reset_size(self) -> None:
        self._choices.zoom(0)

    @Slot()
    def _on_theme_chosen(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self._choices.change("theme", str(action.data()))

    @Slot(bool)
    def _on_joins_toggled(self, on: bool) -> None:
        self._choices.change("hide_joins", not on)

    @Slot(bool)
    def _on_members_toggled(self, on: bool) -> None:
        self._choices.change("show_members", on)

    @Slot(str)
    def _on_choice_changed(self, _name: str) -> None:
        """Every switch shows the saved choice (changed here, elsewhere, or at start)."""
        settings = self._choices.settings
        for name, action in self.theme_actions.items():
            action.setChecked(name == settings.theme)  # triggered, not toggled: no echo
        if self.theme_actions:
            for action, on in ((self.joins_action, not settings.hide_joins),
                               (self.members_action, settings.show_members)):
                action.blockSignals(True)
                action.setChecked(on)
                action.blockSignals(False)
