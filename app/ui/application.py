"""The QApplication, for composition roots that are not app/__main__.py (the GUI bench)."""

from __future__ import annotations

import contextlib
import sys

from PySide6.QtWidgets import QApplication


def gui_application() -> QApplication:
    """This process's QApplication, made when there is none yet."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    return app


def platform_name() -> str:
    return QApplication.platformName()


NO_FONTS = (
    "Chatbox found no fonts, so it cannot draw text. Install fontconfig and a font "
    "(on Debian: sudo apt-get install fontconfig fonts-dejavu-core) and start it again."
)


GENERIC_FAMILIES = frozenset({"Monospace", "Sans Serif", "Serif", "Sans", "Mono"})


def font_problem() -> str | None:
    """Words for the user when no real font is installed. Qt then still lists fontconfig's
    generic aliases ("Sans Serif" …) but resolves them to nothing and draws empty boxes."""
    from PySide6.QtGui import QFont, QFontDatabase, QFontInfo

    real = [f for f in QFontDatabase.families() if f not in GENERIC_FAMILIES]
    return None if real and QFontInfo(QFont()).family() else NO_FONTS


def set_identity() -> None:
    """The window icon and the desktop file name (the launcher's StartupWMClass)."""
    from PySide6.QtGui import QGuiApplication, QIcon

    from app.resources import resource_path

    QGuiApplication.setDesktopFileName("chatbox")
    with contextlib.suppress(FileNotFoundError):  # an icon is never a reason not to start
        QGuiApplication.setWindowIcon(QIcon(str(resource_path("icons", "chatbox.svg"))))
