"""The Room menu of a chat window: find, leave, the three switches the settings remember
(desktop notifications, pictures from links, file offers from strangers), and close.

Ctrl+W leaves the room. The platform's standard Close keys hold Ctrl+W as well (Ctrl+W and
Ctrl+F4 under X11), and two actions on one key make Qt run neither ("Ambiguous shortcut
overload"): Close window keeps the platform's other Close keys only."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QWidget

from app.client.session import ChatSession

LEAVE_KEY = "Ctrl+W"


def close_keys() -> list[QKeySequence]:
    """The platform's Close keys but Ctrl+W, which leaves the room."""
    leave = QKeySequence(LEAVE_KEY)
    return [k for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Close) if k != leave]


class ChatMenu(QObject):
    """Builds the menu on ``window``'s menu bar and owns its switches; the window relays the
    signals and passes the saved settings on.

    Signals:
        notifications_toggled(bool): the user turned desktop notifications on or off.
        link_images_toggled(bool): the user allowed (or stopped) loading linked pictures.
        strangers_toggled(bool): file offers from people in none of our rooms, on or off.
    """

    notifications_toggled = Signal(bool)
    link_images_toggled = Signal(bool)
    strangers_toggled = Signal(bool)

    def __init__(
        self,
        window: QMainWindow,
        session: ChatSession,
        find: Callable[[], None],
        leave: Callable[[], None],
    ) -> None:
        super().__init__(window)
        self._session = session
        self.menu = menu = window.menuBar().addMenu("&Room")
        find_action = menu.addAction("&Find in room…", find)
        find_action.setShortcut(QKeySequence.StandardKey.Find)
        leave_action = menu.addAction("&Leave room", leave)
        leave_action.setShortcut(QKeySequence(LEAVE_KEY))
        menu.addSeparator()
        self.notify_action = QAction("Desktop &notifications", window)
        self.notify_action.setCheckable(True)
        self.notify_action.setChecked(True)
        self.notify_action.setToolTip("A notification when someone mentions you or writes to you")
        self.notify_action.toggled.connect(self.notifications_toggled)
        menu.addAction(self.notify_action)
        self.link_images_action = QAction("Show &pictures from links", window)
        self.link_images_action.setCheckable(True)
        self.link_images_action.setToolTip(
            "Fetch the pictures people link to and show them in the room (the sites then "
            "see your address)"
        )
        self.link_images_action.toggled.connect(self._on_link_images_toggled)
        menu.addAction(self.link_images_action)
        self.strangers_action = QAction("Accept file offers from &strangers", window)
        self.strangers_action.setCheckable(True)
        self.strangers_action.setToolTip(
            "Also be asked about files from people who are in none of your rooms"
        )
        self.strangers_action.toggled.connect(self._on_strangers_toggled)
        menu.addAction(self.strangers_action)
        menu.addSeparator()
        close_action = menu.addAction("&Close window", window.close)
        close_action.setShortcuts(close_keys())
        overflow = window.menuBar().findChild(QWidget, "qt_menubar_ext_button")
        if overflow is not None:  # Qt's ">>" for menus that do not fit
            overflow.setAccessibleName("More menus")

    @Slot(bool)
    def _on_link_images_toggled(self, on: bool) -> None:
        self._session.link_images.enabled = on
        self.link_images_toggled.emit(on)

    @Slot(bool)
    def _on_strangers_toggled(self, on: bool) -> None:
        self._session.files_from_strangers = on
        self.strangers_toggled.emit(on)

    def set_files_from_strangers(self, on: bool) -> None:
        """The saved choice, without telling it back."""
        self.strangers_action.blockSignals(True)
        self.strangers_action.setChecked(on)
        self.strangers_action.blockSignals(False)
        self._session.files_from_strangers = on

    def set_link_images(self, on: bool) -> None:
        """The saved choice, without telling it back."""
        self.link_images_action.blockSignals(True)
        self.link_images_action.setChecked(on)
        self.link_images_action.blockSignals(False)
        self._session.link_images.enabled = on

    @property
    def notify_enabled(self) -> bool:
        return self.notify_action.isChecked()

    @notify_enabled.setter
    def notify_enabled(self, on: bool) -> None:
        self.notify_action.blockSignals(True)
        self.notify_action.setChecked(on)
        self.notify_action.blockSignals(False)
