"""The QApplication, for composition roots that are not app/__main__.py (the GUI bench)."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication


def gui_application() -> QApplication:
    """This process's QApplication, made when there is none yet."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    return app


def platform_name() -> str:
    return QApplication.platformName()
