"""Unexpected exceptions: logged with their traceback, shown to a person as one line."""

from __future__ import annotations

import logging
import sys
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMainWindow

log = logging.getLogger("chatbox.ui")
SHOW_MS = 10_000


def friendly_line(kind: type[BaseException]) -> str:
    return f"Something went wrong ({kind.__name__}). It was logged; Chatbox keeps running."


def report_unexpected(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    """``sys.excepthook``: the traceback goes to the log, one line to the user."""
    log.error("unexpected error", exc_info=(kind, value, tb))
    line = friendly_line(kind)
    window = QApplication.activeWindow()
    if not isinstance(window, QMainWindow):
        window = next(
            (
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, QMainWindow) and w.isVisible()
            ),
            None,
        )
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(line, SHOW_MS)
    print(f"Chatbox: {line}", file=sys.stderr)


def install() -> None:
    sys.excepthook = report_unexpected
