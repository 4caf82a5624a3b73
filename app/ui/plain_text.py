"""Text from the network on screen as the characters it is made of, never as rich text.

Qt guesses: a QLabel, a QMessageBox or a tooltip whose text looks like HTML
(``Qt::mightBeRichText``) renders it, so ``<img src=…>`` in a disconnect reason would become
a picture, ``<a href=…>`` a link, and ``&lt;`` a ``<``. Every label and message box that can
show such text is set to ``Qt.TextFormat.PlainText`` where it is made. What has no such
switch goes through here: tooltips (QToolTip always guesses), the tooltips of item views
(the view hands a row's ``ToolTipRole`` to QToolTip as it is), and the body of a desktop
notification (freedesktop notification servers read markup in it).
"""

from __future__ import annotations

import html
import sys

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QAbstractItemView, QToolTip

# Windows and macOS show a tray message as plain text; elsewhere Qt hands it to the
# freedesktop notification server (GNOME, KDE, dunst …) unchanged, which reads markup.
NOTIFICATION_MARKUP = not sys.platform.startswith(("win", "cygwin", "darwin"))


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip Qt shows literally, line breaks kept. Escaping alone is not
    enough: Qt would take ``a &amp; b`` for plain text and show the entity."""
    if not text:
        return ""
    return f'<p style="white-space:pre-wrap">{html.escape(text, quote=False)}</p>'


def notification_body(text: str) -> str:
    """The body of a desktop notification, shown literally by the desktop's notification
    server. (The title is plain text everywhere.)"""
    return html.escape(text, quote=False) if NOTIFICATION_MARKUP else text


class PlainItemToolTips(QObject):
    """Shows the ``ToolTipRole`` of an item view's rows literally: it answers the tooltip
    events of the view's viewport before the view would pass the text on as it is."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self._view = view
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ToolTip or not isinstance(event, QHelpEvent):
            return False
        index = self._view.indexAt(event.pos())
        text = index.data(Qt.ItemDataRole.ToolTipRole) if index.isValid() else None
        if not isinstance(text, str) or not text:
            return False  # no row tooltip: the view's own tooltip, as before
        QToolTip.showText(event.globalPos(), plain_tooltip(text), self._view.viewport(),
                          self._view.visualRect(index))
        return True
