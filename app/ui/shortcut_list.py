"""Help → Keyboard shortcuts: a table made from the window's own menus and shortcuts, so it
always says what the keys really do."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QMenuBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.input_line import InputLine


@dataclass(frozen=True)
class ShortcutRow:
    where: str  # the menu path ("View → Theme"), the field it works in, or "": anywhere
    what: str
    keys: str  # in the platform's words, several joined by ", "


def plain(text: str) -> str:
    """A menu text without its mnemonic ampersand and trailing ellipsis."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def _keys(sequences: list[QKeySequence]) -> str:
    native = QKeySequence.SequenceFormat.NativeText
    return ", ".join(s.toString(native) for s in sequences if not s.isEmpty())


def _menu_rows(menu: QMenu, path: str) -> list[ShortcutRow]:
    rows = []
    for action in menu.actions():
        sub = action.menu()
        if isinstance(sub, QMenu):
            rows += _menu_rows(sub, f"{path} → {plain(sub.title())}")
        elif not action.isSeparator() and action.isVisible() and action.shortcuts():
            rows.append(ShortcutRow(path, plain(action.text()), _keys(action.shortcuts())))
    return rows


def shortcut_rows(window: QWidget) -> list[ShortcutRow]:
    """Every key of ``window``: its menus' actions in menu order, then its other shortcuts
    (named by their "What's this" text, else by the widget they belong to)."""
    rows: list[ShortcutRow] = []
    bar = window.findChild(QMenuBar)
    if bar is not None:
        for top in bar.actions():
            menu = top.menu()
            if isinstance(menu, QMenu):
                rows += _menu_rows(menu, plain(menu.title()))
    in_menus = {id(a) for m in window.findChildren(QMenu) for a in m.actions()}
    for action in window.findChildren(QAction):
        if id(action) not in in_menus and action.shortcuts() and action.associatedObjects():
            rows.append(ShortcutRow("", plain(action.text()), _keys(action.shortcuts())))
    for shortcut in window.findChildren(QShortcut):
        parent = shortcut.parent()
        field = parent.accessibleName() if parent is not window and isinstance(
            parent, QWidget) else ""
        if shortcut.isEnabled() and shortcut.keys():
            rows.append(ShortcutRow(field, shortcut.whatsThis() or "—", _keys(shortcut.keys())))
    for editor in window.findChildren(InputLine):  # keys it handles itself
        for what, keys in editor.KEYS:
            sequences = [QKeySequence(key) for key in keys.split(", ")]
            rows.append(ShortcutRow(editor.accessibleName(), what, _keys(sequences)))
    return rows


class ShortcutsDialog(QDialog):
    """The keys of ``window`` in a table: Menu, Action, Keys."""

    def __init__(self, window: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setWindowTitle("Chatbox — keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        self.rows = shortcut_rows(window)
        self.table = QTableWidget(len(self.rows), 3)
        self.table.setAccessibleName("Shortcuts")
        self.table.setHorizontalHeaderLabels(["Menu or field", "Action", "Keys"])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setAccessibleName("Rows")
        self.table.horizontalHeader().setAccessibleName("Columns")
        corner = self.table.findChild(QAbstractButton)
        if corner is not None:  # the table's select-all corner
            corner.setAccessibleName("Select all")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        for row, item in enumerate(self.rows):
            for column, text in enumerate((item.where, item.what, item.keys)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column in (0, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        close.setFocus()
        self.resize(520, 480)
