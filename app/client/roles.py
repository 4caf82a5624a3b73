"""The item-data roles of the chat models (one numbering for all of them, so a delegate can
read any model's rows)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex

TIME_ROLE = Qt.ItemDataRole.UserRole + 1
SENDER_ROLE = Qt.ItemDataRole.UserRole + 2
TEXT_ROLE = Qt.ItemDataRole.UserRole + 3
KIND_ROLE = Qt.ItemDataRole.UserRole + 4
OWN_ROLE = Qt.ItemDataRole.UserRole + 5
UNREAD_ROLE = Qt.ItemDataRole.UserRole + 6
MODES_ROLE = Qt.ItemDataRole.UserRole + 7
ROOM_KIND_ROLE = Qt.ItemDataRole.UserRole + 8
LINE_ROLE = Qt.ItemDataRole.UserRole + 9  # the ChatLine itself (one call for a delegate)
MARKER_ROLE = Qt.ItemDataRole.UserRole + 10  # True for the first unread line
HIGHLIGHT_ROLE = Qt.ItemDataRole.UserRole + 11  # a room's unread mentions and private messages
AWAY_ROLE = Qt.ItemDataRole.UserRole + 12  # a member who is away (greyed)
ONLINE_ROLE = Qt.ItemDataRole.UserRole + 20  # a contact who is online (MONITOR); 20+: presence
