"""Themes: the system's look, or Fusion with a light or a dark palette, app-wide at once."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

__all__ = ["THEME_NAMES", "ThemeSwitcher", "dark_palette", "light_palette"]

THEME_NAMES = {"system": "System", "light": "Light", "dark": "Dark"}

_R = QPalette.ColorRole
_DARK = {
    _R.Window: "#2b2d30", _R.WindowText: "#dfe1e5", _R.Base: "#1e1f22",
    _R.AlternateBase: "#2b2d30", _R.Text: "#dfe1e5", _R.Button: "#3c3f41",
    _R.ButtonText: "#dfe1e5", _R.BrightText: "#ffffff", _R.Highlight: "#2f65ca",
    _R.HighlightedText: "#ffffff", _R.Link: "#6ea8fe", _R.LinkVisited: "#b48ead",
    _R.PlaceholderText: "#8c8f94", _R.ToolTipBase: "#3c3f41", _R.ToolTipText: "#dfe1e5",
    _R.Light: "#4a4d50", _R.Midlight: "#3c3f41", _R.Mid: "#55585c", _R.Dark: "#1b1c1e",
    _R.Shadow: "#101112",
}
_LIGHT = {
    _R.Window: "#efefef", _R.WindowText: "#1f1f1f", _R.Base: "#ffffff",
    _R.AlternateBase: "#f5f5f5", _R.Text: "#1f1f1f", _R.Button: "#efefef",
    _R.ButtonText: "#1f1f1f", _R.BrightText: "#ffffff", _R.Highlight: "#2f65ca",
    _R.HighlightedText: "#ffffff", _R.Link: "#0b57d0", _R.LinkVisited: "#7b1fa2",
    _R.PlaceholderText: "#6f6f6f", _R.ToolTipBase: "#ffffdc", _R.ToolTipText: "#1f1f1f",
    _R.Light: "#ffffff", _R.Midlight: "#e3e3e3", _R.Mid: "#b8b8b8", _R.Dark: "#9f9f9f",
    _R.Shadow: "#767676",
}
_DISABLED = (_R.WindowText, _R.Text, _R.ButtonText)


def _palette(colours: dict[QPalette.ColorRole, str], disabled: str) -> QPalette:
    palette = QPalette()
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    for role in _DISABLED:
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled))
    return palette


def dark_palette() -> QPalette:
    return _palette(_DARK, "#7a7d82")


def light_palette() -> QPalette:
    return _palette(_LIGHT, "#a0a0a0")


class ThemeSwitcher:
    """Applies a theme to ``app``. The system's style and palette are noted at the first
    switch, so choosing System again gives them back exactly."""

    def __init__(self, app: QApplication) -> None:
        self._app = app
        self._system: tuple[str, QPalette] | None = None
        self.current = "system"

    def apply(self, name: str) -> None:
        if name == self.current:
            return
        if self._system is None:
            self._system = (self._app.style().name(), QPalette(self._app.palette()))
        style, palette = self._system
        if name == "light":
            style, palette = "Fusion", light_palette()
        elif name == "dark":
            style, palette = "Fusion", dark_palette()
        if self._app.style().name().lower() != style.lower():
            self._app.setStyle(style)
        self._app.setPalette(palette)
        self.current = name
