"""The emoji picker: a small popup with a search field, the emoji used most (and lately)
first, and a grid of common ones. Names come from the Unicode database
(``unicodedata.name``): "thumbs up sign", "party popper"; a search also looks through the
main emoji blocks beyond the grid.
"""

from __future__ import annotations

import functools
import unicodedata
from collections import Counter

from PySide6.QtCore import QPoint, Qt, Signal, Slot
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

COMMON = (
    "👍", "👎", "❤️", "😂", "😀", "😊", "😍", "🎉",
    "😮", "😢", "😡", "🙏", "🔥", "👀", "✅", "❌",
    "💯", "🤔", "😅", "😎", "🙌", "👏", "💪", "🤝",
    "👋", "🥳", "😴", "🤯", "😬", "🙈", "🍕", "☕",
    "🍺", "🚀", "⭐", "💡", "⚠️", "❓", "🌮", "🎂",
)
# searched by name beyond COMMON: pictographs, emoticons, transport, supplemental, dingbats
BLOCKS = ((0x1F300, 0x1F5FF), (0x1F600, 0x1F64F), (0x1F680, 0x1F6FF),
          (0x1F900, 0x1F9FF), (0x2600, 0x27BF))
COLUMNS = 8
RECENT_SHOWN = COLUMNS  # one row of the most used
RESULTS_SHOWN = 6 * COLUMNS
REMEMBERED = 40  # picks kept (newest first) to tell the frequent from the rest


def emoji_name(emoji: str) -> str:
    """"thumbs up sign" for 👍 (the name of its first character, lower case)."""
    return unicodedata.name(emoji[0], "").lower() if emoji else ""


def remember(picks: list[str], emoji: str) -> list[str]:
    """``picks`` (newest first) with ``emoji`` picked once more."""
    return [emoji, *picks][:REMEMBERED]


def most_used(picks: list[str], limit: int = RECENT_SHOWN) -> list[str]:
    """The emoji of ``picks`` (newest first): the most picked first, the latest first
    among equals."""
    counts = Counter(picks)
    first_seen = {emoji: i for i, emoji in reversed(list(enumerate(picks)))}
    return sorted(counts, key=lambda e: (-counts[e], first_seen[e]))[:limit]


def _all_names() -> list[tuple[str, str]]:
    found = [(emoji, emoji_name(emoji)) for emoji in COMMON]
    for low, high in BLOCKS:
        for code in range(low, high + 1):
            char = chr(code)
            name = unicodedata.name(char, "")
            if name and char not in COMMON:
                found.append((char, name.lower()))
    return found


def search(words: str, limit: int = RESULTS_SHOWN) -> list[str]:
    """The emoji whose name has a word starting with each word of ``words`` ("cat" finds
    "grinning cat face", not "multiplication x"); the common ones first."""
    wanted = words.lower().split()
    if not wanted:
        return list(COMMON)
    hits = [e for e, name in _NAMES
            if all(any(part.startswith(word) for part in name.split()) for word in wanted)]
    return hits[:limit]


@functools.cache
def _fonts() -> tuple[QFontMetrics, ...]:
    return tuple(QFontMetrics(QFont(family)) for family in QFontDatabase.families())


@functools.cache
def _in_a_font(code: int) -> bool:
    return any(metrics.inFontUcs4(code) for metrics in _fonts())


def drawable(emoji: str) -> bool:
    """Whether a font of this computer draws every character of ``emoji`` (variation
    selectors and joiners aside): where none does, Qt would show an empty box."""
    return all(_in_a_font(ord(c)) for c in emoji if c not in "\ufe0f\u200d")


_NAMES = _all_names()


class EmojiPicker(QFrame):
    """A popup: type to filter by name, click (or Enter for the first) to pick.

    Signals:
        picked(str): the emoji chosen (the popup closes).
    """

    picked = Signal(str)

    def __init__(self, recent: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("EmojiPicker")
        self.setAccessibleName("Emoji picker")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.search_field = QLineEdit()
        self.search_field.setPlaceholderText("Search emoji by name")
        self.search_field.setAccessibleName("Search emoji")
        self.search_field.setClearButtonEnabled(True)
        self.search_field.textChanged.connect(self._on_search)
        self.search_field.returnPressed.connect(self._on_return)
        self._recent = [e for e in most_used(recent) if drawable(e)]
        self.recent_label = QLabel("Frequently used")
        self.recent_grid = QGridLayout()
        self.all_label = QLabel("Common")
        self.grid = QGridLayout()
        for grid in (self.recent_grid, self.grid):
            grid.setSpacing(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.addWidget(self.search_field)
        column.addWidget(self.recent_label)
        column.addLayout(self.recent_grid)
        column.addWidget(self.all_label)
        column.addLayout(self.grid)
        column.addStretch(1)
        self._font = QFont(self.font())
        self._font.setPointSizeF(max(self._font.pointSizeF(), 9.0) * 1.5)
        self.buttons: dict[str, QToolButton] = {}  # the grid's (not the recent row's)
        self.recent_buttons: dict[str, QToolButton] = {}
        self._fill(self.recent_grid, self._recent, self.recent_buttons)
        self._shown: list[str] = []
        self._on_search("")

    def results(self) -> list[str]:
        """The emoji in the grid now, in order."""
        return list(self._shown)

    def recent(self) -> list[str]:
        return list(self._recent)

    def popup(self, at: QPoint) -> None:
        """Show at ``at`` (global), kept on the screen; the search field takes the keys."""
        self.adjustSize()
        screen = QGuiApplication.screenAt(at) or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        x = max(area.left(), min(at.x(), area.right() - self.width()))
        y = at.y() if at.y() + self.height() <= area.bottom() else at.y() - self.height()
        self.move(x, max(area.top(), y))
        self.show()
        self.search_field.setFocus()

    def _fill(self, grid: QGridLayout, emoji: list[str], buttons: dict[str, QToolButton]) -> None:
        for button in buttons.values():
            grid.removeWidget(button)
            button.deleteLater()
        buttons.clear()
        for i, char in enumerate(emoji):
            button = QToolButton(self)
            button.setText(char)
            button.setFont(self._font)
            button.setAutoRaise(True)
            name = emoji_name(char)
            button.setToolTip(name)
            button.setAccessibleName(name)
            button.clicked.connect(self._on_button)
            grid.addWidget(button, i // COLUMNS, i % COLUMNS)
            buttons[char] = button

    @Slot(str)
    def _on_search(self, words: str) -> None:
        searching = bool(words.strip())
        found = search(words, limit=len(_NAMES))
        hits = [e for e in found if drawable(e)][:RESULTS_SHOWN]
        hidden = 0 if searching else len(found) - len(hits)
        if searching:  # the ones used most, first
            hits = [e for e in self._recent if e in hits] + [
                e for e in hits if e not in self._recent]
        self._shown = hits
        self._fill(self.grid, self._shown, self.buttons)
        self.recent_label.setVisible(bool(self._recent) and not searching)
        for button in self.recent_buttons.values():
            button.setVisible(not searching)
        self.all_label.setText("No emoji has that name" if not self._shown else
                               "Found" if searching else "Common")
        if hidden:  # a computer without an emoji font: say why the grid is short
            self.all_label.setText(f"Common ({hidden} more need an emoji font on this "
                                   "computer)")

    @Slot()
    def _on_button(self) -> None:
        button = self.sender()
        if isinstance(button, QToolButton):
            self.choose(button.text())

    @Slot()
    def _on_return(self) -> None:
        if self._shown:
            self.choose(self._shown[0])

    def choose(self, emoji: str) -> None:
        self.picked.emit(emoji)
        self.close()
