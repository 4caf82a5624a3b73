"""Draws the member list: members who are away (AWAY_ROLE) greyed, as disabled text is."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from app.client.roles import AWAY_ROLE


class MemberDelegate(QStyledItemDelegate):
    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        if index.data(AWAY_ROLE):
            palette = QPalette(option.palette)
            grey = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            for role in (QPalette.ColorRole.Text, QPalette.ColorRole.HighlightedText):
                palette.setColor(role, grey)
            option.palette = palette
