"""The system tray: Chatbox's icon with the unread count painted on it, a menu (Show, Mute
notifications, Quit), notifications shown as its messages, and chat windows that close
into it instead of going away.

Whether the desktop has a tray is asked through ``available`` (tests say yes or no; the
offscreen platform has none). Without a tray there is no icon and windows close as always.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

ICON_PX = 64
BADGE_RED = "#d32f2f"
STATUS_NOTIFIER_WATCHER = "org.kde.StatusNotifierWatcher"  # Qt then notifies over D-Bus


def badge_icon(base: QIcon, count: int) -> QIcon:
    """``base`` with ``count`` in a red disc at its top right (``base`` itself for 0)."""
    if count <= 0:
        return base
    pixmap = base.pixmap(ICON_PX, ICON_PX) if not base.isNull() else QPixmap()
    if pixmap.isNull():
        pixmap = QPixmap(ICON_PX, ICON_PX)
        pixmap.fill(QColor("#2f65ca"))
    text = str(count) if count < 100 else "99+"
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    side = ICON_PX * (0.62 if len(text) < 3 else 0.8)
    disc = QRectF(ICON_PX - side, 0, side, ICON_PX * 0.62)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(BADGE_RED))
    painter.drawRoundedRect(disc, disc.height() / 2, disc.height() / 2)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(int(disc.height() * (0.7 if len(text) < 3 else 0.55)))
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(disc, Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return QIcon(pixmap)


def hides_with_empty_message() -> bool:
    """Whether showing an empty tray message takes the last one away: Qt's own balloon
    (X11 with no StatusNotifier host) and Windows' balloons, not notification servers."""
    if sys.platform == "darwin":
        return False
    if sys.platform == "win32":
        return True
    try:  # left out of the frozen build: there, assume a notification server
        from PySide6.QtDBus import QDBusConnection
    except ImportError:
        return False
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return True
    interface = bus.interface()
    if interface is None:
        return True
    return not interface.isServiceRegistered(STATUS_NOTIFIER_WATCHER).value()


def unread_tooltip(count: int) -> str:
    if count <= 0:
        return "Chatbox"
    return f"Chatbox — {count} unread message{'' if count == 1 else 's'}"


class AppTray(QObject):
    """The app's one tray icon (none where the desktop has no tray).

    Signals:
        show_requested(): Show, or a click on the icon.
        mute_toggled(bool): Mute notifications ticked or unticked.
        quit_requested(): Quit.
    """

    show_requested = Signal()
    mute_toggled = Signal(bool)
    quit_requested = Signal()

    def __init__(
        self,
        icon: QIcon,
        available: Callable[[], bool] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._base = icon
        # Asked by start(), again when a notification finds no icon (a panel that came
        # later); tests say yes or no.
        self.available = available or (lambda: QSystemTrayIcon.isSystemTrayAvailable())
        self._on_message_click: Callable[[], None] | None = None
        self.unread = 0
        self.menu = QMenu()
        self.menu.setAccessibleName("Chatbox tray menu")
        self.show_action = self.menu.addAction("&Show Chatbox", self.show_requested.emit)
        self.mute_action = QAction("&Mute notifications", self.menu)
        self.mute_action.setCheckable(True)
        self.mute_action.toggled.connect(self.mute_toggled)
        self.menu.addAction(self.mute_action)
        self.menu.addSeparator()
        self.quit_action = self.menu.addAction("&Quit Chatbox", self.quit_requested.emit)
        self.icon: QSystemTrayIcon | None = None

    @property
    def shown(self) -> bool:
        """There is a tray, and our icon is in it."""
        return self.icon is not None and self.icon.isVisible()

    def start(self) -> None:
        """Put the icon in the tray, where the desktop has one."""
        if self.icon is None and self.available():
            self.icon = QSystemTrayIcon(self._base, self)
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._on_activated)
            self.icon.messageClicked.connect(self._on_message_clicked)
            self.icon.setToolTip(unread_tooltip(self.unread))
        if self.icon is not None:
            self.icon.show()

    def stop(self) -> None:
        if self.icon is not None:
            self.icon.hide()

    def set_unread(self, count: int) -> None:
        if count == self.unread:
            return
        self.unread = count
        if self.icon is not None:
            self.icon.setIcon(badge_icon(self._base, count))
            self.icon.setToolTip(unread_tooltip(count))

    def set_muted(self, on: bool) -> None:
        """The saved choice, without telling it back."""
        self.mute_action.blockSignals(True)
        self.mute_action.setChecked(on)
        self.mute_action.blockSignals(False)

    def show_message(
        self, title: str, body: str, on_click: Callable[[], None] | None = None
    ) -> bool:
        """A notification from the tray icon; False when there is no tray to show it."""
        if self.icon is None:
            self.start()
        if self.icon is None:
            return False
        self._on_message_click = on_click
        self.icon.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, 8000)
        return True

    def withdraw_message(self) -> None:
        """Take back the message shown: a click on it does nothing now, and it goes where
        Qt draws it itself (a balloon: an empty message hides it). A desktop notification
        server would show an empty one instead; there it times out by itself."""
        self._on_message_click = None
        if self.icon is not None and self.icon.isVisible() and hides_with_empty_message():
            self.icon.showMessage("", "", QSystemTrayIcon.MessageIcon.NoIcon, 1)

    @Slot(QSystemTrayIcon.ActivationReason)
    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.show_requested.emit()

    @Slot()
    def _on_message_clicked(self) -> None:
        if self._on_message_click is not None:
            self._on_message_click()


class CloseToTray(QObject):
    """An event filter for chat windows: closing one hides it into the tray instead, while
    the tray shows our icon and ``keep(window)`` says so.

    Signals: hidden(QWidget): a window went into the tray rather than closing.
    """

    hidden = Signal(QWidget)

    def __init__(
        self, tray: AppTray, keep: Callable[[QWidget], bool], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._tray = tray
        self._keep = keep

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Close
            and isinstance(watched, QWidget)
            and self._tray.shown
            and self._keep(watched)
        ):
            event.ignore()
            watched.hide()
            self.hidden.emit(watched)
            return True
        return False
